"""The ``bench`` sub-commands, one module each.

A module here registers a function that adds its sub-parser::

    @COMMANDS.register("table")
    def add_parser(subparsers) -> None:
        parser = subparsers.add_parser("table", help="...")
        parser.set_defaults(handler=run_table)

The handler receives the parsed ``argparse.Namespace`` and returns an exit status. Modules are
discovered automatically, so adding a command is adding a file. Keep heavy imports (torch,
pandas) inside handlers so that ``bench --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from collections.abc import Callable

from sdcodec.core.registry import Registry

AddParser = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]

COMMANDS: Registry[AddParser] = Registry("command")


def discover() -> Registry[AddParser]:
    """Imports every module of this package so that each registers its command."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return COMMANDS

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


def add_trust_checkpoint_option(parser: argparse.ArgumentParser) -> None:
    """``--trust-checkpoint PATH`` (repeatable): the one opt-in to read a checkpoint that needs
    more than weights-only unpickling, for the named files only (``bench.cli.main`` applies it;
    policy in ``sdcodec.checkpoint_trust``)."""
    parser.add_argument("--trust-checkpoint", action="append", default=None, metavar="PATH",
                        help="read this checkpoint even though it needs full unpickling, which "
                             "can run code: only for a file whose source you trust (repeatable)")


def discover() -> Registry[AddParser]:
    """Imports every module of this package so that each registers its command."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return COMMANDS

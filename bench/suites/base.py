"""The suite contract and its registry."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sdcodec.core.registry import Registry

SUITES: Registry["Suite"] = Registry("suite")


@dataclass(frozen=True)
class Suite:
    """A named benchmark.

    ``tasks``: the clip-evaluation tasks (``bench.engine.tasks.TASKS``) it runs on every model that can
    do them. ``default_models``: model specs used when the user names none (``LABEL=PATH`` or an
    embedded default such as ``sdcodec-tiny``; a label may hold ``=``). ``layouts``: the table
    layouts ``bench run`` prints at the end and ``bench table`` renders for the suite's runs by
    default. ``runner``: a function ``(suite, RunConfig, out, progress=, echo=) -> Path`` for
    suites that are not clip evaluations (throughput, bitrate: re-measured on every run, never
    resumed); None means the standard, resumable evaluation runner. ``members``: the suites an
    aggregate suite (``all``) runs in turn, each in its own folder.
    """

    name: str
    description: str
    tasks: tuple[str, ...] = ()
    default_models: tuple[str, ...] = ()
    layouts: tuple[str, ...] = ()
    runner: Callable[..., Any] | None = field(default=None, compare=False)
    #: Suites run in order by an aggregate suite (``all``).
    members: tuple[str, ...] = ()
    #: Clips scored when ``--limit`` is not given (None: every clip), to keep a suite that
    #: multiplies the work (rate-distortion: every operating point) quick by default.
    default_limit: int | None = None
    #: Figures (``bench.reporting.plots.PLOTS``) written to ``RUN/plots`` at the end of a run.
    figures: tuple[str, ...] = ()


def discover() -> Registry[Suite]:
    """Imports every suite module so that each registers itself."""
    package = importlib.import_module("bench.suites")
    for module in pkgutil.iter_modules(package.__path__):
        if module.name != "base":
            importlib.import_module(f"bench.suites.{module.name}")
    return SUITES

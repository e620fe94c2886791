"""The Python API: run a suite on model objects or specs from a notebook or a script.

::

    import bench

    results = bench.evaluate("resynthesis", models={"Mine": MyCodec(), "DAC": "dac-tiny"},
                             limit=4, metrics=("si_sdr",))
    results.summary          # pandas: mean, std, counts per model, task, input, output, metric
    results.clips            # pandas: one row per model, task, input, output, clip and metric
    print(results.table("latex"))

It is ``bench run``: the same engine, run folder, resumption (the same call again computes only
what is missing; an object's ``identity()`` is part of the run hash) and provenance, and the
same one-line errors (``BenchError``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from bench.api import ModelBase
from sdcodec.core.errors import ConfigError

#: Options of ``evaluate`` that are not ``RunConfig`` fields.
_NOT_OPTIONS = ("suite", "models", "data")


@dataclass(frozen=True)
class Results:
    """A finished run: its folder and, read from it, the per-clip rows and the summary."""

    run_dir: Path

    @property
    def clips(self) -> pd.DataFrame:
        """Per-clip rows (``clips.parquet``); empty for a measurement suite (throughput, bitrate)."""
        from bench.results.store import load_rows

        if not (self.run_dir / "clips.parquet").is_file():
            return pd.DataFrame()
        return load_rows(self.run_dir)

    @property
    def summary(self) -> pd.DataFrame:
        """``summary.csv`` (or a measurement suite's ``throughput.csv`` / ``bitrate.csv``)."""
        for name in ("summary.csv", "throughput.csv", "bitrate.csv"):
            if (self.run_dir / name).is_file():
                return pd.read_csv(self.run_dir / name)
        raise ConfigError(f"{self.run_dir}: holds no summary (the run did not complete)")

    @property
    def manifest(self) -> dict[str, Any]:
        """The run's provenance (``manifest.json``)."""
        from bench.results.store import RunStore

        return RunStore(self.run_dir).read_manifest()

    def table(self, fmt: str = "markdown", layout: str | None = None, paper: bool = False) -> str:
        """The run's tables as ``bench table`` renders them (markdown, latex or csv)."""
        from bench.reporting.report import render_tables

        return render_tables([str(self.run_dir)], fmt, layout, paper)


def _specs(models: Mapping[str, ModelBase | str]) -> tuple[str, ...]:
    """``LABEL=SPEC`` for each entry; an object is registered for the ``object:`` source."""
    from bench.models.objects import OBJECTS, PREFIX

    specs = []
    for label, model in models.items():
        if isinstance(model, str):
            specs.append(f"{label}={model}")
        else:
            OBJECTS[label] = model
            specs.append(f"{label}={PREFIX}{label}")
    return tuple(specs)


def evaluate(suite: str, models: Mapping[str, ModelBase | str] | None = None,
             data: str | Path | None = None, out: str | Path | None = None, *,
             progress: bool = False, echo: bool = False, **options: Any) -> Results:
    """Runs ``suite`` on ``models`` (label -> a ``bench.api`` object or a ``--model`` spec such
    as ``"dac-tiny"``, ``"py:pkg.mod:make"``; None: the suite's defaults) and returns its
    ``Results``. ``data``: a DnR root (None: the synthetic set); ``out``: the run folder (None:
    ``results/runs/<suite>-<split>-<hash>``); ``options``: ``bench run``'s options as
    ``RunConfig`` fields (``split``, ``protocol``, ``metrics``, ``batch_size``, ``device``,
    ``limit``, ...). ``progress``/``echo``: progress bars / print the tables as ``bench run``.
    """
    from bench.engine.runconfig import RunConfig
    from bench.engine.runner import run_suite
    from bench.models.objects import OBJECTS
    from bench.suites import discover

    fields = {f.name for f in dataclasses.fields(RunConfig)} - set(_NOT_OPTIONS)
    unknown = sorted(set(options) - fields)
    if unknown:
        raise ConfigError(f"bench.evaluate: unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(fields))}")
    suites = discover()
    if suite in suites and suites.get(suite).members:
        raise ConfigError(f"bench.evaluate runs one suite; {suite} runs {', '.join(suites.get(suite).members)}: "
                          "call it for each")
    options = {key: tuple(value) if isinstance(value, list) else value for key, value in options.items()}
    try:
        config = RunConfig(suite=suite, models=_specs(models or {}), data=None if data is None else str(data),
                           **options)
        folders = run_suite(config, out, progress=progress, echo=echo)
    finally:
        for label in models or {}:
            OBJECTS.pop(label, None)
    return Results(Path(folders[0]))

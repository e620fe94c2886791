"""``bench compare`` behind the command line: find the runs, pick the models, compare them
(``bench.stats.comparisons``), print the result and decide the exit status."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sdcodec.core.errors import BenchError
from bench.stats.bootstrap import BootstrapSettings
from bench.stats.comparisons import Contender, compare, significance_level


@dataclass(frozen=True)
class RunComparison:
    """The runs compared (A's, B's), the settings and alpha used, and ``comparisons`` (one row
    per model pair and task, input, output, metric; ``bench.stats.comparisons``)."""

    run_a: Path
    run_b: Path
    settings: BootstrapSettings
    alpha: float
    comparisons: pd.DataFrame


def resolve_run(spec: str) -> Path:
    """A run folder given as its path, or a suite name for that suite's latest complete run."""
    from bench.reporting.report import latest_run
    from bench.suites import SUITES, discover

    path = Path(spec)
    if (path / "manifest.json").is_file():
        return path
    if path.exists():
        raise BenchError(f"{spec}: not a run folder (no manifest.json); pass a folder of results/runs/")
    discover()
    if spec in SUITES:
        return latest_run(spec)
    raise BenchError(f"{spec}: no such run folder or suite (pass a folder of results/runs/ or a "
                     f"suite name: {', '.join(SUITES.names())})")


def _model_rows(rows: pd.DataFrame, label: str, run: Path) -> pd.DataFrame:
    mine = rows[rows["model"] == label]
    if mine.empty:
        known = ", ".join(dict.fromkeys(rows["model"])) or "none"
        raise BenchError(f"--models: {run} has no model {label!r} (models: {known})")
    return mine


def _pairs(runs: Sequence[Path], rows: Sequence[pd.DataFrame],
           models: Sequence[str] | None) -> list[tuple[Contender, Contender]]:
    first, second = (runs[0], runs[-1]), (rows[0], rows[-1])
    if models:
        a, b = models
        return [(Contender(a, _model_rows(second[0], a, first[0])),
                 Contender(b, _model_rows(second[1], b, first[1])))]
    if len(runs) == 1:
        known = ", ".join(dict.fromkeys(rows[0]["model"])) or "none"
        raise BenchError(f"{runs[0]}: name the two models to compare with --models A B (models: {known})")
    common = [m for m in dict.fromkeys(rows[0]["model"]) if m in set(rows[1]["model"])]
    if not common:
        raise BenchError(f"{runs[0]} and {runs[1]} share no model label; name them with --models A B")
    return [(Contender(m, second[0][second[0]["model"] == m]),
             Contender(m, second[1][second[1]["model"] == m])) for m in common]


def compare_runs(specs: Sequence[str], models: Sequence[str] | None, alpha: float = 0.05,
                 unit: str = "track", fail_metrics: Sequence[str] | None = None) -> RunComparison:
    """Compares B with A: two runs (``specs`` = [A, B]) or two ``models`` of one run.

    Raises ``BenchError`` (one line) for more than two runs, a missing run or model, an unknown
    or absent ``fail_metrics`` metric, and when no clip was scored for both models.
    """
    from bench.metrics import get_metric
    from bench.results.store import load_rows

    if len(specs) > 2:
        raise BenchError(f"compare takes one or two runs, got {len(specs)} ({' '.join(specs)})")
    settings = BootstrapSettings(level=1.0 - significance_level(alpha), unit=unit)
    for metric in fail_metrics or []:
        get_metric(metric)  # an unknown name is a one-line error listing the known ones
    runs = [resolve_run(spec) for spec in specs]
    rows = [load_rows(run) for run in runs]
    comparisons = compare(_pairs(runs, rows, models), settings, alpha)
    if comparisons.empty or comparisons["n_pairs"].sum() == 0:
        raise BenchError("no clip was scored for both models (different datasets, splits or "
                         "tasks?); compare runs of the same clips")
    for metric in fail_metrics or []:
        if metric not in set(comparisons["metric"]):
            raise BenchError(f"--fail-if-worse {metric}: the runs hold no {metric} scores for both "
                             f"models (compared: {', '.join(dict.fromkeys(comparisons['metric']))})")
    return RunComparison(runs[0], runs[-1], settings, alpha, comparisons)


def _shown(path: Path) -> str:
    """``path`` relative to the working folder when it lies under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


#: Under this many clusters a cluster bootstrap interval is known to be too narrow (it cannot
#: see more spread than the few cluster means show); the compare output says so.
FEW_CLUSTERS = 30


def describe(result: RunComparison) -> str:
    """The lines above the table: what A and B are and how the numbers were computed."""
    frame = result.comparisons
    n = int(frame["p_holm"].notna().sum())
    lines = [
        f"A: {', '.join(dict.fromkeys(frame['a']))} ({_shown(result.run_a)})",
        f"B: {', '.join(dict.fromkeys(frame['b']))} ({_shown(result.run_b)})",
        f"B - A per clip scored for both; CI: {result.settings.describe()}",
        f"p: Wilcoxon signed-rank of per-{result.settings.unit} mean differences; p Holm: over "
        f"{n} comparisons; r: rank-biserial; verdict at alpha {result.alpha:g}",
    ]
    fewest = int(frame.loc[frame["n_pairs"] > 0, "n_clusters"].min())
    if fewest < FEW_CLUSTERS:
        lines.append(f"note: as few as {fewest} {result.settings.unit}s: intervals over fewer than "
                     f"{FEW_CLUSTERS} are too narrow; read the p-values")
    return "\n".join(lines)


def _number(value: float, digits: int = 2, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _p(value: float) -> str:
    if value is None or math.isnan(value):
        return "–"
    return f"{value:.3f}" if value >= 0.001 else f"{value:.1e}"


def format_text(comparisons: pd.DataFrame) -> str:
    """A fixed-width table of the comparisons (pairs' labels only when there are several)."""
    several = comparisons[["a", "b"]].drop_duplicates().shape[0] > 1
    table = pd.DataFrame({
        **({"A": comparisons["a"], "B": comparisons["b"]} if several else {}),
        "task": comparisons["task"],
        "track": [o if i == o else f"{i}>{o}" for i, o in zip(comparisons["input"], comparisons["output"])],
        "metric": comparisons["metric"],
        "unit": comparisons["unit"],
        "A mean": [_number(v) for v in comparisons["mean_a"]],
        "B mean": [_number(v) for v in comparisons["mean_b"]],
        "B-A": [_number(v, signed=True) for v in comparisons["difference"]],
        "CI": [f"[{_number(lo, signed=True)}, {_number(hi, signed=True)}]"
               for lo, hi in zip(comparisons["ci_low"], comparisons["ci_high"])],
        "p": [_p(v) for v in comparisons["p"]],
        "p Holm": [_p(v) for v in comparisons["p_holm"]],
        "r": [_number(v) for v in comparisons["effect"]],
        "pairs": comparisons["n_pairs"],
        "tracks": comparisons["n_clusters"],
        "excluded": comparisons["n_excluded"],
        "verdict": comparisons["verdict"],
    })
    return table.to_string(index=False)


def fail_if_worse(result: RunComparison, metrics: Sequence[str]) -> bool:
    """Prints, per metric, whether B is significantly worse than A anywhere; True if so."""
    frame = result.comparisons
    failed = False
    for metric in metrics:
        mine = frame[frame["metric"] == metric]
        worse = mine[mine["verdict"] == "worse"]
        if len(worse):
            failed = True
            where = ", ".join(f"{r.task} {r.output}" for r in worse.itertuples(index=False))
            print(f"bench compare: B is significantly worse than A on {metric} in {len(worse)} of "
                  f"{len(mine)} comparisons ({where})")
        else:
            print(f"bench compare: B is not significantly worse than A on {metric} "
                  f"({len(mine)} comparisons, alpha {result.alpha:g} after Holm)")
    return failed

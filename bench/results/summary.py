"""Per-clip rows -> the paper's statistics: mean and population standard deviation over the
clips that were scored (skipped clips are counted, never averaged), and a bootstrap confidence
interval of each mean that resamples whole tracks (``bench.stats.bootstrap``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sdcodec.core.errors import BenchError
from bench.stats.bootstrap import BootstrapSettings, ClusterSums, mean_intervals
from bench.stats.clusters import cluster_codes

GROUP_COLUMNS = ["model", "task", "input", "output", "metric"]
SUMMARY_STATS = ["mean", "std", "sem", "n", "n_skipped"]
#: Columns after ``SUMMARY_STATS``: the interval, its clusters and how it was computed
#: (``BootstrapSettings.record``). Summaries written before they existed lack them.
INTERVAL_COLUMNS = ["ci_low", "ci_high", "n_clusters", "ci_level", "ci_method", "ci_unit",
                    "ci_resamples", "ci_seed"]

def require_scored(rows: pd.DataFrame, run: str | Path) -> None:
    """Raises ``BenchError`` when ``rows`` hold no scored value: a run whose every clip was
    skipped (or that wrote nothing) has no number to show, only the skip reasons it names."""
    if len(rows) and (rows["skipped"].fillna("") == "").any():
        return
    reasons = "; ".join(f"{n} x {reason!r}" for reason, n in rows["skipped"].value_counts().head(3).items())
    detail = f"all {len(rows)} rows were skipped: {reasons}" if len(rows) else "it wrote no rows"
    raise BenchError(f"{run}: no clip was scored ({detail}); nothing to tabulate (the rows are "
                     "kept in the run folder)")


def summarize(rows: pd.DataFrame, settings: BootstrapSettings = BootstrapSettings()) -> pd.DataFrame:
    """One row per (model, task, input, output, metric).

    ``mean`` and ``std`` (population, ddof=0, as the paper reports) over scored clips; ``sem`` =
    std / sqrt(n); ``n`` scored clips; ``n_skipped`` clips skipped (reason in the per-clip rows);
    ``ci_low``/``ci_high``: the bootstrap interval of the mean under ``settings`` over
    ``n_clusters`` resampled units (tracks), NaN with fewer than two; the settings themselves in
    the ``ci_*`` columns.
    """
    scored = rows["skipped"].fillna("") == ""
    frame = rows.assign(_scored=scored, _cluster=cluster_codes(rows["clip_id"], settings.unit))
    out, cells = [], []
    for key, group in frame.groupby(GROUP_COLUMNS, sort=True):
        kept = group[group["_scored"]]
        values = kept["value"].to_numpy(dtype=np.float64)
        n = int(values.size)
        mean = float(values.mean()) if n else float("nan")
        std = float(values.std(ddof=0)) if n else float("nan")
        cells.append(ClusterSums.of(values, kept["_cluster"].to_numpy()))
        out.append(
            dict(zip(GROUP_COLUMNS, key), mean=mean, std=std,
                 sem=std / np.sqrt(n) if n else float("nan"), n=n,
                 n_skipped=int((~group["_scored"]).sum()), n_clusters=cells[-1].clusters)
        )
    summary = pd.DataFrame(out, columns=GROUP_COLUMNS + SUMMARY_STATS + ["n_clusters"])
    intervals = mean_intervals(cells, settings) if cells else np.empty((0, 2))
    summary = summary.assign(ci_low=intervals[:, 0], ci_high=intervals[:, 1], **settings.record())
    return summary[GROUP_COLUMNS + SUMMARY_STATS + INTERVAL_COLUMNS]

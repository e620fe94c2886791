"""Per-clip rows -> the paper's statistics: mean and population standard deviation over the
clips that were scored (skipped clips are counted, never averaged)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sdcodec.core.errors import BenchError

GROUP_COLUMNS = ["model", "task", "input", "output", "metric"]
SUMMARY_STATS = ["mean", "std", "sem", "n", "n_skipped"]


def require_scored(rows: pd.DataFrame, run: str | Path) -> None:
    """Raises ``BenchError`` when ``rows`` hold no scored value: a run whose every clip was
    skipped (or that wrote nothing) has no number to show, only the skip reasons it names."""
    if len(rows) and (rows["skipped"].fillna("") == "").any():
        return
    reasons = "; ".join(f"{n} x {reason!r}" for reason, n in rows["skipped"].value_counts().head(3).items())
    detail = f"all {len(rows)} rows were skipped: {reasons}" if len(rows) else "it wrote no rows"
    raise BenchError(f"{run}: no clip was scored ({detail}); nothing to tabulate (the rows are "
                     "kept in the run folder)")


def summarize(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (model, task, input, output, metric).

    ``mean`` and ``std`` (population, ddof=0, as the paper reports) over scored clips; ``sem`` =
    std / sqrt(n); ``n`` scored clips; ``n_skipped`` clips skipped (reason in the per-clip rows).
    """
    scored = rows["skipped"].fillna("") == ""
    frame = rows.assign(_scored=scored)
    out = []
    for key, group in frame.groupby(GROUP_COLUMNS, sort=True):
        values = group.loc[group["_scored"], "value"].to_numpy(dtype=np.float64)
        n = int(values.size)
        mean = float(values.mean()) if n else float("nan")
        std = float(values.std(ddof=0)) if n else float("nan")
        out.append(
            dict(zip(GROUP_COLUMNS, key), mean=mean, std=std,
                 sem=std / np.sqrt(n) if n else float("nan"), n=n,
                 n_skipped=int((~group["_scored"]).sum()))
        )
    return pd.DataFrame(out, columns=GROUP_COLUMNS + SUMMARY_STATS)

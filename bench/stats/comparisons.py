"""Paired comparisons of models from their per-clip rows (``bench.results.store.ROW_COLUMNS``).

``compare(pairs, settings, alpha)`` takes (A, B) pairs of ``Contender`` (a label and one
model's rows, possibly from different runs) and returns one row per pair and (task, input,
output, metric) that both hold:

=============  ==============================================================================
a, b           the contenders' labels
task ... metric  what is compared; ``unit`` the metric's unit (dB, MOS, ...)
mean_a/b       each model's mean over the paired clips
difference     mean of B - A over the paired clips, with ``ci_low``/``ci_high``
p, p_holm      Wilcoxon signed-rank p-value, Holm-adjusted over every row of the result
effect         matched-pairs rank-biserial correlation (> 0: B higher)
n_pairs        clips scored for both; ``n_clusters`` their tracks
n_excluded     clips scored for one model and skipped (or absent) for the other: left out
verdict        ``better`` / ``worse`` (B than A, by the metric's direction) where p_holm < alpha,
               else ``n.s.``; ``differs`` for a metric of unknown direction
=============  ==============================================================================
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sdcodec.core.constants import MIX, TRACKS
from sdcodec.core.errors import ConfigError
from bench.stats.bootstrap import BootstrapSettings, ClusterSums
from bench.stats.clusters import cluster_codes
from bench.stats.multiple import holm
from bench.stats.paired import paired_results

KEY_COLUMNS = ["task", "input", "output", "metric"]
COMPARISON_COLUMNS = ["a", "b", *KEY_COLUMNS, "unit", "mean_a", "mean_b", "difference", "ci_low",
                      "ci_high", "p", "p_holm", "effect", "n_pairs", "n_clusters", "n_excluded",
                      "verdict"]


@dataclass(frozen=True)
class Contender:
    """One side of a comparison: ``label`` (as printed) and that model's per-clip ``rows``."""

    label: str
    rows: pd.DataFrame


def significance_level(alpha: float) -> float:
    """``alpha`` if it is a probability strictly between 0 and 1, else a ``ConfigError``."""
    if not 0.0 < alpha < 1.0:
        raise ConfigError(f"--alpha {alpha}: a significance level is between 0 and 1 (e.g. 0.05)")
    return float(alpha)


def metric_direction(metric: str) -> tuple[int, str]:
    """(+1 when higher is better, -1 when lower is, 0 when unknown; the unit) of a metric name."""
    from bench.metrics import METRICS

    if metric not in METRICS:
        return 0, ""
    definition = METRICS.get(metric)
    return (1 if definition.higher_is_better else -1), definition.unit


def _scored(rows: pd.DataFrame) -> pd.DataFrame:
    """Key, clip id and value of the scored rows (NaN value for skipped ones)."""
    scored = (rows["skipped"].fillna("") == "") & rows["value"].notna()
    return rows[KEY_COLUMNS + ["clip_id"]].assign(value=rows["value"].where(scored))


def pair_clips(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Rows of A and B matched on key and clip id, for the keys both hold: ``value_a``,
    ``value_b`` (NaN where that model did not score the clip)."""
    left, right = _scored(a), _scored(b)
    for side, label in ((left, "A"), (right, "B")):
        if side.duplicated(KEY_COLUMNS + ["clip_id"]).any():
            raise ConfigError(f"model {label} has several rows for one clip and metric (the same "
                              "label in several runs?); compare one run per side")
    common = left[KEY_COLUMNS].drop_duplicates().merge(right[KEY_COLUMNS].drop_duplicates())
    left, right = left.merge(common), right.merge(common)
    return left.merge(right, on=KEY_COLUMNS + ["clip_id"], how="outer", suffixes=("_a", "_b"))


def compare(pairs: Sequence[tuple[Contender, Contender]], settings: BootstrapSettings = BootstrapSettings(),
            alpha: float = 0.05, keys: Collection[tuple[str, str, str, str]] | None = None) -> pd.DataFrame:
    """Paired comparisons of each (A, B) pair on every key both hold (or only ``keys``: (task,
    input, output, metric) tuples), Holm-adjusted together; columns ``COMPARISON_COLUMNS``."""
    records, cells = [], []
    for a, b in pairs:
        paired = pair_clips(a.rows, b.rows)
        paired["_cluster"] = cluster_codes(paired["clip_id"], settings.unit)
        for key, group in paired.groupby(KEY_COLUMNS, sort=False):
            if keys is not None and key not in keys:
                continue
            has_a, has_b = group["value_a"].notna(), group["value_b"].notna()
            both = group[has_a & has_b]
            cells.append(ClusterSums.of((both["value_b"] - both["value_a"]).to_numpy(),
                                        both["_cluster"].to_numpy()))
            direction, unit = metric_direction(key[3])
            records.append({"a": a.label, "b": b.label, **dict(zip(KEY_COLUMNS, key)), "unit": unit,
                            "mean_a": both["value_a"].mean(), "mean_b": both["value_b"].mean(),
                            "n_excluded": int((has_a ^ has_b).sum()), "_direction": direction})
    if not records:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    frame = pd.DataFrame(records)
    results = paired_results(cells, settings)
    frame["difference"] = [r.mean_difference for r in results]
    frame["ci_low"] = [r.ci_low for r in results]
    frame["ci_high"] = [r.ci_high for r in results]
    frame["p"] = [r.p_value for r in results]
    frame["effect"] = [r.effect_size for r in results]
    frame["n_pairs"] = [r.n_pairs for r in results]
    frame["n_clusters"] = [r.n_clusters for r in results]
    frame["p_holm"] = holm(frame["p"].to_numpy())
    frame["verdict"] = [verdict(p, effect, direction, alpha) for p, effect, direction
                        in zip(frame["p_holm"], frame["effect"], frame["_direction"])]
    order = {name: i for i, name in enumerate((MIX, *TRACKS))}  # the paper's column order
    frame = frame.sort_values("output", key=lambda s: s.map(order).fillna(len(order)), kind="stable")
    frame = frame.sort_values(["a", "b", "task"], key=lambda s: s.map(
        {v: i for i, v in enumerate(dict.fromkeys(s))}), kind="stable")
    return frame[COMPARISON_COLUMNS].reset_index(drop=True)


def verdict(p_adjusted: float, effect: float, direction: int, alpha: float) -> str:
    """``better``/``worse`` (B than A) when ``p_adjusted < alpha``, by the sign of the effect
    (the direction the signed-rank test found) and the metric's ``direction``; else ``n.s.``."""
    if not p_adjusted < alpha:
        return "n.s."
    if direction == 0:
        return "differs"
    return "better" if np.sign(effect) * direction > 0 else "worse"

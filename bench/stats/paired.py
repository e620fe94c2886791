"""Paired statistics of two models scored on the same clips.

For the per-clip differences ``d = B - A`` (grouped into clusters, ``ClusterSums``):

- ``mean_difference``: the mean of ``d`` over the paired clips, with its cluster bootstrap
  interval (``bench.stats.bootstrap``): the paired cluster bootstrap, since a resampled track
  brings both models' scores of its clips;
- ``p_value``: the two-sided Wilcoxon signed-rank test (``scipy.stats.wilcoxon``; exact for up
  to 50 non-zero differences without ties, else the normal approximation) of the clusters' mean
  differences: one difference per track, so that the test's samples are as independent as the
  bootstrap's (with unit ``clip`` it is the per-clip test). Zero differences are dropped
  (``zero_method="wilcox"``); when all are zero there is no evidence of a difference: p = 1;
- ``effect_size``: the matched-pairs rank-biserial correlation ``(R+ - R-) / (R+ + R-)`` of the
  same differences (``R+``/``R-``: rank sums of the positive/negative ones), from -1 (B below A
  on every track) to +1 (B above A on every track).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from bench.stats.bootstrap import BootstrapSettings, ClusterSums, mean_intervals


@dataclass(frozen=True)
class PairedResult:
    """One paired comparison. Differences are B - A in the metric's unit; ``n_pairs`` clips in
    ``n_clusters`` clusters; NaN statistics when there is no pair."""

    mean_difference: float
    ci_low: float
    ci_high: float
    p_value: float
    effect_size: float
    n_pairs: int
    n_clusters: int


def signed_rank(differences: np.ndarray) -> tuple[float, float]:
    """(two-sided Wilcoxon signed-rank p-value, matched-pairs rank-biserial correlation) of
    ``differences`` ``[n]``; (NaN, NaN) when empty, (1, 0) when all are zero."""
    d = np.asarray(differences, dtype=np.float64)
    if d.size == 0:
        return float("nan"), float("nan")
    nonzero = d[d != 0]
    if nonzero.size == 0:
        return 1.0, 0.0
    ranks = stats.rankdata(np.abs(nonzero))
    plus, minus = ranks[nonzero > 0].sum(), ranks[nonzero < 0].sum()
    p_value = float(stats.wilcoxon(nonzero, zero_method="wilcox").pvalue)
    return p_value, float((plus - minus) / (plus + minus))


def paired_results(differences: Sequence[ClusterSums], settings: BootstrapSettings) -> list[PairedResult]:
    """One ``PairedResult`` per cell of per-cluster sums of differences ``B - A``."""
    intervals = mean_intervals(differences, settings)
    results = []
    for cell, (low, high) in zip(differences, intervals):
        p_value, effect = signed_rank(cell.cluster_means)
        results.append(PairedResult(cell.mean, float(low), float(high), p_value, effect,
                                    int(cell.counts.sum()), cell.clusters))
    return results

"""Bootstrap confidence intervals of a mean over clips, resampling whole clusters of clips.

A table cell's mean is the mean over its scored clips. Written per cluster ``g`` (the track a
clip was cut from, ``bench.stats.clusters``) it is ``sum_g S_g / sum_g n_g``, with ``S_g`` the
sum of the cell's values over the clips of cluster ``g`` and ``n_g`` their number. A bootstrap
resample draws ``G`` clusters with replacement (``G`` = the number of clusters) and recomputes
that ratio, so the clips of a track stay together and the interval reflects how many independent
tracks the mean rests on, not how many chunks were cut from them.

``scipy.stats.bootstrap`` does the resampling and the interval: it draws the resampled cluster
indices and computes the interval from the resample means (BCa by default, whose acceleration
comes from the jackknife that leaves out one cluster at a time; ``percentile`` and ``basic`` on
request). The statistic it calls is vectorised over resamples and cells: a resample's indices
become per-cluster weights ``W`` (how often each cluster was drawn) and the resample means of all
cells are ``(W @ S) / (W @ n)``, one matrix product, instead of gathering every resampled value.
Cells with the same number of clusters share one call and so the same draws; the draws depend
only on the seed and the number of clusters, so a cell's interval does not depend on which other
cells a run holds (stacked or alone, the same up to rounding).

Degenerate cells: fewer than two clusters (no interval: NaN), and cells whose resamples all give
the same mean (every value equal): the interval is that mean.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from sdcodec.core.errors import ConfigError
from bench.stats.clusters import CLUSTER_UNITS

#: Interval methods of ``scipy.stats.bootstrap`` that a setting may name.
METHODS = ("BCa", "percentile", "basic")
#: Resample weights held at once (resamples x clusters): about 32 MB of float64.
_BATCH_ELEMENTS = 1 << 22


@dataclass(frozen=True)
class BootstrapSettings:
    """How intervals are computed: ``level`` (0.95 for 95%), ``resamples`` (bootstrap draws),
    ``method`` (one of ``METHODS``), ``seed`` (of the resample draws: every cell starts from it,
    so results are reproducible), ``unit`` (what is resampled: ``track`` or ``clip``)."""

    level: float = 0.95
    resamples: int = 9999
    method: str = "BCa"
    seed: int = 0
    unit: str = "track"

    def __post_init__(self) -> None:
        if not 0.0 < self.level < 1.0:
            raise ConfigError(f"confidence level {self.level} is not between 0 and 1 (use e.g. 0.95)")
        if self.resamples < 100:
            raise ConfigError(f"{self.resamples} bootstrap resamples are too few (use at least 1000)")
        if self.method not in METHODS:
            raise ConfigError(f"unknown bootstrap method {self.method!r}; known: {', '.join(METHODS)}")
        CLUSTER_UNITS.get(self.unit)

    def record(self) -> dict[str, Any]:
        """The settings as summary columns / manifest fields (``ci_level``, ``ci_method``, ...)."""
        return {"ci_level": self.level, "ci_method": self.method, "ci_unit": self.unit,
                "ci_resamples": self.resamples, "ci_seed": self.seed}

    def describe(self) -> str:
        """One line for table notes: ``95% BCa bootstrap interval (9999 resamples of tracks, seed 0)``."""
        return (f"{self.level:.0%} {self.method} bootstrap interval ({self.resamples} resamples "
                f"of {self.unit}s, seed {self.seed})")


@dataclass(frozen=True)
class ClusterSums:
    """One cell's values summed per cluster: ``sums`` ``[clusters]`` (the values' unit) and
    ``counts`` ``[clusters]`` (clips per cluster, as float64)."""

    sums: np.ndarray
    counts: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray, codes: np.ndarray) -> "ClusterSums":
        """From per-clip ``values`` ``[n]`` and their cluster ``codes`` ``[n]`` (any integers);
        clusters in increasing code order."""
        _, inverse = np.unique(np.asarray(codes), return_inverse=True)
        values = np.asarray(values, dtype=np.float64)
        return cls(np.bincount(inverse, weights=values), np.bincount(inverse).astype(np.float64))

    @property
    def clusters(self) -> int:
        return int(self.sums.size)

    @property
    def mean(self) -> float:
        """The mean over clips (NaN without clips)."""
        total = self.counts.sum()
        return float(self.sums.sum() / total) if total else float("nan")

    @property
    def cluster_means(self) -> np.ndarray:
        """Mean value of each cluster ``[clusters]``."""
        return self.sums / self.counts


def mean_intervals(cells: Sequence[ClusterSums], settings: BootstrapSettings) -> np.ndarray:
    """Bootstrap intervals of each cell's mean: ``[cells, 2]`` (low, high), NaN for cells of
    fewer than two clusters."""
    out = np.full((len(cells), 2), np.nan)
    stacks: dict[int, list[int]] = {}
    for index, cell in enumerate(cells):
        if cell.clusters >= 2:
            stacks.setdefault(cell.clusters, []).append(index)
    for members in stacks.values():
        out[members] = _stacked_intervals([cells[i] for i in members], settings)
    return out


class _ResampleMeans:
    """The statistic handed to ``scipy.stats.bootstrap``: cluster indices ``[..., m]`` (a
    resample, a jackknife sample or all clusters) -> the means of every cell ``[cells, ...]``.

    ``sums`` and ``counts``: ``[cells, clusters]``."""

    def __init__(self, sums: np.ndarray, counts: np.ndarray) -> None:
        self.sums, self.counts = sums, counts

    def __call__(self, indices: np.ndarray, axis: int = -1) -> np.ndarray:
        clusters = self.sums.shape[1]
        rows = np.asarray(indices, dtype=np.intp).reshape(-1, indices.shape[-1])
        offsets = (np.arange(rows.shape[0], dtype=np.intp) * clusters)[:, None]
        weights = np.bincount((rows + offsets).ravel(), minlength=rows.shape[0] * clusters)
        weights = weights.reshape(rows.shape[0], clusters).astype(np.float64)
        means = (weights @ self.sums.T) / (weights @ self.counts.T)  # [rows, cells]
        return means.T.reshape((self.sums.shape[0], *indices.shape[:-1]))


def _stacked_intervals(cells: Sequence[ClusterSums], settings: BootstrapSettings) -> np.ndarray:
    """Intervals ``[k, 2]`` of ``k`` cells with the same number of clusters (one scipy call)."""
    sums = np.stack([cell.sums for cell in cells])
    counts = np.stack([cell.counts for cell in cells])
    clusters = sums.shape[1]
    statistic = _ResampleMeans(sums, counts)
    with warnings.catch_warnings():
        # a degenerate bootstrap distribution (all resamples equal) is handled below
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        with np.errstate(invalid="ignore", divide="ignore"):
            result = stats.bootstrap(
                (np.arange(clusters),), statistic, vectorized=True, axis=-1,
                n_resamples=settings.resamples, confidence_level=settings.level,
                method=settings.method, batch=max(1, min(settings.resamples, _BATCH_ELEMENTS // clusters)),
                rng=np.random.default_rng(settings.seed))
    low = np.asarray(result.confidence_interval.low, dtype=np.float64).reshape(-1)
    high = np.asarray(result.confidence_interval.high, dtype=np.float64).reshape(-1)
    estimate = sums.sum(axis=1) / counts.sum(axis=1)
    distribution = np.asarray(result.bootstrap_distribution).reshape(len(cells), -1)
    flat = np.ptp(distribution, axis=-1) <= 1e-12 * np.maximum(1.0, np.abs(estimate))
    return np.stack([np.where(flat, estimate, low), np.where(flat, estimate, high)], axis=-1)

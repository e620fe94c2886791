"""Cluster bootstrap intervals agree with an independent plain-numpy bootstrap within Monte-Carlo
error; the tolerance is derived from the Monte-Carlo standard error of a bootstrap quantile."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from bench.data.clip_ids import clip_id, track_of
from sdcodec.core.errors import ConfigError
from bench.stats.bootstrap import BootstrapSettings, ClusterSums, mean_intervals
from bench.stats.clusters import cluster_codes
from stats.clustered import clustered_values

#: Standard errors of the difference of two independent estimates allowed (false alarm ~6e-5).
Z = 4.0


def numpy_bootstrap(values, track, level, resamples, seed, method):
    """An independent cluster bootstrap: resample tracks with plain numpy; percentile or BCa
    (bias from the share of resamples under the estimate, acceleration from the leave-one-track-
    out jackknife). Returns (interval [2], resample means [B], quantile levels [2], z0, a)."""
    ids = np.unique(track)
    sums = np.array([values[track == t].sum() for t in ids])
    counts = np.array([(track == t).sum() for t in ids], dtype=float)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, ids.size, size=(resamples, ids.size))
    boot = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    tail = (1 - level) / 2
    z = norm.ppf([tail, 1 - tail])
    z0, a = 0.0, 0.0
    levels = np.array([tail, 1 - tail])
    if method == "BCa":
        z0 = norm.ppf(np.mean(boot < values.mean()))
        jack = (sums.sum() - sums) / (counts.sum() - counts)
        d = jack.mean() - jack
        a = (d ** 3).sum() / (6 * ((d ** 2).sum()) ** 1.5)
        levels = norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z)))
    return np.quantile(boot, levels), boot, levels, z0, a


def endpoint_se(boot, levels, z0, a, level, method):
    """Monte-Carlo standard error of each endpoint of one bootstrap of ``len(boot)`` draws.

    An empirical q-quantile of B draws has variance q(1-q) / (B f(x_q)^2), f the density of the
    bootstrap distribution (normal approximation with its mean and sd). For BCa the level q
    itself is estimated through z0 = Phi^-1(p0), Var(z0) = p0(1-p0) / (B phi(z0)^2), and moves
    by dq/dz0 = phi(z0 + w) (1 + dw/dz0), w = (z0 + z) / (1 - a (z0 + z)).
    """
    b = boot.size
    mean, sd = boot.mean(), boot.std()
    x = np.quantile(boot, levels)
    density = norm.pdf((x - mean) / sd) / sd
    var_q = levels * (1 - levels) / b
    if method == "BCa":
        tail = (1 - level) / 2
        z = norm.ppf([tail, 1 - tail])
        p0 = norm.cdf(z0)
        var_z0 = p0 * (1 - p0) / (b * norm.pdf(z0) ** 2)
        w = (z0 + z) / (1 - a * (z0 + z))
        dq = norm.pdf(z0 + w) * (1 + 1 / (1 - a * (z0 + z)) ** 2)
        var_q = var_q + dq ** 2 * var_z0
    return np.sqrt(var_q) / density


@pytest.mark.parametrize("method", ["BCa", "percentile"])
@pytest.mark.parametrize("unit", ["track", "clip"])
def test_interval_agrees_with_independent_numpy_bootstrap(method, unit) -> None:
    values, track, clips = clustered_values(seed=3, tracks=150)
    settings = BootstrapSettings(method=method, unit=unit, resamples=9999, seed=11)
    ours = mean_intervals([ClusterSums.of(values, cluster_codes(clips, unit))], settings)[0]
    groups = track if unit == "track" else np.arange(values.size)
    reference, boot, levels, z0, a = numpy_bootstrap(values, groups, 0.95, 9999, 12345, method)
    tolerance = Z * math.sqrt(2) * endpoint_se(boot, levels, z0, a, 0.95, method)
    assert np.all(np.abs(ours - reference) <= tolerance), (ours, reference, tolerance)
    assert ours[0] < values.mean() < ours[1]


def test_resampling_tracks_is_not_resampling_clips() -> None:
    """With a strong track effect the two units give intervals apart by far more than their
    Monte-Carlo error: the unit is really applied."""
    values, track, clips = clustered_values(seed=5, tracks=150, track_sd=3.0, clip_sd=0.3)
    widths, variances = [], []
    for unit, groups in (("track", track), ("clip", np.arange(values.size))):
        low, high = mean_intervals([ClusterSums.of(values, cluster_codes(clips, unit))],
                                   BootstrapSettings(unit=unit))[0]
        _, boot, levels, z0, a = numpy_bootstrap(values, groups, 0.95, 9999, 1, "BCa")
        widths.append(high - low)
        variances.append((endpoint_se(boot, levels, z0, a, 0.95, "BCa") ** 2).sum())
    # the difference of the widths has the Monte-Carlo variance of all four endpoints
    assert widths[0] - widths[1] > Z * np.sqrt(sum(variances))


def test_stacked_cells_get_their_own_interval() -> None:
    values, track, clips = clustered_values(seed=1, tracks=40)
    codes = cluster_codes(clips, "track")
    settings = BootstrapSettings(resamples=2000)
    cells = [ClusterSums.of(values, codes), ClusterSums.of(values ** 2, codes),
             ClusterSums.of(values[:-1], codes[:-1])]
    together = mean_intervals(cells, settings)
    for cell, interval in zip(cells, together):
        # the same resamples; only the summation order of stacked arrays may differ (rounding)
        np.testing.assert_allclose(mean_intervals([cell], settings)[0], interval, rtol=1e-13, atol=0)


def test_degenerate_cells() -> None:
    settings = BootstrapSettings(resamples=1000)
    constant = ClusterSums.of(np.full(9, 3.25), np.arange(9) // 3)
    one_track = ClusterSums.of(np.array([1.0, 2.0, 4.0]), np.zeros(3, dtype=int))
    empty = ClusterSums.of(np.array([]), np.array([], dtype=int))
    intervals = mean_intervals([constant, one_track, empty], settings)
    assert intervals[0].tolist() == [3.25, 3.25]
    assert np.isnan(intervals[1]).all() and np.isnan(intervals[2]).all()
    assert math.isnan(empty.mean) and empty.clusters == 0


def test_cluster_sums_are_the_clip_mean() -> None:
    values, track, clips = clustered_values(seed=2, tracks=30)
    cell = ClusterSums.of(values, cluster_codes(clips, "track"))
    assert cell.clusters == 30 and cell.counts.sum() == values.size
    assert math.isclose(cell.mean, values.mean(), rel_tol=1e-12)


def test_clip_ids_name_their_track() -> None:
    assert track_of(clip_id("30001", 4)) == "30001"
    assert track_of(clip_id("my_track", 12)) == "my_track"
    assert track_of("clip003") == "clip003" and track_of("a_b") == "a_b" and track_of("_3") == "_3"
    assert cluster_codes(["30001_0", "30002_0", "30001_1", "odd"], "track").tolist() == [0, 1, 0, 2]
    assert cluster_codes(["30001_0", "30002_0", "30001_1"], "clip").tolist() == [0, 1, 2]


@pytest.mark.parametrize("bad", [dict(level=1.0), dict(resamples=10), dict(method="bca"), dict(unit="song")])
def test_bad_settings_are_config_errors(bad) -> None:
    with pytest.raises(ConfigError):
        BootstrapSettings(**bad)

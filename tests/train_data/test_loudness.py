"""Loudness: batched BS.1770 against pyloudnorm, gains, peak limiting, the authors' mixture."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest

from bench.train.loudness import (
    db_to_gain,
    integrated_loudness,
    loudness_gain,
    normalize_mixture,
    peak_db,
    peak_limit_gain,
)
from .signals import music_like, noise_like, speech_like

RATE = 16_000


def reference_lufs(audio: np.ndarray, rate: int) -> float:
    return pyloudnorm.Meter(rate).integrated_loudness(np.asarray(audio, dtype=np.float64))


@pytest.mark.parametrize("rate,seconds", [(16_000, 2.0), (16_000, 3.37), (44_100, 1.0), (48_000, 0.5), (11_025, 1.3)])
def test_integrated_loudness_equals_pyloudnorm(rate, seconds):
    signals = np.stack([speech_like(seconds, rate, 1), music_like(seconds, rate, 2), noise_like(seconds, rate, 3),
                        1e-3 * speech_like(seconds, rate, 4)])
    ours = integrated_loudness(signals, rate)
    expected = np.array([reference_lufs(s, rate) for s in signals])
    np.testing.assert_allclose(ours, expected, atol=1e-6)


def test_silence_measures_minus_inf_and_gets_zero_gain():
    audio = np.zeros((2, 2 * RATE))
    audio[1, :100] = 1e-9  # far under the -70 LUFS absolute gate
    assert np.all(np.isneginf(integrated_loudness(audio, RATE)))
    assert np.isneginf(reference_lufs(audio[0], RATE))
    gain = loudness_gain(audio, RATE, -20.0)
    assert np.all(gain == 0.0) and np.all(np.isfinite(gain))


def test_loudness_gain_meets_targets_within_half_lu():
    signals = np.stack([speech_like(2.0, RATE, s) for s in range(4)] + [noise_like(2.0, RATE, 9)])
    targets = np.array([-17.0, -24.0, -21.0, -30.0, -27.0])
    normalised = signals * loudness_gain(signals, RATE, targets)[:, None]
    measured = np.array([reference_lufs(s, RATE) for s in normalised])
    np.testing.assert_allclose(measured, targets, atol=0.5)


def test_peak_limit_gain():
    limit = float(db_to_gain(-0.5))
    gains = peak_limit_gain(np.array([0.1, limit, 2.0]), -0.5)
    np.testing.assert_allclose(gains, [1.0, 1.0, limit / 2.0])


def _segments(seed: int, rows: int = 6) -> dict[str, np.ndarray]:
    return {"speech": np.stack([speech_like(2.0, RATE, seed + r) for r in range(rows)]),
            "music": np.stack([music_like(2.0, RATE, seed + 50 + r) for r in range(rows)]),
            "sfx": np.stack([noise_like(2.0, RATE, seed + 90 + r) for r in range(rows)])}


def test_mixture_meets_mix_target_and_keeps_track_offsets():
    segments = _segments(0)
    rows = 6
    targets = {"speech": np.full(rows, -17.0), "music": np.full(rows, -24.0), "sfx": np.full(rows, -21.0)}
    mix_targets = np.linspace(-29.0, -25.0, rows)
    mix, tracks = normalize_mixture(segments, RATE, targets, mix_targets, peak_db=-0.5)
    np.testing.assert_allclose(mix, sum(tracks.values()), atol=1e-12)
    measured_mix = np.array([reference_lufs(m, RATE) for m in mix])
    np.testing.assert_allclose(measured_mix, mix_targets, atol=0.5)
    # Peak limiting and the mixture gain scale every track of a row alike: the offsets between
    # tracks are the offsets between their targets.
    for a, b in [("speech", "music"), ("speech", "sfx")]:
        diff = np.array([reference_lufs(x, RATE) - reference_lufs(y, RATE) for x, y in zip(tracks[a], tracks[b])])
        np.testing.assert_allclose(diff, targets[a] - targets[b], atol=0.5)


def test_no_peak_above_limit_even_for_impulsive_segments():
    rng = np.random.default_rng(5)
    clicks = np.zeros((4, 2 * RATE))
    clicks[:, rng.integers(0, 2 * RATE, size=3)] = 1.0  # extreme crest factor
    segments = {"sfx": clicks + 1e-4 * rng.standard_normal(clicks.shape), "speech": _segments(3, 4)["speech"]}
    targets = {"sfx": np.full(4, -21.0), "speech": np.full(4, -17.0)}
    mix, tracks = normalize_mixture(segments, RATE, targets, np.full(4, -27.0), peak_db=-0.5)
    assert peak_db(mix).max() <= -0.5 + 1e-9
    assert max(peak_db(t).max() for t in tracks.values()) <= -0.5 + 1e-9
    # Without the final limiter (the authors' exact order), only the per-track limiting holds.
    mix_raw, _ = normalize_mixture(segments, RATE, targets, np.full(4, -27.0), peak_db=-0.5, final_peak_limit=False)
    assert np.all(np.isfinite(mix_raw))


def test_silent_track_stays_silent_without_nan():
    segments = _segments(7, 3)
    segments["sfx"] = np.zeros_like(segments["sfx"])
    targets = {t: np.full(3, -20.0) for t in segments}
    mix, tracks = normalize_mixture(segments, RATE, targets, np.full(3, -27.0))
    assert np.all(np.isfinite(mix)) and np.all(tracks["sfx"] == 0.0)
    silent_mix, silent_tracks = normalize_mixture({"sfx": np.zeros((2, RATE))}, RATE, {"sfx": np.full(2, -21.0)},
                                                  np.full(2, -27.0))
    assert np.all(silent_mix == 0.0) and np.all(silent_tracks["sfx"] == 0.0)


def test_batch_loudness_is_fast(benchmark):
    """64 two-second segments (the paper's global batch) measured in one call."""
    audio = np.random.default_rng(0).standard_normal((64, 2 * RATE)) * 0.1
    result = benchmark.pedantic(integrated_loudness, args=(audio, RATE), rounds=3, iterations=1)
    assert result.shape == (64,)
    assert benchmark.stats.stats.mean < 0.5

"""Wideband PESQ: P.862.2's mapping ceiling, the pesq package's behaviour, skips and rates."""

from __future__ import annotations

import math

import numpy as np
import pesq
import pytest
import soxr

from sdcodec.core.errors import MetricError
from bench.metrics import get_metric, score_clip


def p862_2_mapping(raw: float) -> float:
    """ITU-T P.862.2's mapping of a raw PESQ score to wideband MOS-LQO."""
    return 0.999 + 4.0 / (1.0 + math.exp(-1.3669 * raw + 3.8224))


def test_identical_speech_scores_the_p862_2_ceiling(speech):
    clip = speech(2.0, 16000)
    value = score_clip(["pesq"], clip, clip, 16000)["pesq"].value
    assert abs(value - p862_2_mapping(4.5)) < 1e-3  # raw PESQ tops out at 4.5


def test_equals_the_pesq_package_and_falls_with_noise(speech):
    clip = speech(2.0, 16000)
    rng = np.random.default_rng(0)
    scores = []
    for level in (0.003, 0.03, 0.3):
        degraded = clip + level * rng.standard_normal(clip.size)
        ours = score_clip(["pesq"], degraded, clip, 16000)["pesq"].value
        assert ours == pesq.pesq(16000, clip, degraded, "wb")
        scores.append(ours)
    assert scores[0] > scores[1] > scores[2]


def test_higher_rates_are_resampled_and_lower_rates_refused(speech):
    clip = speech(1.0, 48000)
    degraded = clip + 0.02 * np.random.default_rng(0).standard_normal(clip.size)
    at48 = score_clip(["pesq"], degraded, clip, 48000)["pesq"].value
    assert at48 == pesq.pesq(16000, soxr.resample(clip, 48000, 16000),
                             soxr.resample(degraded, 48000, 16000), "wb")
    with pytest.raises(MetricError, match="16000 Hz or more"):
        get_metric("pesq")(clip[None, :8000], clip[None, :8000], 8000)


def test_skips_what_pesq_cannot_score(speech, monkeypatch):
    clip = speech(1.0, 16000)
    assert score_clip(["pesq"], clip[:3000], clip[:3000], 16000)["pesq"].skipped.startswith("too short")
    assert score_clip(["pesq"], clip, np.zeros_like(clip), 16000)["pesq"].skipped == "silent reference"
    assert score_clip(["pesq"], np.zeros_like(clip), clip, 16000)["pesq"].skipped.startswith("silent estimate")

    # PESQ's own refusals (it normalises levels, so they are hard to provoke) become recorded skips
    def no_utterances(*args, **kwargs):
        raise pesq.NoUtterancesError("No utterances detected")

    monkeypatch.setattr(pesq, "pesq", no_utterances)
    skipped = score_clip(["pesq"], clip, clip, 16000)["pesq"]
    assert skipped.value is None and "NoUtterancesError" in skipped.skipped
    with pytest.raises(MetricError, match="NoUtterancesError"):
        get_metric("pesq")(clip[None], clip[None], 16000)

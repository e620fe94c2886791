"""What happens to inputs a metric cannot score: MetricError for the caller's mistakes, a recorded
skip (with its reason, never NaN) for clips the protocol must report as skipped."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sdcodec.core.errors import ConfigError, MetricError
from bench.metrics import METRICS, MetricValue, get_metric, score_batch, score_clip

TENSOR_METRICS = ["si_sdr", "si_sdri", "stft_distance", "mel_distance", "mel_distance_authors"]


def clip(seconds=0.5, seed=0, rate=16000):
    return 0.1 * np.random.default_rng(seed).standard_normal(int(seconds * rate))


def test_registry_holds_every_metric_with_its_properties():
    assert set(METRICS.names()) >= {"si_sdr", "si_sdri", "visqol", "visqol_audio", "visqol_lattice", "pesq",
                                    "stft_distance", "mel_distance", "mel_distance_authors"}
    assert [n for n in METRICS.names() if get_metric(n).needs_mixture] == ["si_sdri"]
    assert {n for n in METRICS.names() if get_metric(n).cpu_bound} == {"visqol", "visqol_audio", "visqol_lattice", "pesq"}
    assert get_metric("visqol").sample_rate == 16000 and get_metric("visqol_audio").sample_rate == 48000
    assert get_metric("visqol_lattice").sample_rate == 16000
    assert not get_metric("mel_distance").higher_is_better and get_metric("si_sdr").unit == "dB"
    with pytest.raises(ConfigError, match="unknown metric 'sisdr'.*si_sdr"):
        get_metric("sisdr")


@pytest.mark.parametrize("name", TENSOR_METRICS)
def test_mismatched_lengths_and_shapes_raise(name):
    ref = torch.from_numpy(clip())[None]
    with pytest.raises(MetricError, match="differ in shape"):
        get_metric(name)(ref[:, :-1], ref, 16000, mixture=ref)
    with pytest.raises(MetricError, match="differ in shape"):
        score_clip([name], ref[0, :-1], ref[0], 16000, mixture=ref[0])
    with pytest.raises(MetricError, match="2 channels"):
        get_metric(name)(ref.expand(2, -1)[None], ref.expand(2, -1)[None], 16000, mixture=ref)
    with pytest.raises(MetricError, match=r"\[batch, time\]"):
        get_metric(name)(ref[None, None], ref[None, None], 16000, mixture=ref)
    with pytest.raises(MetricError, match="floating-point"):
        get_metric(name)(ref.long(), ref.long(), 16000, mixture=ref)


@pytest.mark.parametrize("rate", [0, -16000, 16000.0, "16k", True])
def test_bad_sample_rates_raise(rate):
    ref = clip()[None]
    with pytest.raises(MetricError, match="positive integer"):
        get_metric("si_sdr")(ref, ref, rate)
    with pytest.raises(MetricError, match="positive integer"):
        score_clip(["visqol"], ref[0], ref[0], rate)


def test_a_missing_mixture_raises_for_si_sdri_only():
    ref = clip()
    with pytest.raises(MetricError, match="needs the mixture"):
        score_clip(["si_sdr", "si_sdri"], ref, ref, 16000)
    assert score_clip(["si_sdr"], ref * 0.5 + clip(seed=1), ref, 16000)["si_sdr"].value is not None


@pytest.mark.parametrize("role", ["reference", "mixture"])
def test_non_finite_reference_or_mixture_is_a_data_error(role):
    est, ref, mix = clip(seed=1), clip(), clip(seed=2)
    {"reference": ref, "mixture": mix}[role][10] = np.inf
    with pytest.raises(MetricError, match=f"the {role} holds 1 NaN/Inf"):
        score_clip(["si_sdri"], est, ref, 16000, mixture=mix)


def test_non_finite_estimate_raises_when_strict_and_is_a_recorded_skip_when_scoring():
    ref = clip()
    est = ref + clip(seed=1)
    est[[3, 7]] = [np.nan, -np.inf]
    with pytest.raises(MetricError, match="row 0 cannot be scored: non-finite estimate"):
        get_metric("si_sdr")(est[None], ref[None], 16000)
    names = ["si_sdr", "si_sdri", "mel_distance", "pesq"]
    for value in score_clip(names, est, ref, 16000, mixture=ref).values():
        assert value == MetricValue(None, "non-finite estimate (2 NaN/Inf samples)")


def test_silent_reference_and_silent_estimate_are_recorded_skips():
    ref = clip()
    scores = score_clip(["si_sdr", "si_sdri", "stft_distance"], ref, np.zeros_like(ref), 16000,
                        mixture=ref)
    assert scores["si_sdr"] == MetricValue(None, "silent reference")
    assert scores["si_sdri"] == MetricValue(None, "silent reference")
    assert scores["stft_distance"].value > 0  # defined against silence
    constant = np.full_like(ref, 0.25)  # a DC offset is silent after removing the mean
    assert score_clip(["si_sdr"], constant, ref, 16000)["si_sdr"].skipped == "silent estimate (si_sdr undefined)"
    with pytest.raises(MetricError, match="silent reference"):
        get_metric("si_sdr")(ref[None], np.zeros_like(ref)[None], 16000)


def test_a_batch_with_some_skipped_rows_scores_the_others_without_nan():
    refs = np.stack([clip(seed=s) for s in range(3)])
    refs[1] = 0.0
    ests = refs + 0.01 * np.stack([clip(seed=10 + s) for s in range(3)])
    rows = score_batch(["si_sdr", "mel_distance"], ests, refs, 16000)
    assert rows[1]["si_sdr"] == MetricValue(None, "silent reference")
    for row in (0, 2):
        alone = score_batch(["si_sdr"], ests[row:row + 1], refs[row:row + 1], 16000)[0]
        assert rows[row]["si_sdr"] == alone["si_sdr"]
    assert all(r["mel_distance"].value is not None for r in rows)


@pytest.mark.parametrize("name,needed", [("si_sdr", 2), ("stft_distance", 1025), ("mel_distance", 1025),
                                         ("pesq", 4000), ("visqol", 16000)])
def test_too_short_clips_are_recorded_skips(name, needed):
    ref = clip(seconds=1.5)
    short = score_clip([name], ref[:needed - 1], ref[:needed - 1], 16000, mixture=ref[:needed - 1])
    assert short[name].value is None
    assert short[name].skipped == f"too short for {name} ({needed - 1} samples, needs {needed} at 16000 Hz)"


def test_metric_values_never_hold_nan():
    with pytest.raises(ValueError):
        MetricValue(float("nan"))
    with pytest.raises(ValueError):
        MetricValue(None)
    with pytest.raises(ValueError):
        MetricValue(1.0, "skipped")


def test_score_clip_takes_one_clip_in_any_mono_layout():
    ref = clip()
    est = ref + clip(seed=3)
    flat = score_clip(["si_sdr"], est, ref, 16000)
    assert flat == score_clip(["si_sdr"], est[None], ref[None], 16000)
    assert flat == score_clip(["si_sdr"], torch.from_numpy(est)[None, None], torch.from_numpy(ref)[None, None], 16000)
    with pytest.raises(MetricError, match="one clip"):
        score_clip(["si_sdr"], np.stack([est, est]), np.stack([ref, ref]), 16000)

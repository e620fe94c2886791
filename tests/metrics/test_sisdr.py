"""SI-SDR and SI-SDRi against an independent numpy formula (float64, no stabiliser)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bench.metrics import get_metric, score_batch


def numpy_si_sdr(estimate: np.ndarray, reference: np.ndarray) -> float:
    """Le Roux et al. 2019, eq. (3)-(4), after removing the means."""
    est = estimate.astype(np.float64) - estimate.mean()
    ref = reference.astype(np.float64) - reference.mean()
    target = (est @ ref) / (ref @ ref) * ref
    return float(10 * np.log10((target @ target) / ((est - target) @ (est - target))))


def pairs(snrs, length=16000, seed=0):
    rng = np.random.default_rng(seed)
    refs, ests = [], []
    for snr in snrs:
        ref = rng.standard_normal(length) * 0.2 + 0.05  # an offset: zero-mean must remove it
        noise = rng.standard_normal(length)
        noise *= np.linalg.norm(ref - ref.mean()) / np.linalg.norm(noise) / 10 ** (snr / 20)
        ests.append(0.7 * (ref + noise) - 0.3)  # scaled and offset: SI-SDR must ignore both
        refs.append(ref)
    return np.stack(ests), np.stack(refs)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_si_sdr_matches_the_numpy_formula_to_1e4_db(dtype):
    est, ref = pairs([-10, 0, 7.5, 20, 45, 70])
    values = get_metric("si_sdr")(torch.from_numpy(est).to(dtype)[:, None],
                                  torch.from_numpy(ref).to(dtype)[:, None], 16000)
    assert values.shape == (6,)
    for row in range(6):
        expected = numpy_si_sdr(torch.from_numpy(est[row]).to(dtype).double().numpy(),
                                torch.from_numpy(ref[row]).to(dtype).double().numpy())
        assert abs(float(values[row]) - expected) < 1e-4


def test_si_sdr_is_scale_and_offset_invariant_and_recovers_the_snr():
    est, ref = pairs([12.0])
    metric = get_metric("si_sdr")
    base = float(metric(est, ref, 16000)[0])
    assert abs(base - 12.0) < 0.05  # the noise was drawn at 12 dB (almost orthogonal to ref)
    assert abs(float(metric(est * 5.0 + 1.0, ref, 16000)[0]) - base) < 1e-9


def test_si_sdri_is_the_estimate_minus_the_mixture_si_sdr():
    est, ref = pairs([15, 3], seed=1)
    mix, _ = pairs([0, -5], seed=2)
    values = get_metric("si_sdri")(est, ref, 16000, mixture=mix)
    for row in range(2):
        expected = numpy_si_sdr(est[row], ref[row]) - numpy_si_sdr(mix[row], ref[row])
        assert abs(float(values[row]) - expected) < 1e-4


def test_si_sdri_of_the_mixture_itself_is_zero():
    est, ref = pairs([4.0])
    assert abs(float(get_metric("si_sdri")(est, ref, 16000, mixture=est)[0])) < 1e-12


def test_batched_scores_equal_one_by_one_scores():
    est, ref = pairs([1, 5, 9, 13])
    batched = score_batch(["si_sdr"], est, ref, 16000)
    for row in range(4):
        single = score_batch(["si_sdr"], est[row:row + 1], ref[row:row + 1], 16000)[0]
        assert abs(batched[row]["si_sdr"].value - single["si_sdr"].value) < 1e-9

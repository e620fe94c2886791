"""Spectral distances against DAC's own loss classes (run on an independent numpy STFT)."""

from __future__ import annotations

import pytest
import torch

from bench.metrics import get_metric
from sdcodec.losses.spectral import (
    AUTHORS_MEL_FILTERBANK_RATE,
    MelSpectrogramLoss,
    MultiScaleSTFTLoss,
    sdcodec_mel_loss,
    sdcodec_stft_loss,
)

SR = 16000


def signals(dtype=torch.float64, batch=2, channels=1, length=9000, seed=0):
    generator = torch.Generator().manual_seed(seed)
    ref = 0.3 * torch.randn(batch, channels, length, generator=generator, dtype=dtype)
    ref[..., 3000:4000] = 0.0  # a silent stretch: exercises the clamp of the log
    est = 0.8 * ref + 0.05 * torch.randn(ref.shape, generator=generator, dtype=dtype)
    return est, ref


def dac_mel(dac_losses, sample_rate_of_signal=SR):
    return dac_losses.MelSpectrogramLoss(
        n_mels=[5, 10, 20, 40, 80, 160, 320], window_lengths=[32, 64, 128, 256, 512, 1024, 2048],
        mel_fmin=[0.0] * 7, mel_fmax=[None] * 7, pow=1.0, clamp_eps=1e-5, mag_weight=0.0)


def test_stft_distance_equals_dacs_multiscale_stft_loss(dac_losses):
    from audiotools import AudioSignal

    est, ref = signals(channels=2)
    expected = dac_losses.MultiScaleSTFTLoss(window_lengths=[2048, 512])(
        AudioSignal(est.clone(), SR), AudioSignal(ref.clone(), SR))
    ours = sdcodec_stft_loss()(est, ref)
    assert torch.allclose(ours, expected.to(ours.dtype), rtol=1e-10, atol=0)


def test_mel_distance_equals_dacs_mel_loss_with_the_authors_settings(dac_losses):
    from audiotools import AudioSignal

    est, ref = signals()
    expected = dac_mel(dac_losses)(AudioSignal(est.clone(), SR), AudioSignal(ref.clone(), SR))
    ours = sdcodec_mel_loss(SR)(est, ref)
    # DAC's filters are librosa's float32 ones, as ours: the rest is float64 arithmetic
    assert torch.allclose(ours, expected.to(ours.dtype), rtol=1e-9, atol=0)


def test_non_default_weights_and_scales_match_dac(dac_losses):
    from audiotools import AudioSignal

    est, ref = signals(length=5000, seed=3)
    kwargs = dict(n_mels=[30, 60], window_lengths=[256, 1024], clamp_eps=1e-4, mag_weight=0.5,
                  log_weight=2.0, pow=2.0, mel_fmin=[50.0, 0.0], mel_fmax=[7000.0, None])
    expected = dac_losses.MelSpectrogramLoss(**kwargs)(AudioSignal(est.clone(), SR),
                                                        AudioSignal(ref.clone(), SR))
    ours = MelSpectrogramLoss(SR, **kwargs)(est, ref)
    assert torch.allclose(ours, expected.to(ours.dtype), rtol=1e-9, atol=0)
    expected = dac_losses.MultiScaleSTFTLoss(window_lengths=[128, 1024], mag_weight=0.25, pow=1.0)(
        AudioSignal(est.clone(), SR), AudioSignal(ref.clone(), SR))
    ours = MultiScaleSTFTLoss(window_lengths=[128, 1024], mag_weight=0.25, pow=1.0)(est, ref)
    assert torch.allclose(ours, expected.to(ours.dtype), rtol=1e-9, atol=0)


def test_authors_mel_distance_is_dacs_loss_on_a_signal_declared_at_44k1(dac_losses):
    from audiotools import AudioSignal

    est, ref = signals(seed=1)
    expected = dac_mel(dac_losses)(AudioSignal(est.clone(), AUTHORS_MEL_FILTERBANK_RATE),
                                   AudioSignal(ref.clone(), AUTHORS_MEL_FILTERBANK_RATE))
    ours = get_metric("mel_distance_authors")(est, ref, SR)
    assert torch.allclose(ours.mean(), expected.to(ours.dtype), rtol=1e-9, atol=0)
    assert abs(float(get_metric("mel_distance")(est, ref, SR).mean()) - float(expected)) > 1e-3


def test_float32_losses_agree_with_float64_and_are_differentiable():
    est64, ref64 = signals()
    est = est64.float().requires_grad_(True)
    loss = sdcodec_mel_loss(SR)(est, ref64.float()) + sdcodec_stft_loss()(est, ref64.float())
    value = float(loss.detach())
    loss.backward()
    assert est.grad is not None and torch.isfinite(est.grad).all() and est.grad.abs().sum() > 0
    reference = sdcodec_mel_loss(SR)(est64, ref64) + sdcodec_stft_loss()(est64, ref64)
    assert abs(value - float(reference)) < 1e-4 * float(reference)


@pytest.mark.parametrize("name", ["stft_distance", "mel_distance"])
def test_per_clip_metric_values_average_to_the_loss(name):
    est, ref = signals(batch=3)
    per_clip = get_metric(name)(est, ref, SR)
    loss = sdcodec_stft_loss() if name == "stft_distance" else sdcodec_mel_loss(SR)
    assert per_clip.shape == (3,)
    assert torch.allclose(per_clip.mean(), loss(est, ref), rtol=1e-12)
    assert float(get_metric(name)(ref, ref, SR).abs().max()) == 0.0
    assert (per_clip > 0).all()


def test_half_precision_inputs_are_computed_in_float32():
    est, ref = signals(dtype=torch.float32)
    half = sdcodec_mel_loss(SR)(est.half(), ref.half())
    assert half.dtype == torch.float32
    assert torch.allclose(half, sdcodec_mel_loss(SR)(est.half().float(), ref.half().float()))

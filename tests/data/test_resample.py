"""Resampling 44.1 kHz -> 16 kHz with julius: frequency, level and length are kept."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from bench.data.resample import _resampler, output_length, resample


def test_sine_keeps_frequency_and_level() -> None:
    rate, seconds = 44_100, 2.0
    t = torch.arange(int(rate * seconds), dtype=torch.float64) / rate
    sine = (0.5 * torch.sin(2 * math.pi * 1000.0 * t)).float()[None, :]
    out = resample(sine, rate, 16_000)
    assert out.shape == (1, 32_000) and out.dtype == torch.float32
    body = out[0, 800:-800].double().numpy()  # away from the zero-padded edges
    spectrum = np.abs(np.fft.rfft(body * np.hanning(len(body))))
    peak_hz = np.argmax(spectrum) * 16_000 / len(body)
    assert abs(peak_hz - 1000.0) < 16_000 / len(body)  # within one bin
    rms = np.sqrt(np.mean(body ** 2))
    assert rms == pytest.approx(0.5 / math.sqrt(2), rel=1e-3)
    # nothing else: the energy outside the 1 kHz neighbourhood is negligible
    bins = np.fft.rfftfreq(len(body), 1 / 16_000)
    assert spectrum[np.abs(bins - 1000) > 50].max() < 1e-3 * spectrum.max()


def test_lengths_batch_shape_and_identity() -> None:
    x = torch.randn(3, 2, 441_000)
    y = resample(x, 44_100, 16_000)
    assert y.shape == (3, 2, 160_000) == (3, 2, output_length(441_000, 44_100, 16_000))
    assert output_length(220_500, 44_100, 16_000) == 80_000
    assert resample(x, 16_000, 16_000) is x
    # batched rows are resampled independently
    torch.testing.assert_close(resample(x[1, 0], 44_100, 16_000), y[1, 0], rtol=0, atol=1e-6)


def test_module_is_built_once_per_rate_pair() -> None:
    _resampler.cache_clear()
    x = torch.randn(1, 44_100)
    resample(x, 44_100, 16_000)
    resample(x, 88_200, 32_000)  # the same reduced pair 441 -> 160
    info = _resampler.cache_info()
    assert info.misses == 1 and info.hits == 1

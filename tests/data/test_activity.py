"""The STFT activity test (fast path == plain torch.stft) and the 30 dB trim (== librosa)."""

from __future__ import annotations

import librosa
import numpy as np
import pytest
import torch

from bench.data.activity import activity, active_frame_share, active_frames, active_frames_stft, trim_bounds


def _stft_oracle_flags(x: np.ndarray) -> np.ndarray:
    """The authors' formula, written out: centred reflect-padded STFT, |X| summed over bins."""
    spec = torch.stft(torch.from_numpy(x), n_fft=1024, hop_length=256, win_length=1024,
                      window=torch.hann_window(1024), center=True, pad_mode="reflect",
                      onesided=True, return_complex=True)
    return (spec.abs().sum(dim=-2) > 1e-6).numpy()


def _signals(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(12):
        n = int(rng.integers(3000, 40_000))
        x = (rng.standard_normal(n) * 10 ** rng.uniform(-10, -1)).astype(np.float32)
        for _ in range(4):  # digital silence and fades
            a = int(rng.integers(0, n))
            x[a: a + int(rng.integers(0, 6000))] = 0
        a = int(rng.integers(0, n))
        x[a:] *= np.exp(-np.arange(n - a) / 300.0).astype(np.float32)
        out.append(x)
    # signals whose magnitude sums sit right at the 1e-6 threshold
    for scale in (1e-9, 2e-9, 3e-9, 5e-9, 1e-8):
        x = np.zeros(20_000, dtype=np.float32)
        x[5000:5100] = scale
        x[9000] = scale * 40
        out.append(x)
    return out


@pytest.mark.parametrize("seed", [0, 1])
def test_fast_activity_equals_the_stft_formula(seed: int) -> None:
    for x in _signals(seed):
        fast = active_frames(x).numpy()
        expected = _stft_oracle_flags(x)
        np.testing.assert_array_equal(fast, expected)
        np.testing.assert_array_equal(active_frames_stft(x).numpy(), expected)


def test_edge_cases_decided_by_the_stft_are_exercised() -> None:
    # a lone tiny sample at a window edge: the energy bounds cannot decide, the STFT must
    x = np.zeros(10_000, dtype=np.float32)
    x[4000] = 3e-9
    assert active_frames(x).numpy().tolist() == _stft_oracle_flags(x).tolist()
    assert 0 < active_frames(x).sum() < active_frames(x).numel()


def test_share_shapes_and_values() -> None:
    x = np.zeros((2, 3, 256 * 99), dtype=np.float32)  # 100 frames each
    x[0, 1] = 0.1
    x[1, 2, : 256 * 40] = 0.1
    share = active_frame_share(torch.from_numpy(x))
    assert share.shape == (2, 3) and share.dtype == torch.float64
    assert share[0, 1] == 1.0 and share[0, 0] == 0.0
    np.testing.assert_allclose(share[1, 2], _stft_oracle_flags(x[1, 2]).mean())


@pytest.mark.parametrize("min_share,frames", [(0.5, 862), (0.5, 40), (0.4, 30)])
def test_activity_decision_at_exactly_the_threshold(min_share: float, frames: int) -> None:
    # 5 s at 44.1 kHz has 862 frames: 431 active frames (exactly 50%) pass, 430 do not
    n = 256 * (frames - 1)
    boundary = int(round(min_share * frames))
    found = {}
    for m in range(max(1, (boundary - 4) * 256), min(n, (boundary + 2) * 256), 64):
        x = np.zeros(n, dtype=np.float32)
        x[:m] = 0.1  # active on [0, m): the count grows with m
        count = int(_stft_oracle_flags(x).sum())
        if count in (boundary - 1, boundary):
            found.setdefault(count, x)
        if len(found) == 2:
            break
    assert set(found) == {boundary - 1, boundary}
    for count, x in found.items():
        share, active = activity(x, min_share)
        assert float(share) == count / frames
        assert bool(active) == (count >= boundary)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_trim_matches_librosa(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(10):
        n = int(rng.integers(5000, 120_000))
        x = (rng.standard_normal(n) * 0.3).astype(np.float32)
        x *= np.exp(rng.uniform(-6, 0, size=n // 1000 + 1)).repeat(1000)[:n].astype(np.float32)
        x[: int(rng.integers(0, n // 3))] = 0
        tail = int(rng.integers(0, n // 3))
        if tail:
            x[-tail:] *= 1e-3
        _, (start, end) = librosa.effects.trim(x, top_db=30)
        assert trim_bounds(x, 30) == (start, end)
        _, (start, end) = librosa.effects.trim(x, top_db=20)
        assert trim_bounds(torch.from_numpy(x), 20) == (start, end)


def test_trim_multichannel_silence_and_leading_zeros() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 44_100)).astype(np.float32)
    x[0, :10_000] = 0
    x[1, :20_000] = 0
    x[:, 30_000:] *= 1e-3
    _, bounds = librosa.effects.trim(x, top_db=30)
    assert trim_bounds(x) == tuple(bounds)
    assert 9000 <= trim_bounds(x)[0] <= 10_000  # leading silence removed (frame granularity)
    zeros = np.zeros(10_000, dtype=np.float32)
    assert trim_bounds(zeros) == tuple(librosa.effects.trim(zeros)[1])

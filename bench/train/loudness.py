"""Loudness (ITU-R BS.1770-4 integrated loudness, LUFS), loudness gains and peak limiting.

``integrated_loudness`` measures a whole batch at once: the K-weighting filters are pyloudnorm's
own coefficients (``pyloudnorm.Meter(rate).\\_filters``), applied to every row with one
``scipy.signal.sosfilt`` call, and the 400 ms / 75 %-overlap gating is vectorised in numpy with
pyloudnorm's block boundaries, so the result equals ``pyloudnorm.Meter(rate).integrated_loudness``
row by row (tested) while measuring a batch of 64 two-second segments in milliseconds instead of
a Python loop per segment.

A segment whose every block falls under the -70 LUFS absolute gate (silence) has no defined
loudness: it measures ``-inf`` and ``loudness_gain`` gives it gain 0, as the authors' trainer
does (their ``VolumeNorm`` sets NaN gains to 0). No NaN ever leaves this module.

``normalize_mixture`` is the authors' training-mixture recipe (``_data_transform`` of their
trainer); see its docstring for the order of operations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np

#: BS.1770 gating: 400 ms blocks, 75 % overlap, -70 LUFS absolute gate, -10 LU relative gate.
BLOCK_SECONDS: float = 0.4
BLOCK_OVERLAP: float = 0.75
ABSOLUTE_GATE_LUFS: float = -70.0
RELATIVE_GATE_LU: float = -10.0


def db_to_gain(db: float | np.ndarray) -> float | np.ndarray:
    """Linear amplitude factor of ``db`` decibels."""
    return np.power(10.0, np.asarray(db, dtype=np.float64) / 20.0)


@lru_cache(maxsize=16)
def _k_weighting(sample_rate: int) -> np.ndarray:
    """pyloudnorm's K-weighting stages (high shelf, then high pass) at ``sample_rate`` as
    second-order sections ``[2, 6]`` (one ``sosfilt`` pass runs both biquads in order)."""
    import pyloudnorm

    meter = pyloudnorm.Meter(sample_rate, filter_class="K-weighting", block_size=BLOCK_SECONDS)
    return np.stack([np.concatenate([np.asarray(stage.b, dtype=np.float64), np.asarray(stage.a, dtype=np.float64)])
                     for stage in meter._filters.values()])


@lru_cache(maxsize=64)
def _block_bounds(num_samples: int, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end sample of every gating block, computed exactly as pyloudnorm does."""
    step = 1.0 - BLOCK_OVERLAP
    duration = num_samples / sample_rate
    count = int(np.round((duration - BLOCK_SECONDS) / (BLOCK_SECONDS * step))) + 1
    lower = np.array([int(BLOCK_SECONDS * (j * step) * sample_rate) for j in range(count)])
    upper = np.array([int(BLOCK_SECONDS * (j * step + 1) * sample_rate) for j in range(count)])
    return lower, np.minimum(upper, num_samples)


def _block_energies(power: np.ndarray, sample_rate: int) -> np.ndarray:
    """Sum of ``power`` ``[rows, time]`` over every gating block ``[rows, blocks]``. When the
    blocks lie on a regular grid of whole hops (e.g. 16, 44.1, 48 kHz), sums over hops are added
    four at a time; otherwise a cumulative sum gives any bounds."""
    lower, upper = _block_bounds(power.shape[-1], sample_rate)
    hop = int(lower[1] - lower[0]) if len(lower) > 1 else 0
    per_block = int(round(1.0 / (1.0 - BLOCK_OVERLAP)))
    if (hop > 0 and np.array_equal(lower, hop * np.arange(len(lower)))
            and np.all(upper - lower == per_block * hop)):
        hops = len(lower) + per_block - 1
        sums = power[:, : hops * hop].reshape(power.shape[0], hops, hop).sum(-1)
        window = np.cumsum(np.concatenate([np.zeros((power.shape[0], 1)), sums], axis=-1), axis=-1)
        return window[:, per_block:] - window[:, :-per_block]
    energy = np.concatenate([np.zeros((power.shape[0], 1)), np.cumsum(power, axis=-1)], axis=-1)
    return energy[:, upper] - energy[:, lower]


def integrated_loudness(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Integrated loudness in LUFS of every row of mono ``audio`` ``[..., time]`` (samples at
    ``sample_rate`` Hz, at least 400 ms); ``-inf`` for rows under the absolute gate (silence).
    Returns float64 ``[...]``."""
    from scipy.signal import sosfilt

    audio = np.asarray(audio, dtype=np.float64)
    shape = audio.shape[:-1]
    rows = audio.reshape(-1, audio.shape[-1])
    num_samples = rows.shape[-1]
    if num_samples < int(round(BLOCK_SECONDS * sample_rate)):
        raise ValueError(f"loudness needs at least {BLOCK_SECONDS} s of audio, got {num_samples} samples at {sample_rate} Hz")
    filtered = sosfilt(_k_weighting(int(sample_rate)), rows, axis=-1)
    z = _block_energies(filtered * filtered, int(sample_rate)) / (BLOCK_SECONDS * sample_rate)  # [rows, blocks]
    with np.errstate(divide="ignore"):
        block_lufs = -0.691 + 10.0 * np.log10(z)
    above_abs = block_lufs >= ABSOLUTE_GATE_LUFS
    count_abs = above_abs.sum(-1)
    mean_abs = (z * above_abs).sum(-1) / np.maximum(count_abs, 1)
    with np.errstate(divide="ignore"):
        relative_gate = -0.691 + 10.0 * np.log10(mean_abs) + RELATIVE_GATE_LU
    gated = (block_lufs > relative_gate[:, None]) & (block_lufs > ABSOLUTE_GATE_LUFS)
    count = gated.sum(-1)
    mean = np.where(count > 0, (z * gated).sum(-1) / np.maximum(count, 1), 0.0)
    with np.errstate(divide="ignore"):
        lufs = -0.691 + 10.0 * np.log10(mean)
    return lufs.reshape(shape)


def loudness_gain(audio: np.ndarray, sample_rate: int, target_lufs: float | np.ndarray) -> np.ndarray:
    """Linear gains ``[...]`` that bring every row of ``audio`` ``[..., time]`` to ``target_lufs``
    (a scalar or one value per row); 0 for rows without a defined loudness (silence)."""
    lufs = integrated_loudness(audio, sample_rate)
    target = np.broadcast_to(np.asarray(target_lufs, dtype=np.float64), lufs.shape)
    gain = np.zeros_like(lufs)
    finite = np.isfinite(lufs)
    gain[finite] = db_to_gain(target[finite] - lufs[finite])
    return gain


def peak_limit_gain(peak: np.ndarray, peak_db: float) -> np.ndarray:
    """Gains that bring absolute peaks ``peak`` (linear) down to ``peak_db`` dBFS; 1 where already below."""
    limit = float(db_to_gain(peak_db))
    peak = np.asarray(peak, dtype=np.float64)
    return np.where(peak > limit, limit / np.maximum(peak, 1e-30), 1.0)


def normalize_mixture(
    sources: Mapping[str, np.ndarray],
    sample_rate: int,
    targets_lufs: Mapping[str, np.ndarray],
    mix_lufs: np.ndarray,
    peak_db: float = -0.5,
    final_peak_limit: bool = True,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The authors' training mixture from the present tracks' segments ``sources[track]``
    ``[B, time]`` (float, ``sample_rate`` Hz). Returns ``(mix [B, time], {track: [B, time]})``.

    1. each track to its per-row target ``targets_lufs[track]`` ``[B]`` (LUFS; the caller draws
       the +/- variation); silent rows get gain 0;
    2. peak limiting of each row: when the largest absolute peak over the row's tracks exceeds
       ``peak_db`` dBFS, every track of that row is scaled by the same factor;
    3. the mixture is the sum of the tracks, normalised to ``mix_lufs`` ``[B]`` with the SAME
       gain applied to every track (so the mixture stays their sum); silent mixtures get 0;
    4. ``final_peak_limit`` (not in the authors' code): if step 3 pushed a peak of the mixture
       or of a track above ``peak_db`` (possible for very peaky segments), the row is scaled
       down once more, so no output peak exceeds the limit. ``False`` reproduces the authors.
    """
    names = list(sources)
    stack = np.stack([np.asarray(sources[t], dtype=np.float64) for t in names], 0)  # [K, B, T]
    targets = np.stack([np.asarray(targets_lufs[t], dtype=np.float64) for t in names], 0)  # [K, B]
    stack = stack * loudness_gain(stack, sample_rate, targets)[..., None]
    stack = stack * peak_limit_gain(np.abs(stack).max(axis=(0, 2)), peak_db)[None, :, None]
    mix = stack.sum(0)
    mix_gain = loudness_gain(mix, sample_rate, mix_lufs)
    mix = mix * mix_gain[:, None]
    stack = stack * mix_gain[None, :, None]
    if final_peak_limit:
        peak = np.maximum(np.abs(mix).max(-1), np.abs(stack).max(axis=(0, 2)))
        gain = peak_limit_gain(peak, peak_db)
        mix = mix * gain[:, None]
        stack = stack * gain[None, :, None]
    return mix, {t: stack[k] for k, t in enumerate(names)}


def peak_db(audio: np.ndarray) -> np.ndarray:
    """Absolute peak of every row of ``audio`` ``[..., time]`` in dBFS (``-inf`` for silence)."""
    peak = np.abs(np.asarray(audio, dtype=np.float64)).max(-1)
    with np.errstate(divide="ignore"):
        return 20.0 * np.log10(peak)


__all__: Sequence[str] = (
    "db_to_gain", "integrated_loudness", "loudness_gain", "peak_limit_gain", "normalize_mixture", "peak_db",
)

"""The protocol's two signal tests: STFT frame activity and the 30 dB trim of the mixture.

Activity (authors' ``mani_dnr.py`` and ``eval_dnr.py``): a frame of the STFT (``n_fft`` 1024,
hop 256, periodic Hann window, centred with reflect padding, one-sided) is *active* when its
magnitude summed over frequency exceeds 1e-6. ``active_frame_share`` gives the share of active
frames; the manifest keeps a chunk when every stem's share is >= 0.5, scoring skips a track
whose share is < 0.4.

Computing that STFT for every chunk of every stem costs ~85 s per hour of 4-stem audio on one
core, so ``active_frames`` decides most frames without it, exactly. For a frame ``x`` and window
``w`` of ``N`` samples, Parseval bounds the one-sided magnitude sum ``S``:
``sqrt(N/2 * sum((w x)^2)) <= S <= sqrt((N/2 + 1) * N * sum((w x)^2))``, and ``sum((w x)^2)``
lies between the frame's hop-block energies weighted by the least and the largest ``w^2`` of
each block. A frame whose lower bound is above twice the threshold is active, one whose upper
bound is under half of it is inactive (the factor 2 absorbs float32 rounding); only the frames
in between (fades into digital silence, tiny signals) get the real ``torch.stft``. The result
equals ``active_frames_stft``, the plain STFT test, which the tests check.

Trim (``librosa.effects.trim(y, top_db=30)`` with its defaults: frames of 2048 samples, hop 512,
centred with zero padding): a frame is non-silent when its RMS, in dB relative to the largest
RMS of the signal (power floored at 1e-10), exceeds ``-top_db``; for several channels the
loudest channel decides. The bounds are ``(first non-silent frame * hop, min(length, (last + 1) *
hop))``, or ``(0, 0)`` when nothing is non-silent. ``trim_bounds`` computes this from block
energies in float64 (no framing copy), which matches librosa bit for bit except for frames
within float rounding of the threshold.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

#: Frame activity threshold on the magnitude summed over frequency.
ACTIVITY_THRESHOLD: float = 1e-6


def _as_float32_numpy(audio: torch.Tensor | np.ndarray) -> np.ndarray:
    if isinstance(audio, torch.Tensor):
        audio = audio.detach().to("cpu", torch.float32).numpy()
    return np.asarray(audio, dtype=np.float32)


@lru_cache(maxsize=8)
def _window_block_weights(n_fft: int, hop_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Least and largest ``w^2`` over each hop-long block of the periodic Hann window."""
    window = torch.hann_window(n_fft, dtype=torch.float64).numpy()
    squared = (window ** 2).reshape(n_fft // hop_length, hop_length)
    return squared.min(axis=1), squared.max(axis=1)


def active_frames_stft(audio: torch.Tensor | np.ndarray, n_fft: int = 1024, hop_length: int = 256,
                       threshold: float = ACTIVITY_THRESHOLD) -> torch.Tensor:
    """The plain STFT test (as the authors compute it): ``bool [..., frames]``, one flag per
    centred frame (``frames = 1 + time // hop_length``) of ``audio`` ``[..., time]``."""
    signal = torch.as_tensor(_as_float32_numpy(audio))
    lead = signal.shape[:-1]
    flat = signal.reshape(-1, signal.shape[-1])
    spec = torch.stft(flat, n_fft=n_fft, hop_length=hop_length, win_length=n_fft,
                      window=torch.hann_window(n_fft), center=True, pad_mode="reflect",
                      onesided=True, return_complex=True)
    return (spec.abs().sum(dim=-2) > threshold).reshape(*lead, -1)


def active_frames(audio: torch.Tensor | np.ndarray, n_fft: int = 1024, hop_length: int = 256,
                  threshold: float = ACTIVITY_THRESHOLD) -> torch.Tensor:
    """Per-frame activity of ``audio`` ``[..., time]`` (any leading shape): ``bool [..., frames]``
    with ``frames = 1 + time // hop_length``; equal to ``active_frames_stft``, computed mostly
    from energy bounds (see the module docstring). ``time`` must exceed ``n_fft // 2``."""
    x = _as_float32_numpy(audio)
    lead, length = x.shape[:-1], x.shape[-1]
    pad = n_fft // 2
    if length <= pad:
        raise ValueError(f"audio of {length} samples is too short for a centred STFT of {n_fft}")
    if n_fft % hop_length:
        return active_frames_stft(audio, n_fft, hop_length, threshold)
    flat = x.reshape(-1, length)
    padded = np.pad(flat, ((0, 0), (pad, pad)), mode="reflect")
    n_frames = 1 + length // hop_length
    ratio = n_fft // hop_length
    n_blocks = n_frames - 1 + ratio
    blocks = padded[:, : n_blocks * hop_length].reshape(flat.shape[0], n_blocks, hop_length)
    energy = np.einsum("bkh,bkh->bk", blocks, blocks, dtype=np.float64)
    low_w, high_w = _window_block_weights(n_fft, hop_length)
    low = np.zeros((flat.shape[0], n_frames))
    high = np.zeros((flat.shape[0], n_frames))
    for b in range(ratio):
        low += low_w[b] * energy[:, b: b + n_frames]
        high += high_w[b] * energy[:, b: b + n_frames]
    low_sum = np.sqrt(n_fft / 2 * low)
    high_sum = np.sqrt((n_fft // 2 + 1) * n_fft * high)
    active = low_sum > 2 * threshold
    undecided = ~active & (high_sum >= threshold / 2)
    if undecided.any():
        rows, frames = np.nonzero(undecided)
        starts = frames * hop_length
        index = starts[:, None] + np.arange(n_fft)[None, :]
        chunk = torch.from_numpy(np.ascontiguousarray(padded[rows[:, None], index]))
        spec = torch.stft(chunk, n_fft=n_fft, hop_length=hop_length, win_length=n_fft,
                          window=torch.hann_window(n_fft), center=False, onesided=True,
                          return_complex=True)
        active[rows, frames] = (spec.abs().sum(dim=-2)[:, 0] > threshold).numpy()
    return torch.from_numpy(active.reshape(*lead, n_frames))


def active_frame_share(audio: torch.Tensor | np.ndarray, n_fft: int = 1024, hop_length: int = 256,
                       threshold: float = ACTIVITY_THRESHOLD) -> torch.Tensor:
    """Share of active STFT frames (0..1, float64) of ``audio`` ``[..., time]``: ``Tensor[...]``.

    The protocol compares it with 0.5 (manifest, ``>=`` keeps) and 0.4 (scoring, ``<`` skips).
    """
    return active_frames(audio, n_fft, hop_length, threshold).double().mean(dim=-1)


def activity(audio: torch.Tensor | np.ndarray, min_share: float, n_fft: int = 1024,
             hop_length: int = 256, threshold: float = ACTIVITY_THRESHOLD
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """``(share float64 [...], active bool [...])`` of ``audio`` ``[..., time]``: ``active`` is
    the protocol's decision, made on counts exactly as the authors do (inactive when
    ``count < min_share * frames``), so no float rounding of the share can flip it."""
    flags = active_frames(audio, n_fft, hop_length, threshold)
    count = flags.sum(dim=-1).numpy()
    frames = flags.shape[-1]
    inactive = count < float(min_share) * frames  # float64, as Python compares
    return torch.from_numpy(np.asarray(count / frames)), torch.from_numpy(np.asarray(~inactive))


def trim_bounds(mix: torch.Tensor | np.ndarray, top_db: float = 30.0, frame_length: int = 2048,
                hop_length: int = 512) -> tuple[int, int]:
    """``(start, end)`` in samples of ``mix`` ``[time]`` or ``[channels, time]`` after trimming
    leading and trailing frames more than ``top_db`` dB below the loudest frame; the semantics
    of ``librosa.effects.trim`` (see the module docstring). ``(0, 0)`` when all is silent."""
    x = _as_float32_numpy(mix)
    if x.ndim == 1:
        x = x[None, :]
    x = x.reshape(-1, x.shape[-1])
    length = x.shape[-1]
    if length == 0:
        return 0, 0
    if frame_length % hop_length:
        import librosa

        _, (start, end) = librosa.effects.trim(x if x.shape[0] > 1 else x[0], top_db=top_db,
                                               frame_length=frame_length, hop_length=hop_length)
        return int(start), int(end)
    pad = frame_length // 2
    n_frames = 1 + length // hop_length
    ratio = frame_length // hop_length
    n_blocks = n_frames - 1 + ratio
    padded = np.zeros((x.shape[0], n_blocks * hop_length), dtype=np.float32)
    usable = min(length, n_blocks * hop_length - pad)
    padded[:, pad: pad + usable] = x[:, :usable]
    blocks = padded.reshape(x.shape[0], n_blocks, hop_length)
    energy = np.einsum("ckh,ckh->ck", blocks, blocks, dtype=np.float64)
    power = np.zeros((x.shape[0], n_frames))
    for b in range(ratio):
        power += energy[:, b: b + n_frames]
    power /= frame_length
    amin = 1e-10
    db = 10 * np.log10(np.maximum(amin, power)) - 10 * np.log10(max(amin, float(power.max())))
    non_silent = np.flatnonzero(db.max(axis=0) > -top_db)
    if non_silent.size == 0:
        return 0, 0
    return int(non_silent[0] * hop_length), int(min(length, (non_silent[-1] + 1) * hop_length))

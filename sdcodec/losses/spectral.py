"""Spectral reconstruction losses of DAC: multi-scale STFT distance and multi-scale mel distance.

Both are differentiable ``nn.Module``s (the training code uses them as reconstruction losses and
the benchmark wraps them as the metrics ``stft_distance`` and ``mel_distance``). They follow the
definitions of DAC's ``MultiScaleSTFTLoss`` / ``MelSpectrogramLoss`` and audiotools' STFT
conventions:

* STFT per scale ``w``: window length and ``n_fft`` ``w``, hop ``w // 4``, periodic Hann window,
  centred frames with reflect padding (``w // 2`` samples each side), one-sided spectrum, no
  extra padding (audiotools' ``match_stride=False``).
* Mel: magnitudes (not power) times librosa's Slaney-normalised mel filterbank
  (``librosa.filters.mel(sr, n_fft=w, n_mels, fmin, fmax)``, librosa's defaults otherwise).
* Per scale: ``log_weight * L1(log10(clamp(S_est, eps) ** pow), log10(clamp(S_ref, eps) ** pow))
  + mag_weight * L1(S_est, S_ref)``, L1 being the mean absolute difference over every
  bin and frame; the scales are summed and the total multiplied by ``weight``.

``reduction="none"`` gives one value per clip (``[batch]``; the mean over clips equals the
``"mean"`` reduction, because every clip has the same shape). Signals are ``[batch, time]`` or
``[batch, channels, time]`` (channels are scored as separate rows and averaged per clip);
half-precision inputs (fp16 training) are computed in float32.

The paper's settings (the authors' training configuration) are ``sdcodec_stft_loss()`` and
``sdcodec_mel_loss(sample_rate)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

#: The authors' MultiScaleSTFTLoss settings (config/training/*.yaml): window lengths only, the
#: rest DAC's defaults.
SDCODEC_STFT_WINDOWS: tuple[int, ...] = (2048, 512)
#: The authors' MelSpectrogramLoss settings (7 scales, windows 32..2048, 5..320 mel bands).
SDCODEC_MEL_WINDOWS: tuple[int, ...] = (32, 64, 128, 256, 512, 1024, 2048)
SDCODEC_MEL_BANDS: tuple[int, ...] = (5, 10, 20, 40, 80, 160, 320)
#: The sample rate the authors' MelSpectrogramLoss builds its filterbank for: their class
#: defaults to 44.1 kHz and their configuration never sets it, so their 16 kHz models were trained
#: and evaluated with 44.1 kHz mel filters applied to 16 kHz spectra.
AUTHORS_MEL_FILTERBANK_RATE: int = 44_100


def as_rows(signal: Tensor) -> Tensor:
    """``[batch, time]`` or ``[batch, channels, time]`` as ``[rows, time]`` (rows = batch*channels)."""
    if signal.dim() == 2:
        return signal
    if signal.dim() == 3:
        return signal.reshape(-1, signal.shape[-1])
    raise ValueError(f"expected [batch, time] or [batch, channels, time], got {tuple(signal.shape)}")


def stft_magnitude(signal: Tensor, window: Tensor, hop_length: int) -> Tensor:
    """Magnitude STFT ``[rows, freq, frames]`` of ``signal`` ``[rows, time]``.

    ``n_fft`` is the window's length; frames are centred with reflect padding (so the signal must be
    longer than half a window), as audiotools' ``AudioSignal.stft`` with ``match_stride=False``.
    """
    n_fft = window.shape[-1]
    spec = torch.stft(signal, n_fft=n_fft, hop_length=hop_length, win_length=n_fft, window=window,
                      center=True, pad_mode="reflect", onesided=True, return_complex=True)
    return spec.abs()


def _log_l1(est: Tensor, ref: Tensor, clamp_eps: float, pow: float) -> Tensor:
    """Per-row mean absolute difference of ``log10(clamp(x, eps) ** pow)``: ``[rows]``."""
    diff = est.clamp(min=clamp_eps).pow(pow).log10() - ref.clamp(min=clamp_eps).pow(pow).log10()
    return diff.abs().flatten(1).mean(dim=1)


def _l1(est: Tensor, ref: Tensor) -> Tensor:
    """Per-row mean absolute difference: ``[rows]``."""
    return (est - ref).abs().flatten(1).mean(dim=1)


class _SpectralDistance(nn.Module):
    """Shared parts: windows as buffers, weights, shapes and reductions."""

    def __init__(self, window_lengths: Sequence[int], clamp_eps: float, mag_weight: float,
                 log_weight: float, pow: float, weight: float, reduction: str) -> None:
        super().__init__()
        if reduction not in ("mean", "none"):
            raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}")
        self.window_lengths = tuple(int(w) for w in window_lengths)
        self.clamp_eps = float(clamp_eps)
        self.mag_weight = float(mag_weight)
        self.log_weight = float(log_weight)
        self.pow = float(pow)
        self.weight = float(weight)
        self.reduction = reduction
        for w in self.window_lengths:
            # periodic Hann, as scipy.signal.get_window("hann", w) used by audiotools
            self.register_buffer(f"window_{w}", torch.hann_window(w, periodic=True, dtype=torch.float64), persistent=False)

    @property
    def min_samples(self) -> int:
        """The shortest signal (samples) every scale can pad by reflection: ``max(w) // 2 + 1``."""
        return max(self.window_lengths) // 2 + 1

    def window(self, length: int, like: Tensor) -> Tensor:
        return getattr(self, f"window_{length}").to(dtype=like.dtype, device=like.device)

    def scale_term(self, est: Tensor, ref: Tensor) -> Tensor:
        """Log and linear L1 terms of one scale for spectra ``[rows, bins, frames]``: ``[rows]``."""
        term = self.log_weight * _log_l1(est, ref, self.clamp_eps, self.pow)
        if self.mag_weight != 0.0:
            term = term + self.mag_weight * _l1(est, ref)
        return term

    def spectra(self, rows: Tensor, scale: int) -> Tensor:
        raise NotImplementedError

    def forward(self, estimate: Tensor, reference: Tensor) -> Tensor:
        """Distance between ``estimate`` and ``reference`` (same shape, see the module docstring).

        Returns a scalar (``reduction="mean"``) or ``[batch]`` (``"none"``).
        """
        if estimate.shape != reference.shape:
            raise ValueError(f"estimate {tuple(estimate.shape)} and reference "
                             f"{tuple(reference.shape)} differ in shape")
        batch = estimate.shape[0]
        est, ref = as_rows(estimate), as_rows(reference)
        if est.dtype in (torch.float16, torch.bfloat16):  # FFTs and log10 in half lose too much
            est, ref = est.float(), ref.float()
        total = est.new_zeros(est.shape[0])
        for scale in range(len(self.window_lengths)):
            total = total + self.scale_term(self.spectra(est, scale), self.spectra(ref, scale))
        per_clip = self.weight * total.reshape(batch, -1).mean(dim=1)
        return per_clip.mean() if self.reduction == "mean" else per_clip


class MultiScaleSTFTLoss(_SpectralDistance):
    """DAC's multi-scale STFT distance on magnitude spectra (defaults: DAC's and the authors')."""

    def __init__(self, window_lengths: Sequence[int] = SDCODEC_STFT_WINDOWS, clamp_eps: float = 1e-5,
                 mag_weight: float = 1.0, log_weight: float = 1.0, pow: float = 2.0,
                 weight: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(window_lengths, clamp_eps, mag_weight, log_weight, pow, weight, reduction)

    def spectra(self, rows: Tensor, scale: int) -> Tensor:
        w = self.window_lengths[scale]
        return stft_magnitude(rows, self.window(w, rows), w // 4)


class MelSpectrogramLoss(_SpectralDistance):
    """DAC's multi-scale mel distance.

    ``sample_rate`` (Hz) is the rate the mel filterbank is built for: the signal's own rate in DAC
    (``AUTHORS_MEL_FILTERBANK_RATE`` reproduces the authors' 44.1 kHz quirk). ``mel_fmin`` /
    ``mel_fmax`` (Hz, one per scale; ``None`` for ``fmax`` means ``sample_rate / 2``).
    """

    def __init__(self, sample_rate: int, n_mels: Sequence[int] = (150, 80),
                 window_lengths: Sequence[int] = (2048, 512), clamp_eps: float = 1e-5,
                 mag_weight: float = 1.0, log_weight: float = 1.0, pow: float = 2.0,
                 weight: float = 1.0, mel_fmin: Sequence[float] | None = None,
                 mel_fmax: Sequence[float | None] | None = None, reduction: str = "mean") -> None:
        super().__init__(window_lengths, clamp_eps, mag_weight, log_weight, pow, weight, reduction)
        count = len(self.window_lengths)
        mel_fmin = tuple(mel_fmin) if mel_fmin is not None else (0.0,) * count
        mel_fmax = tuple(mel_fmax) if mel_fmax is not None else (None,) * count
        if not len(n_mels) == len(mel_fmin) == len(mel_fmax) == count:
            raise ValueError("n_mels, window_lengths, mel_fmin and mel_fmax need one entry per scale")
        self.sample_rate = int(sample_rate)
        self.n_mels = tuple(int(n) for n in n_mels)
        self.mel_fmin = mel_fmin
        self.mel_fmax = mel_fmax
        for scale, w in enumerate(self.window_lengths):
            self.register_buffer(f"mel_{scale}", mel_filterbank(
                self.sample_rate, w, self.n_mels[scale], mel_fmin[scale], mel_fmax[scale]),
                persistent=False)

    def spectra(self, rows: Tensor, scale: int) -> Tensor:
        w = self.window_lengths[scale]
        magnitude = stft_magnitude(rows, self.window(w, rows), w // 4)  # [rows, bins, frames]
        filters = getattr(self, f"mel_{scale}").to(dtype=magnitude.dtype, device=magnitude.device)
        return filters @ magnitude  # [rows, mels, frames]


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, fmin: float = 0.0,
                   fmax: float | None = None) -> Tensor:
    """librosa's mel filterbank ``[n_mels, n_fft // 2 + 1]`` (Slaney scale and norm), float32.

    Narrow windows with many bands leave some filters empty; librosa warns about it and DAC keeps
    them, and so does this function (the warning is silenced).
    """
    import warnings

    from librosa.filters import mel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        basis = mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    return torch.from_numpy(basis).float()


def sdcodec_stft_loss(reduction: str = "mean") -> MultiScaleSTFTLoss:
    """The authors' multi-scale STFT distance: windows 2048 and 512, DAC's defaults otherwise."""
    return MultiScaleSTFTLoss(window_lengths=SDCODEC_STFT_WINDOWS, reduction=reduction)


def sdcodec_mel_loss(sample_rate: int, reduction: str = "mean") -> MelSpectrogramLoss:
    """The authors' multi-scale mel distance: 7 scales, ``pow`` 1, no linear term, fmin 0, no fmax.

    ``sample_rate``: the filterbank's rate in Hz (the signal's own rate; pass
    ``AUTHORS_MEL_FILTERBANK_RATE`` to reproduce the authors' scripts exactly).
    """
    count = len(SDCODEC_MEL_WINDOWS)
    return MelSpectrogramLoss(sample_rate, n_mels=SDCODEC_MEL_BANDS, window_lengths=SDCODEC_MEL_WINDOWS,
                              clamp_eps=1e-5, mag_weight=0.0, log_weight=1.0, pow=1.0,
                              mel_fmin=(0.0,) * count, mel_fmax=(None,) * count, reduction=reduction)

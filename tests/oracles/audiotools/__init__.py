"""Minimal stand-in for descript-audiotools, for tests only (the real package imports torchaudio).

Provides what DAC's modules import: ``STFTParams``, ``AudioSignal`` (batch/channel/time audio
with ``stft``, ``magnitude`` and ``mel_spectrogram``), ``ml.BaseModel`` (``INTERN``/``EXTERN``)
and ``ml.Accelerator``. The spectral parts are computed independently in numpy (float64).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import torch

from . import ml  # noqa: F401

STFTParams = namedtuple("STFTParams", ["window_length", "hop_length", "window_type",
                                       "match_stride", "padding_type"])
STFTParams.__new__.__defaults__ = (None, None, None, None, None)


def _window(window_type: str | None, length: int) -> np.ndarray:
    from scipy.signal import get_window

    return get_window(window_type or "hann", length, fftbins=True)


def numpy_stft(rows: np.ndarray, window_length: int, hop_length: int,
               window_type: str | None = None) -> np.ndarray:
    """Complex STFT ``[rows, window_length // 2 + 1, frames]``: centred frames, reflect padding."""
    pad = window_length // 2
    padded = np.pad(rows, ((0, 0), (pad, pad)), mode="reflect")
    frames = 1 + (padded.shape[-1] - window_length) // hop_length
    index = np.arange(window_length)[None, :] + hop_length * np.arange(frames)[:, None]
    windowed = padded[:, index] * _window(window_type, window_length)  # [rows, frames, window]
    return np.fft.rfft(windowed, axis=-1).transpose(0, 2, 1)


class AudioSignal:
    """Audio ``[batch, channels, time]`` at ``sample_rate`` Hz."""

    def __init__(self, audio_data, sample_rate: int, stft_params: STFTParams | None = None) -> None:
        data = torch.as_tensor(audio_data)
        while data.dim() < 3:
            data = data.unsqueeze(0)
        self.audio_data = data
        self.sample_rate = int(sample_rate)
        self.stft_params = stft_params or STFTParams()
        self.stft_data = None

    @property
    def batch_size(self) -> int:
        return self.audio_data.shape[0]

    @property
    def num_channels(self) -> int:
        return self.audio_data.shape[1]

    @property
    def signal_length(self) -> int:
        return self.audio_data.shape[-1]

    @property
    def device(self):
        return self.audio_data.device

    def stft(self, window_length: int | None = None, hop_length: int | None = None,
             window_type: str | None = None, match_stride: bool | None = None,
             padding_type: str | None = None) -> torch.Tensor:
        params = self.stft_params
        window_length = window_length or params.window_length or 2048
        hop_length = hop_length or params.hop_length or window_length // 4
        window_type = window_type or params.window_type
        match_stride = params.match_stride if match_stride is None else match_stride
        rows = self.audio_data.detach().cpu().double().numpy().reshape(-1, self.signal_length)
        if match_stride:
            # audiotools' alignment with strided convolutions: reflect-pad (W - H) / 2 on both
            # sides plus up to one hop on the right, centred STFT, then two frames dropped per end.
            right = -(-self.signal_length // hop_length) * hop_length - self.signal_length
            pad = (window_length - hop_length) // 2
            rows = np.pad(rows, ((0, 0), (pad, pad + right)), mode="reflect")
        spec = numpy_stft(rows, window_length, hop_length, window_type)
        if match_stride:
            spec = spec[..., 2:-2]
        spec = spec.reshape(self.batch_size, self.num_channels, *spec.shape[1:])
        self.stft_data = torch.from_numpy(spec)
        return self.stft_data

    @property
    def magnitude(self) -> torch.Tensor:
        return self.stft_data.abs()

    def mel_spectrogram(self, n_mels: int = 80, mel_fmin: float = 0.0, mel_fmax: float | None = None,
                        **kwargs) -> torch.Tensor:
        import warnings

        from librosa.filters import mel

        magnitude = self.stft(**kwargs).abs().numpy()
        n_fft = 2 * (magnitude.shape[2] - 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            basis = mel(sr=self.sample_rate, n_fft=n_fft, n_mels=n_mels, fmin=mel_fmin, fmax=mel_fmax)
        return torch.from_numpy(np.einsum("mf,bcft->bcmt", basis.astype(np.float64), magnitude))

"""DAC's discriminator, as the SD-Codec authors configure it (``config/discriminator/default.yaml``).

``Discriminator(DiscriminatorConfig())`` holds, in DAC's order: one multi-period discriminator
(``MPD``) per period (2, 3, 5, 7, 11), one multi-scale waveform discriminator (``MSD``) per entry
of ``rates`` (none in the authors' configuration), and one multi-band complex-STFT discriminator
(``MRD``) per window length (2048, 1024, 512), each STFT split into DAC's five bands (fractions
0-0.1-0.25-0.5-0.75-1 of the bins). All convolutions are weight-normalised (PyTorch's
parametrizations form, as the authors' code and the codec in ``sdcodec.nn``).

Parameter names follow DAC's ``dac.model.discriminator.Discriminator``
(``discriminators.<i>.convs.<j>.0.*``, ``...band_convs.<b>.<j>.0.*``, ``...conv_post.*``), so
DAC's or the authors' discriminator weights load strictly once the weight-norm form is adapted
(``load_discriminator_state``).

``forward(audio [B, 1, T])`` returns one list per sub-discriminator of its feature maps, the
last entry being its output logits; inputs are first DC-removed and peak-normalised to 0.8, as DAC.

STFT alignment (``stft_alignment``): the authors replaced audiotools' STFT by
``torch.stft(center=True, pad_mode="reflect")`` (``"center"``, the default: what SD-Codec was
trained with); DAC's audiotools STFT uses ``match_stride`` (reflect-pad ``(W - H) / 2`` on both
sides plus up to a hop on the right, then drop two frames at each end: ``"match_stride"``). Both
give ``ceil(T / H)`` frames; only their alignment differs. No torchaudio: STFTs are ``torch.stft``
with a periodic Hann window.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

from sdcodec.core.errors import ConfigError

#: DAC's MRD bands, as fractions of the one-sided STFT bins.
DAC_BANDS: tuple[tuple[float, float], ...] = ((0.0, 0.1), (0.1, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1.0))

#: STFT alignments of the MRD (see the module docstring).
STFT_ALIGNMENTS: tuple[str, ...] = ("center", "match_stride")


@dataclass(frozen=True)
class DiscriminatorConfig:
    """DAC discriminator settings (the authors' ``config/discriminator/default.yaml``).

    ``sample_rate`` (Hz) matters only for ``rates`` (MSD runs at ``sample_rate // rate``);
    ``periods``: MPD periods in samples; ``fft_sizes``: MRD window lengths in samples (hop
    ``hop_factor * window``); ``bands``: MRD band edges as fractions of the bins.
    """

    sample_rate: int = 16_000
    rates: tuple[int, ...] = ()
    periods: tuple[int, ...] = (2, 3, 5, 7, 11)
    fft_sizes: tuple[int, ...] = (2048, 1024, 512)
    bands: tuple[tuple[float, float], ...] = DAC_BANDS
    hop_factor: float = 0.25
    stft_alignment: str = "center"

    def __post_init__(self) -> None:
        if self.stft_alignment not in STFT_ALIGNMENTS:
            raise ConfigError(f"DiscriminatorConfig.stft_alignment {self.stft_alignment!r} unknown; "
                              f"known: {', '.join(STFT_ALIGNMENTS)}")
        if not (self.periods or self.rates or self.fft_sizes):
            raise ConfigError("DiscriminatorConfig needs at least one period, rate or FFT size")
        for low, high in self.bands:
            if not 0.0 <= low < high <= 1.0:
                raise ConfigError(f"DiscriminatorConfig.bands: {(low, high)} is not 0 <= low < high <= 1")
        object.__setattr__(self, "bands", tuple((float(a), float(b)) for a, b in self.bands))
        object.__setattr__(self, "periods", tuple(int(p) for p in self.periods))
        object.__setattr__(self, "rates", tuple(int(r) for r in self.rates))
        object.__setattr__(self, "fft_sizes", tuple(int(f) for f in self.fft_sizes))


def _conv(cls: type[nn.Module], *args, act: bool = True, **kwargs) -> nn.Module:
    """A weight-normalised convolution, followed by LeakyReLU(0.1) when ``act`` (then wrapped in
    ``nn.Sequential`` so that its parameters are named ``<i>.0.*`` as in DAC)."""
    conv = weight_norm(cls(*args, **kwargs))
    return nn.Sequential(conv, nn.LeakyReLU(0.1)) if act else conv


def _conv1d(*args, **kwargs) -> nn.Module:
    return _conv(nn.Conv1d, *args, **kwargs)


def _conv2d(*args, **kwargs) -> nn.Module:
    return _conv(nn.Conv2d, *args, **kwargs)


class MPD(nn.Module):
    """Multi-period discriminator of one ``period``: the waveform ``[B, 1, T]`` is reflect-padded
    to a multiple of the period (by a full period when already one, as DAC) and folded to
    ``[B, 1, T / period, period]``, then 2-D convolutions along time."""

    def __init__(self, period: int) -> None:
        super().__init__()
        self.period = period
        widths = (1, 32, 128, 512, 1024, 1024)
        self.convs = nn.ModuleList(
            _conv2d(widths[i], widths[i + 1], (5, 1), (3, 1) if i < 4 else 1, padding=(2, 0)) for i in range(5)
        )
        self.conv_post = _conv2d(1024, 1, kernel_size=(3, 1), padding=(1, 0), act=False)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = F.pad(x, (0, self.period - x.shape[-1] % self.period), mode="reflect")
        x = x.reshape(x.shape[0], x.shape[1], -1, self.period)
        fmap = []
        for layer in self.convs:
            x = layer(x)
            fmap.append(x)
        fmap.append(self.conv_post(x))
        return fmap


class MSD(nn.Module):
    """Multi-scale waveform discriminator at ``sample_rate // rate`` Hz (julius resampling)."""

    def __init__(self, rate: int = 1, sample_rate: int = 16_000) -> None:
        super().__init__()
        self.rate = rate
        self.sample_rate = sample_rate
        self.convs = nn.ModuleList([
            _conv1d(1, 16, 15, 1, padding=7),
            _conv1d(16, 64, 41, 4, groups=4, padding=20),
            _conv1d(64, 256, 41, 4, groups=16, padding=20),
            _conv1d(256, 1024, 41, 4, groups=64, padding=20),
            _conv1d(1024, 1024, 41, 4, groups=256, padding=20),
            _conv1d(1024, 1024, 5, 1, padding=2),
        ])
        self.conv_post = _conv1d(1024, 1, 3, 1, padding=1, act=False)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        target = self.sample_rate // self.rate
        if target != self.sample_rate:
            import julius

            gcd = math.gcd(self.sample_rate, target)
            x = julius.resample_frac(x, self.sample_rate // gcd, target // gcd)
        fmap = []
        for layer in self.convs:
            x = layer(x)
            fmap.append(x)
        fmap.append(self.conv_post(x))
        return fmap


class MRD(nn.Module):
    """Multi-band complex-STFT discriminator of one ``window_length``: the STFT's real and
    imaginary parts ``[B, 2, frames, bins]`` are split into ``bands``, each band has its own
    2-D convolution stack, the outputs are concatenated along frequency for ``conv_post``."""

    def __init__(self, window_length: int, hop_factor: float = 0.25,
                 bands: tuple[tuple[float, float], ...] = DAC_BANDS, alignment: str = "center") -> None:
        super().__init__()
        self.window_length = window_length
        self.hop_length = int(window_length * hop_factor)
        self.alignment = alignment
        if alignment == "match_stride" and self.hop_length != window_length // 4:
            raise ConfigError("stft_alignment 'match_stride' needs hop_factor 0.25 (as audiotools)")
        n_bins = window_length // 2 + 1
        self.bands = [(int(low * n_bins), int(high * n_bins)) for low, high in bands]
        ch = 32

        def stack() -> nn.ModuleList:
            return nn.ModuleList([
                _conv2d(2, ch, (3, 9), (1, 1), padding=(1, 4)),
                _conv2d(ch, ch, (3, 9), (1, 2), padding=(1, 4)),
                _conv2d(ch, ch, (3, 9), (1, 2), padding=(1, 4)),
                _conv2d(ch, ch, (3, 9), (1, 2), padding=(1, 4)),
                _conv2d(ch, ch, (3, 3), (1, 1), padding=(1, 1)),
            ])

        self.band_convs = nn.ModuleList(stack() for _ in self.bands)
        self.conv_post = _conv2d(ch, 1, (3, 3), (1, 1), padding=(1, 1), act=False)

    def spectrogram(self, x: torch.Tensor) -> torch.Tensor:
        """``[B * C, 2, frames, bins]``: real and imaginary STFT parts of ``x`` ``[B, C, T]``."""
        rows = x.reshape(-1, x.shape[-1])
        if self.alignment == "match_stride":
            length = rows.shape[-1]
            right = math.ceil(length / self.hop_length) * self.hop_length - length
            pad = (self.window_length - self.hop_length) // 2
            rows = F.pad(rows[:, None], (pad, pad + right), mode="reflect")[:, 0]
        window = torch.hann_window(self.window_length, dtype=rows.dtype, device=rows.device)
        spec = torch.stft(rows, n_fft=self.window_length, hop_length=self.hop_length, win_length=self.window_length,
                          window=window, center=True, pad_mode="reflect", onesided=True, return_complex=True)
        if self.alignment == "match_stride":
            spec = spec[..., 2:-2]
        return torch.view_as_real(spec).permute(0, 3, 2, 1)  # [rows, 2, frames, bins]

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        spec = self.spectrogram(x)
        fmap, outputs = [], []
        for (low, high), stack in zip(self.bands, self.band_convs):
            band = spec[..., low:high]
            for layer in stack:
                band = layer(band)
                fmap.append(band)
            outputs.append(band)
        fmap.append(self.conv_post(torch.cat(outputs, dim=-1)))
        return fmap


class Discriminator(nn.Module):
    """DAC's combined discriminator (see the module docstring); ``forward(audio [B, 1, T])`` ->
    one list of feature maps per sub-discriminator (MPDs, MSDs, MRDs), logits last."""

    def __init__(self, config: DiscriminatorConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or DiscriminatorConfig()
        discs: list[nn.Module] = [MPD(p) for p in config.periods]
        discs += [MSD(r, sample_rate=config.sample_rate) for r in config.rates]
        discs += [MRD(f, config.hop_factor, config.bands, config.stft_alignment) for f in config.fft_sizes]
        self.discriminators = nn.ModuleList(discs)

    @staticmethod
    def preprocess(audio: torch.Tensor) -> torch.Tensor:
        """DC offset removed, then peak-normalised to 0.8 (per row and channel), as DAC."""
        audio = audio - audio.mean(dim=-1, keepdim=True)
        return 0.8 * audio / (audio.abs().max(dim=-1, keepdim=True)[0] + 1e-9)

    def forward(self, audio: torch.Tensor) -> list[list[torch.Tensor]]:
        audio = self.preprocess(audio)
        return [disc(audio) for disc in self.discriminators]


def load_discriminator_state(discriminator: Discriminator, state_dict: Mapping[str, torch.Tensor],
                             source: str = "<state_dict>") -> None:
    """Loads DAC's or the authors' discriminator weights strictly (either weight-norm form);
    missing or unexpected keys raise ``CheckpointError`` naming them and ``source``."""
    from sdcodec.checkpoint import load_state_dict_strict
    from sdcodec.nn import adapt_weight_norm_keys

    adapted = adapt_weight_norm_keys(state_dict, discriminator.state_dict().keys())
    load_state_dict_strict(discriminator, adapted, source)

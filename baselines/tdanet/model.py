"""TDANet (Li, Yang, Hu, ICLR 2023): a time-domain mask separator with top-down attention.

Structure (parameter names as in Look2Hear's ``TDANet``)::

    mix [B, 1, T] --encoder (Conv1d, kernel K, hop K/4)--> s [B, K/2+1, F] (F encoder frames)
      --ln (gLN) --bottleneck (1x1)--> [B, out_channels, F]
      --sm: one TopDownBlock applied num_blocks times (shared weights)-->
      --mask_net (PReLU, 1x1)--> ReLU masks [B, n_src, K/2+1, F] * s
      --decoder (ConvTranspose1d, sdcodec.transposed_conv)--> [B, n_src, T]

A ``TopDownBlock`` projects to ``in_channels``, builds ``upsampling_depth`` scales bottom-up
(depthwise convs, stride 2), pools every scale to the coarsest one and sums them, runs the
global attention (MHSA + feed-forward) there, fuses the global signal back into every scale
(top-down), then merges the scales coarse to fine with local-attention (LA) layers and returns
to ``out_channels`` with a residual connection.

The released code bases differ in four places; ``TDANetConfig`` names each choice (the
defaults are the paper's model as first released with it, kept in Look2Hear as ``TDANetOld``):

* ``global_fusion``: how the global signal enters each scale: ``"gate"`` (``sigmoid(G) * X``,
  the original release), ``"add"`` (``G + X``, Look2Hear's ``TDANet``), ``"local_attention"``
  (an LA layer per scale, ``loc_glo_fus``, Look2Hear's ``TDANetBest``).
* ``global_attention``: ``"mhsa"`` (the paper) or ``"conv"`` (a k=3 convolution, the first
  ``TDANetBest`` release).
* ``top_down_start``: the first LA layer pairs scale ``depth-2`` with the coarser scale
  (``"coarser"``, the paper) or with the finer scale ``depth-3`` (``"finer"``, Look2Hear's
  ``TDANet`` and ``TDANetBest`` as released).
* ``attention_axis``: ``"time"`` (the paper and the original release) or ``"batch"`` (Look2Hear's
  MHSA code attends across batch items, TDANet issue #3).

Look2Hear checkpoints are loaded with the choices of the code that wrote them
(``baselines.tdanet.look2hear``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sdcodec.core.constants import MODEL_SAMPLE_RATE, TRACKS
from sdcodec.core.errors import ConfigError
from baselines.tdanet.layers import (
    ConvNormAct,
    ConvNorm,
    GlobalAttention,
    LocalAttention,
    global_layer_norm,
)
from sdcodec.transposed_conv import ConvTranspose1d

__all__ = ["TDANet", "TDANetConfig", "TopDownBlock"]

_CHOICES = {
    "global_fusion": ("gate", "add", "local_attention"),
    "global_attention": ("mhsa", "conv"),
    "top_down_start": ("coarser", "finer"),
    "attention_axis": ("time", "batch"),
}


@dataclass(frozen=True)
class TDANetConfig:
    """TDANet's constructor arguments (Look2Hear names) and the variant choices.

    ``enc_kernel_size`` is in milliseconds, as in Look2Hear: the encoder kernel is
    ``enc_kernel_size * sample_rate // 1000`` samples and its hop a quarter of that.
    ``out_channels`` is the width between blocks, ``in_channels`` the width inside a block,
    ``upsampling_depth`` the number of scales (so ``upsampling_depth - 1`` down-samplings),
    ``num_blocks`` how often the shared block is applied. The published configuration
    (``configs/tdanet.yml``): 128, 512, 16 blocks, depth 5, 4 ms, here with 3 sources at 16 kHz.
    """

    out_channels: int = 128
    in_channels: int = 512
    num_blocks: int = 16
    upsampling_depth: int = 5
    enc_kernel_size: int = 4
    num_sources: int = 3
    sample_rate: int = MODEL_SAMPLE_RATE
    num_heads: int = 8
    dropout: float = 0.1
    drop_path: float = 0.1
    global_attention: str = "mhsa"
    global_fusion: str = "gate"
    top_down_start: str = "coarser"
    attention_axis: str = "time"

    def __post_init__(self) -> None:
        for name, choices in _CHOICES.items():
            if getattr(self, name) not in choices:
                raise ConfigError(f"TDANetConfig.{name} must be one of {', '.join(choices)}, "
                                  f"got {getattr(self, name)!r}")
        if self.upsampling_depth < 2:
            raise ConfigError(f"TDANetConfig.upsampling_depth must be at least 2, got {self.upsampling_depth}")
        if self.kernel_samples < 4:
            raise ConfigError(f"TDANetConfig.enc_kernel_size={self.enc_kernel_size} ms is under 4 samples "
                              f"at {self.sample_rate} Hz")
        if self.global_attention == "mhsa" and self.in_channels % self.num_heads:
            raise ConfigError(f"TDANetConfig.in_channels={self.in_channels} is not divisible by "
                              f"num_heads={self.num_heads}")
        if min(self.out_channels, self.in_channels, self.num_blocks, self.num_sources) < 1:
            raise ConfigError("TDANetConfig sizes must be positive")

    @property
    def kernel_samples(self) -> int:
        """Encoder kernel in samples."""
        return self.enc_kernel_size * self.sample_rate // 1000

    @property
    def hop_samples(self) -> int:
        """Encoder hop (stride) in samples."""
        return self.kernel_samples // 4

    @property
    def num_basis(self) -> int:
        """Encoder output channels: ``kernel_samples // 2 + 1``."""
        return self.kernel_samples // 2 + 1


class TopDownBlock(nn.Module):
    """One TDANet block on ``[B, out_channels, F]`` (Look2Hear's ``UConvBlock``)."""

    def __init__(self, config: TDANetConfig) -> None:
        super().__init__()
        width = config.in_channels
        self.depth = config.upsampling_depth
        self.global_fusion = config.global_fusion
        self.top_down_start = config.top_down_start
        self.proj_1x1 = ConvNormAct(config.out_channels, width, 1)
        # Scale 0 keeps the frame rate (k=5); every further scale halves it (k=5, stride 2).
        self.spp_dw = nn.ModuleList(
            ConvNorm(width, width, 5, stride=1 if i == 0 else 2, groups=width)
            for i in range(self.depth)
        )
        if config.global_fusion == "local_attention":
            self.loc_glo_fus = nn.ModuleList(LocalAttention(width, 1) for _ in range(self.depth))
        self.res_conv = nn.Conv1d(width, config.out_channels, 1)
        self.globalatt = GlobalAttention(width, config.global_attention, config.num_heads,
                                         config.dropout, config.drop_path, config.attention_axis)
        self.last_layer = nn.ModuleList(LocalAttention(width, 5) for _ in range(self.depth - 1))

    def _fuse_global(self, index: int, local: Tensor, global_f: Tensor) -> Tensor:
        if self.global_fusion == "local_attention":
            return self.loc_glo_fus[index](local, global_f)
        up = F.interpolate(global_f, size=local.shape[-1], mode="nearest")
        return local * torch.sigmoid(up) if self.global_fusion == "gate" else local + up

    def forward(self, x: Tensor) -> Tensor:
        scales = [self.spp_dw[0](self.proj_1x1(x))]
        for conv in self.spp_dw[1:]:
            scales.append(conv(scales[-1]))
        coarsest = scales[-1].shape[-1]
        pooled = sum(F.adaptive_avg_pool1d(s, coarsest) for s in scales)
        global_f = self.globalatt(pooled)
        fused = [self._fuse_global(i, s, global_f) for i, s in enumerate(scales)]
        top = self.depth - 2
        start = fused[top + 1] if self.top_down_start == "coarser" else fused[top - 1]
        expanded = self.last_layer[top](fused[top], start)
        for i in range(top - 1, -1, -1):
            expanded = self.last_layer[i](fused[i], expanded)
        return self.res_conv(expanded) + x


class RecurrentSeparator(nn.Module):
    """Applies one ``TopDownBlock`` ``num_blocks`` times; from the second pass on its input is
    ``PReLU(depthwise 1x1(bottleneck features + previous output))`` (Look2Hear's ``Recurrent``)."""

    def __init__(self, config: TDANetConfig) -> None:
        super().__init__()
        self.unet = TopDownBlock(config)
        self.iter = config.num_blocks
        channels = config.out_channels
        self.concat_block = nn.Sequential(nn.Conv1d(channels, channels, 1, 1, groups=channels), nn.PReLU())

    def forward(self, x: Tensor) -> Tensor:
        out = self.unet(x)
        for _ in range(1, self.iter):
            out = self.unet(self.concat_block(x + out))
        return out


class TDANet(nn.Module):
    """TDANet separator: ``forward(mix [B, 1, T]) -> [B, num_sources, T]`` (16 kHz, mono).

    ``separate(mix)`` names the outputs ``speech``, ``music``, ``sfx`` (DnR's stems, in the
    order of ``sdcodec.core.constants.TRACKS``) for the 3-source model.
    """

    family = "tdanet"

    def __init__(self, config: TDANetConfig | None = None) -> None:
        super().__init__()
        config = config or TDANetConfig()
        self.config = config
        self.sample_rate = config.sample_rate
        self.tracks: tuple[str, ...] = (
            TRACKS if config.num_sources == len(TRACKS)
            else tuple(f"source{i}" for i in range(config.num_sources))
        )
        kernel, hop, basis = config.kernel_samples, config.hop_samples, config.num_basis
        self.encoder = nn.Conv1d(1, basis, kernel, stride=hop, padding=kernel // 2, bias=False)
        self.ln = global_layer_norm(basis)
        self.bottleneck = nn.Conv1d(basis, config.out_channels, 1)
        self.sm = RecurrentSeparator(config)
        self.mask_net = nn.Sequential(nn.PReLU(), nn.Conv1d(config.out_channels, config.num_sources * basis, 1))
        # sdcodec's ConvTranspose1d: nn.ConvTranspose1d without oneDNN's multi-thread CPU fault
        self.decoder = ConvTranspose1d(basis * config.num_sources, config.num_sources, kernel,
                                       stride=hop, padding=kernel // 2, bias=False)
        nn.init.xavier_uniform_(self.encoder.weight)
        nn.init.xavier_uniform_(self.decoder.weight)

    def check_input(self, mix: Tensor, sample_rate: int | None = None) -> None:
        """Raises ``ConfigError`` unless ``mix`` is ``[B, 1, T]`` at the model's sample rate."""
        if sample_rate is not None and int(sample_rate) != self.sample_rate:
            raise ConfigError(f"TDANet runs at {self.sample_rate} Hz, got audio at {sample_rate} Hz "
                              f"(resample the mixture to {self.sample_rate} Hz first)")
        if mix.ndim != 3 or mix.shape[1] != 1:
            raise ConfigError(f"TDANet expects a mono mixture [batch, 1, time], got shape "
                              f"{tuple(mix.shape)} (downmix stereo to mono first)")
        if mix.shape[-1] < 1:
            raise ConfigError("TDANet got an empty mixture (0 samples)")

    def _pad(self, mix: Tensor) -> tuple[Tensor, int]:
        """Look2Hear's padding: zeros at the end up to a whole number of kernels (counted from
        one hop), then ``kernel - hop`` zeros on both sides. Returns the padded signal and the
        number of end zeros added before the side padding."""
        kernel, hop = self.config.kernel_samples, self.config.hop_samples
        length = mix.shape[-1]
        rest = kernel - (hop + length % kernel) % kernel
        side = kernel - hop
        return F.pad(mix, (side, rest + side)), rest

    def forward(self, mix: Tensor, sample_rate: int | None = None) -> Tensor:
        """Separates ``mix [B, 1, T]`` (float, ``sample_rate`` Hz) into ``[B, num_sources, T]``."""
        self.check_input(mix, sample_rate)
        length = mix.shape[-1]
        padded, _ = self._pad(mix)
        s = self.encoder(padded)  # [B, basis, F]
        x = self.sm(self.bottleneck(self.ln(s)))
        masks = torch.relu(self.mask_net(x)).view(x.shape[0], self.config.num_sources, self.config.num_basis, -1)
        masked = (masks * s.unsqueeze(1)).flatten(1, 2)
        out = self.decoder(masked)
        start = self.config.kernel_samples - self.config.hop_samples
        return out[..., start:start + length].contiguous()

    def separate(self, mix: Tensor, sample_rate: int | None = None) -> dict[str, Tensor]:
        """``{track: [B, 1, T]}`` for every source of ``mix [B, 1, T]``."""
        sources = self.forward(mix, sample_rate)
        return {track: sources[:, i : i + 1] for i, track in enumerate(self.tracks)}

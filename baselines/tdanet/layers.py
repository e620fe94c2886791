"""Building blocks of TDANet, named as in Look2Hear's ``look2hear/models/TDANet.py``.

Every module keeps the attribute names of the reference implementation (``conv``, ``norm``,
``act``, ``local_embedding``, ...) so that state dicts written by Look2Hear map key for key onto
these modules. Feature maps are ``[batch, channels, frames]`` throughout; "frames" are encoder
frames (one per encoder hop) or a down-sampled version of them.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

#: Epsilon of TDANet's global layer norm (``GroupNorm(1, C)``), as in the reference.
GLN_EPS = 1e-8


def global_layer_norm(channels: int) -> nn.GroupNorm:
    """gLN: normalises each item over channels and frames together (one group)."""
    return nn.GroupNorm(1, channels, eps=GLN_EPS)


def drop_path(x: Tensor, prob: float, training: bool) -> Tensor:
    """Stochastic depth: zeroes whole items of the batch with probability ``prob`` (training only)."""
    if prob <= 0.0 or not training:
        return x
    keep = 1.0 - prob
    mask = torch.empty((x.shape[0],) + (1,) * (x.ndim - 1), dtype=x.dtype, device=x.device)
    return x * mask.bernoulli_(keep) / keep


class ConvNorm(nn.Module):
    """``Conv1d`` ("same" padding for odd kernels) followed by gLN."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 groups: int = 1, bias: bool = True) -> None:
        super().__init__()
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, stride=stride,
                              padding=(kernel_size - 1) // 2, groups=groups, bias=bias)
        self.norm = global_layer_norm(out_channels)

    def forward(self, x: Tensor) -> Tensor:
        return self.norm(self.conv(x))


class ConvNormAct(ConvNorm):
    """``ConvNorm`` followed by a PReLU (one shared slope)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 groups: int = 1) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, groups=groups)
        self.act = nn.PReLU()

    def forward(self, x: Tensor) -> Tensor:
        return self.act(super().forward(x))


class FeedForward(nn.Module):
    """The global attention's feed-forward part: 1x1 up, depthwise conv (k=5), ReLU, 1x1 down."""

    def __init__(self, channels: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.fc1 = ConvNorm(channels, hidden, 1, bias=False)
        self.dwconv = nn.Conv1d(hidden, hidden, 5, 1, 2, bias=True, groups=hidden)
        self.act = nn.ReLU()
        self.fc2 = ConvNorm(hidden, channels, 1, bias=False)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        x = self.drop(self.act(self.dwconv(self.fc1(x))))
        return self.drop(self.fc2(x))


def sinusoidal_table(length: int, channels: int) -> Tensor:
    """Transformer sinusoids ``[length, channels]``: sin on even channels, cos on odd ones."""
    position = torch.arange(length, dtype=torch.float32).unsqueeze(1)
    rate = torch.exp(torch.arange(0, channels, 2, dtype=torch.float32) * (-math.log(10000.0) / channels))
    table = torch.zeros(length, channels)
    table[:, 0::2] = torch.sin(position * rate)
    table[:, 1::2] = torch.cos(position * rate)
    return table


class PositionalEncoding(nn.Module):
    """Adds sinusoidal positions to ``[batch, frames, channels]``.

    The table is not part of the state dict (it is a fixed function of the shape; Look2Hear
    stores a ``[1, 10000, C]`` copy, which the checkpoint loader verifies and drops) and grows
    on demand, so inputs longer than the reference's 10000 top-level frames also work.
    """

    #: Frames the reference's table holds.
    REFERENCE_LENGTH = 10_000

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.channels = channels
        self.register_buffer("pe", sinusoidal_table(self.REFERENCE_LENGTH, channels).unsqueeze(0),
                             persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        frames = x.shape[1]
        if frames > self.pe.shape[1]:
            self.pe = sinusoidal_table(frames, self.channels).unsqueeze(0).to(self.pe.device)
        return x + self.pe[:, :frames].to(x.dtype)


class MultiHeadSelfAttention(nn.Module):
    """Pre-norm multi-head self-attention with sinusoidal positions, on ``[B, C, frames]``.

    ``axis="time"`` attends over frames (the paper's intent). ``axis="batch"`` reproduces the
    released Look2Hear code, which feeds ``[B, frames, C]`` to a sequence-first
    ``nn.MultiheadAttention`` and so attends across batch items (TDANet issue #3); it exists
    only to reproduce checkpoints trained that way.
    """

    def __init__(self, channels: int, heads: int, dropout: float, axis: str = "time") -> None:
        super().__init__()
        if axis not in ("time", "batch"):
            raise ValueError(f"attention axis must be 'time' or 'batch', got {axis!r}")
        self.axis = axis
        self.pos_enc = PositionalEncoding(channels)
        self.attn_in_norm = nn.LayerNorm(channels)
        self.attn = nn.MultiheadAttention(channels, heads, dropout)
        self.dropout = nn.Dropout(dropout)
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: Tensor) -> Tensor:
        x = self.pos_enc(self.attn_in_norm(x.transpose(1, 2)))  # [B, frames, C]
        if self.axis == "time":
            x = x.transpose(0, 1)  # sequence-first: [frames, B, C]
        out, _ = self.attn(x, x, x, need_weights=False)
        if self.axis == "time":
            out = out.transpose(0, 1)
        # As the reference: the residual of the sub-layer is added by GlobalAttention.
        out = self.norm(out + self.dropout(out))
        return out.transpose(1, 2)


class GlobalAttention(nn.Module):
    """GA module: attention (MHSA, or a k=3 ConvNorm in TDANetBest) then feed-forward, residual."""

    def __init__(self, channels: int, kind: str, heads: int, dropout: float, drop_path_prob: float,
                 axis: str = "time") -> None:
        super().__init__()
        if kind == "mhsa":
            self.attn: nn.Module = MultiHeadSelfAttention(channels, heads, dropout, axis)
        elif kind == "conv":
            self.attn = ConvNorm(channels, channels, 3, bias=False)
        else:
            raise ValueError(f"global attention must be 'mhsa' or 'conv', got {kind!r}")
        self.mlp = FeedForward(channels, 2 * channels, dropout)
        self.drop_path_prob = drop_path_prob

    def forward(self, x: Tensor) -> Tensor:
        x = x + drop_path(self.attn(x), self.drop_path_prob, self.training)
        return x + drop_path(self.mlp(x), self.drop_path_prob, self.training)


class LocalAttention(nn.Module):
    """LA layer: ``local_embedding(x_l) * sigmoid(global_act(x_g)) + global_embedding(x_g)``.

    ``x_g`` (coarser) is brought to ``x_l``'s frame count by nearest-neighbour interpolation
    after its convolutions. Depthwise convolutions (the channel counts are equal).
    """

    def __init__(self, channels: int, kernel_size: int) -> None:
        super().__init__()
        self.local_embedding = ConvNorm(channels, channels, kernel_size, groups=channels, bias=False)
        self.global_embedding = ConvNorm(channels, channels, kernel_size, groups=channels, bias=False)
        self.global_act = ConvNorm(channels, channels, kernel_size, groups=channels, bias=False)

    def forward(self, x_l: Tensor, x_g: Tensor) -> Tensor:
        frames = x_l.shape[-1]
        gate = F.interpolate(torch.sigmoid(self.global_act(x_g)), size=frames, mode="nearest")
        shift = F.interpolate(self.global_embedding(x_g), size=frames, mode="nearest")
        return self.local_embedding(x_l) * gate + shift

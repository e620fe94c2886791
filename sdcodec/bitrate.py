"""Bitrates of the codecs: nominal (from the configuration) and measured (from real codes).

Nominal: ``n_codebooks * log2(codebook_size) * frame_rate`` bits per second per branch (6 kbps
for the paper's 16 kHz model: 12 x 10 bits x 50 frames/s). Shared layers are counted in every
branch, as the paper does: sharing codebooks does not reduce the bitrate. The total is what
coding every branch costs (the mixture of SD-Codec needs all of them).

Measured: from code tensors ``[batch, n_codebooks, frames]`` (long), the empirical entropy of
each codebook's index distribution in bits (what an ideal entropy coder would spend per frame),
its perplexity ``2**entropy`` (effective number of entries used) and utilisation (share of the
entries used at least once).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class NominalBitrate:
    """Bits per second from the configuration: per branch and for all branches together."""

    per_branch_bps: float
    n_branches: int
    frame_rate: float
    bits_per_frame: float

    @property
    def total_bps(self) -> float:
        return self.per_branch_bps * self.n_branches

    @property
    def per_branch_kbps(self) -> float:
        return self.per_branch_bps / 1000.0

    @property
    def total_kbps(self) -> float:
        return self.total_bps / 1000.0


def nominal_bitrate(model_or_config: Any, n_quantizers: int | None = None) -> NominalBitrate:
    """Nominal bitrate of a codec model or its configuration (``SDCodecConfig``/``DACConfig``).

    A branch uses ``n_quantizers`` (default: all ``n_codebooks``, own + shared) layers of
    ``log2(codebook_size)`` bits each per latent frame; frames per second =
    ``sample_rate / hop_length``.
    """
    config = getattr(model_or_config, "config", model_or_config)
    frame_rate = config.frame_rate
    bits_per_frame = (n_quantizers or config.n_codebooks) * math.log2(config.codebook_size)
    n_branches = len(getattr(config, "tracks", ())) or 1
    return NominalBitrate(bits_per_frame * frame_rate, n_branches, frame_rate, bits_per_frame)


def code_histogram(codes: torch.Tensor, codebook_size: int) -> torch.Tensor:
    """Counts ``[n_codebooks, codebook_size]`` of each index per codebook in ``codes [B, N, F]``."""
    if codes.dim() != 3:
        raise ValueError(f"codes must be [batch, n_codebooks, frames], got {tuple(codes.shape)}")
    flat = codes.detach().long().transpose(0, 1).reshape(codes.shape[1], -1)
    if flat.numel() and (flat.min() < 0 or flat.max() >= codebook_size):
        raise ValueError(f"codes outside 0..{codebook_size - 1}")
    counts = torch.zeros(codes.shape[1], codebook_size, dtype=torch.float64, device=codes.device)
    return counts.scatter_add_(1, flat, torch.ones_like(flat, dtype=torch.float64))


def code_perplexity(codes: torch.Tensor, codebook_size: int) -> torch.Tensor:
    """The authors' training perplexity per codebook, ``[N]``: ``exp(-sum p ln(p + 1e-7))`` over
    the index distribution ``p`` of ``codes [B, N, F]`` in the batch."""
    counts = code_histogram(codes, codebook_size)
    probs = (counts / counts.sum(1, keepdim=True)).float()
    return torch.exp(-(probs * torch.log(probs + 1e-7)).sum(1))


@dataclass(frozen=True)
class CodeStatistics:
    """Measured statistics of one branch's codes; lists have one value per codebook."""

    entropy_bits: list[float]
    perplexity: list[float]
    utilisation: list[float]
    frame_rate: float
    n_frames: int

    @property
    def measured_bps(self) -> float:
        """Entropy-coded bitrate: summed per-codebook entropy (bits/frame) x frames per second."""
        return sum(self.entropy_bits) * self.frame_rate


def code_statistics(
    codes: torch.Tensor | Iterable[torch.Tensor], codebook_size: int, frame_rate: float
) -> CodeStatistics:
    """Entropy (bits), perplexity and utilisation per codebook of ``codes [B, N, F]`` (or an
    iterable of such tensors, e.g. one per clip, pooled); ``frame_rate`` in frames per second."""
    chunks = [codes] if isinstance(codes, torch.Tensor) else list(codes)
    if not chunks:
        raise ValueError("no codes given")
    counts = sum(code_histogram(c, codebook_size).cpu() for c in chunks)
    total = counts.sum(1, keepdim=True)
    probs = counts / total
    safe = torch.where(probs > 0, probs, torch.ones_like(probs))
    entropy = -(probs * torch.log2(safe)).sum(1)
    return CodeStatistics(
        entropy_bits=entropy.tolist(),
        perplexity=torch.exp2(entropy).tolist(),
        utilisation=((counts > 0).double().mean(1)).tolist(),
        frame_rate=float(frame_rate),
        n_frames=int(total[0, 0].item()),
    )

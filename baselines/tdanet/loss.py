"""TDANet's training objective on DnR: negative SI-SDR over named stems.

DnR's stems are named (speech, music, sfx), so estimate ``k`` is scored against reference ``k``
with no permutation search. Zero-mean convention: both signals lose their mean over time before
the projection. ``eps`` (1e-8, as Look2Hear's SI-SDR losses) keeps silent references finite.
"""

from __future__ import annotations

import torch
from torch import Tensor

from sdcodec.core.errors import ConfigError

__all__ = ["neg_si_sdr", "si_sdr_per_source"]

EPS = 1e-8


def si_sdr_per_source(estimates: Tensor, references: Tensor, eps: float = EPS) -> Tensor:
    """Zero-mean SI-SDR in dB of ``[B, K, T]`` estimates against ``[B, K, T]`` references: ``[B, K]``.

    ``SI-SDR = 10 log10(|a r|^2 / |a r - e|^2)`` with ``a = <e, r> / |r|^2`` after removing
    the means; ``eps`` is added to ``|r|^2`` and to both energies.
    """
    if estimates.shape != references.shape or estimates.ndim != 3:
        raise ConfigError(f"SI-SDR loss expects estimates and references of one shape [batch, "
                          f"sources, time]; got {tuple(estimates.shape)} and {tuple(references.shape)}")
    est = estimates - estimates.mean(dim=-1, keepdim=True)
    ref = references - references.mean(dim=-1, keepdim=True)
    scale = (est * ref).sum(-1, keepdim=True) / (ref.pow(2).sum(-1, keepdim=True) + eps)
    target = scale * ref
    noise = est - target
    return 10 * torch.log10((target.pow(2).sum(-1) + eps) / (noise.pow(2).sum(-1) + eps))


def neg_si_sdr(estimates: Tensor, references: Tensor, eps: float = EPS) -> Tensor:
    """Negative zero-mean SI-SDR (dB), averaged over batch and sources: a scalar to minimise.

    ``estimates``, ``references``: ``[batch, sources, time]``, source ``k`` against source ``k``.
    """
    return -si_sdr_per_source(estimates, references, eps).mean()

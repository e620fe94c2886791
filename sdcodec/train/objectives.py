"""Waveform objectives of the training recipes, over the audible references only.

SI-SDR or SNR of a silent reference (a speech pause, an sfx gap) is meaningless (about -50 dB
whatever the estimate) and would dominate an average; a reference is audible when its mean
square exceeds ``SILENT_POWER``. Outputs and references are ``[N, 1, T]``.
"""

from __future__ import annotations

import torch

#: References quieter than this mean square (-80 dBFS) are left out of the SI-SDR term: SI-SDR of
#: a silent reference (a speech pause) is meaningless, about -50 dB, and would dominate the loss.
SILENT_POWER = 1e-8


def snr_per_output(estimates: torch.Tensor, references: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """SNR (dB, not scale-invariant) of ``[N, 1, T]`` outputs against their references: ``[N]``.
    Its gradient is the error normalised by the error's energy, so every output weighs the same
    whatever its loudness, and a silent output is not a minimum (unlike L1 or MSE, under which
    the hard, sparse tracks of a young model collapse to silence)."""
    signal = references.pow(2).sum((1, 2))
    noise = (references - estimates).pow(2).sum((1, 2))
    return 10 * torch.log10((signal + eps) / (noise + eps))


def _negated_over_audible(values: torch.Tensor, estimates: torch.Tensor, references: torch.Tensor) -> torch.Tensor:
    audible = references.pow(2).mean((1, 2)) > SILENT_POWER
    if not bool(audible.any()):
        return estimates.sum() * 0.0
    return -values[audible].mean()


def neg_si_sdr_of_audible(estimates: torch.Tensor, references: torch.Tensor) -> torch.Tensor:
    """Negative SI-SDR (dB) of ``[N, 1, T]`` outputs, averaged over the audible references
    (mean square above ``SILENT_POWER``); 0 (with a gradient path) when none is."""
    from baselines.tdanet.loss import si_sdr_per_source

    return _negated_over_audible(si_sdr_per_source(estimates, references)[:, 0], estimates, references)


def neg_snr_of_audible(estimates: torch.Tensor, references: torch.Tensor) -> torch.Tensor:
    """Negative SNR (dB, ``snr_per_output``) averaged over the audible references."""
    return _negated_over_audible(snr_per_output(estimates, references), estimates, references)

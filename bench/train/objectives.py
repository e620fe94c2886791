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


#: Floor (dB below the input mixture) of ``silence_level_of_inaudible``: quieter outputs are
#: silent enough, and the loss flattens there instead of chasing -inf dB.
SILENCE_FLOOR_DB = -30.0


def silence_level_of_inaudible(estimates: torch.Tensor, references: torch.Tensor, mixtures: torch.Tensor,
                               floor_db: float = SILENCE_FLOOR_DB, eps: float = 1e-8) -> torch.Tensor:
    """Level (dB) of the outputs whose reference is silent, relative to their input mixture,
    floored at ``floor_db``: ``10 log10(|est|^2 / |mix|^2 + 10^(floor_db / 10))`` averaged over
    those outputs (the thresholded loss MixIT uses for empty references, Wisdom et al. 2020);
    0 (with a gradient path) when every reference is audible. ``[N, 1, T]`` each. Unlike L1 its
    gradient does not shrink with the leak's loudness, so a quiet leak is pushed down as hard as a
    loud one until it lies ``-floor_db`` dB under the mixture."""
    silent = references.pow(2).mean((1, 2)) <= SILENT_POWER
    if not bool(silent.any()):
        return estimates.sum() * 0.0
    energy = estimates[silent].pow(2).sum((1, 2))
    reference = mixtures[silent].pow(2).sum((1, 2)) + eps
    return (10 * torch.log10(energy / reference + 10 ** (floor_db / 10))).mean()

"""The one path between the protocol's rate and a model's own rate, for every model.

The evaluation audio is 16 kHz (``sdcodec.core.constants.MODEL_SAMPLE_RATE``: the protocol
resamples DnR's 44.1 kHz with julius' defaults). A model at another rate gets its input through
julius' ``ResampleFrac`` with a longer, wider filter than the protocol's (64 zero crossings,
pass band to 0.99 of the lower Nyquist frequency instead of 24 and 0.945), and its output back
the same way, so the round trip itself does not limit the scores: an identity codec at 24 kHz or
44.1 kHz scores at least 52 dB SI-SDR on every clip of the synthetic set (measured; with
julius' defaults the worst clip gave 28 dB). At 16 kHz nothing is resampled.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from bench.data.resample import output_length, resample

#: julius filter of the model-rate path: zero crossings and roll-off.
ZEROS: int = 64
ROLLOFF: float = 0.99


def convert(audio: torch.Tensor, orig_sr: int, new_sr: int) -> torch.Tensor:
    """``audio [..., time]`` at ``orig_sr`` -> ``[..., floor(time * new_sr / orig_sr)]`` at
    ``new_sr`` (Hz); the input itself when the rates are equal."""
    return resample(audio, orig_sr, new_sr, zeros=ZEROS, rolloff=ROLLOFF)


def converted_length(length: int, orig_sr: int, new_sr: int) -> int:
    """Samples ``convert`` returns for ``length`` input samples."""
    return output_length(length, orig_sr, new_sr)


def fit_length(audio: torch.Tensor, length: int) -> torch.Tensor:
    """``audio [..., time]`` trimmed or zero-padded at the end to ``length`` samples."""
    if audio.shape[-1] > length:
        return audio[..., :length]
    if audio.shape[-1] < length:
        return F.pad(audio, (0, length - audio.shape[-1]))
    return audio

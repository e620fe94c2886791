"""Band-limited resampling with julius' ``ResampleFrac``, as the authors' evaluation does.

The rates are reduced by their greatest common divisor (44100 -> 16000 is 441 -> 160) and one
module is built per reduced pair, filter, device and dtype and kept (building it computes the sinc
filters). The protocol uses julius' defaults (24 zero crossings, roll-off 0.945), as in the
authors' ``eval_dnr.py``; the harness' path to and from a model's own rate
(``bench.models.rates``) asks for a wider, longer filter.
"""

from __future__ import annotations

import math
from functools import lru_cache

import torch

from sdcodec.core.errors import ConfigError


#: julius' defaults, the protocol's filter: zero crossings of the sinc and roll-off (share of
#: the lower Nyquist frequency where the pass band ends).
ZEROS: int = 24
ROLLOFF: float = 0.945


@lru_cache(maxsize=32)
def _resampler(old: int, new: int, device: torch.device, dtype: torch.dtype, zeros: int,
               rolloff: float) -> torch.nn.Module:
    import julius

    return julius.ResampleFrac(old_sr=old, new_sr=new, zeros=zeros, rolloff=rolloff).to(device=device, dtype=dtype)


def output_length(frames: int, orig_sr: int, new_sr: int) -> int:
    """Samples that ``resample`` returns for ``frames`` input samples: floor(frames * new / orig)."""
    return frames * new_sr // orig_sr


def resample(audio: torch.Tensor, orig_sr: int, new_sr: int, zeros: int = ZEROS,
             rolloff: float = ROLLOFF) -> torch.Tensor:
    """Resamples ``audio`` ``[..., time]`` from ``orig_sr`` to ``new_sr`` (Hz) along its last axis
    (``zeros``, ``rolloff``: julius' filter; the defaults are the protocol's).

    Returns ``[..., output_length(time, orig_sr, new_sr)]`` in ``audio``'s dtype and device; the
    input itself when the rates are equal.
    """
    if orig_sr <= 0 or new_sr <= 0:
        raise ConfigError(f"sample rates must be positive, got {orig_sr} -> {new_sr}")
    if orig_sr == new_sr:
        return audio
    gcd = math.gcd(int(orig_sr), int(new_sr))
    module = _resampler(int(orig_sr) // gcd, int(new_sr) // gcd, audio.device, audio.dtype, int(zeros),
                        float(rolloff))
    return module(audio)

"""Band-limited resampling with julius' ``ResampleFrac``, as the authors' evaluation does.

The rates are reduced by their greatest common divisor (44100 -> 16000 is 441 -> 160) and one
module is built per reduced pair, device and dtype and kept (building it computes the sinc filters). julius'
defaults are used (24 zero crossings, roll-off 0.945), as in the authors' ``eval_dnr.py``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import torch

from sdcodec.core.errors import ConfigError


@lru_cache(maxsize=32)
def _resampler(old: int, new: int, device: torch.device, dtype: torch.dtype) -> torch.nn.Module:
    import julius

    return julius.ResampleFrac(old_sr=old, new_sr=new).to(device=device, dtype=dtype)


def output_length(frames: int, orig_sr: int, new_sr: int) -> int:
    """Samples that ``resample`` returns for ``frames`` input samples: floor(frames * new / orig)."""
    return frames * new_sr // orig_sr


def resample(audio: torch.Tensor, orig_sr: int, new_sr: int) -> torch.Tensor:
    """Resamples ``audio`` ``[..., time]`` from ``orig_sr`` to ``new_sr`` (Hz) along its last axis.

    Returns ``[..., output_length(time, orig_sr, new_sr)]`` in ``audio``'s dtype and device; the
    input itself when the rates are equal.
    """
    if orig_sr <= 0 or new_sr <= 0:
        raise ConfigError(f"sample rates must be positive, got {orig_sr} -> {new_sr}")
    if orig_sr == new_sr:
        return audio
    gcd = math.gcd(int(orig_sr), int(new_sr))
    module = _resampler(int(orig_sr) // gcd, int(new_sr) // gcd, audio.device, audio.dtype)
    return module(audio)

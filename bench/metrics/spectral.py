"""Spectral distances as metrics: ``stft_distance``, ``mel_distance``, ``mel_distance_authors``.

They are the authors' reconstruction losses (``sdcodec.losses.spectral`` with the paper's
settings) reported per clip, lower is better, computed in float64 on the inputs' device:

* ``stft_distance``: multi-scale STFT distance, windows 2048 and 512, log (pow 2) + linear L1;
* ``mel_distance``: 7-scale mel distance (windows 32..2048, 5..320 bands, pow 1, log L1 only),
  mel filters built for the signal's own sample rate, as DAC defines it;
* ``mel_distance_authors``: the same with the filters built for 44.1 kHz whatever the signal's
  rate, which is what the authors' scripts compute for their 16 kHz models (their class defaults
  to 44.1 kHz and their configuration never sets it). Use it to compare with numbers from their
  ``eval_dnr.py``.

Skips: clips shorter than half the longest window plus one sample (reflect padding). A silent
reference is scored (the distances are defined for it).
"""

from __future__ import annotations

import functools
from typing import ClassVar

from torch import Tensor, nn

from bench.metrics.base import Metric, register


@functools.lru_cache(maxsize=None)
def _loss(kind: str, filterbank_rate: int) -> nn.Module:
    from sdcodec.losses.spectral import sdcodec_mel_loss, sdcodec_stft_loss

    if kind == "stft":
        return sdcodec_stft_loss(reduction="none").double()
    return sdcodec_mel_loss(filterbank_rate, reduction="none").double()


class SpectralDistance(Metric):
    """Base of the spectral distance metrics (unit: the loss's own, log10-magnitude L1)."""

    unit: ClassVar[str] = "L1 log10"
    higher_is_better: ClassVar[bool] = False
    skips_silent_reference: ClassVar[bool] = False
    kind: ClassVar[str] = "stft"
    min_samples: ClassVar[int] = 2048 // 2 + 1
    #: The mel filterbank's rate in Hz; None: the input's rate.
    filterbank_rate: ClassVar[int | None] = None

    def compute(self, estimate: Tensor, reference: Tensor, sample_rate: int,
                mixture: Tensor | None) -> Tensor:
        loss = _loss(self.kind, self.filterbank_rate or sample_rate).to(reference.device)
        return loss(estimate.double(), reference.double()).detach()


class STFTDistance(SpectralDistance):
    name: ClassVar[str] = "stft_distance"


class MelDistance(SpectralDistance):
    name: ClassVar[str] = "mel_distance"
    kind: ClassVar[str] = "mel"


class AuthorsMelDistance(MelDistance):
    name: ClassVar[str] = "mel_distance_authors"
    filterbank_rate: ClassVar[int | None] = 44_100


register(STFTDistance())
register(MelDistance())
register(AuthorsMelDistance())

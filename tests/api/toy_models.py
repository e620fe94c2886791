"""Small implementations of the public contract shared by the API tests (no weights to train)."""

from __future__ import annotations

import torch
from torch import nn

from bench.api import Codec, Separator


class IdentityCodec(Codec):
    """A perfect codec at any rate: returns its input (a copy)."""

    def __init__(self, sample_rate: int = 16_000) -> None:
        self.sample_rate = sample_rate

    def resynthesize(self, audio, *, track=None, n_quantizers=None):
        return audio.clone()

    def nominal_kbps(self, *, track=None, n_quantizers=None):
        return 2.0


class GainSeparator(Separator, nn.Module):
    """Splits the mixture into three fixed shares (a weight: identity hashes and devices)."""

    sample_rate = 16_000
    tracks = ("speech", "music", "sfx")

    def __init__(self) -> None:
        nn.Module.__init__(self)
        self.shares = nn.Parameter(torch.tensor([0.5, 0.3, 0.2]))

    def separate(self, mix):
        return {t: mix * self.shares[i] for i, t in enumerate(self.tracks)}

"""Adapters of the codec family: SD-Codec (one branch per source) and DAC (one branch)."""

from __future__ import annotations

import torch

from bench.adapters.base import ADAPTERS, EvalModel
from bench.constants import MIX


@ADAPTERS.register("sdcodec")
class SDCodecAdapter(EvalModel):
    """SD-Codec: the mixture through the sum of all branches, a source through its own branch,
    separation by decoding each branch of the mixture's latent."""

    family = "sdcodec"
    tasks = frozenset({"resynthesis", "separation", "separation-mask", "ood-coding", "bitrate"})

    def _latent(self, audio: torch.Tensor) -> torch.Tensor:
        return self.model.encode(self.model.preprocess(audio))

    def _decode(self, z_q: torch.Tensor, length: int) -> torch.Tensor:
        return self.model.decode(z_q)[..., :length]

    @torch.inference_mode()
    def resynthesize(self, audio: torch.Tensor, track: str) -> torch.Tensor:
        return self.model.resynthesize(audio, track)

    @torch.inference_mode()
    def separate(self, mix: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.model.separate(mix)

    @torch.inference_mode()
    def code_through(self, audio: torch.Tensor, branch: str) -> torch.Tensor:
        z = self._latent(audio)
        return self._decode(self.model.quantize(z, branch).z_q, audio.shape[-1])


@ADAPTERS.register("dac")
class DACAdapter(EvalModel):
    """DAC: one branch codes everything; it cannot separate."""

    family = "dac"
    tasks = frozenset({"resynthesis", "bitrate"})

    @torch.inference_mode()
    def resynthesize(self, audio: torch.Tensor, track: str = MIX) -> torch.Tensor:
        return self.model.resynthesize(audio)

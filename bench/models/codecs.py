"""Adapters of the codec family: SD-Codec (one branch per source) and DAC (one branch).

Both share ``sdcodec.codec.CodecBase``: ``encode``, ``quantize(z, branch)``, ``from_codes`` and
``decode``. Resynthesis of the mixture and of each source runs as ONE batched encoder call and
ONE batched decoder call (4x the batch), which is what makes the suite fast; the numbers equal
the model's own ``resynthesize`` up to float round-off of batched convolutions.
"""

from __future__ import annotations

from typing import Any

import torch

from bench.models.base import ADAPTERS, EvalModel
from sdcodec.core.constants import MIX


class CodecAdapter(EvalModel):
    """What SD-Codec and DAC share: batched resynthesis and the code-stream stages."""

    def _mixture_latent(self, z: torch.Tensor) -> torch.Tensor:
        return torch.stack([self.model.quantize(z, b).z_q for b in self.model.branches]).sum(0)

    @torch.inference_mode()
    def resynthesize(self, audio: torch.Tensor, track: str = MIX) -> torch.Tensor:
        return self.model.resynthesize(audio, track)

    @torch.inference_mode()
    def resynthesize_all(self, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        names = list(inputs)
        batch, length = inputs[names[0]].shape[0], inputs[names[0]].shape[-1]
        z = self.model.encode(self.model.preprocess(torch.cat([inputs[n] for n in names])))
        latents = []
        for i, name in enumerate(names):
            part = z[i * batch : (i + 1) * batch]
            if name == MIX:
                latents.append(self._mixture_latent(part))
            else:
                latents.append(self.model.quantize(part, self.model.branch_of(name)).z_q)
        audio = self.model.decode(torch.cat(latents))
        audio = torch.nn.functional.pad(audio, (0, max(0, length - audio.shape[-1])))[..., :length]
        return dict(zip(names, audio.split(batch)))

    # -- code streams (bitrate and throughput suites) -------------------------------------------
    def encode_codes(self, audio: torch.Tensor, branches: list[str] | None = None) -> dict[str, torch.Tensor]:
        """Audio ``[B, 1, T]`` -> codes ``[B, N, F]`` per branch (every branch, or the tracks
        ``branches``): what a sender transmits."""
        z = self.model.encode(self.model.preprocess(audio))
        return {b: self.model.quantize(z, b).codes for b in (branches or self.model.branches)}

    def decode_codes(self, codes: dict[str, torch.Tensor], length: int) -> torch.Tensor:
        """Codes per branch -> audio ``[B, 1, length]`` decoded from the sum of their latents:
        the mixture when every branch is given, a track's estimate when only its branch is."""
        latents = list(self.model.from_codes(codes).values())
        latent = latents[0] if len(latents) == 1 else torch.stack(latents).sum(0)
        return self.model.decode(latent)[..., :length]

    def stages(self, audio: torch.Tensor, branches: list[str] | None = None) -> dict[str, Any]:
        """Callables timed by the throughput suite: encode (to codes), decode (from them), round
        trip, through every branch or through ``branches`` only. One SD-Codec branch (encoder,
        that branch's RVQ, decoder) is what DAC's reference computes
        (``bench.models.reference_dac.reference_twin``), so it is timed against it like for like."""
        codes = self.encode_codes(audio, branches)
        length = audio.shape[-1]
        return {
            "encode": lambda: self.encode_codes(audio, branches),
            "decode": lambda: self.decode_codes(codes, length),
            "roundtrip": lambda: self.decode_codes(self.encode_codes(audio, branches), length),
        }


@ADAPTERS.register("sdcodec")
class SDCodecAdapter(CodecAdapter):
    """SD-Codec: the mixture through the sum of all branches, a source through its own branch,
    separation by decoding each branch of the mixture's latent."""

    family = "sdcodec"
    tasks = frozenset({"resynthesis", "separation", "separation-mask", "ood-coding", "bitrate",
                       "throughput"})

    @torch.inference_mode()
    def separate(self, mix: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.model.separate(mix)

    @torch.inference_mode()
    def code_through(self, audio: torch.Tensor, branch: str) -> torch.Tensor:
        return self.model.resynthesize(audio, branch)


@ADAPTERS.register("dac")
class DACAdapter(CodecAdapter):
    """DAC: one branch codes everything; it cannot separate."""

    family = "dac"
    tasks = frozenset({"resynthesis", "bitrate", "throughput"})

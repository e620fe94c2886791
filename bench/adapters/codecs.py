"""Adapters of the codec family: SD-Codec (one branch per source) and DAC (one branch).

Both share ``sdcodec.codec.CodecBase``: ``encode``, ``quantize(z, branch)``, ``from_codes`` and
``decode``. Resynthesis of the mixture and of each source runs as ONE batched encoder call and
ONE batched decoder call (4x the batch), which is what makes the suite fast; the numbers equal
the model's own ``resynthesize`` up to float round-off of batched convolutions.
"""

from __future__ import annotations

from typing import Any

import torch

from bench.adapters.base import ADAPTERS, EvalModel
from bench.constants import MIX


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
    def encode_codes(self, audio: torch.Tensor) -> dict[str, torch.Tensor]:
        """Audio ``[B, 1, T]`` -> codes per branch ``[B, N, F]`` (what a sender transmits)."""
        z = self.model.encode(self.model.preprocess(audio))
        return {b: self.model.quantize(z, b).codes for b in self.model.branches}

    def decode_codes(self, codes: dict[str, torch.Tensor], length: int) -> torch.Tensor:
        """Codes per branch -> the mixture ``[B, 1, length]`` (sum of the branches' latents)."""
        latents = self.model.from_codes(codes)
        return self.model.decode(torch.stack(list(latents.values())).sum(0))[..., :length]

    def stages(self, audio: torch.Tensor) -> dict[str, Any]:
        """Callables timed by the throughput suite: encode, decode, round trip."""
        codes = self.encode_codes(audio)
        length = audio.shape[-1]
        return {
            "encode": lambda: self.encode_codes(audio),
            "decode": lambda: self.decode_codes(codes, length),
            "roundtrip": lambda: self.decode_codes(self.encode_codes(audio), length),
        }

    def branch_stages(self, audio: torch.Tensor, branch: str) -> dict[str, Any]:
        """The same three stages through ONE branch: encode = encoder + that branch's RVQ to
        codes ``[B, N, F]``; decode = those codes -> latent -> decoder, trimmed to the input
        length. What DAC's reference computes (``bench.reference_dac.reference_twin``), so the
        throughput suite can time an SD-Codec branch against it like for like."""
        branch = self.model.branch_of(branch)
        length = audio.shape[-1]

        def encode() -> torch.Tensor:
            return self.model.quantize(self.model.encode(self.model.preprocess(audio)), branch).codes

        def decode(codes: torch.Tensor) -> torch.Tensor:
            return self.model.decode(self.model.from_codes({branch: codes})[branch])[..., :length]

        with torch.inference_mode():
            codes = encode()
        return {"encode": encode, "decode": lambda: decode(codes), "roundtrip": lambda: decode(encode())}


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

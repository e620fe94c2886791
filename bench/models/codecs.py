"""SD-Codec and DAC as ``bench.api`` codecs (with ``CodeStreams``): any ``sdcodec.codec.CodecBase``.

Both share ``encode``, ``quantize(z, branch)``, ``from_codes`` and ``decode``. SD-Codec has one
branch per track (a disentangled codec: ``tracks`` set); DAC one branch for everything (no
tracks). ``resynthesize_many`` codes all requests as ONE batched encoder call and ONE batched
decoder call (the resynthesis suite: mixture and three sources, 4x the batch), which is what
makes the suite fast; the numbers equal the model's own ``resynthesize`` up to float round-off of
batched convolutions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor

from bench.api import Codec, Request
from bench.models.checkpoints import IMPLEMENTATIONS, family_description
from bench.models.rates import fit_length
from sdcodec.bitrate import nominal_bitrate
from sdcodec.codec import CodecBase


class FamilyCodec(Codec):
    """A codec of the SD-Codec family (``model``: ``SDCodec`` or ``baselines.dac.DAC``)."""

    def __init__(self, model: CodecBase) -> None:
        self.model = model
        config = model.config
        self.sample_rate = int(model.sample_rate)
        self.tracks = tuple(getattr(model, "tracks", ()))
        self.quantizer_options = tuple(range(1, config.n_codebooks + 1))
        self.codebook_size = int(config.codebook_size)
        self.frame_rate = float(config.frame_rate)
        self._twins: dict[str, Any] = {}

    # -- the contract ---------------------------------------------------------------------------
    def _latent(self, z: Tensor, track: str | None, n_quantizers: int | None) -> Tensor:
        """The quantized latent to decode: the sum over every branch (``track`` None), else the
        track's branch."""
        branches = self.model.branches if track is None else (self.model.branch_of(track),)
        latents = [self.model.quantize(z, b, n_quantizers).z_q for b in branches]
        return latents[0] if len(latents) == 1 else torch.stack(latents).sum(0)

    def resynthesize(self, audio: Tensor, *, track: str | None = None,
                     n_quantizers: int | None = None) -> Tensor:
        return self.resynthesize_many([(audio, track)], n_quantizers=n_quantizers)[0]

    def resynthesize_many(self, requests: Sequence[Request], *,
                          n_quantizers: int | None = None) -> list[Tensor]:
        batch, length = requests[0][0].shape[0], requests[0][0].shape[-1]
        z = self.model.encode(self.model.preprocess(torch.cat([audio for audio, _ in requests])))
        latents = [self._latent(z[i * batch:(i + 1) * batch], track, n_quantizers)
                   for i, (_, track) in enumerate(requests)]
        audio = self.model.decode(torch.cat(latents))
        audio = fit_length(audio, length)
        return list(audio.split(batch))

    def decode_tracks(self, mix: Tensor, *, n_quantizers: int | None = None) -> dict[str, Tensor]:
        return self.model.separate(mix, n_quantizers)

    def nominal_kbps(self, *, track: str | None = None, n_quantizers: int | None = None) -> float:
        """``sdcodec.bitrate.nominal_bitrate`` at ``n_quantizers``: one branch for a ``track``,
        every branch for ``track`` None (shared codebooks counted in each, as the paper does)."""
        rate = nominal_bitrate(self.model, n_quantizers)
        return rate.per_branch_kbps if track is not None else rate.total_kbps

    def to(self, device: str | torch.device) -> "FamilyCodec":
        self.model.to(device)
        self._twins.clear()
        return self

    def describe(self) -> dict[str, Any]:
        return family_description(self.model)

    # -- code streams (bitrate and throughput suites) -------------------------------------------
    def encode_codes(self, audio: Tensor, tracks: Sequence[str] | None = None,
                     n_quantizers: int | None = None) -> dict[str, Tensor]:
        """Audio ``[B, 1, T]`` -> codes ``[B, N, F]`` per branch (every branch, or the branches of
        ``tracks``): what a sender transmits."""
        z = self.model.encode(self.model.preprocess(audio))
        branches = dict.fromkeys(self.model.branch_of(t) for t in tracks) if tracks else self.model.branches
        return {b: self.model.quantize(z, b, n_quantizers).codes for b in branches}

    def decode_codes(self, codes: Mapping[str, Tensor], length: int) -> Tensor:
        """Codes per branch -> audio ``[B, 1, length]`` decoded from the sum of their latents:
        the mixture when every branch is given, a track's estimate when only its branch is."""
        latents = list(self.model.from_codes(codes).values())
        latent = latents[0] if len(latents) == 1 else torch.stack(latents).sum(0)
        return self.model.decode(latent)[..., :length]

    # -- timed against descript-audio-codec (throughput suite) ----------------------------------
    def reference_timings(self, audio: Tensor) -> list[tuple[str, str, dict[str, Any]]]:
        """The encoder, decoder and first branch's RVQ are DAC's architecture: they are also timed
        as descript-audio-codec's own modules carrying the same weights (``reference_twin``).
        DAC's is its whole model (branch ``all``); SD-Codec's first branch is timed alone as well
        (encoder + that branch's RVQ; codes -> decoder), like for like with its twin. Nothing
        when descript-audio-codec is not importable."""
        from bench.models.reference_dac import reference_stages, reference_twin

        branch = self.model.branches[0]
        key = str(audio.device)
        if key not in self._twins:
            twin = reference_twin(self.model, branch)
            self._twins[key] = None if twin is None else twin.to(audio.device)
        twin = self._twins[key]
        if twin is None:
            return []
        if len(self.model.branches) == 1:
            return [("reference", "all", reference_stages(twin, audio))]
        from bench.models.evalmodel import code_stream_stages

        return [("sdbench", branch, code_stream_stages(self, audio, [branch])),
                ("reference", branch, reference_stages(twin, audio))]


IMPLEMENTATIONS.add("sdcodec", FamilyCodec)
IMPLEMENTATIONS.add("dac", FamilyCodec)

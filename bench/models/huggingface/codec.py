"""A ``transformers`` audio codec as a ``bench.api.Codec`` (with ``CodeStreams`` when its codes
alone decode the audio).

Audio in and out is mono float32 ``[batch, 1, time]`` at the model's own rate (the harness
resamples to and from 16 kHz). A stereo model gets the mono signal on both channels and its
output is averaged back to mono. Inputs are zero-padded to a whole number of code frames before
encoding and outputs trimmed to the input's length, so no sample is lost at the end (DAC's
decoder would otherwise drop the last partial frame).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from bench.api import Codec, Request
from bench.models.huggingface.kinds import CodecKind, Coded, as_channels, pad_to_hop, to_mono
from sdcodec.core.constants import MIX


class HFCodec(Codec):
    """``model`` (a ``transformers`` codec, in eval mode) driven by ``kind``.

    ``points``: the operating points this spec offers (numbers of quantizers -> ``encode``
    arguments, ascending); ``default``: the one used when ``n_quantizers`` is None (the largest
    unless the spec fixed one); ``source``: what the manifest records of where it came from.
    """

    def __init__(self, model: nn.Module, kind: CodecKind, points: Mapping[int, Mapping[str, Any]],
                 default: int, source: Mapping[str, Any]) -> None:
        config = model.config
        self.model = model.eval()
        self.kind = kind
        self.points = {n: dict(points[n]) for n in sorted(points)}
        self.default = int(default)
        self.source = dict(source)
        self.sample_rate = kind.sample_rate(config)
        self.channels = kind.channels(config)
        self.hop_length = kind.hop_length(config)
        self.frame_rate = kind.frame_rate(config)
        self.codebook_size = kind.codebook_size(config)
        self.quantizer_options = tuple(self.points)

    # -- coding -----------------------------------------------------------------------------
    def _arguments(self, n_quantizers: int | None) -> dict[str, Any]:
        return self.points[self.default if n_quantizers is None else n_quantizers]

    def _encode(self, audio: Tensor, n_quantizers: int | None) -> Coded:
        """Mono ``[B, 1, T]`` -> codes of ``audio`` padded to whole frames, on every channel."""
        audio = as_channels(pad_to_hop(audio, self.hop_length), self.channels)
        return self.kind.encode(self.model, audio, self._arguments(n_quantizers))

    def _decode(self, coded: Coded, length: int) -> Tensor:
        """Codes -> mono float32 ``[B, 1, length]``."""
        return to_mono(self.kind.decode(self.model, coded))[..., :length]

    def resynthesize(self, audio: Tensor, *, track: str | None = None,
                     n_quantizers: int | None = None) -> Tensor:
        """``track`` is ignored: the codec has no branches."""
        return self._decode(self._encode(audio, n_quantizers), audio.shape[-1])

    def resynthesize_many(self, requests: Sequence[Request], *,
                          n_quantizers: int | None = None) -> list[Tensor]:
        """Every request coded as one batch (one encoder and one decoder call)."""
        batch = requests[0][0].shape[0]
        together = torch.cat([audio for audio, _ in requests])
        return list(self.resynthesize(together, n_quantizers=n_quantizers).split(batch))

    def nominal_kbps(self, *, track: str | None = None, n_quantizers: int | None = None) -> float:
        """``frame_rate x n_quantizers x log2(codebook_size)`` / 1000."""
        layers = self.default if n_quantizers is None else n_quantizers
        return self.frame_rate * layers * math.log2(self.codebook_size) / 1000

    # -- provenance -------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        config = self.model.config
        channels = ("mono" if self.channels == 1 else
                    f"the mono input on all {self.channels} channels; the output averaged to mono")
        return {"class": f"transformers.{type(self.model).__name__}",
                "parameters": sum(p.numel() for p in self.model.parameters()),
                "hf": {**self.source, "model_type": config.model_type, "channels": self.channels,
                       "channel_handling": channels, "frame_rate": self.frame_rate,
                       "codebook_size": self.codebook_size, "hop_length": self.hop_length,
                       "operating_points": {str(n): a for n, a in self.points.items()},
                       "default_n_quantizers": self.default,
                       "code_streams": isinstance(self, HFCodeStreamCodec)}}


class HFCodeStreamCodec(HFCodec):
    """An ``HFCodec`` whose codes alone decode the audio: ``bench.api.CodeStreams`` (one
    stream, ``mix``), so the bitrate suite measures their entropy."""

    def encode_codes(self, audio: Tensor, tracks: Sequence[str] | None = None,
                     n_quantizers: int | None = None) -> dict[str, Tensor]:
        """Mono ``[B, 1, T]`` -> ``{"mix": long [B, N, F]}`` (``tracks`` is ignored: one stream)."""
        return {MIX: self._encode(audio, n_quantizers).codes}

    def decode_codes(self, codes: Mapping[str, Tensor], length: int) -> Tensor:
        """``{"mix": [B, N, F]}`` -> ``[B, 1, length]``."""
        return self._decode(Coded(codes[MIX]), length)


def build_codec(model: nn.Module, kind: CodecKind, points: Mapping[int, Mapping[str, Any]],
                default: int, source: Mapping[str, Any]) -> HFCodec:
    """The ``HFCodec`` of ``model``: with code streams when its codes alone decode it."""
    cls = HFCodeStreamCodec if kind.streamable(model.config) else HFCodec
    return cls(model, kind, points, default, source)

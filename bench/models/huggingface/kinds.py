"""How sdbench drives each ``transformers`` audio codec class, by the config's ``model_type``.

``HF_CODECS`` maps a ``model_type`` to a ``CodecKind``: where its sample rate, channel count,
hop and frame rate live in the config, its operating points (numbers of quantizers, each with the
keyword arguments its ``encode`` takes for it) and how to call ``encode`` / ``decode``. Every
kind here was tested with a tiny random-weight configuration (``tests/huggingface``); a codec
class of ``transformers`` that is not here is listed in ``UNSUPPORTED`` with the reason.

Everything runs on audio ``[batch, channels, time]`` at the model's own rate (``channels`` from
the config); codes are long ``[batch, n_quantizers, frames]``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from sdcodec.core.registry import Registry


@dataclass(frozen=True)
class Coded:
    """What ``encode`` produced: codes ``[batch, n_quantizers, frames]`` and, for a codec whose
    decoder needs more than the codes (EnCodec's per-chunk scales), that side information."""

    codes: Tensor
    side: Any = None


class CodecKind:
    """One ``transformers`` codec class. The defaults read the config fields most codecs share
    (``sampling_rate``, ``audio_channels``, ``hop_length``, ``frame_rate``, ``codebook_size``)."""

    #: The ``transformers`` model class (for listings and messages).
    model_class: str = ""

    def sample_rate(self, config: Any) -> int:
        """Hz."""
        return int(config.sampling_rate)

    def channels(self, config: Any) -> int:
        """Audio channels the model codes (1 mono, 2 stereo)."""
        return int(getattr(config, "audio_channels", 1))

    def hop_length(self, config: Any) -> int:
        """Samples per code frame: inputs are zero-padded to a multiple of it."""
        return int(config.hop_length)

    def frame_rate(self, config: Any) -> float:
        """Code frames per second (Hz)."""
        return float(config.frame_rate)

    def codebook_size(self, config: Any) -> int:
        """Entries per codebook."""
        return int(config.codebook_size)

    def operating_points(self, config: Any) -> dict[int, dict[str, Any]]:
        """Numbers of quantizers the codec offers -> the keyword arguments of ``encode`` for it."""
        raise NotImplementedError

    def bandwidths(self, config: Any) -> tuple[float, ...]:
        """The ``bandwidth=`` values a spec may give (kbps); empty: the codec takes none."""
        return ()

    def streamable(self, config: Any) -> bool:
        """Whether the codes alone decode the audio (no side information): then the codec
        offers ``CodeStreams`` (code entropy in the bitrate suite)."""
        return True

    def encode(self, model: nn.Module, audio: Tensor, arguments: Mapping[str, Any]) -> Coded:
        """``audio [B, C, T]`` (T a multiple of ``hop_length``) -> its codes (by default
        ``model.encode(audio, **arguments).audio_codes``, as Mimi, X-Codec and DAC take it)."""
        return Coded(model.encode(audio, **arguments, return_dict=True).audio_codes)

    def decode(self, model: nn.Module, coded: Coded) -> Tensor:
        """Codes -> audio ``[B, C, T']`` (T' >= the input's T; by default
        ``model.decode(codes).audio_values``, as Mimi and X-Codec take it)."""
        return model.decode(coded.codes, return_dict=True).audio_values


class BandwidthKind(CodecKind):
    """A codec whose ``encode`` takes ``bandwidth`` (kbps) from ``config.target_bandwidths``:
    each bandwidth is an operating point."""

    def bandwidths(self, config: Any) -> tuple[float, ...]:
        return tuple(float(b) for b in config.target_bandwidths)

    def quantizers_at(self, config: Any, bandwidth: float) -> int:
        """What ``transformers`` encodes with at ``bandwidth`` kbps: ``max(1, floor(bandwidth /
        kbps per quantizer))`` quantizers, at most the config's ``num_quantizers``."""
        per_quantizer = math.log2(self.codebook_size(config)) * self.frame_rate(config) / 1000
        return min(int(config.num_quantizers), max(1, math.floor(bandwidth / per_quantizer)))

    def operating_points(self, config: Any) -> dict[int, dict[str, Any]]:
        """One per bandwidth (the lowest bandwidth giving each number of quantizers)."""
        points: dict[int, dict[str, Any]] = {}
        for bandwidth in sorted(self.bandwidths(config)):
            points.setdefault(self.quantizers_at(config, bandwidth), {"bandwidth": bandwidth})
        return dict(sorted(points.items()))


HF_CODECS: Registry[CodecKind] = Registry("Hugging Face codec (config model_type)")


class DacKind(CodecKind):
    """Descript Audio Codec (``DacModel``): RVQ, ``encode(n_quantizers=)``; the decoder returns
    ``[B, T]`` (its channel squeezed)."""

    model_class = "DacModel"

    def channels(self, config: Any) -> int:
        return 1

    def operating_points(self, config: Any) -> dict[int, dict[str, Any]]:
        return {n: {"n_quantizers": n} for n in range(1, int(config.n_codebooks) + 1)}

    def decode(self, model: nn.Module, coded: Coded) -> Tensor:
        return model.decode(audio_codes=coded.codes, return_dict=True).audio_values.unsqueeze(1)


class EncodecKind(BandwidthKind):
    """Meta's EnCodec (``EncodecModel``): RVQ at ``bandwidth`` kbps; the 48 kHz model is stereo,
    codes overlapping chunks and normalises each by a scale sent beside the codes."""

    model_class = "EncodecModel"

    def streamable(self, config: Any) -> bool:
        return config.chunk_length is None and not config.normalize

    def encode(self, model: nn.Module, audio: Tensor, arguments: Mapping[str, Any]) -> Coded:
        out = model.encode(audio, **arguments, return_dict=True)
        side = (out.audio_scales, out.last_frame_pad_length, out.audio_codes.shape[0])
        # chunks [K, B, N, F] -> frames in order [B, N, K * F]
        codes = out.audio_codes.permute(1, 2, 0, 3).reshape(*out.audio_codes.shape[1:3], -1)
        return Coded(codes, side)

    def decode(self, model: nn.Module, coded: Coded) -> Tensor:
        scales, pad, chunks = coded.side if coded.side is not None else ([None], 0, 1)
        batch, quantizers, frames = coded.codes.shape
        codes = coded.codes.reshape(batch, quantizers, chunks, frames // chunks).permute(2, 0, 1, 3)
        return model.decode(codes, scales, last_frame_pad_length=pad, return_dict=True).audio_values


class MimiKind(CodecKind):
    """Kyutai's Mimi (``MimiModel``): split RVQ (semantic quantizers first, at least those),
    ``encode(num_quantizers=)``; a frame is ``config.frame_size`` samples."""

    model_class = "MimiModel"

    def hop_length(self, config: Any) -> int:
        return int(config.frame_size)

    def operating_points(self, config: Any) -> dict[int, dict[str, Any]]:
        first = max(1, int(config.num_semantic_quantizers))
        return {n: {"num_quantizers": n} for n in range(first, int(config.num_quantizers) + 1)}


class XcodecKind(BandwidthKind):
    """X-Codec (``XcodecModel``): acoustic (DAC) and semantic (HuBERT) features through one RVQ
    at ``bandwidth`` kbps; mono; its rate is ``config.sample_rate``."""

    model_class = "XcodecModel"

    def sample_rate(self, config: Any) -> int:
        return int(config.sample_rate)

    def channels(self, config: Any) -> int:
        return 1


HF_CODECS.add("dac", DacKind())
HF_CODECS.add("encodec", EncodecKind())
HF_CODECS.add("mimi", MimiKind())
HF_CODECS.add("xcodec", XcodecKind())

#: Codec classes of ``transformers`` 5.23 with encode/decode that sdbench does not drive, and why.
UNSUPPORTED: dict[str, str] = {
    "xcodec2": "X-Codec2 needs its feature extractor, which needs torchaudio (not installable here)",
    "neucodec": "NeuCodec needs its feature extractor, which needs torchaudio (not installable here)",
    "higgs_audio_v2_tokenizer": "the Higgs Audio v2 tokenizer imports torchaudio (not installable here)",
    "pocket_tts_audio_tokenizer": "continuous latents, no codes: no bitrate to compare at",
    "vibevoice_acoustic_tokenizer": "continuous latents, no codes (and no sample rate in its config)",
}


def tested_classes() -> list[tuple[str, str]]:
    """(model_type, transformers class) of every kind sdbench drives (``bench models``)."""
    return [(name, kind.model_class) for name, kind in HF_CODECS.items()]


def as_channels(audio: Tensor, channels: int) -> Tensor:
    """Mono ``[B, 1, T]`` -> ``[B, channels, T]``: the same signal on every channel."""
    return audio if channels == 1 else audio.expand(-1, channels, -1)


def to_mono(audio: Tensor) -> Tensor:
    """``[B, C, T]`` -> ``[B, 1, T]``: the mean over channels (float32)."""
    audio = audio.float()
    return audio if audio.shape[1] == 1 else audio.mean(dim=1, keepdim=True)


def pad_to_hop(audio: Tensor, hop: int) -> Tensor:
    """``audio [..., T]`` zero-padded at the end to a multiple of ``hop`` samples."""
    extra = (-audio.shape[-1]) % hop
    return torch.nn.functional.pad(audio, (0, extra)) if extra else audio

"""The public model contract: what a codec or a separator implements to be evaluated by sdbench.

Code against this module (``from bench import Codec, Separator``); everything else in ``bench``
is the harness. The harness wraps any object implementing it (``bench.models.EvalModel``),
resamples the protocol's 16 kHz audio to the model's rate and back, validates every output, and
derives the model's tasks from what it implements (no family names anywhere)::

    Codec                      -> resynthesis, throughput
      + CodeStreams            -> + bitrate (code entropy)
      + quantizer_options      -> + rate-distortion (bitrate scaling)
      + tracks (disentangled)  -> + separation, separation-mask, ood-coding (decode_tracks)
    Separator                  -> separation, separation-mask, throughput

Conventions, for every method below:

* audio is a float32 tensor ``[batch, 1, time]`` (mono, ``time`` in samples) at the model's own
  ``sample_rate`` (Hz), on the device the model was moved to with ``to``; outputs have the same
  batch size, one channel, float32, and ``time`` samples give or take ``length_tolerance``
  (the harness trims or zero-pads within it and rejects anything beyond it);
* track names come from ``speech``, ``music``, ``sfx`` (``sdcodec.core.constants.TRACKS``);
* the harness calls models under ``torch.inference_mode()`` and never trains them.

A minimal codec (the harness supplies batching, resampling, scoring and tables)::

    class Identity(Codec):
        sample_rate = 24_000

        def resynthesize(self, audio, *, track=None, n_quantizers=None):
            return audio.clone()

Installed packages expose factories (zero-argument callables, or with keyword arguments given in
a ``py:`` spec) returning such objects through the ``sdbench.models`` entry-point group; see
``docs/api.md`` ("Evaluate your own model").
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import torch
from torch import Tensor, nn

__all__ = ["Codec", "Separator", "CodeStreams", "ModelBase", "Request", "modules_of"]

#: One resynthesis request: (audio ``[batch, 1, time]``, track or None for the whole codec).
Request = tuple[Tensor, "str | None"]


def modules_of(obj: object) -> Iterator[nn.Module]:
    """The ``nn.Module``s that hold a model's weights: the object itself when it is a module,
    else its module-valued attributes (in attribute order)."""
    if isinstance(obj, nn.Module):
        yield obj
        return
    for value in vars(obj).values():
        if isinstance(value, nn.Module):
            yield value


class ModelBase(ABC):
    """What codecs and separators share: rate, tracks, device, provenance, identity.

    Subclasses set ``sample_rate`` (Hz, a positive int, as a class attribute or in
    ``__init__``). The defaults of ``to``, ``describe`` and ``identity`` work for an object that
    is an ``nn.Module`` or holds its weights in ``nn.Module`` attributes; override them otherwise.
    """

    #: The rate (Hz) of every tensor going in and coming out.
    sample_rate: int
    #: Track names (from speech, music, sfx). A separator: the estimates ``separate`` returns.
    #: A codec: its per-track branches (a disentangled codec); empty: no branches.
    tracks: tuple[str, ...] = ()
    #: Samples (at ``sample_rate``) an output may be longer or shorter than its input (e.g. a
    #: decoder that returns whole hops); the harness trims or zero-pads within it.
    length_tolerance: int = 0

    def to(self, device: str | torch.device) -> "ModelBase":
        """Moves the weights to ``device`` and returns ``self``; inputs will then arrive there."""
        for module in modules_of(self):
            nn.Module.to(module, torch.device(device))
        return self

    def describe(self) -> dict[str, Any]:
        """Provenance recorded in the run manifest (JSON-serialisable): at least the class and
        the parameter count; add the configuration, a checkpoint path, a paper reference."""
        return {"class": f"{type(self).__module__}.{type(self).__qualname__}",
                "parameters": sum(p.numel() for m in modules_of(self) for p in m.parameters())}

    def identity(self) -> str:
        """A string that changes whenever the results could: part of the run's hash, so a run
        resumes only into rows computed by the same model. Default: the class and a SHA-256 of
        every weight tensor (names, shapes, dtypes, values) and of the object's plain settings
        (int, float, str, bool, tuple attributes). A model loaded from a file should return the
        file's SHA-256."""
        digest = hashlib.sha256(f"{type(self).__module__}.{type(self).__qualname__}".encode())
        for index, module in enumerate(modules_of(self)):
            for name, tensor in module.state_dict().items():
                value = tensor.detach().to("cpu").contiguous().reshape(-1)
                digest.update(f"{index}.{name}:{value.dtype}:{tuple(tensor.shape)}".encode())
                digest.update(value.view(torch.uint8).numpy().tobytes())
        plain = {k: v for k, v in sorted(vars(self).items())  # nn.Module's train/eval flag is not a setting
                 if isinstance(v, (int, float, str, bool, tuple)) and not k.startswith("_") and k != "training"}
        digest.update(repr(plain).encode())
        return digest.hexdigest()


class Codec(ModelBase):
    """A neural audio codec: audio in, coded and decoded audio out.

    ``tracks`` non-empty makes it a disentangled codec (SD-Codec): one branch per track, the
    mixture coded through every branch, a source through its own, and ``decode_tracks`` separates
    by decoding each branch from the mixture's codes.
    """

    #: Numbers of quantizers the codec can run at (bitrate scaling, ``n_quantizers``); empty:
    #: one fixed bitrate, and ``n_quantizers`` is always None.
    quantizer_options: tuple[int, ...] = ()

    @abstractmethod
    def resynthesize(self, audio: Tensor, *, track: str | None = None,
                     n_quantizers: int | None = None) -> Tensor:
        """Codes and decodes ``audio [batch, 1, time]`` -> ``[batch, 1, time]``.

        ``track`` None: through the whole codec (a disentangled codec: every branch, the mixture
        decoded from the sum). A track name (disentangled codecs only): through that track's
        branch alone. ``n_quantizers``: one of ``quantizer_options``, or None for all.
        """

    def resynthesize_many(self, requests: Sequence[Request], *,
                          n_quantizers: int | None = None) -> list[Tensor]:
        """Several ``resynthesize`` calls at once: ``[(audio, track), ...]`` -> the outputs in the
        same order. Every audio has the same shape. Override it when one batched call is faster
        (SD-Codec and DAC encode and decode all requests as one batch); the default loops."""
        return [self.resynthesize(audio, track=track, n_quantizers=n_quantizers)
                for audio, track in requests]

    def decode_tracks(self, mix: Tensor, *, n_quantizers: int | None = None) -> dict[str, Tensor]:
        """Separation by a disentangled codec: the mixture ``[batch, 1, time]`` coded once, each
        branch decoded alone -> ``{track: [batch, 1, time]}`` for every name in ``tracks``.
        Default: ``resynthesize(mix, track=t)`` for each track; override to share the encoding."""
        if not self.tracks:
            raise NotImplementedError(f"{type(self).__name__} has no tracks: it cannot separate")
        return {t: self.resynthesize(mix, track=t, n_quantizers=n_quantizers) for t in self.tracks}

    def nominal_kbps(self, *, track: str | None = None, n_quantizers: int | None = None) -> float | None:
        """What is transmitted, in kbit/s: for ``track`` None the whole codec (a disentangled
        codec: the sum over its branches), else that track's branch; None when unknown."""
        return None


@runtime_checkable
class CodeStreams(Protocol):
    """Optional capability of a codec whose bitstream is discrete codes (RVQ indices): the
    bitrate suite measures their entropy, the throughput suite times encode and decode apart.

    ``encode_codes(audio [B, 1, T], tracks=None, n_quantizers=None)`` -> ``{stream: codes}``, codes
    long ``[B, N, F]`` (N codebooks, F frames) with values in ``0 .. codebook_size - 1``; a
    disentangled codec names its streams by track (``tracks`` restricts them), any other codec
    returns one stream. ``decode_codes(codes, length)`` -> audio ``[B, 1, length]`` decoded from
    the given streams together (every stream: the mixture; one track's: that track).
    ``codebook_size``: entries per codebook; ``frame_rate``: code frames per second (Hz).
    """

    codebook_size: int
    frame_rate: float

    def encode_codes(self, audio: Tensor, tracks: Sequence[str] | None = None,
                     n_quantizers: int | None = None) -> dict[str, Tensor]: ...

    def decode_codes(self, codes: Mapping[str, Tensor], length: int) -> Tensor: ...


class Separator(ModelBase):
    """A source separator: mixture in, one estimate per track out."""

    @abstractmethod
    def separate(self, mix: Tensor) -> dict[str, Tensor]:
        """``mix [batch, 1, time]`` -> ``{track: [batch, 1, time]}`` for every name in ``tracks``."""

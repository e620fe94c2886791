"""Which tasks a model can do, derived from what it implements (``bench.api``), never from its
family: a registry of task name -> requirement. A suite runs a task on every model that meets it.

Adding a task that needs a new capability is registering its requirement here::

    REQUIREMENTS.add("rate-distortion", lambda m: is_codec(m) and bool(m.quantizer_options))
"""

from __future__ import annotations

from collections.abc import Callable

from bench.api import Codec, CodeStreams, ModelBase, Separator
from sdcodec.core.registry import Registry

#: Task name -> predicate on the implementation (a ``bench.api.Codec`` or ``Separator``).
REQUIREMENTS: Registry[Callable[[ModelBase], bool]] = Registry("task requirement")


def is_codec(model: ModelBase) -> bool:
    """A ``bench.api.Codec``."""
    return isinstance(model, Codec)


def is_disentangled(model: ModelBase) -> bool:
    """A codec with per-track branches: it separates by decoding each branch (``decode_tracks``)."""
    return isinstance(model, Codec) and bool(model.tracks)


def separates(model: ModelBase) -> bool:
    """A separator, or a disentangled codec."""
    return isinstance(model, Separator) or is_disentangled(model)


def has_code_streams(model: ModelBase) -> bool:
    """A codec that also implements ``bench.api.CodeStreams`` (discrete codes)."""
    return isinstance(model, Codec) and isinstance(model, CodeStreams)


REQUIREMENTS.add("resynthesis", is_codec)
REQUIREMENTS.add("throughput", lambda model: True)
REQUIREMENTS.add("bitrate", has_code_streams)
REQUIREMENTS.add("rate-distortion", lambda model: is_codec(model) and bool(model.quantizer_options))
REQUIREMENTS.add("separation", separates)
REQUIREMENTS.add("separation-mask", separates)
REQUIREMENTS.add("ood-coding", is_disentangled)


def tasks_of(model: ModelBase) -> frozenset[str]:
    """Every registered task whose requirement ``model`` meets."""
    return frozenset(name for name, requirement in REQUIREMENTS.items() if requirement(model))


def kind_of(model: ModelBase) -> str:
    """``codec``, ``disentangled codec`` or ``separator`` (for listings and manifests)."""
    if is_disentangled(model):
        return "disentangled codec"
    return "codec" if is_codec(model) else "separator"

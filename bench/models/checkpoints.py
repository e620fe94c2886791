"""Model sources of the model families (``sdcodec.families``): checkpoint files, the shipped
checkpoints, fetched official models and presets with random weights.

A loaded ``nn.Module`` becomes a ``bench.api`` model through ``IMPLEMENTATIONS`` (family name ->
class wrapping the module), registered beside each implementation (``bench.models.codecs``:
SD-Codec and DAC; ``bench.models.separators``: TDANet). Adding a family to the benchmark is
registering its implementation there.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from bench.api import ModelBase
from bench.models.specs import SPEC_SOURCES, Loaded, NamedModel, SpecSource, unclaimed
from sdcodec.core.errors import ConfigError
from sdcodec.core.registry import Registry

#: Model family -> the ``bench.api`` implementation wrapping its ``nn.Module``.
IMPLEMENTATIONS: Registry[Callable[[nn.Module], ModelBase]] = Registry("benchmark implementation")


def for_inference(model: nn.Module) -> nn.Module:
    """``model`` in eval mode with its weight norms folded into plain weights when it has any
    (``remove_weight_norm``): the folded weight is the tensor the parametrization recomputes
    at every call, so outputs are bit-identical and each convolution skips a norm and a divide."""
    model = model.eval()
    if hasattr(model, "remove_weight_norm"):
        model.remove_weight_norm()
    return model


def implement(model: nn.Module, where: str) -> ModelBase:
    """The ``bench.api`` model of a family's module (ready for inference)."""
    import bench.models.codecs  # noqa: F401  (registers the implementations)
    import bench.models.separators  # noqa: F401

    family = getattr(model, "family", None)
    if family not in IMPLEMENTATIONS:
        raise ConfigError(f"{where}: no benchmark implementation for model family {family!r}")
    return IMPLEMENTATIONS.get(family)(for_inference(model))


def family_description(model: nn.Module) -> dict[str, Any]:
    """The manifest's record of a family module: family, configuration, parameter count."""
    from sdcodec.core.dataclass_json import to_dict

    config = getattr(model, "config", None)
    return {"family": model.family, "config": to_dict(config) if config is not None else None,
            "parameters": sum(p.numel() for p in model.parameters())}


def _family_label(model: nn.Module) -> str:
    from bench.results.paper import FAMILY_LABELS

    family = getattr(model, "family", None)
    return FAMILY_LABELS.get(family, family)


def load_checkpoint(path: Path, source: dict[str, str] | None = None) -> Loaded:
    """A checkpoint file in any supported format; its SHA-256 is the run identity."""
    from sdcodec.checkpoint import file_sha256, load_model

    model = load_model(path)
    digest = file_sha256(path)
    return Loaded(implement(model, str(path)), _family_label(model),
                  {"family": model.family, "checkpoint": str(path), "sha256": digest, **(source or {})},
                  identity=digest)


# -- files, shipped checkpoints, official models ------------------------------------------------
def _is_file(text: str) -> bool:
    return Path(text).is_file()


def _is_embedded(text: str) -> bool:
    from sdcodec.pretrained import DEFAULT_FAMILIES, EMBEDDED

    return text in DEFAULT_FAMILIES or text in EMBEDDED


def _is_official(text: str) -> bool:
    from bench.fetch.models import is_official_name

    return is_official_name(text)


def resolve_checkpoint(path: str) -> Path:
    """A checkpoint file for a spec path: an existing file, a fetched official model's name
    (``bench models fetch``), or an embedded default's name."""
    if _is_file(path):
        return Path(path)
    if _is_official(path):
        from bench.fetch.models import fetched_checkpoint

        return fetched_checkpoint(path)
    if Path(path).suffix == "" and "/" not in path:
        from sdcodec.pretrained import embedded_checkpoint

        return embedded_checkpoint(path)
    raise unclaimed(path)  # path-like here: a missing file


def _embedded_names() -> list[NamedModel]:
    from sdcodec.pretrained import EMBEDDED

    return [NamedModel(m.name, "embedded", f"shipped {m.family} checkpoint") for m in EMBEDDED.values()]


def _official_names() -> list[NamedModel]:
    from bench.fetch.models import OFFICIAL_MODELS, read_record

    return [NamedModel(name, "official", ("fetched" if read_record(name) else "not fetched: bench models fetch "
                                          + name) + f"; {entry.family}")
            for name, entry in OFFICIAL_MODELS.items()]


def _load_resolved(text: str) -> Loaded:
    return load_checkpoint(resolve_checkpoint(text))


def _check_resolved(text: str) -> None:
    resolve_checkpoint(text)


# -- presets with random weights ----------------------------------------------------------------
def _preset(text: str):
    """``preset:FAMILY/PRESET`` -> (the family, the preset's configuration)."""
    from sdcodec.families import load_families

    family_name, _, preset = text[len("preset:"):].partition("/")
    family = load_families().get(family_name)
    presets = family.presets()
    if preset not in presets:
        raise ConfigError(f"{text}: {family_name} has no preset {preset!r}; known: {', '.join(presets)}")
    return family, presets[preset]


def _load_preset(text: str) -> Loaded:
    """Seeded random weights of a preset; the identity is a hash of its configuration."""
    from sdcodec.core.dataclass_json import config_hash

    family, config = _preset(text)
    torch.manual_seed(0)
    model = family.build(config).eval()
    digest = "random-" + config_hash(config)
    return Loaded(implement(model, text), _family_label(model),
                  {"family": model.family, "checkpoint": text, "sha256": digest}, identity=digest)


SPEC_SOURCES.add("preset", SpecSource("preset", lambda t: t.startswith("preset:"), _load_preset,
                                      check=_preset))
SPEC_SOURCES.add("file", SpecSource("file", _is_file, _load_resolved))
SPEC_SOURCES.add("embedded", SpecSource("embedded", _is_embedded, _load_resolved, check=_check_resolved,
                                        names=_embedded_names))
SPEC_SOURCES.add("official", SpecSource("official", _is_official, _load_resolved, check=_check_resolved,
                                        names=_official_names))

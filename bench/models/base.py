"""The adapter contract, model specs from the command line, and loading."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import torch
from torch import nn

from sdcodec.core.errors import BenchError, ConfigError
from sdcodec.core.registry import Registry

ADAPTERS: Registry[type["EvalModel"]] = Registry("model adapter")


@dataclass(frozen=True)
class ModelSpec:
    """A model named on the command line: ``[LABEL=]PATH`` or an embedded default name.

    Embedded defaults are ``sdcodec-tiny``, ``dac-tiny`` and ``tdanet-tiny`` (the checkpoints
    shipped in ``sdcodec/pretrained/``). ``preset:FAMILY/PRESET`` (e.g. ``preset:sdcodec/16k``)
    builds that configuration with seeded random weights: for speed and bitrate-by-config
    measurements of the paper-sized models, never for quality numbers.
    """

    label: str | None
    path: str


def _names_a_model(path: str) -> bool:
    """Whether ``path`` can be loaded: a ``preset:``, an existing file, or an embedded name."""
    if path.startswith("preset:") or Path(path).is_file():
        return True
    if path and Path(path).suffix == "" and "/" not in path:
        from sdcodec.pretrained import DEFAULT_FAMILIES, EMBEDDED

        return path in DEFAULT_FAMILIES or path in EMBEDDED
    return False


def parse_model_spec(text: str) -> ModelSpec:
    """``[LABEL=]PATH`` -> ``ModelSpec``, where the label may itself hold ``=`` (the paper's
    ``+ shared codebook (S=4)``) and so may a path: the split is at the first ``=`` after which
    an existing file, an embedded checkpoint's name or a ``preset:`` follows; the whole text when
    it names one itself; else at the last ``=`` (the load then says what is missing)."""
    if "=" not in text or _names_a_model(text):
        return ModelSpec(None, text)
    positions = [i for i, char in enumerate(text) if char == "="]
    for i in positions:
        if _names_a_model(text[i + 1:]):
            return ModelSpec(text[:i], text[i + 1:])
    return ModelSpec(text[:positions[-1]], text[positions[-1] + 1:])


def resolve_checkpoint(path: str) -> Path:
    """A checkpoint file for a spec path: an existing file, or an embedded default's name."""
    candidate = Path(path)
    if candidate.is_file():
        return candidate
    if candidate.suffix == "" and "/" not in path:
        from sdcodec.pretrained import embedded_checkpoint

        return embedded_checkpoint(path)
    raise BenchError(f"{path}: no such checkpoint file (or embedded default like 'sdcodec-tiny')")


class EvalModel:
    """A model ready for the suites. Subclasses set ``tasks`` and implement the calls.

    All audio is ``[batch, 1, time]`` at ``sample_rate`` on ``device``; outputs have the input's
    length.
    """

    family: ClassVar[str]
    #: The suite tasks this model can do (``resynthesis``, ``separation``, ``ood-coding``, ...).
    tasks: ClassVar[frozenset[str]]

    def __init__(self, model: nn.Module, label: str, checkpoint: str, checkpoint_hash: str) -> None:
        self.model = model.eval()
        self.label = label
        self.checkpoint = checkpoint
        self.checkpoint_hash = checkpoint_hash
        self.sample_rate: int = int(model.sample_rate)
        self.tracks: tuple[str, ...] = tuple(getattr(model, "tracks", ()))
        self.device = torch.device("cpu")

    def to(self, device: str | torch.device) -> "EvalModel":
        self.device = torch.device(device)
        self.model.to(self.device)
        return self

    def describe(self) -> dict[str, object]:
        """What the run manifest records about this model."""
        from sdcodec.core.dataclass_json import to_dict

        config = getattr(self.model, "config", None)
        return {
            "label": self.label, "family": self.family, "checkpoint": self.checkpoint,
            "sha256": self.checkpoint_hash,
            "config": to_dict(config) if config is not None else None,
            "parameters": sum(p.numel() for p in self.model.parameters()),
        }

    def resynthesize(self, audio: torch.Tensor, track: str) -> torch.Tensor:
        """``track`` = ``mix`` or a source name: what is coded (the source alone, or the mix)."""
        raise NotImplementedError

    def resynthesize_all(self, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Resynthesis of each input (name -> audio); subclasses may batch it."""
        return {name: self.resynthesize(audio, name) for name, audio in inputs.items()}

    def separate(self, mix: torch.Tensor) -> dict[str, torch.Tensor]:
        """Mixture in, one estimate per source out."""
        raise NotImplementedError

    def code_through(self, audio: torch.Tensor, branch: str) -> torch.Tensor:
        """Codes ``audio`` with one branch only (the out-of-domain coding experiment)."""
        raise NotImplementedError

    def stages(self, audio: torch.Tensor) -> dict[str, object]:
        """Name -> zero-argument callable, the stages the throughput suite times on ``audio``."""
        raise NotImplementedError


def _discover() -> None:
    for module in pkgutil.iter_modules(importlib.import_module("bench.models").__path__):
        if module.name != "base":
            importlib.import_module(f"bench.models.{module.name}")


def load_eval_model(spec: ModelSpec | str) -> EvalModel:
    """Loads a checkpoint (any supported format) and wraps it in its family's adapter."""
    from bench.results.paper import FAMILY_LABELS
    from sdcodec.checkpoint import file_sha256, load_model

    if isinstance(spec, str):
        spec = parse_model_spec(spec)
    _discover()
    if spec.path.startswith("preset:"):
        model, path, digest = _build_preset(spec.path)
    else:
        path = resolve_checkpoint(spec.path)
        model, digest = load_model(path), file_sha256(path)
    family = getattr(model, "family", None)
    if family not in ADAPTERS:
        raise ConfigError(f"{path}: no benchmark adapter for model family {family!r}")
    label = spec.label or FAMILY_LABELS.get(family, family)
    return ADAPTERS.get(family)(for_inference(model), label, str(path), digest)


def for_inference(model: nn.Module) -> nn.Module:
    """``model`` in eval mode with its weight norms folded into plain weights when it has any
    (``remove_weight_norm``): the folded weight is the tensor the parametrization recomputes
    at every call, so outputs are bit-identical and each convolution skips a norm and a divide."""
    model = model.eval()
    if hasattr(model, "remove_weight_norm"):
        model.remove_weight_norm()
    return model


def _build_preset(text: str) -> tuple[nn.Module, str, str]:
    """``preset:FAMILY/PRESET`` -> (model with seeded random weights, the text, a config hash)."""
    from sdcodec.core.dataclass_json import config_hash
    from sdcodec.families import load_families

    family_name, _, preset = text[len("preset:"):].partition("/")
    family = load_families().get(family_name)
    presets = family.presets()
    if preset not in presets:
        raise ConfigError(f"{text}: {family_name} has no preset {preset!r}; known: {', '.join(presets)}")
    torch.manual_seed(0)
    model = family.build(presets[preset]).eval()
    return model, text, "random-" + config_hash(presets[preset])

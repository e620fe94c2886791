"""Registry of model families (SD-Codec, DAC, TDANet, ...) and the contract each one fulfils.

A family knows how to build its model from a frozen-dataclass configuration, which named presets
it offers (``"16k"``: the paper's full configuration, ``"tiny"``: the CPU-sized one the embedded
default checkpoints use), and how to recognise and load checkpoints written by other code bases
(official SD-Codec/DAC files, Look2Hear files). ``sdcodec.checkpoint.load_model`` asks every
registered family in turn. Adding a family is adding a module that registers one::

    @MODEL_FAMILIES.register("tdanet")
    class TDANetFamily(ModelFamily): ...

and listing that module in ``FAMILY_MODULES`` below (so that it is imported on first use).
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

from torch import nn

from bench.registry import Registry

MODEL_FAMILIES: Registry[type["ModelFamily"]] = Registry("model family")

#: Modules imported by ``load_families`` so that their families register themselves.
FAMILY_MODULES: tuple[str, ...] = (
    "sdcodec.family",
    "baselines.dac",
    "baselines.tdanet",
)


class ModelFamily(ABC):
    """How one kind of model is configured, built, and loaded from foreign checkpoints."""

    #: Registry name, also written into the project's own checkpoints (``"family"`` key).
    name: ClassVar[str]
    #: The frozen dataclass that configures the model.
    config_cls: ClassVar[type]

    @classmethod
    @abstractmethod
    def build(cls, config: Any) -> nn.Module:
        """A freshly initialised model for ``config`` (an instance of ``config_cls``)."""

    @classmethod
    @abstractmethod
    def presets(cls) -> dict[str, Any]:
        """Named configurations: at least ``"16k"`` (the paper's) and ``"tiny"`` (CPU tests)."""

    @classmethod
    def detect_foreign(cls, obj: Any, path: Path) -> bool:
        """True when ``obj`` (what ``torch.load`` returned for ``path``) is a checkpoint in a
        format of another code base that this family loads (official SD-Codec, DAC, Look2Hear).
        """
        return False

    @classmethod
    def load_foreign(cls, obj: Any, path: Path) -> nn.Module:
        """Builds and loads (``strict=True``) a model from a foreign checkpoint; infers the config."""
        raise NotImplementedError(f"{cls.name} loads no foreign checkpoint format")


def load_families() -> Registry[type[ModelFamily]]:
    """Imports every family module (once) and returns the registry."""
    for module in FAMILY_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            # A family whose module is not written yet is simply absent; anything else is a bug.
            if error.name != module:
                raise
    return MODEL_FAMILIES

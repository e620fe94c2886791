"""Registry of model families (SD-Codec, DAC, TDANet, ...) and the contract each one fulfils.

A family knows how to build its model from a frozen-dataclass configuration, which named presets
it offers (``"16k"``: the paper's full configuration, ``"tiny"``: the CPU-sized one the embedded
default checkpoints use), and how to recognise and load checkpoints written by other code bases
(official SD-Codec/DAC files, Look2Hear files). ``sdcodec.checkpoint.load_model`` asks every
registered family in turn. Adding a family is adding a module that registers one::

    @MODEL_FAMILIES.register("tdanet")
    class TDANetFamily(ModelFamily): ...

and declaring that module so that ``load_families`` imports it on first use: SD-Codec's own family
is listed in ``FAMILY_MODULES`` below; a family of another package (``baselines.dac``,
``baselines.tdanet``) is an entry point of the ``sdcodec.families`` group in that package's
``pyproject.toml``, so that this library never names the packages built on top of it::

    [project.entry-points."sdcodec.families"]
    tdanet = "baselines.tdanet"
"""

from __future__ import annotations

import functools
import importlib
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

from torch import nn

from sdcodec.core.registry import Registry

MODEL_FAMILIES: Registry[type["ModelFamily"]] = Registry("model family")

#: This library's own family modules, imported by ``load_families`` before the plugins.
FAMILY_MODULES: tuple[str, ...] = ("sdcodec.family",)

#: Entry-point group through which installed packages declare their family modules.
FAMILY_ENTRY_POINTS = "sdcodec.families"


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


@functools.cache
def family_modules() -> tuple[str, ...]:
    """``FAMILY_MODULES``, then the modules of the installed ``sdcodec.families`` entry points
    (sorted by entry-point name, each once)."""
    from importlib.metadata import entry_points

    plugins = sorted(entry_points(group=FAMILY_ENTRY_POINTS), key=lambda point: point.name)
    return tuple(dict.fromkeys([*FAMILY_MODULES, *(point.value for point in plugins)]))


def load_families() -> Registry[type[ModelFamily]]:
    """Imports every family module (once) and returns the registry."""
    for module in family_modules():
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            # A family whose module is not written yet is simply absent; anything else is a bug.
            if error.name != module:
                raise
    return MODEL_FAMILIES

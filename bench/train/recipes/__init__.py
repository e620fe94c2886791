"""Training recipes: what one optimisation step does for a kind of model.

A recipe builds its trained parts (``bench.train.parts.TrainedPart``) from the
``TrainConfig`` and runs ``train_step(batch, step)``. One file per recipe, registered here::

    @RECIPES.register("codec")
    class CodecRecipe(Recipe): ...

``codec``: SD-Codec and DAC (discriminator step, then generator step, DAC's losses);
``separator``: TDANet (negative SI-SDR on the named stems).
"""

from __future__ import annotations

import importlib
import pkgutil
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import torch
from torch import nn

from sdcodec.core.registry import Registry
from bench.train.config import TrainConfig, family_class
from bench.train.parts import TrainedPart
from bench.train.runtime import Runtime

RECIPES: Registry[type["Recipe"]] = Registry("training recipe")


class Recipe(ABC):
    """One kind of training step. ``parts`` maps names (``generator``, ``discriminator``,
    ``model``) to ``TrainedPart``; ``model`` is the network that is exported at the end."""

    name: ClassVar[str]

    def __init__(self, config: TrainConfig, runtime: Runtime) -> None:
        self.config = config
        self.runtime = runtime
        self.parts: dict[str, TrainedPart] = {}

    def build_model(self) -> nn.Module:
        """A freshly initialised model of the configured family (same on every rank: the loop
        seeds before calling this)."""
        return family_class(self.config.family).build(self.config.model_config())

    def part(self, name: str, module: nn.Module, find_unused_parameters: bool = False) -> TrainedPart:
        """Registers ``module`` as a trained part with the configured optimiser and schedule."""
        cfg = self.config
        part = TrainedPart(name, module, self.runtime, cfg.optimizer, cfg.scheduler, cfg.total_steps,
                           cfg.grad_clip, find_unused_parameters)
        self.parts[name] = part
        return part

    @property
    @abstractmethod
    def model(self) -> nn.Module:
        """The (unwrapped) network this run trains and exports."""

    @abstractmethod
    def train_step(self, batch: Any, step: int) -> dict[str, torch.Tensor]:
        """One optimisation step on ``batch`` (a ``TrainBatch`` on the device); returns detached
        scalars to log (losses, gradient norms)."""

    def logs_at(self, step: int) -> bool:
        """Whether the loop logs the result of ``train_step(batch, step)`` (0-based ``step``):
        every ``log_every`` steps and the last one."""
        done = step + 1
        return done % self.config.log_every == 0 or done == self.config.total_steps

    def train(self, mode: bool = True) -> None:
        for part in self.parts.values():
            part.module.train(mode)

    @property
    def lr(self) -> float:
        return next(iter(self.parts.values())).lr

    def state_dict(self) -> dict[str, Any]:
        return {name: part.state_dict() for name, part in self.parts.items()}

    def load_state_dict(self, state: dict[str, Any], path: str = "<checkpoint>") -> None:
        from sdcodec.core.errors import CheckpointError

        if set(state) != set(self.parts):
            raise CheckpointError(f"{path}: holds parts {sorted(state)}, this recipe trains {sorted(self.parts)}")
        for name, part in self.parts.items():
            part.load_state_dict(state[name], path)


def load_recipes() -> Registry[type[Recipe]]:
    """Imports every recipe module of this package (each registers itself)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return RECIPES

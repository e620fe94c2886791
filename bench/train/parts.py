"""A trained network with its optimiser, schedule and gradient scaler (``TrainedPart``).

A codec run has two parts (generator and discriminator), a separator run one. ``update(loss)``
is one optimiser step: zero the gradients, backward (scaled under fp16), unscale, clip the
global gradient norm (parameters outside the loss count with a zero gradient), step (skipped by the scaler on inf/nan), update the scale, advance the
schedule.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from bench.train.config import OptimizerConfig, SchedulerConfig
from bench.train.runtime import Runtime
from bench.train.schedule import build_optimizer, build_scheduler


class TrainedPart:
    """``module`` (unwrapped, on the runtime's device), ``wrapped`` (DDP or the module itself),
    ``optimizer``, ``scheduler``, ``scaler``; see the module docstring."""

    def __init__(
        self,
        name: str,
        module: nn.Module,
        runtime: Runtime,
        optimizer: OptimizerConfig,
        scheduler: SchedulerConfig,
        total_steps: int,
        grad_clip: float,
        find_unused_parameters: bool = False,
    ) -> None:
        self.name = name
        self.module = module
        self.wrapped = runtime.wrap(module, find_unused_parameters)
        self.optimizer = build_optimizer(module.parameters(), optimizer)
        self.scheduler = build_scheduler(self.optimizer, scheduler, total_steps)
        self.scaler = runtime.grad_scaler()
        self.grad_clip = grad_clip

    def update(self, loss: torch.Tensor) -> torch.Tensor:
        """One optimiser step on ``loss``; returns the gradient norm before clipping (detached)."""
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.unscale_(self.optimizer)
        params = [p for p in self.module.parameters() if p.requires_grad]
        for param in params:
            # A branch that took no part in this step's loss gets a zero gradient, as in the
            # authors' masked losses: AdamW still decays its weights and moments, and every rank
            # agrees (DDP leaves globally unused gradients untouched).
            if param.grad is None:
                param.grad = torch.zeros_like(param)
        if self.grad_clip > 0:
            norm = torch.nn.utils.clip_grad_norm_(params, self.grad_clip)
        else:
            norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in params]))
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.scheduler.step()
        return norm.detach()

    @property
    def lr(self) -> float:
        return float(self.scheduler.get_last_lr()[0])

    def state_dict(self) -> dict[str, Any]:
        return {
            "model": {k: v.detach().cpu() for k, v in self.module.state_dict().items()},
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any], path: str = "<checkpoint>") -> None:
        from sdcodec.checkpoint import load_state_dict_strict

        load_state_dict_strict(self.module, state["model"], f"{path} [{self.name}]")
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.scaler.load_state_dict(state["scaler"])

"""Optimisers and learning-rate schedules from the training configuration.

The schedule is the authors' ``ExponentialLRScheduler`` written in closed form, so that it is a
pure function of the step (nothing to drift on resume): at optimiser step ``s`` (0-based) the
learning rate is ``lr * factor(s)`` with ``factor = s / warmup`` while ``s < warmup``, then
``gamma ** (s - warmup + 1)`` up to ``total_steps``, then ``lr_min_ratio``.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from sdcodec.core.errors import ConfigError
from sdcodec.core.registry import Registry
from bench.train.config import OptimizerConfig, SchedulerConfig

#: ``torch.optim`` classes by configuration name.
OPTIMIZERS: Registry[type[torch.optim.Optimizer]] = Registry("optimizer")
OPTIMIZERS.add("adamw", torch.optim.AdamW)
OPTIMIZERS.add("adam", torch.optim.Adam)


def build_optimizer(parameters: Iterable[nn.Parameter], config: OptimizerConfig) -> torch.optim.Optimizer:
    """The configured optimiser over the trainable ``parameters``."""
    cls = OPTIMIZERS.get(config.name)
    trainable = [p for p in parameters if p.requires_grad]
    return cls(trainable, lr=config.lr, betas=tuple(config.betas), eps=config.eps, weight_decay=config.weight_decay)


def lr_factor(step: int, config: SchedulerConfig, total_steps: int) -> float:
    """Multiplier of the base learning rate at optimiser step ``step`` (0-based)."""
    warmup = config.warmup_steps
    if step < warmup:
        return step / warmup
    if config.name == "constant":
        return 1.0
    if config.name != "exponential":
        raise ConfigError(f"unknown scheduler {config.name!r}; known: exponential, constant")
    if step <= total_steps:
        return config.gamma ** (step - warmup + 1)
    return config.lr_min_ratio


def build_scheduler(optimizer: torch.optim.Optimizer, config: SchedulerConfig, total_steps: int) -> torch.optim.lr_scheduler.LambdaLR:
    """A ``LambdaLR`` applying ``lr_factor``; call ``step()`` once after each optimiser step."""
    lr_factor(0, config, total_steps)  # validates the name early
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: lr_factor(step, config, total_steps))

"""Stand-in for ``audiotools.ml``: ``BaseModel`` with the packaging lists and ``Accelerator``."""

from __future__ import annotations

from torch import nn


class BaseModel(nn.Module):
    """An ``nn.Module`` with audiotools' packaging lists (unused by the stand-in)."""

    INTERN: list = []
    EXTERN: list = []


class Accelerator:
    """Single-process stand-in: ``prepare_model`` and ``unwrap`` return the model as is."""

    def __init__(self, *args, **kwargs) -> None:
        self.local_rank = 0
        self.world_size = 1

    def prepare_model(self, model, **kwargs):
        return model

    def unwrap(self, model):
        return model

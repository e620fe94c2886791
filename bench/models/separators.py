"""TDANet (any family module with ``separate``) as a ``bench.api`` separator."""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn

from bench.api import Separator
from bench.models.checkpoints import IMPLEMENTATIONS, family_description


class FamilySeparator(Separator):
    """A family's separator module: ``model.separate(mix) -> {track: [B, 1, T]}``."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.sample_rate = int(model.sample_rate)
        self.tracks = tuple(model.tracks)

    def separate(self, mix: Tensor) -> dict[str, Tensor]:
        return self.model.separate(mix)

    def describe(self) -> dict[str, Any]:
        return family_description(self.model)


IMPLEMENTATIONS.add("tdanet", FamilySeparator)

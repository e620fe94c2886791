"""Adapters of separators (TDANet): mixture in, one estimate per named source out."""

from __future__ import annotations

from typing import Any

import torch

from bench.models.base import ADAPTERS, EvalModel


@ADAPTERS.register("tdanet")
class SeparatorAdapter(EvalModel):
    family = "tdanet"
    tasks = frozenset({"separation", "separation-mask", "throughput"})

    @torch.inference_mode()
    def separate(self, mix: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.model.separate(mix)

    def stages(self, audio: torch.Tensor) -> dict[str, Any]:
        """The throughput suite's stage for a separator: one separation pass."""
        return {"separate": lambda: self.model.separate(audio)}

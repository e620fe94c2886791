"""Adapters of separators (TDANet): mixture in, one estimate per named source out."""

from __future__ import annotations

import torch

from bench.adapters.base import ADAPTERS, EvalModel


@ADAPTERS.register("tdanet")
class SeparatorAdapter(EvalModel):
    family = "tdanet"
    tasks = frozenset({"separation", "separation-mask"})

    @torch.inference_mode()
    def separate(self, mix: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.model.separate(mix)

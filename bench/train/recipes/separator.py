"""The separator recipe (TDANet): negative SI-SDR of each named stem, no discriminator.

The input is always the three-track mixture; estimate ``k`` is scored against stem ``k``
(speech, music, sfx: the stems are named, so no permutation search), averaged over batch and
the stems whose reference is audible (``bench.train.objectives.neg_si_sdr_of_audible``: a
silent reference, frequent for sfx in short segments, has no meaningful SI-SDR and would
dominate the average).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from sdcodec.core.constants import TRACKS
from sdcodec.core.errors import ConfigError
from bench.train.recipes import RECIPES, Recipe
from bench.train.targets import source_stack


@RECIPES.register("separator")
class SeparatorRecipe(Recipe):
    """See the module docstring."""

    name = "separator"

    def __init__(self, config, runtime) -> None:
        super().__init__(config, runtime)
        model = self.build_model()
        self.tracks = TRACKS[: getattr(model.config, "num_sources", len(TRACKS))]
        if len(self.tracks) != len(TRACKS):
            raise ConfigError(f"the separator recipe trains a {len(TRACKS)}-source model for "
                              f"{', '.join(TRACKS)}; got num_sources={len(self.tracks)}")
        self.net = self.part("model", model)

    @property
    def model(self) -> nn.Module:
        return self.net.module

    def train_step(self, batch: Any, step: int) -> dict[str, torch.Tensor]:
        from bench.train.objectives import neg_si_sdr_of_audible

        missing = [t for t in self.tracks if t not in batch.present]
        if missing:
            raise ConfigError(f"the separator recipe needs every track in every batch; step {step} "
                              f"lacks {', '.join(missing)} (set data.track_count_probs=[0,0,1])")
        with self.runtime.autocast():
            estimates = self.net.wrapped(batch.mix)
        references = source_stack(batch, self.tracks)[:, :, 0]
        flat = estimates.shape[0] * estimates.shape[1], 1, estimates.shape[-1]
        loss = neg_si_sdr_of_audible(estimates.float().reshape(flat), references.float().reshape(flat))
        grad_norm = self.net.update(loss)
        return {"loss": loss.detach(), "si_sdr": -loss.detach(), "grad_norm": grad_norm}

"""What a suite asks of a model for one batch of clips, as items to score.

A task turns a batch of evaluation clips (``bench.data.eval_clips``: ``mix``, ``speech``,
``music``, ``sfx`` as ``[batch, 1, time]`` and the per-track activity flags) into ``ScoreItem``s:
an estimate, its reference, the mixture (for SI-SDRi) and, when the protocol says so, the reason
the item is skipped. The protocol's rule: a track whose reference is under 40% active frames is
skipped for that track; the mixture is skipped only when every track is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from bench.models.base import EvalModel
from sdcodec.core.constants import MIX, TRACKS
from bench.engine.masking import mask_separate
from sdcodec.core.registry import Registry

INACTIVE = "inactive reference (under 40% active STFT frames)"
ALL_INACTIVE = "every source inactive (under 40% active STFT frames)"


@dataclass
class ScoreItem:
    """One estimate to score. Tensors are ``[time]`` on the CPU."""

    clip_id: str
    input: str
    output: str
    estimate: torch.Tensor
    reference: torch.Tensor
    mixture: torch.Tensor | None
    skip: str | None


@dataclass(frozen=True)
class Task:
    """A named task: its default metrics and how it runs a model on a batch."""

    name: str
    metrics: tuple[str, ...]
    infer: Callable[[EvalModel, dict[str, Any]], list[ScoreItem]]


TASKS: Registry[Task] = Registry("task")


def is_active(batch: dict[str, Any], index: int, track: str) -> bool:
    """The scoring-time activity flag of ``track`` for clip ``index`` of a collated batch."""
    active = batch["active"]
    if isinstance(active, dict):
        value = active[track][index]
    else:
        value = active[index][track]
    return bool(value)


def skip_reason(batch: dict[str, Any], index: int, reference: str) -> str | None:
    """Why the protocol skips scoring against ``reference`` for clip ``index`` (None: scored)."""
    if reference == MIX:
        return None if any(is_active(batch, index, t) for t in TRACKS) else ALL_INACTIVE
    return None if is_active(batch, index, reference) else INACTIVE


def _items(batch: dict[str, Any], estimates: torch.Tensor, input_name: str, output: str,
           reference: str, with_mixture: bool) -> list[ScoreItem]:
    estimates = estimates.detach().float().cpu()
    refs = batch[reference]
    return [
        ScoreItem(
            clip_id=clip_id, input=input_name, output=output,
            estimate=estimates[i, 0], reference=refs[i, 0],
            mixture=batch[MIX][i, 0] if with_mixture else None,
            skip=skip_reason(batch, i, reference),
        )
        for i, clip_id in enumerate(batch["clip_id"])
    ]


def _on(model: EvalModel, batch: dict[str, Any], name: str) -> torch.Tensor:
    return batch[name].to(model.device)


def infer_resynthesis(model: EvalModel, batch: dict[str, Any]) -> list[ScoreItem]:
    """Mixture in -> mixture out; each source alone in -> its branch out (DAC: its one branch)."""
    inputs = {name: _on(model, batch, name) for name in (MIX, *TRACKS)}
    outputs = model.resynthesize_all(inputs)
    items: list[ScoreItem] = []
    for name in (MIX, *TRACKS):
        items += _items(batch, outputs[name], name, name, name, with_mixture=False)
    return items


def infer_separation(model: EvalModel, batch: dict[str, Any]) -> list[ScoreItem]:
    """Mixture in -> each source's estimate (SD-Codec: decode each branch)."""
    separated = model.separate(_on(model, batch, MIX))
    items: list[ScoreItem] = []
    for track in TRACKS:
        items += _items(batch, separated[track], MIX, track, track, with_mixture=True)
    return items


def infer_separation_mask(model: EvalModel, batch: dict[str, Any]) -> list[ScoreItem]:
    """Mixture in -> decoded sources -> their magnitude shares masking the mixture STFT."""
    mix = _on(model, batch, MIX)
    masked = mask_separate(mix, model.separate(mix))
    items: list[ScoreItem] = []
    for track in TRACKS:
        items += _items(batch, masked[track], MIX, track, track, with_mixture=True)
    return items


def infer_ood_coding(model: EvalModel, batch: dict[str, Any]) -> list[ScoreItem]:
    """Every source through every branch (3 x 3): does a branch code other sources well?"""
    items: list[ScoreItem] = []
    for source in TRACKS:
        audio = _on(model, batch, source)
        for branch in TRACKS:
            coded = model.code_through(audio, branch)
            items += _items(batch, coded, source, branch, source, with_mixture=False)
    return items


TASKS.add("resynthesis", Task("resynthesis", ("si_sdr", "visqol"), infer_resynthesis))
TASKS.add("separation", Task("separation", ("si_sdr", "si_sdri", "visqol"), infer_separation))
TASKS.add("separation-mask", Task("separation-mask", ("si_sdr", "si_sdri", "visqol"), infer_separation_mask))
TASKS.add("ood-coding", Task("ood-coding", ("si_sdr",), infer_ood_coding))

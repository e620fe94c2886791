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

from bench.models.evalmodel import EvalModel
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
class Output:
    """One estimate a task makes per clip: ``input`` in, ``output`` out, scored against the
    ``reference`` stem (with the mixture for SI-SDRi when ``with_mixture``)."""

    input: str
    output: str
    reference: str
    with_mixture: bool


def default_point(model: EvalModel) -> tuple[int | None, ...]:
    """One run, the codec at its default bitrate."""
    return (None,)


def quantizer_points(model: EvalModel) -> tuple[int | None, ...]:
    """Every number of quantizers the codec offers (``bench.api.Codec.quantizer_options``)."""
    return model.quantizer_options


#: Between a task's name and its operating point in the rows' ``task`` (``rate-distortion@2``).
POINT_SEPARATOR = "@"


def task_label(name: str, point: int | None) -> str:
    """The rows' ``task`` of ``name`` run at ``point`` quantizers: the name itself at the
    default, else ``NAME@POINT`` (so a run resumes per clip and operating point)."""
    return name if point is None else f"{name}{POINT_SEPARATOR}{point}"


def split_task_label(label: str) -> tuple[str, int | None]:
    """``rate-distortion@2`` -> (``rate-distortion``, 2); ``resynthesis`` -> (``resynthesis``, None)."""
    name, separator, point = label.rpartition(POINT_SEPARATOR)
    return (name, int(point)) if separator and point.isdigit() else (label, None)


@dataclass(frozen=True)
class Task:
    """A named task: its default metrics, the outputs it makes for a model (``outputs``), how
    it runs the model on a batch (``infer`` -> ``{(input, output): [batch, 1, time]}``) and at
    which operating points (``operating_points``: numbers of quantizers, None the default; the
    engine runs ``infer`` on ``model.at(point)`` for each)."""

    name: str
    metrics: tuple[str, ...]
    outputs: Callable[[EvalModel], list[Output]]
    infer: Callable[[EvalModel, dict[str, Any]], dict[tuple[str, str], torch.Tensor]]
    operating_points: Callable[[EvalModel], tuple[int | None, ...]] = default_point

    def items(self, model: EvalModel, batch: dict[str, Any]) -> list[ScoreItem]:
        """The batch's estimates, as items to score (protocol skips included)."""
        estimates = self.infer(model, batch)
        return [item for out in self.outputs(model)
                for item in _items(batch, estimates[(out.input, out.output)], out)]

    def failed(self, model: EvalModel, batch: dict[str, Any], reason: str) -> list[ScoreItem]:
        """Every item of the batch's clips, skipped for ``reason`` (the model failed on them)."""
        empty = torch.empty(0)
        return [ScoreItem(clip_id, out.input, out.output, empty, empty, None, reason)
                for out in self.outputs(model) for clip_id in batch["clip_id"]]


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


def _items(batch: dict[str, Any], estimates: torch.Tensor, out: Output) -> list[ScoreItem]:
    estimates = estimates.detach().float().cpu()
    refs = batch[out.reference]
    return [
        ScoreItem(
            clip_id=clip_id, input=out.input, output=out.output,
            estimate=estimates[i, 0], reference=refs[i, 0],
            mixture=batch[MIX][i, 0] if out.with_mixture else None,
            skip=skip_reason(batch, i, out.reference),
        )
        for i, clip_id in enumerate(batch["clip_id"])
    ]


def _on(model: EvalModel, batch: dict[str, Any], name: str) -> torch.Tensor:
    return batch[name].to(model.device)


def separated_tracks(model: EvalModel) -> list[str]:
    """The protocol's tracks the model separates, in the protocol's order."""
    return [t for t in TRACKS if t in model.tracks]


def resynthesis_outputs(model: EvalModel) -> list[Output]:
    return [Output(name, name, name, False) for name in (MIX, *TRACKS)]


def infer_resynthesis(model: EvalModel, batch: dict[str, Any]) -> dict[tuple[str, str], torch.Tensor]:
    """Mixture in -> mixture out (the whole codec); each source alone in -> its branch out (a
    codec without tracks: the whole codec). One ``resynthesize_many`` call for all four."""
    names = (MIX, *TRACKS)
    requests = [(_on(model, batch, n), n if n in model.tracks else None) for n in names]
    return {(n, n): out for n, out in zip(names, model.resynthesize_many(requests))}


def separation_outputs(model: EvalModel) -> list[Output]:
    return [Output(MIX, t, t, True) for t in separated_tracks(model)]


def infer_separation(model: EvalModel, batch: dict[str, Any]) -> dict[tuple[str, str], torch.Tensor]:
    """Mixture in -> each source's estimate (a disentangled codec: each branch decoded)."""
    separated = model.separate(_on(model, batch, MIX))
    return {(MIX, t): separated[t] for t in separated_tracks(model)}


def infer_separation_mask(model: EvalModel, batch: dict[str, Any]) -> dict[tuple[str, str], torch.Tensor]:
    """Mixture in -> separated sources -> their magnitude shares masking the mixture STFT."""
    mix = _on(model, batch, MIX)
    masked = mask_separate(mix, model.separate(mix))
    return {(MIX, t): masked[t] for t in separated_tracks(model)}


def ood_outputs(model: EvalModel) -> list[Output]:
    return [Output(source, branch, source, False) for source in TRACKS for branch in model.tracks]


def infer_ood_coding(model: EvalModel, batch: dict[str, Any]) -> dict[tuple[str, str], torch.Tensor]:
    """Every source through every branch (3 x 3): does a branch code other sources well? One
    batched coding call per source (its audio through each branch)."""
    coded: dict[tuple[str, str], torch.Tensor] = {}
    for source in TRACKS if model.tracks else ():
        audio = _on(model, batch, source)
        outs = model.resynthesize_many([(audio, branch) for branch in model.tracks])
        coded.update(zip([(source, branch) for branch in model.tracks], outs))
    return coded


TASKS.add("resynthesis", Task("resynthesis", ("si_sdr", "visqol"), resynthesis_outputs, infer_resynthesis))
TASKS.add("separation", Task("separation", ("si_sdr", "si_sdri", "visqol"), separation_outputs, infer_separation))
TASKS.add("separation-mask", Task("separation-mask", ("si_sdr", "si_sdri", "visqol"), separation_outputs,
                                  infer_separation_mask))
TASKS.add("ood-coding", Task("ood-coding", ("si_sdr",), ood_outputs, infer_ood_coding))
# resynthesis at each number of quantizers the codec offers: quality against bitrate
TASKS.add("rate-distortion", Task("rate-distortion", ("si_sdr", "visqol"), resynthesis_outputs, infer_resynthesis,
                                  quantizer_points))

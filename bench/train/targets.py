"""What a codec or separator is asked to output for a training batch, and the references.

``TrainBatch.sources`` holds one waveform per track, ``[B, K, 1, T]``: either every track in
``sdcodec.core.constants.TRACKS`` order (absent ones silent) or only the present ones, in ``present``
order; ``source_stack`` reads both layouts by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from sdcodec.core.constants import MIX, TRACKS
from sdcodec.core.errors import ConfigError


def source_of(batch: Any, track: str) -> torch.Tensor:
    """Track ``track``'s waveform ``[B, 1, T]`` from ``batch.sources``."""
    sources = batch.sources
    present = tuple(batch.present)
    if sources.shape[1] == len(TRACKS):
        order = TRACKS
    elif sources.shape[1] == len(present):
        order = present
    else:
        raise ConfigError(f"TrainBatch.sources has {sources.shape[1]} tracks; expected {len(TRACKS)} "
                          f"(all) or {len(present)} (present: {', '.join(present)})")
    if track not in order:
        raise ConfigError(f"track {track!r} is not in this batch (present: {', '.join(present)})")
    return sources[:, order.index(track)]


def source_stack(batch: Any, tracks: Sequence[str]) -> torch.Tensor:
    """``[B, len(tracks), 1, T]``: the named tracks' waveforms, in ``tracks`` order."""
    return torch.stack([source_of(batch, t) for t in tracks], 1)


def codec_outputs(batch: Any, branches: Sequence[str], absent_silent: bool = False) -> tuple[list[str], list[torch.Tensor]]:
    """Output names and their references for a codec's training forward (authors' trainer).

    A multi-branch codec (SD-Codec) outputs the mixture (decoded from the sum of the present
    branches, swapped when ``batch.shuffle`` is set) against ``batch.mix_target``, then each
    present track from its own branch against its source. With ``absent_silent`` the branches
    of the absent tracks are decoded too, against silence (zeros ``[B, 1, T]``): a perfect
    separator outputs nothing for a track the mixture lacks (the authors leave these branches
    out). A one-branch codec (DAC) outputs the mixture only, against the input mixture (a swap
    has no meaning for one branch).
    """
    if tuple(branches) == (MIX,):
        return [MIX], [batch.mix]
    present = list(batch.present)
    names, references = [MIX, *present], [batch.mix_target, *(source_of(batch, t) for t in present)]
    if absent_silent:
        absent = [t for t in branches if t not in present]
        names += absent
        references += [torch.zeros_like(batch.mix) for _ in absent]
    return names, references

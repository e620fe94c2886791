"""Held-out quality of a trained model in a few seconds: the learning checks of the tests and the
numbers recorded beside the embedded default checkpoints.

Clips: ``bench.data`` evaluation clips (16 kHz, the mixture recomputed as the sum of its stems)
of a DnR-layout folder (default: the built-in synthetic set, its ``test`` split under the
``corrected`` protocol, i.e. ``tt/``, which training never reads). Scores (SI-SDR in dB,
``bench.metrics.sisdr.si_sdr``, mean over clips):

- ``mix_si_sdr``: mixture resynthesis (codecs): mixture in, mixture out;
- ``si_sdri[track]``: separation SI-SDR improvement over the mixture, on the clips where the
  track is active (protocol rule): an SD-Codec decodes each branch from the mixture, a separator
  outputs its stems; ``si_sdr[track]`` is the separation SI-SDR itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from sdcodec.core.constants import MIX, TRACKS


def held_out_clips(root: str | Path | None = None, split: str = "test", protocol: str = "corrected",
                   limit: int | None = None, seconds: float | None = None) -> dict[str, Any]:
    """Evaluation clips stacked as ``{"mix"/track: [N, 1, T], "active": {track: BoolTensor[N]}}``
    (``bench.data.eval_clips.collate``); ``limit``: the first clips only; ``seconds``: each clip
    cut to its first ``seconds`` (faster checks)."""
    from bench.data.eval_clips import EvalClips, collate
    from bench.data.manifest import build_manifest

    if root is None:
        from bench.data.synth import default_synth_root

        root = default_synth_root()
    manifest = build_manifest(root, split, protocol)
    clips = EvalClips(manifest, root)
    count = len(clips) if limit is None else min(limit, len(clips))
    batch = collate([clips[i] for i in range(count)])
    if seconds is not None:
        length = int(seconds * clips.sample_rate)
        for name in (MIX, *TRACKS):
            batch[name] = batch[name][..., :length]
    return batch


def _si_sdr(estimate: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    from bench.metrics.sisdr import si_sdr

    return si_sdr(estimate[:, 0], reference[:, 0])


def _mean(values: torch.Tensor, keep: torch.Tensor | None = None) -> float:
    chosen = values if keep is None else values[keep]
    return float(chosen.mean()) if chosen.numel() else float("nan")


@torch.no_grad()
def _outputs(model: nn.Module, clips: dict[str, Any], names: list[str], batch_size: int) -> dict[str, torch.Tensor]:
    """Model outputs ``{name: [N, 1, T]}`` for the clips' mixtures, ``batch_size`` clips at a time."""
    mixes = clips[MIX]
    chunks: dict[str, list[torch.Tensor]] = {name: [] for name in names}
    device = next(model.parameters()).device
    for start in range(0, mixes.shape[0], batch_size):
        mix = mixes[start : start + batch_size].to(device)
        if hasattr(model, "evaluate"):  # a codec: "mix" and branch outputs
            out = model.evaluate(mix, names)
            for i, name in enumerate(names):
                chunks[name].append(out[:, i : i + 1].cpu())
        else:  # a separator: [B, K, T] in TRACKS order
            out = model(mix)
            for name in names:
                chunks[name].append(out[:, TRACKS.index(name)][:, None].cpu())
    return {name: torch.cat(parts) for name, parts in chunks.items()}


def model_quality(model: nn.Module, clips: dict[str, Any], batch_size: int = 4) -> dict[str, Any]:
    """Scores of ``model`` on ``clips`` (see the module docstring). A one-branch codec (DAC)
    gets ``mix_si_sdr`` only; a separator ``si_sdr``/``si_sdri`` only."""
    was_training = model.training
    model.eval()
    try:
        is_codec = hasattr(model, "evaluate")
        tracks = list(getattr(model, "tracks", TRACKS)) if is_codec else list(TRACKS)
        names = ([MIX] if is_codec else []) + tracks
        outputs = _outputs(model, clips, names, batch_size)
    finally:
        model.train(was_training)
    scores: dict[str, Any] = {"clips": int(clips[MIX].shape[0])}
    if is_codec:
        scores["mix_si_sdr"] = _mean(_si_sdr(outputs[MIX], clips[MIX]))
    if tracks:
        scores["si_sdr"], scores["si_sdri"] = {}, {}
        for track in tracks:
            active = clips["active"][track]
            separated = _si_sdr(outputs[track], clips[track])
            baseline = _si_sdr(clips[MIX], clips[track])
            scores["si_sdr"][track] = _mean(separated, active)
            scores["si_sdri"][track] = _mean(separated - baseline, active)
    return scores

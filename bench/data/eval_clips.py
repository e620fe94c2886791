"""``EvalClips``: the evaluation clips of a manifest, as the authors' ``eval_dnr.py`` prepares them.

For each manifest row: read the chunk of speech, music and sfx (``start``, ``frames`` at the
native 44.1 kHz), downmix each to mono (mean over channels), resample to 16 kHz with julius'
``ResampleFrac`` (``bench.data.resample``), and RECOMPUTE the mixture as speech + music + sfx
(the mixture file is not read). ``active[track]`` is the scoring-time rule: the track's share of
active STFT frames (same test as the manifest, on the 16 kHz clip) is at least 40%; a track
that is not active is skipped when scoring, and the mixture only when no track is active.

Items: ``{"clip_id": str, "mix"/"speech"/"music"/"sfx": Tensor [1, T] float32, "active":
{track: bool}}`` with ``T = frames * 16000 // 44100`` (160000 for 10 s, 80000 for 5 s).
``collate`` stacks items into ``[batch, 1, T]`` tensors, ``clip_id`` into a list and ``active``
into ``{track: BoolTensor [batch]}``; it is a module-level function, so DataLoader workers can
pickle it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from torch.utils.data import Dataset

from sdcodec.core.constants import MIX, MODEL_SAMPLE_RATE, TRACKS
from bench.data.activity import activity
from bench.data.audio import read_audio
from bench.data.protocol import Protocol, get_protocol
from bench.data.resample import resample
from sdcodec.core.errors import DataError

_REQUIRED = ("clip_id", "folder", "start", "frames")


class EvalClips(Dataset):
    """Evaluation clips of ``manifest`` (from ``build_manifest``) read from the dataset at
    ``root``, at ``sample_rate`` Hz (16 kHz, the models' rate).

    ``protocol`` supplies the STFT test and the scoring-time threshold (default: the manifest's
    ``protocol`` column, else ``corrected``; both protocols share these values)."""

    def __init__(self, manifest: pd.DataFrame, root: str | Path, sample_rate: int = MODEL_SAMPLE_RATE,
                 protocol: str | Protocol | None = None) -> None:
        missing = [c for c in _REQUIRED if c not in manifest.columns]
        if missing:
            raise DataError("<manifest>", f"manifest lacks column(s) {', '.join(missing)}",
                            "build it with bench.data.manifest.build_manifest")
        self.root = Path(root)
        self.sample_rate = int(sample_rate)
        if protocol is None:
            names = manifest["protocol"].unique() if "protocol" in manifest else []
            protocol = str(names[0]) if len(names) == 1 else "corrected"
        self.protocol = get_protocol(protocol)
        self._rows = manifest[list(_REQUIRED)].to_dict("records")

    def __len__(self) -> int:
        return len(self._rows)

    def clip_ids(self) -> list[str]:
        return [str(row["clip_id"]) for row in self._rows]

    def _source(self, folder: str, track: str, start: int, frames: int) -> torch.Tensor:
        audio, rate = read_audio(self.root / folder / f"{track}.wav", start, frames)
        mono = torch.from_numpy(audio).mean(dim=0)
        return resample(mono, rate, self.sample_rate)

    def __getitem__(self, index: int) -> dict[str, Any]:
        row = self._rows[index]
        start, frames = int(row["start"]), int(row["frames"])
        sources = {track: self._source(str(row["folder"]), track, start, frames) for track in TRACKS}
        stft = self.protocol.stft
        _, active = activity(torch.stack([sources[t] for t in TRACKS]),
                             self.protocol.score_min_active, stft.n_fft, stft.hop_length,
                             stft.threshold)
        mix = sources["speech"] + sources["music"] + sources["sfx"]
        item: dict[str, Any] = {"clip_id": str(row["clip_id"]), MIX: mix[None, :]}
        item.update({track: sources[track][None, :] for track in TRACKS})
        item["active"] = {track: bool(active[i]) for i, track in enumerate(TRACKS)}
        return item


def collate(items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Stacks ``EvalClips`` items: tensors to ``[batch, 1, T]``, ``clip_id`` to a list of str,
    ``active`` to ``{track: BoolTensor [batch]}``. Clips of one split share ``T``."""
    if not items:
        raise ValueError("collate needs at least one item")
    lengths = {item[MIX].shape[-1] for item in items}
    if len(lengths) > 1:
        raise DataError("<batch>", f"clips of different lengths {sorted(lengths)} in one batch",
                        "batch clips of one split (one chunk length) only")
    batch: dict[str, Any] = {"clip_id": [item["clip_id"] for item in items]}
    for name in (MIX, *TRACKS):
        batch[name] = torch.stack([item[name] for item in items])
    batch["active"] = {track: torch.tensor([item["active"][track] for item in items], dtype=torch.bool)
                       for track in TRACKS}
    return batch

"""``check_dataset``: every problem of a DnR-layout folder, not just the first.

Reported: missing or empty split folders, missing stems, unreadable/corrupt/truncated files,
sample rates other than DnR's, stems whose sample rate, channel count or length differs from
the track's mixture, and (when audio is read) stems holding NaN/inf samples and digitally
silent stems.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sdcodec.core.constants import DNR_SAMPLE_RATE, STEMS
from bench.data.audio import NonFiniteAudioError, audio_info, read_audio
from bench.data.dnr import DNR_FOLDERS, Track, format_mismatches, list_tracks
from sdcodec.core.errors import DataError


@dataclass(frozen=True)
class Problem:
    """One problem: the file or folder, what is wrong, and how to fix it. ``kind`` is one of
    ``missing_folder``, ``empty_folder``, ``missing_stem``, ``unreadable``, ``sample_rate``,
    ``channels``, ``length``, ``non_finite``, ``silent``."""

    path: str
    kind: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem} ({self.fix})"


def _problem(kind: str, error: DataError) -> Problem:
    return Problem(error.path, kind, error.problem, error.fix or "")


def _track_problems(track: Track, sample_rate: int, read: bool) -> list[Problem]:
    problems: list[Problem] = []
    infos = {}
    for stem in STEMS:  # every missing or unreadable stem, not only the first
        path = track.stem_path(stem)
        if not path.is_file():
            problems.append(Problem(str(path), "missing_stem", f"missing stem {path.name}",
                                    "restore the file or remove the track folder"))
            continue
        try:
            infos[stem] = audio_info(path)
        except DataError as error:
            problems.append(_problem("unreadable", error))
    if problems:
        return problems
    problems.extend(_problem(kind, error) for kind, error in format_mismatches(infos, sample_rate))
    if read and not problems:
        for stem in STEMS:
            path = track.stem_path(stem)
            try:
                audio, _ = read_audio(path)
            except NonFiniteAudioError as error:
                problems.append(_problem("non_finite", error))
                continue
            except DataError as error:
                problems.append(_problem("unreadable", error))
                continue
            if not np.any(audio):
                problems.append(Problem(str(path), "silent", "silent stem (every sample is 0)",
                                        "restore the stem, or expect no clip of this track to "
                                        "pass the protocol's activity test"))
    return problems


def check_dataset(root: str | Path, folders: Sequence[str] = DNR_FOLDERS,
                  sample_rate: int = DNR_SAMPLE_RATE, read_audio_data: bool = True,
                  progress: Callable[[Iterable[Track]], Iterable[Track]] | None = None) -> list[Problem]:
    """Every problem found under ``root``'s ``folders``; an empty list when the data is sound.

    ``read_audio_data=False`` checks headers only (fast) and skips the silent-stem test.
    ``progress`` may wrap the track iterator (e.g. ``tqdm``).
    """
    root = Path(root)
    if not root.is_dir():
        return [Problem(str(root), "missing_folder", "dataset root not found",
                        "pass the folder holding tr/, cv/ and tt/")]
    problems: list[Problem] = []
    for folder in folders:
        try:
            tracks = list_tracks(root, folder)
        except DataError as error:
            kind = "empty_folder" if (root / folder).is_dir() else "missing_folder"
            problems.append(_problem(kind, error))
            continue
        for track in (progress(tracks) if progress else tracks):
            problems.extend(_track_problems(track, sample_rate, read_audio_data))
    return problems

"""The Divide-and-Remaster (DnR v2/v3) folder layout and its validation.

A DnR root holds ``tr/``, ``cv/`` and ``tt/``; each holds one folder per track id with
``mix.wav``, ``speech.wav``, ``music.wav`` and ``sfx.wav``, all of the same sample rate
(44.1 kHz), channel count and length. Track folders are listed in sorted name order, as the
authors' scripts do (``sorted(folder.iterdir())``); hidden folders are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sdcodec.core.constants import STEMS
from bench.data.audio import AudioInfo, audio_info
from sdcodec.core.errors import DataError

#: DnR's folders: training, validation ("cross-validation") and test.
DNR_FOLDERS: tuple[str, ...] = ("tr", "cv", "tt")

#: The file extension of DnR stems.
STEM_EXTENSION = ".wav"


@dataclass(frozen=True)
class Track:
    """One DnR track folder: ``root / folder / track_id`` holding the four stems."""

    root: Path
    folder: str
    track_id: str

    @property
    def path(self) -> Path:
        return self.root / self.folder / self.track_id

    @property
    def relative(self) -> str:
        """The track folder relative to the root, with ``/`` separators (``cv/1234``)."""
        return f"{self.folder}/{self.track_id}"

    def stem_path(self, stem: str) -> Path:
        """The file of ``stem`` (``mix``, ``speech``, ``music`` or ``sfx``)."""
        return self.path / f"{stem}{STEM_EXTENSION}"


@dataclass(frozen=True)
class TrackInfo:
    """A validated track's common format: ``frames`` per stem, ``sample_rate`` (Hz),
    ``channels``."""

    track: Track
    frames: int
    sample_rate: int
    channels: int


def split_folder(root: str | Path, folder: str) -> Path:
    """``root / folder``; ``DataError`` when the root or the folder does not exist."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(root, "dataset root not found",
                        "pass the folder holding tr/, cv/ and tt/ (or run `bench data synth`)")
    path = root / folder
    if not path.is_dir():
        raise DataError(path, f"DnR folder {folder}/ not found",
                        "pass the DnR root holding tr/, cv/ and tt/")
    return path


def list_tracks(root: str | Path, folder: str) -> list[Track]:
    """The tracks of ``root / folder`` in sorted order; ``DataError`` when there are none."""
    path = split_folder(root, folder)
    tracks = [Track(Path(root), folder, entry.name) for entry in sorted(path.iterdir())
              if entry.is_dir() and not entry.name.startswith(".")]
    if not tracks:
        raise DataError(path, "empty split folder: no track folders",
                        "restore the dataset (each track is a folder holding mix/speech/music/sfx.wav)")
    return tracks


def stem_infos(track: Track) -> dict[str, AudioInfo]:
    """The header of each stem of ``track``; ``DataError`` naming the first missing or
    unreadable stem."""
    infos = {}
    for stem in STEMS:
        path = track.stem_path(stem)
        if not path.is_file():
            raise DataError(path, f"missing stem {stem}{STEM_EXTENSION}",
                            "restore the file or remove the track folder")
        infos[stem] = audio_info(path)
    return infos


def format_mismatches(infos: dict[str, AudioInfo], sample_rate: int | None = None
                      ) -> list[tuple[str, DataError]]:
    """Every way the stems' headers ``infos`` disagree with the mixture's (sample rate, channels,
    length) or with the expected ``sample_rate``: ``(kind, DataError naming the file)`` pairs,
    ``kind`` being ``sample_rate``, ``channels`` or ``length``."""
    mix = infos["mix"]
    errors = []
    if sample_rate is not None and mix.sample_rate != sample_rate:
        errors.append(("sample_rate", DataError(
            mix.path, f"sample rate {mix.sample_rate} Hz, DnR is {sample_rate} Hz",
            f"resample the dataset to {sample_rate} Hz")))
    for info in infos.values():
        if info.sample_rate != mix.sample_rate:
            errors.append(("sample_rate", DataError(
                info.path, f"sample rate {info.sample_rate} Hz differs from mix.wav's "
                           f"{mix.sample_rate} Hz", "resample the stem to the mixture's rate")))
        if info.channels != mix.channels:
            errors.append(("channels", DataError(
                info.path, f"{info.channels} channel(s), mix.wav has {mix.channels}",
                "store every stem of a track with the same channels")))
        if info.frames != mix.frames:
            errors.append(("length", DataError(
                info.path, f"length {info.frames} samples differs from mix.wav's {mix.frames}",
                "restore the stem (every stem of a track has the mixture's length)")))
    return errors


def validate_track(track: Track, sample_rate: int | None = None) -> TrackInfo:
    """Checks that every stem exists, is readable and shares the mixture's sample rate,
    channel count and length (and that the rate is ``sample_rate`` when given).

    Raises ``DataError`` naming the (first) offending file and the fix."""
    infos = stem_infos(track)
    errors = format_mismatches(infos, sample_rate)
    if errors:
        raise errors[0][1]
    mix = infos["mix"]
    return TrackInfo(track, mix.frames, mix.sample_rate, mix.channels)

"""A Hugging Face ``datasets`` adapter for DnR: ``load_dnr(source, split)``.

``source`` is either a local DnR-layout folder or a Hub dataset id:

- local folder: one row per track of ``split`` (``tr``/``cv``/``tt``, or ``train``/``val``/
  ``validation``/``test`` for them) with columns ``track_id`` (str), ``folder`` (``tt/1234``),
  ``sample_rate`` (int, Hz) and ``mix``, ``speech``, ``music``, ``sfx``. With ``arrays=True``
  (default) each stem is a float32 array ``[channels, frames]`` (``List(List(float32))``),
  written to an Arrow cache by ``Dataset.from_generator`` so that a big split never has to fit
  in memory; with ``arrays=False`` the stems are ``Audio(decode=False)`` columns holding the
  file paths (decoding ``Audio`` needs torchcodec, which this project does not require).
  Tracks are validated as everywhere else (``DataError`` for a missing, corrupt or mismatched
  stem).
- Hub id (``owner/name``): ``datasets.load_dataset(source, split=split)``; the dataset must
  hold a ``track_id`` column and one column per stem, ``mix``, ``speech``, ``music`` and
  ``sfx`` (``Audio`` or arrays); a ``DataError`` lists what is missing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sdcodec.core.constants import STEMS
from bench.data.audio import read_audio
from bench.data.filestate import file_state
from bench.data.dnr import DNR_FOLDERS, list_tracks, validate_track
from sdcodec.core.errors import DataError

#: Split names ``load_dnr`` accepts for a local folder, and the DnR folder each reads.
SPLIT_ALIASES: dict[str, str] = {"tr": "tr", "train": "tr", "cv": "cv", "val": "cv",
                                 "validation": "cv", "tt": "tt", "test": "tt"}

#: Columns a Hub dataset must have.
HUB_COLUMNS: tuple[str, ...] = ("track_id", *STEMS)


def _generate(root: str, folder: str, fingerprint: str):  # noqa: ARG001
    # ``fingerprint`` is unused here but part of the arguments ``from_generator`` hashes, so a
    # changed file gives a new Arrow cache. (No list arguments: datasets shards those.)
    for track in list_tracks(root, folder):
        info = validate_track(track)
        row: dict[str, Any] = {"track_id": track.track_id, "folder": track.relative,
                               "sample_rate": info.sample_rate}
        for stem in STEMS:
            row[stem], _ = read_audio(track.stem_path(stem))
        yield row


def _local(root: Path, split: str, arrays: bool, cache_dir: str | None):
    import datasets

    if split not in SPLIT_ALIASES:
        raise DataError(root, f"unknown split {split!r} for a local DnR folder",
                        f"use one of {', '.join(SPLIT_ALIASES)}")
    folder = SPLIT_ALIASES[split]
    tracks = list_tracks(root, folder)
    if not arrays:
        rows: dict[str, list[Any]] = {"track_id": [], "folder": [], "sample_rate": []}
        rows.update({stem: [] for stem in STEMS})
        for track in tracks:
            info = validate_track(track)
            rows["track_id"].append(track.track_id)
            rows["folder"].append(track.relative)
            rows["sample_rate"].append(info.sample_rate)
            for stem in STEMS:
                rows[stem].append({"path": str(track.stem_path(stem)), "bytes": None})
        dataset = datasets.Dataset.from_dict(rows)
        for stem in STEMS:  # a cast, not an encode: encoding Audio would need torchcodec
            dataset = dataset.cast_column(stem, datasets.Audio(decode=False))
        return dataset
    fingerprint = []
    for track in tracks:
        for stem in STEMS:
            path = track.stem_path(stem)
            fingerprint.append((str(path), *(file_state(path) if path.is_file() else (-1,) * 4)))
    features = datasets.Features({
        "track_id": datasets.Value("string"), "folder": datasets.Value("string"),
        "sample_rate": datasets.Value("int32"),
        **{stem: datasets.List(datasets.List(datasets.Value("float32"))) for stem in STEMS}})
    return datasets.Dataset.from_generator(
        _generate, features=features, cache_dir=cache_dir,
        gen_kwargs={"root": str(root), "folder": folder,
                    "fingerprint": hashlib.sha256(repr(fingerprint).encode()).hexdigest()})


def load_dnr(source: str | Path, split: str, arrays: bool = True, cache_dir: str | None = None):
    """A ``datasets.Dataset`` of DnR's ``split`` from a local folder or a Hub id (see the module
    docstring). ``cache_dir``: the Arrow cache of a local folder (default: datasets' cache)."""
    path = Path(source)
    if path.exists():
        if not path.is_dir():
            raise DataError(path, "not a folder", "pass the DnR root holding tr/, cv/ and tt/")
        if not any((path / folder).is_dir() for folder in DNR_FOLDERS):
            raise DataError(path, "no tr/, cv/ or tt/ folder here", "pass the DnR root")
        return _local(path, split, arrays, cache_dir)
    text = str(source)
    if text.count("/") != 1 or text.startswith((".", "/", "~")):
        raise DataError(text, "no such folder, and not a Hub id (owner/name)",
                        "pass a local DnR root or a Hub dataset id")
    import datasets

    try:
        dataset = datasets.load_dataset(text, split=split)
    except Exception as error:  # the Hub's errors are many; report them in one line
        raise DataError(text, f"cannot load from the Hub ({type(error).__name__}: {error})",
                        "check the id, the split and your network (offline: use a local folder)"
                        ) from None
    missing = [c for c in HUB_COLUMNS if c not in dataset.column_names]
    if missing:
        raise DataError(text, f"Hub dataset lacks column(s) {', '.join(missing)} "
                              f"(has {', '.join(dataset.column_names)})",
                        f"use a DnR dataset with columns {', '.join(HUB_COLUMNS)}")
    return dataset

"""Evaluation manifests: which chunks of DnR the protocol evaluates, cached per dataset state.

``build_manifest(root, split, protocol)`` follows the authors' ``prepare/mani_dnr.py`` exactly:
for every track folder of the split's DnR folder (sorted), trim the mixture at 30 dB
(``activity.trim_bounds``), take chunks starting at ``range(trim_start, trim_end - chunk,
chunk)`` (chunk = 5 s for val, 10 s for test, at the file's 44.1 kHz), and keep a chunk when
mix, speech, music and sfx each have at least 50% active STFT frames. Stems of several
channels are tested flattened channel after channel, as the authors' ``reshape(-1)`` does.
``clip_id`` is ``<track_id>_<chunk index>`` (``bench.data.clip_ids``), the index counting
dropped chunks too (the authors' ids).

Columns of the returned frame (one row per kept clip, in track then chunk order):
``clip_id``, ``track_id``, ``folder`` (track folder relative to the root, ``cv/1234``),
``chunk`` (index), ``start`` and ``frames`` (samples at ``sample_rate``, the native rate),
``start_s`` and ``duration_s`` (seconds), ``sample_rate`` (Hz), ``trim_start`` and ``trim_end``
(samples), ``share_mix`` ... ``share_sfx`` (active-frame shares), ``split``, ``protocol``.
``with_dropped=True`` also returns the dropped chunks, with ``kept`` (bool) and
``drop_reason`` (e.g. ``inactive: speech, sfx``).

Cache: the frame is stored as Parquet with a JSON sidecar, named by a key that hashes the
protocol, the split, and the name, size, mtime, ctime and inode of every stem file of the folder
(``bench.data.filestate``); a second call with unchanged files reads it back without opening any
audio. The sidecar also keeps the SHA-256 of every file's bytes (computed while the audio is
read anyway) and the dataset's content hash, which ``dataset_hash`` returns and results record.
The key is only an accelerator: any rewrite of a file changes its ctime (which no process can
set back), so a cached content hash is never returned for bytes it was not computed from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.util.atomic import atomic_write_frame, atomic_write_json
from sdcodec.core.dataclass_json import to_dict
from sdcodec.core.constants import STEMS
from bench.data.activity import activity, trim_bounds
from bench.data.audio import read_audio_hashed
from bench.data.clip_ids import clip_id
from bench.data.cache import manifest_cache_dir
from bench.data.dnr import Track, list_tracks, validate_track
from bench.data.filestate import file_state
from bench.data.protocol import Protocol, check_split, get_protocol
from sdcodec.core.errors import DataError

#: Bumped when the manifest's rules or columns change, so that old caches are not reused.
MANIFEST_VERSION = 1

#: The columns of a manifest, in order (``kept`` and ``drop_reason`` only with dropped rows).
COLUMNS: tuple[str, ...] = (
    "clip_id", "track_id", "folder", "chunk", "start", "frames", "start_s", "duration_s",
    "sample_rate", "trim_start", "trim_end", *(f"share_{stem}" for stem in STEMS),
    "split", "protocol", "kept", "drop_reason")

Progress = Callable[[Iterable[Track]], Iterable[Track]]


def chunk_starts(trim_start: int, trim_end: int, chunk: int) -> list[int]:
    """Chunk starts (samples) inside a trimmed span, as the authors' ``range(start, end - chunk,
    chunk)``: the last partial chunk is dropped, and so is a last chunk ending exactly at
    ``trim_end`` (their loop's bound is exclusive)."""
    return list(range(trim_start, trim_end - chunk, chunk))


def _fingerprint(tracks: list[Track]) -> list[tuple[str, int, int, int, int]]:
    files = []
    for track in tracks:
        for stem in STEMS:
            path = track.stem_path(stem)
            try:
                state = file_state(path)
            except FileNotFoundError:
                raise DataError(path, f"missing stem {path.name}",
                                "restore the file or remove the track folder") from None
            files.append((f"{track.relative}/{path.name}", *state))
    return files


def _cache_key(protocol: Protocol, split: str, files: list[tuple[str, int, int, int, int]]) -> str:
    payload = {"version": MANIFEST_VERSION, "split": split, "protocol": to_dict(protocol),
               "files": files}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def content_hash(protocol: Protocol, split: str, file_hashes: dict[str, str]) -> str:
    """SHA-256 (hex) of the protocol, the split and every stem file's relative path and
    SHA-256: the identity of the data a result was computed on."""
    payload = {"split": split, "protocol": to_dict(protocol), "files": sorted(file_hashes.items())}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _track_rows(track: Track, protocol: Protocol, split: str,
                file_hashes: dict[str, str]) -> list[dict[str, Any]]:
    info = validate_track(track, protocol.native_sample_rate)
    audio = {}
    for stem in STEMS:
        data, _, digest = read_audio_hashed(track.stem_path(stem))
        audio[stem] = data
        file_hashes[f"{track.relative}/{stem}.wav"] = digest
    rate = info.sample_rate
    chunk = protocol.chunk_frames(split, rate)
    trim_start, trim_end = trim_bounds(audio["mix"], protocol.trim_top_db)
    starts = chunk_starts(trim_start, trim_end, chunk)
    if not starts:
        return []
    shares, actives = {}, {}
    for stem in STEMS:
        # [channels, time] -> one row per chunk, channels flattened one after the other
        chunks = np.stack([audio[stem][:, s: s + chunk].reshape(-1) for s in starts])
        share, active = activity(chunks, protocol.manifest_min_active, protocol.stft.n_fft,
                                 protocol.stft.hop_length, protocol.stft.threshold)
        shares[stem], actives[stem] = share.numpy(), active.numpy()
    rows = []
    for index, start in enumerate(starts):
        inactive = [stem for stem in STEMS if not actives[stem][index]]
        rows.append({
            "clip_id": clip_id(track.track_id, index), "track_id": track.track_id,
            "folder": track.relative, "chunk": index, "start": start, "frames": chunk,
            "start_s": start / rate, "duration_s": chunk / rate, "sample_rate": rate,
            "trim_start": trim_start, "trim_end": trim_end,
            **{f"share_{stem}": float(shares[stem][index]) for stem in STEMS},
            "split": split, "protocol": protocol.name, "kept": not inactive,
            "drop_reason": f"inactive: {', '.join(inactive)}" if inactive else "",
        })
    return rows


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in (
        ("clip_id", str), ("track_id", str), ("folder", str), ("chunk", "int64"),
        ("start", "int64"), ("frames", "int64"), ("start_s", float), ("duration_s", float),
        ("sample_rate", "int64"), ("trim_start", "int64"), ("trim_end", "int64"),
        *((f"share_{stem}", float) for stem in STEMS), ("split", str), ("protocol", str),
        ("kept", bool), ("drop_reason", str))})


def _paths(cache_dir: Path, split: str, protocol: Protocol, key: str) -> tuple[Path, Path]:
    stem = f"manifest-{split}-{protocol.name}-{key[:20]}"
    return cache_dir / f"{stem}.parquet", cache_dir / f"{stem}.json"


def _load_or_build(root: str | Path, split: str, protocol: str | Protocol,
                   cache_dir: str | Path | None, progress: Progress | None
                   ) -> tuple[pd.DataFrame, dict[str, Any]]:
    check_split(split)
    protocol = get_protocol(protocol)
    tracks = list_tracks(root, protocol.folder(split))
    key = _cache_key(protocol, split, _fingerprint(tracks))
    folder = Path(cache_dir) if cache_dir is not None else manifest_cache_dir(root)
    table_path, meta_path = _paths(folder, split, protocol, key)
    if table_path.is_file() and meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text())
            frame = pd.read_parquet(table_path)
            if meta.get("key") == key and list(frame.columns) == list(COLUMNS):
                return frame, meta
        except (OSError, ValueError):
            pass  # a damaged cache entry is rebuilt
    rows: list[dict[str, Any]] = []
    file_hashes: dict[str, str] = {}
    for track in (progress(tracks) if progress else tracks):
        rows.extend(_track_rows(track, protocol, split, file_hashes))
    frame = pd.DataFrame(rows, columns=list(COLUMNS)) if rows else _empty_frame()
    frame = frame.astype({"kept": bool})
    meta = {"key": key, "version": MANIFEST_VERSION, "split": split, "protocol": protocol.name,
            "folder": protocol.folder(split), "n_tracks": len(tracks),
            "dataset_hash": content_hash(protocol, split, file_hashes), "files": file_hashes}
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_frame(frame, table_path)
    atomic_write_json(meta_path, meta)
    return frame, meta


def build_manifest(root: str | Path, split: str, protocol: str | Protocol,
                   cache_dir: str | Path | None = None, with_dropped: bool = False,
                   progress: Progress | None = None) -> pd.DataFrame:
    """The clips of ``split`` (``val``/``test``) under ``protocol`` (``authors``/``corrected``
    or a ``Protocol``) of the DnR-layout dataset at ``root``; see the module docstring.

    ``cache_dir``: where the cache lives (default ``bench.data.cache.manifest_cache_dir``).
    Raises ``DataError`` for a missing/empty folder, a missing, unreadable or truncated stem,
    or stems of a track that differ in sample rate, channels or length.
    """
    frame, _ = _load_or_build(root, split, protocol, cache_dir, progress)
    if with_dropped:
        return frame.reset_index(drop=True)
    kept = frame[frame["kept"]].drop(columns=["kept", "drop_reason"])
    return kept.reset_index(drop=True)


def dataset_hash(root: str | Path, split: str, protocol: str | Protocol,
                 cache_dir: str | Path | None = None) -> str:
    """The SHA-256 (hex) of the content a split reads under a protocol: every stem file's
    bytes, the split and the protocol. Cached with the manifest (computed once per file state)."""
    _, meta = _load_or_build(root, split, protocol, cache_dir, None)
    return str(meta["dataset_hash"])


def manifest_details(root: str | Path, split: str, protocol: str | Protocol,
                     cache_dir: str | Path | None = None, progress: Progress | None = None
                     ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``(every chunk with kept/drop_reason, cache metadata)``; the metadata holds ``n_tracks``,
    ``folder``, ``dataset_hash`` and the per-file hashes."""
    frame, meta = _load_or_build(root, split, protocol, cache_dir, progress)
    return frame.reset_index(drop=True), meta


def manifest_summary(frame: pd.DataFrame, n_tracks: int | None = None) -> dict[str, Any]:
    """Counts of a manifest with dropped rows (``with_dropped=True``): ``tracks`` (``n_tracks``
    when given, else tracks with a chunk), ``chunks``, ``clips`` (kept), ``hours`` (kept audio),
    ``tracks_without_clips``, ``dropped`` (chunks per reason) and ``dropped_by_stem`` (chunks
    each stem's inactivity removed; a chunk can count for several stems)."""
    has_flags = "kept" in frame
    kept = frame[frame["kept"]] if has_flags else frame
    dropped = frame[~frame["kept"]] if has_flags else frame.iloc[:0]
    tracks = int(n_tracks if n_tracks is not None else frame["track_id"].nunique())
    reasons = dropped["drop_reason"] if has_flags else pd.Series(dtype=str)
    return {
        "tracks": tracks,
        "chunks": int(len(frame)),
        "clips": int(len(kept)),
        "hours": float(kept["duration_s"].sum() / 3600),
        "tracks_without_clips": tracks - int(kept["track_id"].nunique()),
        "dropped": {str(reason): int(n) for reason, n in reasons.value_counts().items()},
        "dropped_by_stem": {stem: int(reasons.str.contains(rf"\b{stem}\b").sum()) for stem in STEMS},
    }

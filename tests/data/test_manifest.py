"""Manifest rules on crafted audio, the two protocols, the cache and the content hash."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import librosa
import pandas as pd
import pytest
import soundfile as sf

import bench.data.manifest as manifest_module
from bench.data.manifest import build_manifest, chunk_starts, dataset_hash, manifest_details, manifest_summary
from sdcodec.core.errors import DataError

from .conftest import SR, noise, three_stems

VAL = 5 * SR


def test_chunk_starts_follow_the_authors_range() -> None:
    assert chunk_starts(100, 100 + 3 * VAL + 7, VAL) == [100, 100 + VAL, 100 + 2 * VAL]
    # a last chunk ending exactly at the trim end is dropped too (exclusive range bound)
    assert chunk_starts(0, 3 * VAL, VAL) == [0, VAL]
    assert chunk_starts(0, VAL, VAL) == []


def test_trim_chunks_and_boundaries_are_exact(make_dnr) -> None:
    stems = three_stems(18.5, seed=1)
    for audio in stems.values():
        audio[:, : SR] = 0          # one second of leading silence in every stem
        audio[:, -SR // 2:] = 0     # and half a second at the end
    root = make_dnr({"cv": {"0007": stems}})
    frame = build_manifest(root, "val", "corrected")
    mix = stems["speech"] + stems["music"] + stems["sfx"]
    _, (trim_start, trim_end) = librosa.effects.trim(mix, top_db=30)  # independent oracle
    assert SR - 2048 <= trim_start <= SR and trim_end > 17 * SR
    expected = list(range(trim_start, trim_end - VAL, VAL))  # 17 s of span: 3 chunks, 2 s left over
    assert len(expected) == 3
    assert frame["start"].tolist() == expected
    assert frame["clip_id"].tolist() == ["0007_0", "0007_1", "0007_2"]
    assert (frame["frames"] == VAL).all() and (frame["duration_s"] == 5.0).all()
    assert frame["start_s"].tolist() == [s / SR for s in expected]
    assert (frame["folder"] == "cv/0007").all() and (frame["track_id"] == "0007").all()
    assert (frame["split"] == "val").all() and (frame["protocol"] == "corrected").all()
    assert frame["trim_start"].iloc[0] == trim_start and frame["trim_end"].iloc[0] == trim_end


def test_chunk_with_a_silent_stem_is_dropped(make_dnr) -> None:
    stems = three_stems(16.0, seed=2)
    stems["sfx"][:, 5 * SR + 2000: 7 * SR + 50_000] = 0  # most of chunk 1 (5 s .. 10 s) silent
    stems["music"][:, 10 * SR + 1000: 15 * SR] = 0       # all of chunk 2
    root = make_dnr({"cv": {"1": stems}})
    full = build_manifest(root, "val", "corrected", with_dropped=True)
    assert full["clip_id"].tolist() == ["1_0", "1_1", "1_2"]
    assert full["kept"].tolist() == [True, False, False]
    assert full["drop_reason"].tolist() == ["", "inactive: sfx", "inactive: music"]
    assert full.loc[1, "share_sfx"] < 0.5 <= full.loc[1, "share_speech"]
    kept = build_manifest(root, "val", "corrected")
    assert kept["clip_id"].tolist() == ["1_0"] and "kept" not in kept
    summary = manifest_summary(full, 1)
    assert summary["clips"] == 1 and summary["chunks"] == 3
    assert summary["dropped_by_stem"] == {"mix": 0, "speech": 0, "music": 1, "sfx": 1}
    assert summary["hours"] == pytest.approx(5 / 3600)


def test_a_stem_active_just_half_the_chunk_is_kept(make_dnr) -> None:
    stems = three_stems(11.0, seed=3)
    stems["speech"][:, int(2.4 * SR): int(4.9 * SR)] = 0  # about half of chunk 0 silent
    root = make_dnr({"cv": {"1": stems}})
    full = build_manifest(root, "val", "corrected", with_dropped=True)
    share = full.loc[0, "share_speech"]
    assert 0.45 < share < 0.6
    assert bool(full.loc[0, "kept"]) == (share >= 0.5)


def test_authors_and_corrected_read_different_test_folders(make_dnr) -> None:
    root = make_dnr({"cv": {"100": three_stems(19.0, seed=4)}, "tt": {"200": three_stems(32.0, seed=5)}})
    authors = build_manifest(root, "test", "authors")
    corrected = build_manifest(root, "test", "corrected")
    assert set(authors["folder"]) == {"cv/100"} and len(authors) == 1   # 19 s: one 10 s chunk
    assert set(corrected["folder"]) == {"tt/200"} and len(corrected) == 3  # 32 s: three
    assert (authors["frames"] == 10 * SR).all()
    assert build_manifest(root, "val", "authors")["clip_id"].tolist() == \
        build_manifest(root, "val", "corrected")["clip_id"].tolist()
    assert dataset_hash(root, "test", "authors") != dataset_hash(root, "test", "corrected")


def test_multichannel_stems_are_tested_flattened(make_dnr) -> None:
    stems = three_stems(11.0, seed=6, channels=2)
    stems["sfx"][1] = 0  # the right channel of sfx is silent: flattened, half the frames are active
    root = make_dnr({"cv": {"1": stems}})
    full = build_manifest(root, "val", "corrected", with_dropped=True)
    assert full.loc[0, "share_sfx"] == pytest.approx(0.5, abs=0.01)


def test_second_call_reads_no_audio(make_dnr, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_dnr({"cv": {"1": three_stems(11.0, seed=7)}})
    first = build_manifest(root, "val", "corrected")
    digest = dataset_hash(root, "val", "corrected")

    def fail(*args, **kwargs):
        raise AssertionError("audio was read on a cache hit")

    monkeypatch.setattr(manifest_module, "read_audio_hashed", fail)
    monkeypatch.setattr(manifest_module, "validate_track", fail)
    pd.testing.assert_frame_equal(build_manifest(root, "val", "corrected"), first)
    assert dataset_hash(root, "val", "corrected") == digest
    # a changed file (new size/mtime) is a cache miss: the reader is called again
    path = root / "cv" / "1" / "music.wav"
    audio, _ = sf.read(path, dtype="float32")
    sf.write(path, audio * 0.5, SR, subtype="FLOAT")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    with pytest.raises(AssertionError, match="audio was read"):
        build_manifest(root, "val", "corrected")


def test_content_hash_follows_the_bytes(make_dnr, tmp_path: Path) -> None:
    layout = {"cv": {"1": three_stems(6.0, seed=8)}}
    one = make_dnr(layout, name="one")
    two = make_dnr(layout, name="two")
    assert dataset_hash(one, "val", "corrected") == dataset_hash(two, "val", "corrected")
    path = two / "cv" / "1" / "sfx.wav"
    audio, _ = sf.read(path, dtype="float32")
    audio[1000] += 0.25
    sf.write(path, audio, SR, subtype="FLOAT")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert dataset_hash(one, "val", "corrected") != dataset_hash(two, "val", "corrected")


def _overwrite_same_size_keeping_mtime(path: Path, how: str) -> None:
    """New audio of the same size in ``path``, its mtime (and atime) put back: in place, or
    written beside it and renamed over it (a new inode)."""
    before = path.stat()
    audio, _ = sf.read(path, dtype="float32")
    time.sleep(0.02)  # past the kernel's timestamp tick, as any real rewrite after a read is
    target = path.with_name("new.wav") if how == "rename" else path
    sf.write(target, -audio[::-1], SR, subtype="FLOAT")
    if how == "rename":
        os.replace(target, path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


@pytest.mark.parametrize("how", ["in place", "rename"])
def test_same_size_rewrite_with_mtime_put_back_is_noticed(make_dnr, tmp_path: Path, how: str) -> None:
    """The cached content hash is never stale: a same-size overwrite whose mtime is restored
    changes the dataset hash, which then equals the hash computed without any cache."""
    root = make_dnr({"cv": {"1": three_stems(11.0, seed=12), "2": three_stems(11.0, seed=13)}})
    cached = dataset_hash(root, "val", "corrected")
    _overwrite_same_size_keeping_mtime(root / "cv" / "2" / "speech.wav", how)
    fresh = dataset_hash(root, "val", "corrected", cache_dir=tmp_path / "fresh-cache")
    assert fresh != cached
    assert dataset_hash(root, "val", "corrected") == fresh
    _, meta = manifest_details(root, "val", "corrected")
    assert meta["files"]["cv/2/speech.wav"] == hashlib.sha256((root / "cv" / "2" / "speech.wav").read_bytes()).hexdigest()


def test_cache_location(make_dnr, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_cache: Path) -> None:
    root = make_dnr({"cv": {"1": three_stems(6.0, seed=9)}})
    build_manifest(root, "val", "corrected")
    assert list((private_cache / "manifests").glob("manifest-val-corrected-*.parquet"))
    monkeypatch.delenv("SDBENCH_CACHE")
    build_manifest(root, "val", "corrected")
    assert list((root / ".sdbench").glob("manifest-val-corrected-*.parquet"))  # beside the data
    own = tmp_path / "own"
    build_manifest(root, "val", "corrected", cache_dir=own)
    assert list(own.glob("*.json"))


def test_track_too_short_for_a_chunk_gives_no_clip(make_dnr) -> None:
    root = make_dnr({"cv": {"1": three_stems(4.0, seed=10), "2": three_stems(6.0, seed=11)}})
    frame, meta = manifest_details(root, "val", "corrected")
    assert frame["track_id"].tolist() == ["2"]
    assert manifest_summary(frame, meta["n_tracks"])["tracks_without_clips"] == 1


# ------------------------------------------------------------------------ bad input


def _bad_root(make_dnr) -> Path:
    return make_dnr({"cv": {"1": three_stems(6.0, seed=12), "2": three_stems(6.0, seed=13)}})


def test_missing_stem(make_dnr) -> None:
    root = _bad_root(make_dnr)
    (root / "cv" / "2" / "music.wav").unlink()
    with pytest.raises(DataError, match="missing stem music.wav") as error:
        build_manifest(root, "val", "corrected")
    assert error.value.path == str(root / "cv" / "2" / "music.wav")


def test_corrupt_and_truncated_stems(make_dnr) -> None:
    root = _bad_root(make_dnr)
    path = root / "cv" / "2" / "speech.wav"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="truncated") as error:
        build_manifest(root, "val", "corrected")
    assert error.value.path == str(path)
    path.write_bytes(b"garbage" * 100)
    with pytest.raises(DataError, match="unreadable") as error:
        build_manifest(root, "val", "corrected")
    assert error.value.path == str(path)


def test_length_mismatch(make_dnr) -> None:
    root = _bad_root(make_dnr)
    sf.write(root / "cv" / "1" / "sfx.wav", noise(5.9)[0], SR, subtype="FLOAT")
    with pytest.raises(DataError, match="length .* differs from mix.wav") as error:
        build_manifest(root, "val", "corrected")
    assert error.value.path.endswith("cv/1/sfx.wav")


def test_sample_rate_mismatch(make_dnr) -> None:
    root = _bad_root(make_dnr)
    sf.write(root / "cv" / "1" / "speech.wav", noise(6.0)[0], 48_000, subtype="FLOAT")
    with pytest.raises(DataError, match="sample rate 48000 Hz differs"):
        build_manifest(root, "val", "corrected")
    for stem in ("mix", "speech", "music", "sfx"):
        sf.write(root / "cv" / "1" / f"{stem}.wav", noise(6.0)[0], 22_050, subtype="FLOAT")
    with pytest.raises(DataError, match="sample rate 22050 Hz, DnR is 44100 Hz"):
        build_manifest(root, "val", "corrected")


def test_empty_and_missing_split_folders(make_dnr, tmp_path: Path) -> None:
    root = _bad_root(make_dnr)
    (root / "tt").mkdir()
    with pytest.raises(DataError, match="empty split folder") as error:
        build_manifest(root, "test", "corrected")
    assert error.value.path == str(root / "tt")
    with pytest.raises(DataError, match="DnR folder tt/ not found"):
        build_manifest(make_dnr({"cv": {"1": three_stems(6.0)}}, name="x"), "test", "corrected")
    with pytest.raises(DataError, match="dataset root not found"):
        build_manifest(tmp_path / "nowhere", "val", "corrected")

"""Corpus manifests: each corpus's folder layout, the cache, source entries, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sdcodec.core.errors import DataError
from bench.train.corpora import (
    CORPORA,
    MANIFEST_COLUMNS,
    cached_manifest_path,
    corpus_manifest,
    load_source,
    read_manifest,
)

from .signals import write, write_dnr


def tone(seconds: float, rate: int) -> np.ndarray:
    return (0.1 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * rate)) / rate)).astype(np.float32)


def make_tree(root: Path, files: dict[str, tuple[float, int]]) -> Path:
    for relative, (seconds, rate) in files.items():
        write(root / relative, tone(seconds, rate), rate)
    return root


LAYOUTS = {
    "dns5-speech": ({
        "datasets_fullband/clean_fullband/read_speech/spk1/a.wav": (1.0, 48_000),
        "datasets_fullband/clean_fullband/vctk_wav48_silence_trimmed/p225/b.wav": (0.5, 48_000),
        "datasets_fullband/clean_fullband/not_used_subset/c.wav": (1.0, 48_000),  # not an authors' subset
        "datasets_fullband/noise_fullband/n.wav": (1.0, 48_000),
    }, {"speech": 2}),
    "dns5-noise": ({
        "datasets_fullband/noise_fullband/door.wav": (1.0, 48_000),
        "datasets_fullband/noise_fullband/sub/fan.wav": (0.7, 16_000),
        "datasets_fullband/clean_fullband/read_speech/a.wav": (1.0, 48_000),
    }, {"sfx": 2}),
    "musan": ({
        "speech/librivox/s1.wav": (1.0, 16_000),
        "music/jamendo/m1.wav": (1.0, 16_000),
        "music/rfm/m2.wav": (0.6, 16_000),
        "noise/free-sound/n1.wav": (1.0, 16_000),
    }, {"speech": 1, "music": 2, "sfx": 1}),
    "wham": ({
        "audio/40na010x_1.9857_01xo031a_-1.9857.wav": (1.0, 48_000),
        "audio/other.wav": (0.4, 48_000),
        "metadata/readme.txt.wav": (0.4, 48_000),  # outside audio/
    }, {"sfx": 2}),
}


@pytest.mark.parametrize("corpus", sorted(LAYOUTS))
def test_layouts_are_recognised(tmp_path, corpus):
    files, expected = LAYOUTS[corpus]
    root = make_tree(tmp_path / corpus, files)
    frame = CORPORA.get(corpus)(root)
    assert list(frame.columns) == list(MANIFEST_COLUMNS)
    assert frame["track"].value_counts().to_dict() == expected
    for row in frame.itertuples():
        relative = Path(row.path).relative_to(root.resolve()).as_posix()
        seconds, rate = files[relative]
        assert row.sample_rate == rate and row.frames == int(seconds * rate)
        assert row.seconds == pytest.approx(seconds, abs=1 / rate)


def test_jamendo_mp3_layout(tmp_path):
    import soundfile

    if "MP3" not in soundfile.available_formats():
        pytest.fail("libsndfile without MP3 support: MTG-Jamendo cannot be read")
    root = tmp_path / "jamendo"
    for folder, name in [("00", "1.mp3"), ("37", "sub/2.mp3")]:
        path = root / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        soundfile.write(str(path), tone(1.0, 44_100), 44_100, format="MP3")
    write(root / "extra" / "3.wav", tone(1.0, 16_000), 16_000)  # not a numbered folder
    frame = CORPORA.get("jamendo")(root)
    assert sorted(Path(p).name for p in frame["path"]) == ["1.mp3", "2.mp3"]
    assert set(frame["track"]) == {"music"} and set(frame["sample_rate"]) == {44_100}


def test_dnr_layout_accepts_root_or_tr_folder(tmp_path):
    root = write_dnr(tmp_path / "dnr", ids=2, seconds=1.0)
    frame = CORPORA.get("dnr")(root)
    assert frame["track"].value_counts().to_dict() == {"speech": 2, "music": 2, "sfx": 2}
    assert not any(p.endswith("mix.wav") for p in frame["path"])
    assert len(CORPORA.get("dnr")(root / "tr")) == 6


@pytest.mark.parametrize("corpus,expected", [
    ("dnr", "tr/<id>"), ("dns5-speech", "clean_fullband"), ("dns5-noise", "noise_fullband"),
    ("jamendo", "00..99"), ("musan", "speech"), ("wham", "audio"),
])
def test_missing_folders_are_clear_errors(tmp_path, corpus, expected):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match=expected):
        CORPORA.get(corpus)(empty if corpus != "dnr" else tmp_path / "absent")


def test_manifest_is_cached_and_refreshed(tmp_path):
    files, _ = LAYOUTS["wham"]
    root = make_tree(tmp_path / "wham", files)
    first = corpus_manifest("wham", root)
    cache = cached_manifest_path("wham", root)
    assert cache.is_file()
    write(root / "audio" / "new.wav", tone(1.0, 48_000), 48_000)
    assert len(corpus_manifest("wham", root)) == len(first)  # from the cache
    assert len(corpus_manifest("wham", root, refresh=True)) == len(first) + 1
    pd.testing.assert_frame_equal(read_manifest(cache), corpus_manifest("wham", root))


def test_source_entries(tmp_path):
    files, _ = LAYOUTS["musan"]
    root = make_tree(tmp_path / "musan", files)
    assert len(load_source(f"musan:{root}", "music")) == 2
    dnr = write_dnr(tmp_path / "dnr", ids=2, seconds=1.0)
    assert len(load_source(str(dnr), "speech")) == 2
    manifest = tmp_path / "manifests" / "m.csv"
    manifest.parent.mkdir()
    frame = corpus_manifest("musan", root)
    frame.assign(path=[str(Path(p).relative_to(tmp_path)) for p in frame["path"]]).assign(
        path=lambda f: "../" + f["path"]).to_csv(manifest, index=False)
    rows = load_source(str(manifest), "speech")
    assert len(rows) == 1 and Path(rows["path"][0]).is_file()
    with pytest.raises(DataError, match="holds no speech files"):
        load_source(f"wham:{make_tree(tmp_path / 'w', LAYOUTS['wham'][0])}", "speech")
    with pytest.raises(DataError, match="not a manifest CSV"):
        load_source("nowhere:/x", "speech")
    bad = tmp_path / "bad.csv"
    bad.write_text("path,track\nx.wav,speech\n")
    with pytest.raises(DataError, match="lacks column"):
        read_manifest(bad)


def test_unreadable_file_is_named(tmp_path):
    root = tmp_path / "wham"
    (root / "audio").mkdir(parents=True)
    (root / "audio" / "broken.wav").write_bytes(b"not audio")
    with pytest.raises(DataError, match="broken.wav"):
        CORPORA.get("wham")(root)


def test_paper_sources_feed_training_batches(tmp_path):
    """The authors' four corpora, each in its own layout (Jamendo as MP3), mixed into batches."""
    import soundfile

    from bench.train.corpora import paper_sources
    from bench.train.data import TrainBatches, TrainDataConfig

    roots = {name: make_tree(tmp_path / name, LAYOUTS[name][0]) for name in ("dns5-speech", "musan", "wham")}
    jamendo = tmp_path / "jamendo" / "05" / "track.mp3"
    jamendo.parent.mkdir(parents=True)
    soundfile.write(str(jamendo), tone(1.5, 44_100), 44_100, format="MP3")
    sources = paper_sources(roots["dns5-speech"], tmp_path / "jamendo", roots["musan"], roots["wham"])
    assert sources["sfx"][0].startswith("dns5-noise:")
    config = TrainDataConfig(sources=sources, segment_seconds=0.5, track_count_probs=(0.0, 0.0, 1.0))
    batches = TrainBatches(config, 4)
    # WHAM!'s 0.4 s file is shorter than the segment and dropped, as the authors do.
    assert {t: len(pool) for t, pool in batches.pools.items()} == {"speech": 3, "music": 3, "sfx": 3}
    assert batches.pools["sfx"].dropped == 1
    batch = batches.batch(0)
    assert batch.present == ("speech", "music", "sfx") and batch.mix.shape == (4, 1, 8000)
    assert all(batch.sources[:, k].abs().amax() > 0 for k in range(3))

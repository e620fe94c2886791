"""check_dataset reports every problem with its file and fix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from bench.data.check import check_dataset

from .conftest import SR, noise, three_stems


def test_every_problem_kind_is_reported(make_dnr, tmp_path: Path) -> None:
    root = make_dnr({
        "tr": {"1": three_stems(2.0, seed=1), "2": three_stems(2.0, seed=2), "3": three_stems(2.0, seed=3)},
        "cv": {"4": three_stems(2.0, seed=4), "5": three_stems(2.0, seed=5)},
    })
    (root / "tt").mkdir()                                            # empty split folder
    (root / "tr" / "1" / "sfx.wav").unlink()                         # missing stem
    (root / "tr" / "2" / "music.wav").write_bytes(b"junk" * 50)       # corrupt
    data = (root / "tr" / "3" / "speech.wav").read_bytes()
    (root / "tr" / "3" / "speech.wav").write_bytes(data[:-4000])      # truncated
    sf.write(root / "cv" / "4" / "sfx.wav", noise(1.5)[0], SR, subtype="FLOAT")      # length
    sf.write(root / "cv" / "4" / "music.wav", noise(2.0)[0], 48_000, subtype="FLOAT")  # rate
    sf.write(root / "cv" / "5" / "speech.wav", np.zeros(2 * SR, np.float32), SR, subtype="FLOAT")  # silent
    problems = check_dataset(root)
    found = {(Path(p.path).relative_to(root).as_posix(), p.kind) for p in problems}
    assert found == {
        ("tt", "empty_folder"),
        ("tr/1/sfx.wav", "missing_stem"),
        ("tr/2/music.wav", "unreadable"),
        ("tr/3/speech.wav", "unreadable"),
        ("cv/4/sfx.wav", "length"),
        ("cv/4/music.wav", "sample_rate"),
        ("cv/5/speech.wav", "silent"),
    }
    assert all(p.fix and str(p).startswith(p.path) for p in problems)
    assert "truncated" in next(p.problem for p in problems if p.path.endswith("tr/3/speech.wav"))
    headers = check_dataset(root, read_audio_data=False)  # no silent-stem test without reading
    assert {p.kind for p in headers} == {k for _, k in found} - {"silent"}


def test_missing_folders_and_root(make_dnr, tmp_path: Path) -> None:
    root = make_dnr({"cv": {"1": three_stems(1.0)}})
    kinds = {(Path(p.path).name, p.kind) for p in check_dataset(root)}
    assert kinds == {("tr", "missing_folder"), ("tt", "missing_folder")}
    assert check_dataset(root, folders=["cv"]) == []
    assert [p.kind for p in check_dataset(tmp_path / "none")] == ["missing_folder"]

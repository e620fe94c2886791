"""``bench data synth|manifest|check`` through ``bench.cli.main``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import bench.data.synth as synth_module
from bench.cli import main
from bench.data.synth import SynthConfig

from .conftest import three_stems


def test_synth_writes_the_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    tiny = SynthConfig(seed=4, train_tracks=1, train_seconds=1.0, val_tracks=1, val_seconds=1.0,
                       test_tracks=1, test_seconds=1.0)
    monkeypatch.setattr(synth_module, "SynthConfig", lambda seed: SynthConfig(**{**tiny.__dict__, "seed": seed}))
    assert main(["data", "synth", "--out", str(tmp_path / "s"), "--seed", "4"]) == 0
    assert "seed 4" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == ["cv", "tr", "tt"]
    assert (tmp_path / "s" / "tt" / "30000" / "mix.wav").is_file()


def test_manifest_summary_and_output(make_dnr, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stems = three_stems(16.0, seed=1)
    stems["sfx"][:, 5 * 44_100: 10 * 44_100] = 0
    root = make_dnr({"cv": {"7": stems}})
    out = tmp_path / "m.csv"
    code = main(["data", "manifest", "--root", str(root), "--split", "val", "--protocol", "authors",
                 "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "clips 2 of 3 chunks from 1 tracks" in text and "reads cv/" in text
    assert "sfx 1" in text and "inactive: sfx" in text
    frame = pd.read_csv(out, dtype={"track_id": str})
    assert frame["clip_id"].tolist() == ["7_0", "7_2"]


def test_manifest_bad_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "cv").mkdir()
    assert main(["data", "manifest", "--root", str(tmp_path), "--split", "val"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "empty split folder" in err and str(tmp_path / "cv") in err
    assert main(["data", "manifest", "--root", str(tmp_path), "--split", "val", "--protocol", "x"]) == 2
    assert "known: authors, corrected" in capsys.readouterr().err


def test_check_exit_status(make_dnr, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_dnr({"tr": {"1": three_stems(1.0)}, "cv": {"2": three_stems(1.0)}, "tt": {"3": three_stems(1.0)}})
    assert main(["data", "check", "--root", str(root)]) == 0
    assert "no problem found" in capsys.readouterr().out
    (root / "cv" / "2" / "speech.wav").unlink()
    assert main(["data", "check", "--root", str(root)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith(str(root / "cv" / "2" / "speech.wav")) and "missing stem" in lines[0]
    assert lines[-1].startswith("1 problem(s)")

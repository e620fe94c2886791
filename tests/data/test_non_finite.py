"""NaN/inf samples in a stem: every read names the file and the first bad sample; ``bench data
check`` reports each such file on its own line; ``bench data manifest`` and ``bench run`` stop
with one line naming the file (no numpy RuntimeWarning, and ``bench run`` before any model is
loaded); clip reading names it too."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import bench.engine.runner as runner_module
from bench.cli import main
from bench.data.audio import NonFiniteAudioError, read_audio, read_audio_hashed
from bench.data.eval_clips import EvalClips
from bench.data.manifest import build_manifest

from .conftest import SR, noise, three_stems


def _spoil(path: Path, positions: dict[int, float]) -> None:
    """Rewrites a FLOAT stem with ``value`` at each frame of ``positions`` (channel 0)."""
    audio, _ = sf.read(path, dtype="float32", always_2d=True)
    for frame, value in positions.items():
        audio[frame, 0] = value
    sf.write(path, audio, SR, subtype="FLOAT")


def test_reads_name_the_count_and_the_first_bad_sample(tmp_path: Path) -> None:
    path = tmp_path / "stem.wav"
    sf.write(path, noise(1.0, channels=2).T, SR, subtype="FLOAT")
    _spoil(path, {4410: np.nan, 8820: np.inf, 9000: -np.inf})
    with pytest.raises(NonFiniteAudioError) as info:
        read_audio(path)
    assert str(info.value) == (f"{path}: 3 NaN/Inf samples (first at 0.100 s, frame 4410, channel 0) "
                               "(replace the file; audio must hold finite samples)")
    with pytest.raises(NonFiniteAudioError, match=r"2 NaN/Inf samples \(first at 0\.200 s, frame 8820"):
        read_audio(path, start=5000, frames=5000)  # positions are the file's, not the slice's
    assert read_audio(path, start=0, frames=4410)[0].shape == (2, 4410)  # the clean part reads
    with pytest.raises(NonFiniteAudioError, match=str(path)):
        read_audio_hashed(path)


@pytest.fixture
def spoiled(make_dnr) -> Path:
    """A DnR root whose test split holds a NaN in one track's speech and an inf in another's sfx."""
    root = make_dnr({"tt": {"1": three_stems(12.0, seed=1), "2": three_stems(12.0, seed=2)}})
    _spoil(root / "tt" / "1" / "speech.wav", {1000: np.nan, 1001: np.nan})
    _spoil(root / "tt" / "2" / "sfx.wav", {300_000: np.inf})
    return root


def test_data_check_reports_each_file_on_one_line(spoiled, capsys) -> None:
    assert main(["data", "check", "--root", str(spoiled), "--folders", "tt"]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith(f"{spoiled / 'tt' / '1' / 'speech.wav'}: 2 NaN/Inf samples")
    assert lines[1].startswith(f"{spoiled / 'tt' / '2' / 'sfx.wav'}: 1 NaN/Inf samples (first at 6.803 s")
    assert lines[2] == f"2 problem(s) in {spoiled}"


def test_manifest_stops_with_one_line_and_no_warning(spoiled, capsys) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status = main(["data", "manifest", "--root", str(spoiled), "--split", "test"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.strip() == f"bench: error: {spoiled / 'tt' / '1' / 'speech.wav'}: 2 NaN/Inf samples " \
                          "(first at 0.023 s, frame 1000, channel 0) (replace the file; audio must hold finite samples)"
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]


def test_run_names_the_file_before_loading_any_model(spoiled, tmp_path, capsys, monkeypatch) -> None:
    def no_models(*args, **kwargs):
        raise AssertionError("models were loaded for data holding NaN")

    monkeypatch.setattr(runner_module, "resolve_models", no_models)
    status = main(["run", "--suite", "resynthesis", "--data", str(spoiled), "--model", "sdcodec-tiny",
                   "--metrics", "si_sdr", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert str(spoiled / "tt" / "1" / "speech.wav") in err and "NaN/Inf" in err


def test_clip_reading_names_the_file(make_dnr) -> None:
    """A stem spoiled after its manifest was built is named when the clip is read."""
    root = make_dnr({"tt": {"1": three_stems(12.0, seed=1)}})
    manifest = build_manifest(root, "test", "corrected")
    assert len(manifest) == 1
    _spoil(root / "tt" / "1" / "music.wav", {int(manifest.loc[0, "start"]) + 5: np.nan})
    with pytest.raises(NonFiniteAudioError, match=str(root / "tt" / "1" / "music.wav")):
        EvalClips(manifest, root)[0]

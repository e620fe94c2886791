"""The Hugging Face adapter, offline, on a local DnR-layout folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from bench.data.hf import load_dnr
from sdcodec.core.errors import DataError


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))


def test_local_folder_as_arrays(synth_root: Path, tmp_path: Path) -> None:
    dataset = load_dnr(synth_root, "test", cache_dir=str(tmp_path / "arrow"))
    assert dataset.num_rows == 2
    assert dataset["track_id"] == ["30000", "30001"] and dataset["folder"] == ["tt/30000", "tt/30001"]
    row = dataset.with_format("numpy")[1]
    assert row["sample_rate"] == 44_100
    for stem in ("mix", "speech", "music", "sfx"):
        expected, _ = sf.read(synth_root / "tt" / "30001" / f"{stem}.wav", dtype="float32")
        assert row[stem].shape == (1, len(expected)) and row[stem].dtype == np.float32
        np.testing.assert_array_equal(row[stem][0], expected)
    assert load_dnr(synth_root, "validation", cache_dir=str(tmp_path / "arrow"))["folder"][0] == "cv/20000"


def test_local_folder_as_paths(synth_root: Path) -> None:
    dataset = load_dnr(synth_root, "tt", arrays=False)
    assert dataset.features["speech"].decode is False
    assert dataset[0]["speech"]["path"] == str(synth_root / "tt" / "30000" / "speech.wav")


def test_errors_are_data_errors(tmp_path: Path, synth_root: Path) -> None:
    with pytest.raises(DataError, match="unknown split"):
        load_dnr(synth_root, "dev")
    with pytest.raises(DataError, match="no tr/, cv/ or tt/"):
        load_dnr(tmp_path, "test")
    with pytest.raises(DataError, match="not a Hub id"):
        load_dnr(tmp_path / "missing" / "deeper", "test")
    with pytest.raises(DataError, match="cannot load from the Hub"):
        load_dnr("someone/not-a-dataset", "test")  # offline: fails fast, in one line

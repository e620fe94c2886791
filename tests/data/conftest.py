"""Fixtures: crafted DnR-layout folders with known content, a small synthetic set, a private cache."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from bench.data.synth import SynthConfig, write_synthetic_dnr

SR = 44_100

#: A small synthetic set: a few tracks per folder, long enough for 2 test and 4 val chunks.
SMALL_SYNTH = SynthConfig(seed=3, train_tracks=2, train_seconds=3.0, val_tracks=2,
                          val_seconds=22.0, test_tracks=2, test_seconds=22.0)


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test caches (manifests, synthetic sets) in its own folder, never in the home."""
    path = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("SDBENCH_CACHE", str(path))
    return path


def noise(seconds: float, level: float = 0.1, seed: int = 0, channels: int = 1) -> np.ndarray:
    """White noise ``[channels, frames]`` at 44.1 kHz (always active for the STFT test)."""
    rng = np.random.default_rng(seed)
    return (level * rng.standard_normal((channels, int(round(seconds * SR))))).astype(np.float32)


def write_track(root: Path, folder: str, track_id: str, stems: dict[str, np.ndarray],
                mix: np.ndarray | None = None, subtype: str = "FLOAT", rate: int = SR) -> Path:
    """Writes one track folder; ``mix`` defaults to the sum of the stems."""
    path = root / folder / track_id
    path.mkdir(parents=True, exist_ok=True)
    if mix is None:
        mix = stems["speech"] + stems["music"] + stems["sfx"]
    for name, audio in {"mix": mix, **stems}.items():
        sf.write(path / f"{name}.wav", np.asarray(audio).T, rate, subtype=subtype)
    return path


@pytest.fixture
def make_dnr(tmp_path: Path) -> Callable[..., Path]:
    """``make_dnr({folder: {track_id: {stem: audio}}})`` writes a crafted DnR root."""

    def make(layout: dict[str, dict[str, dict[str, np.ndarray]]], name: str = "dnr") -> Path:
        root = tmp_path / name
        for folder, tracks in layout.items():
            (root / folder).mkdir(parents=True, exist_ok=True)
            for track_id, stems in tracks.items():
                write_track(root, folder, track_id, stems)
        return root

    return make


def three_stems(seconds: float, seed: int = 0, channels: int = 1) -> dict[str, np.ndarray]:
    return {"speech": noise(seconds, 0.1, seed, channels), "music": noise(seconds, 0.05, seed + 1, channels),
            "sfx": noise(seconds, 0.07, seed + 2, channels)}


@pytest.fixture(scope="session")
def synth_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``SMALL_SYNTH`` written once per test session."""
    return write_synthetic_dnr(tmp_path_factory.mktemp("synth"), SMALL_SYNTH, workers=1)

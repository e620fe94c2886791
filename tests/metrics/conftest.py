"""Fixtures: synthetic speech-like and noise signals, and DAC's loss classes as an oracle."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

ORACLES = Path(__file__).resolve().parents[1] / "oracles"


def speech_like(seconds: float, sample_rate: int, seed: int = 0) -> np.ndarray:
    """A voiced, syllabic test signal ``[time]`` (float64, peak about 0.5): harmonics of a gliding
    100-220 Hz fundamental, 4 Hz syllable envelope, a pause every second, a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    f0 = 160 + 60 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6))
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    voiced = sum(np.sin(k * phase) / k for k in range(1, 20) if k * 220 < sample_rate / 2)
    envelope = np.clip(np.sin(2 * np.pi * 4 * t + rng.uniform(0, 6)), 0, None) ** 2
    envelope *= (t % 1.0) < 0.75  # a pause every second
    signal = voiced * envelope + 0.003 * rng.standard_normal(t.size)
    return 0.5 * signal / np.abs(signal).max()


@pytest.fixture(scope="session")
def speech():
    """``speech(seconds, sample_rate, seed=0)``: see ``speech_like``."""
    return speech_like


@pytest.fixture(scope="session")
def dac_losses():
    """DAC's ``dac/nn/loss.py`` (installed package) loaded on its own, with the audiotools
    stand-in of tests/oracles (the real audiotools imports torchaudio)."""
    if str(ORACLES) not in sys.path:
        sys.path.insert(0, str(ORACLES))
    spec = importlib.util.find_spec("dac")
    assert spec is not None and spec.submodule_search_locations, "descript-audio-codec missing"
    path = Path(spec.submodule_search_locations[0]) / "nn" / "loss.py"
    module_spec = importlib.util.spec_from_file_location("dac_nn_loss_oracle", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module

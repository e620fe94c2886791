"""Short test signals (speech-, music- and noise-like) and a writer of fake DnR folders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from sdcodec.core.constants import TRACKS


def speech_like(seconds: float, rate: int, seed: int) -> np.ndarray:
    """Voiced syllables: a harmonic series on a gliding pitch, gated at ~4 Hz with short pauses."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    pitch = 120 + 40 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6))
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    voiced = sum(np.sin(k * phase) / k for k in range(1, 12))
    syllables = np.clip(np.sin(2 * np.pi * 4.0 * t + rng.uniform(0, 6)), 0, None) ** 2
    return (0.2 * voiced * syllables + 0.003 * rng.standard_normal(t.size)).astype(np.float32)


def music_like(seconds: float, rate: int, seed: int) -> np.ndarray:
    """A few sustained partials of a chord, slowly modulated."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    freqs = rng.choice([220.0, 277.2, 329.6, 440.0, 554.4], size=3, replace=False)
    tone = sum(np.sin(2 * np.pi * f * t) * (1 + 0.3 * np.sin(2 * np.pi * 0.5 * t)) for f in freqs)
    return (0.1 * tone).astype(np.float32)


def noise_like(seconds: float, rate: int, seed: int) -> np.ndarray:
    """Noise bursts (sound-effect-like) over a low noise floor."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    envelope = np.repeat(rng.uniform(0.01, 1.0, size=n // 800 + 1), 800)[:n]
    return (0.1 * envelope * rng.standard_normal(n)).astype(np.float32)


SIGNALS = {"speech": speech_like, "music": music_like, "sfx": noise_like}


def write(path: Path, audio: np.ndarray, rate: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), audio, rate)
    return path


def write_dnr(root: Path, ids: int = 4, seconds: float = 3.0, rate: int = 16_000, silent: tuple[str, ...] = ()) -> Path:
    """``root/tr/<id>/{speech,music,sfx,mix}.wav``; tracks in ``silent`` are all zeros. The music
    of odd ids is stereo at 44.1 kHz (downmix and resampling are exercised)."""
    for i in range(ids):
        folder = root / "tr" / f"{1000 + i}"
        stems = {}
        for k, track in enumerate(TRACKS):
            if track == "music" and i % 2:
                left = music_like(seconds, 44_100, 10 * i + k)
                stereo = np.stack([left, 0.5 * left], axis=1)
                write(folder / f"{track}.wav", stereo, 44_100)
                continue
            audio = SIGNALS[track](seconds, rate, 10 * i + k)
            if track in silent:
                audio = np.zeros_like(audio)
            stems[track] = audio
            write(folder / f"{track}.wav", audio, rate)
        write(folder / "mix.wav", sum(stems.values()), rate)
    return root

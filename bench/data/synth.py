"""A built-in synthetic DnR-like dataset, so that everything runs without downloading DnR.

``write_synthetic_dnr(out_dir, config)`` writes ``tr/``, ``cv/`` and ``tt/`` in DnR's layout
(one folder per track id holding ``mix.wav``, ``speech.wav``, ``music.wav``, ``sfx.wav``; 16-bit
PCM at 44.1 kHz, mono). Each stem imitates its DnR source:

- speech: utterances of syllables separated by pauses (digital silence); voiced syllables are a
  band-limited glottal pulse train (speaker pitch, declination and jitter) through three
  cascaded formant resonators gliding from one vowel to the next; some syllables are
  unvoiced fricatives (high-passed noise); syllable-rate (3-6 Hz) envelopes;
- music: a chord progression (sustained three-note chords) plus a rhythmic bass on the beats
  and plucked melody notes on eighth notes (with rests), harmonic wavetable tones with
  attack/decay envelopes; now and then the music stops for a few seconds;
- sfx: events (decaying impulses, band-passed noise bursts, chirps, beeps) with silent gaps.

Every track starts and ends with a short silence in all stems (so that the 30 dB trim has
something to do), and some tracks hold a long speech/sfx/music gap, so most chunks pass the
protocol's activity rules and a few do not, as with real data. Stems are scaled to DnR's
loudness targets (speech -17, music -24, sfx -21 LUFS, each drawn uniformly within
``loudness_spread`` dB; measured with pyloudnorm's ITU-R BS.1770 meter), the track is scaled
down when the mixture would peak above ``peak_limit``, the stems are quantized to 16 bits and
the mixture is their exact sum. The output is deterministic for a seed: the same bytes every
time (each track has its own random stream, so tracks can be written in any order).

``default_synth_root()`` writes ``SynthConfig()`` once into the cache and returns its folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import sosfilt

from sdcodec.core.dataclass_json import config_hash
from sdcodec.core.constants import DNR_SAMPLE_RATE, TRACKS
from bench.data.cache import cache_root
from sdcodec.core.errors import DataError

#: Bumped when the generator changes on purpose. The cache key also holds ``generator_hash()``,
#: so that a set cached by an older generator is never reused (version 1 was reused that way
#: after a change of the speech renderer, and models were trained on stale audio).
SYNTH_VERSION = 2

_TABLE_SIZE = 4096  # a power of two: phases wrap with a bit mask
_SPEECH_RATE = 16_000
_MARKER = ".complete"


@dataclass(frozen=True)
class SynthConfig:
    """What ``write_synthetic_dnr`` writes. ``*_tracks``: track folders per DnR folder;
    ``*_seconds``: length of each track (seconds). Loudness targets in LUFS, drawn uniformly
    within ``loudness_spread`` dB; ``peak_limit``: largest mixture peak (linear, full scale 1).

    The default (tr 40 x 12 s, cv 6 x 25 s, tt 6 x 25 s: 13 minutes of audio, 4 stems) gives
    about 12 test clips of 10 s and 24 val clips of 5 s (a few are dropped by the activity
    rules), enough to train tiny models and to run every suite on CPU in minutes."""

    seed: int = 0
    sample_rate: int = DNR_SAMPLE_RATE
    train_tracks: int = 40
    train_seconds: float = 12.0
    val_tracks: int = 6
    val_seconds: float = 25.0
    test_tracks: int = 6
    test_seconds: float = 25.0
    speech_lufs: float = -17.0
    music_lufs: float = -24.0
    sfx_lufs: float = -21.0
    loudness_spread: float = 2.0
    peak_limit: float = 0.95

    def folders(self) -> dict[str, tuple[int, float]]:
        """``{folder: (tracks, seconds)}`` for ``tr``, ``cv`` and ``tt``."""
        return {"tr": (self.train_tracks, self.train_seconds),
                "cv": (self.val_tracks, self.val_seconds),
                "tt": (self.test_tracks, self.test_seconds)}

    def target_lufs(self, track: str) -> float:
        return {"speech": self.speech_lufs, "music": self.music_lufs, "sfx": self.sfx_lufs}[track]


# ----------------------------------------------------------------------------- primitives


def _harmonic_table(amplitudes: np.ndarray) -> np.ndarray:
    """One period (``_TABLE_SIZE`` samples) of a sum of harmonics with ``amplitudes``."""
    phase = np.arange(_TABLE_SIZE) / _TABLE_SIZE
    k = np.arange(1, len(amplitudes) + 1)[:, None]
    table = (amplitudes[:, None] * np.sin(2 * np.pi * k * phase[None, :])).sum(axis=0)
    return (table / np.abs(table).max()).astype(np.float32)


_GLOTTAL = _harmonic_table(1.0 / np.arange(1, 41) ** 1.2)   # bright pulse-like source, 40 harmonics
_TONE = _harmonic_table(np.array([1.0, 0.5, 0.33, 0.2, 0.12, 0.08]))  # mellow instrument


def _wavetable(table: np.ndarray, phase: np.ndarray) -> np.ndarray:
    """``table`` read at ``phase`` (cycles, >= 0) without interpolation."""
    index = (phase * _TABLE_SIZE).astype(np.int64)
    np.bitwise_and(index, _TABLE_SIZE - 1, out=index)
    return table[index]


def _tone(freq: float, n: int, sr: int, start_phase: float = 0.0) -> np.ndarray:
    index = (np.arange(n) * (freq * _TABLE_SIZE / sr) + start_phase * _TABLE_SIZE).astype(np.int64)
    np.bitwise_and(index, _TABLE_SIZE - 1, out=index)
    return _TONE[index]


def _resonator_sos(freq: np.ndarray, bandwidth: np.ndarray, sr: int) -> np.ndarray:
    """Second-order band-pass sections (unit peak gain) at ``freq`` Hz with ``bandwidth`` Hz."""
    w0 = 2 * np.pi * freq / sr
    alpha = np.sin(w0) * np.sinh(np.log(2) / 2 * (bandwidth / freq) * w0 / np.sin(w0))
    a0 = 1 + alpha
    sos = np.zeros((len(freq), 6))
    sos[:, 0], sos[:, 2] = alpha / a0, -alpha / a0
    sos[:, 3], sos[:, 4], sos[:, 5] = 1.0, -2 * np.cos(w0) / a0, (1 - alpha) / a0
    return sos


def _raised_envelope(n: int, attack: int, release: int) -> np.ndarray:
    env = np.ones(n, dtype=np.float32)
    attack, release = min(attack, n // 2), min(release, n // 2)
    if attack:
        env[:attack] = np.sin(0.5 * np.pi * np.arange(attack) / attack) ** 2
    if release:
        env[n - release:] = np.cos(0.5 * np.pi * np.arange(release) / release) ** 2
    return env


def _decay(n: int, sr: int, seconds: float) -> np.ndarray:
    return np.exp(-np.arange(n) / (seconds * sr)).astype(np.float32)


# ----------------------------------------------------------------------------- sources

_VOWELS = np.array([  # F1, F2, F3 in Hz: a, e, i, o, u, schwa
    [730, 1090, 2440], [530, 1840, 2480], [270, 2290, 3010],
    [570, 840, 2410], [300, 870, 2240], [500, 1500, 2500]], dtype=np.float64)


def _speech(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    """Speech rendered at 16 kHz (DnR's speech comes from 16 kHz LibriSpeech, so it holds
    nothing above 8 kHz) and resampled to ``sr`` with soxr."""
    import soxr

    inner = _SPEECH_RATE if sr > _SPEECH_RATE else sr
    speech = _speech_at(rng, int(np.ceil(n * inner / sr)), inner)
    if inner != sr:
        speech = soxr.resample(speech, inner, sr, quality="HQ")
    out = np.zeros(n, dtype=np.float32)
    out[: min(n, len(speech))] = speech[:n]
    return out


def _speech_at(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    out = np.zeros(n, dtype=np.float32)
    base_f0 = rng.uniform(95, 230)
    t = int(rng.uniform(0.0, 0.4) * sr)
    long_gap = rng.random() < 0.3  # one long silence in some tracks
    while t < n:
        utterance = int(rng.uniform(1.5, 5.0) * sr)
        end = min(n, t + utterance)
        pos = t
        while pos < end:
            length = min(end - pos, int(rng.uniform(0.12, 0.32) * sr))
            if length < 64:
                break
            if rng.random() < 0.8:
                syllable = _voiced_syllable(rng, length, sr, base_f0, (pos - t) / max(1, utterance))
                level = rng.uniform(0.08, 0.15)
            else:  # fricatives are 10-20 dB below vowels
                syllable = _fricative(rng, length, sr)
                level = rng.uniform(0.01, 0.03)
            out[pos: pos + length] = syllable * (level / max(1e-9, float(np.sqrt(np.mean(syllable ** 2)))))
            pos += length
        pause = rng.uniform(3.0, 5.0) if long_gap and rng.random() < 0.25 else rng.uniform(0.15, 0.7)
        long_gap = long_gap and pause < 3.0
        t = end + int(pause * sr)
    return out


def _voiced_syllable(rng: np.random.Generator, n: int, sr: int, base_f0: float,
                     progress: float) -> np.ndarray:
    f0_start = base_f0 * (1.1 - 0.2 * progress) * rng.uniform(0.92, 1.08)
    f0_end = f0_start * rng.uniform(0.9, 1.1)
    f0 = np.linspace(f0_start, f0_end, n) * (1 + 0.01 * rng.standard_normal(n).cumsum() / np.sqrt(n))
    source = _wavetable(_GLOTTAL, np.cumsum(f0) / sr + rng.random())
    source += 0.02 * rng.standard_normal(n).astype(np.float32)  # breath
    vowel_a, vowel_b = _VOWELS[rng.integers(len(_VOWELS), size=2)] * rng.uniform(0.9, 1.1, size=(2, 3))
    bandwidth = np.array([90.0, 140.0, 220.0])
    start = sosfilt(_resonator_sos(vowel_a, bandwidth, sr), source)
    stop = sosfilt(_resonator_sos(vowel_b, bandwidth, sr), source)
    glide = np.linspace(0.0, 1.0, n)
    env = _raised_envelope(n, int(0.3 * n), int(0.35 * n))
    return ((1 - glide) * start + glide * stop).astype(np.float32) * env


def _fricative(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    noise = rng.standard_normal(n + 1).astype(np.float32)
    hiss = noise[1:] - rng.uniform(0.3, 0.9) * noise[:-1]  # first-order high-pass tilt
    return 0.15 * hiss * _raised_envelope(n, n // 4, n // 3)


def _music(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    out = np.zeros(n, dtype=np.float32)
    beat = int(60.0 / rng.uniform(80, 140) * sr)
    root = int(rng.integers(45, 57))  # MIDI note of the key
    progression = [[0, 4, 7], [5, 9, 12], [7, 11, 14], [9, 12, 16]]  # I IV V vi
    scale = np.array([0, 2, 4, 5, 7, 9, 11, 12, 14, 16])
    stop = (int(rng.uniform(0.3, 0.7) * n), int(rng.uniform(2.0, 4.0) * sr)) if rng.random() < 0.25 else (n, 0)

    def hz(midi: float) -> float:
        return 440.0 * 2 ** ((midi - 69) / 12)

    bar = 4 * beat
    for b0 in range(0, n, bar):
        length = min(bar, n - b0)
        chord = progression[int(rng.integers(len(progression)))]
        env = _raised_envelope(length, int(0.05 * sr), int(0.1 * sr))
        for interval in chord:
            out[b0: b0 + length] += 0.18 * _tone(hz(root + 12 + interval), length, sr, rng.random()) * env
        for k in range(4):  # bass on the beats
            s = b0 + k * beat
            if s >= n:
                break
            m = min(beat, n - s)
            out[s: s + m] += 0.35 * _tone(hz(root - 12 + chord[0]), m, sr) * _decay(m, sr, 0.25) \
                * _raised_envelope(m, 64, min(m // 4, 2000))
        for k in range(8):  # plucked melody on eighths, some rests
            s = b0 + k * beat // 2
            if s >= n or rng.random() < 0.3:
                continue
            m = min(beat // 2, n - s)
            note = root + 12 + int(scale[rng.integers(len(scale))])
            out[s: s + m] += 0.25 * _tone(hz(note), m, sr) * _decay(m, sr, 0.12) \
                * _raised_envelope(m, 32, min(m // 4, 1000))
    out[stop[0]: stop[0] + stop[1]] = 0.0
    return out


def _sfx_event(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    kind = int(rng.integers(4))
    if kind == 0:  # impact: a decaying, resonant noise burst
        noise = rng.standard_normal(n)
        sos = _resonator_sos(np.array([rng.uniform(150, 3000)]), np.array([rng.uniform(100, 800)]), sr)
        return (3.0 * sosfilt(sos, noise)).astype(np.float32) * _decay(n, sr, rng.uniform(0.02, 0.15))
    if kind == 1:  # band-passed noise burst (wind, rain, engine)
        noise = rng.standard_normal(n)
        sos = _resonator_sos(np.array([rng.uniform(300, 5000)]), np.array([rng.uniform(500, 3000)]), sr)
        wobble = 1 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.5, 6) * np.arange(n) / sr)
        return (sosfilt(sos, noise) * wobble).astype(np.float32) * _raised_envelope(n, n // 5, n // 4)
    if kind == 2:  # chirp
        f_start, f_end = rng.uniform(200, 3000, size=2)
        time = np.arange(n) / sr
        phase = f_start * time + (f_end - f_start) * time ** 2 / (2 * n / sr)
        return 0.5 * np.sin(2 * np.pi * phase).astype(np.float32) * _raised_envelope(n, n // 10, n // 5)
    beep = _tone(rng.uniform(500, 2000), n, sr)  # beep / alarm
    gate = np.where(np.sin(2 * np.pi * rng.uniform(2, 8) * np.arange(n) / sr) > -0.2, 1.0, 0.05)
    return 0.4 * beep * gate.astype(np.float32) * _raised_envelope(n, 200, 400)


def _sfx(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    out = np.zeros(n, dtype=np.float32)
    t = int(rng.uniform(0.0, 0.5) * sr)
    long_gap = rng.random() < 0.3
    while t < n:
        length = min(n - t, int(rng.uniform(0.5, 3.0) * sr))
        if length > 64:
            out[t: t + length] += _sfx_event(rng, length, sr)
        gap = rng.uniform(2.5, 4.0) if long_gap and rng.random() < 0.3 else rng.uniform(0.05, 0.4)
        long_gap = long_gap and gap < 2.5
        t += length + int(gap * sr)
    return out


_SOURCES = {"speech": _speech, "music": _music, "sfx": _sfx}


# ----------------------------------------------------------------------------- writing


def _loudness(meter, audio: np.ndarray) -> float:
    with np.errstate(divide="ignore"):
        return float(meter.integrated_loudness(audio.astype(np.float64)))


def synth_track(config: SynthConfig, folder: str, index: int, seconds: float) -> dict[str, np.ndarray]:
    """The stems of one synthetic track as int16 arrays ``[time]`` (``mix`` = exact sum)."""
    import pyloudnorm

    folder_index = ("tr", "cv", "tt").index(folder)
    rng = np.random.default_rng(np.random.SeedSequence([config.seed, folder_index, index]))
    sr = config.sample_rate
    n = int(round(seconds * sr))
    lead, tail = (int(rng.uniform(0.1, 0.8) * sr) for _ in range(2))
    meter = pyloudnorm.Meter(sr)
    stems = {}
    for track in TRACKS:
        audio = _SOURCES[track](np.random.default_rng(rng.integers(2**63)), n, sr)
        audio[:lead] = 0.0
        audio[n - tail:] = 0.0
        loudness = _loudness(meter, audio)
        target = config.target_lufs(track) + rng.uniform(-config.loudness_spread, config.loudness_spread)
        gain = 10 ** ((target - loudness) / 20) if np.isfinite(loudness) else 0.0
        stems[track] = audio.astype(np.float64) * gain
    peak = np.abs(sum(stems.values())).max()
    scale = config.peak_limit / peak if peak > config.peak_limit else 1.0
    quantized = {t: np.clip(np.round(a * scale * 32768), -32768, 32767).astype(np.int16)
                 for t, a in stems.items()}
    mix = sum(q.astype(np.int32) for q in quantized.values())
    return {"mix": np.clip(mix, -32768, 32767).astype(np.int16), **quantized}


def _track_id(folder: str, index: int) -> str:
    return f"{('tr', 'cv', 'tt').index(folder) + 1}{index:04d}"


def _write_track(out: Path, config: SynthConfig, folder: str, index: int, seconds: float) -> None:
    track_dir = out / folder / _track_id(folder, index)
    track_dir.mkdir(parents=True, exist_ok=True)
    for stem, audio in synth_track(config, folder, index, seconds).items():
        sf.write(track_dir / f"{stem}.wav", audio, config.sample_rate, subtype="PCM_16")


def write_synthetic_dnr(out_dir: str | Path, config: SynthConfig = SynthConfig(),
                        workers: int | None = None) -> Path:
    """Writes the synthetic dataset of ``config`` under ``out_dir`` (``tr/``, ``cv/``, ``tt/``)
    and returns ``out_dir``. Track ids are numbers as in DnR (``1xxxx`` for tr, ``2xxxx`` for
    cv, ``3xxxx`` for tt). Existing files are overwritten.

    ``workers``: processes writing tracks in parallel (default: the CPU count, at most 8, and
    1 for sets under two minutes of audio); the bytes written do not depend on it."""
    out = Path(out_dir)
    jobs = [(folder, index, seconds) for folder, (count, seconds) in config.folders().items()
            for index in range(count)]
    total_seconds = sum(seconds for _, _, seconds in jobs)
    if workers is None:
        workers = 1 if total_seconds < 120 else min(8, os.cpu_count() or 1)
    workers = max(1, min(workers, len(jobs)))
    if workers == 1:
        for job in jobs:
            _write_track(out, config, *job)
        return out
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from bench.util.lifetime import die_with_parent

    # spawn: the children never inherit the parent's threads (torch, pytest) mid-lock; they end
    # with this process even when it is killed
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        for future in [pool.submit(_write_track, out, config, *job) for job in jobs]:
            future.result()
    return out


def generator_hash() -> str:
    """First 8 hex digits of the SHA-256 of this module's source: the generator's identity."""
    import hashlib

    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:8]


def default_synth_root(config: SynthConfig = SynthConfig()) -> Path:
    """The cached synthetic dataset of ``config``
    (``<cache>/synth/dnr-synth-v<version>-<generator hash>-<config hash>``), written
    on first use. Safe when processes race: each writes a temporary folder and renames it."""
    parent = cache_root() / "synth"
    target = parent / f"dnr-synth-v{SYNTH_VERSION}-{generator_hash()}-{config_hash(config)}"
    if (target / _MARKER).is_file():
        return target
    try:
        parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=".writing-", dir=parent))
    except OSError as error:
        raise DataError(parent, f"cannot write the synthetic dataset ({error.strerror})",
                        "set SDBENCH_CACHE to a writable folder") from None
    try:
        write_synthetic_dnr(temp, config)
        (temp / _MARKER).write_text("ok\n")
        try:
            os.rename(temp, target)
        except OSError:
            if not (target / _MARKER).is_file():  # neither ours nor a complete one: replace it
                shutil.rmtree(target, ignore_errors=True)
                os.rename(temp, target)
    finally:
        if temp.exists():
            shutil.rmtree(temp, ignore_errors=True)
    return target

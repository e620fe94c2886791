"""The synthetic DnR-like set: layout, determinism, exact mixture, loudness, activity, caching."""

from __future__ import annotations

import filecmp
import threading
from pathlib import Path

import numpy as np
import pyloudnorm
import soundfile as sf

from bench.data.check import check_dataset
from bench.data.manifest import manifest_details, manifest_summary
from bench.data.synth import SynthConfig, default_synth_root, write_synthetic_dnr

from .conftest import SMALL_SYNTH

TINY = SynthConfig(seed=1, train_tracks=1, train_seconds=2.0, val_tracks=1, val_seconds=2.0,
                   test_tracks=1, test_seconds=2.0)


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.wav"))


def test_layout_format_and_clean_check(synth_root: Path) -> None:
    files = _files(synth_root)
    assert len(files) == 4 * (2 + 2 + 2)
    assert "tt/30001/sfx.wav" in files and "cv/20000/mix.wav" in files and "tr/10001/speech.wav" in files
    info = sf.info(synth_root / "tt" / "30000" / "mix.wav")
    assert (info.samplerate, info.channels, info.subtype, info.frames) == (44_100, 1, "PCM_16", 22 * 44_100)
    assert check_dataset(synth_root) == []


def test_same_bytes_for_a_seed_and_different_for_another(tmp_path: Path) -> None:
    one = write_synthetic_dnr(tmp_path / "one", TINY, workers=1)
    two = write_synthetic_dnr(tmp_path / "two", TINY, workers=2)  # parallel writing: same bytes
    other = write_synthetic_dnr(tmp_path / "other", SynthConfig(**{**TINY.__dict__, "seed": 2}), workers=1)
    assert _files(one) == _files(two) == _files(other)
    for name in _files(one):
        assert filecmp.cmp(one / name, two / name, shallow=False), name
    assert not filecmp.cmp(one / "cv/20000/speech.wav", other / "cv/20000/speech.wav", shallow=False)


def test_mixture_is_the_exact_sum_and_loudness_is_on_target(synth_root: Path) -> None:
    meter = pyloudnorm.Meter(44_100)
    for track_dir in sorted((synth_root / "tt").iterdir()):
        audio = {s: sf.read(track_dir / f"{s}.wav", dtype="int16")[0].astype(np.int32)
                 for s in ("mix", "speech", "music", "sfx")}
        np.testing.assert_array_equal(audio["mix"], audio["speech"] + audio["music"] + audio["sfx"])
        assert np.abs(audio["mix"]).max() <= 0.95 * 32768 + 1
        for stem, target in (("speech", -17.0), ("music", -24.0), ("sfx", -21.0)):
            lufs = meter.integrated_loudness(audio[stem] / 32768.0)
            # target +/- 2 dB spread; a peak-limited track may sit a little lower
            assert target - 2.0 - 3.0 <= lufs <= target + 2.0 + 0.1, (track_dir.name, stem, lufs)


def test_sources_look_like_their_dnr_counterparts(synth_root: Path) -> None:
    speech, rate = sf.read(synth_root / "cv" / "20000" / "speech.wav", dtype="float32")
    sfx, _ = sf.read(synth_root / "cv" / "20000" / "sfx.wav", dtype="float32")
    music, _ = sf.read(synth_root / "cv" / "20000" / "music.wav", dtype="float32")
    spectrum = np.abs(np.fft.rfft(speech)) ** 2
    freqs = np.fft.rfftfreq(len(speech), 1 / rate)
    assert spectrum[freqs > 8500].sum() < 1e-4 * spectrum.sum()  # speech is band-limited (16 kHz source)
    assert spectrum[(freqs > 300) & (freqs < 3000)].sum() > 0.5 * spectrum.sum()  # formant region
    body = slice(rate, len(speech) - rate)  # away from the lead/tail silence
    for stem, min_zero, max_zero in ((speech, 0.05, 0.5), (sfx, 0.02, 0.5), (music, 0.0, 0.3)):
        silent = np.mean(stem[body] == 0)  # pauses and gaps are digital silence
        assert min_zero <= silent <= max_zero
    assert speech[:2000].max() == 0 and music[-2000:].max() == 0  # lead and tail silence


def test_most_chunks_pass_the_protocol(synth_root: Path) -> None:
    chunks = clips = 0
    for split, per_track in (("val", 4), ("test", 2)):  # 22 s tracks, about 1 s trimmed
        frame, meta = manifest_details(synth_root, split, "corrected")
        summary = manifest_summary(frame, meta["n_tracks"])
        assert summary["chunks"] == per_track * 2 and summary["clips"] >= 1
        chunks, clips = chunks + summary["chunks"], clips + summary["clips"]
    assert clips >= 0.6 * chunks


def test_default_root_is_written_once_and_races_are_safe(private_cache: Path) -> None:
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(default_synth_root(TINY))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and results[0] == results[1]
    root = results[0]
    assert root.parent == private_cache / "synth" and (root / ".complete").is_file()
    assert len(_files(root)) == 12
    assert not [p for p in root.parent.iterdir() if p.name.startswith(".writing-")]
    stamp = (root / "cv" / "20000" / "mix.wav").stat().st_mtime_ns
    assert default_synth_root(TINY) == root
    assert (root / "cv" / "20000" / "mix.wav").stat().st_mtime_ns == stamp  # reused, not rewritten


def test_default_config_size() -> None:
    config = SynthConfig()
    assert config.folders() == {"tr": (40, 12.0), "cv": (6, 25.0), "tt": (6, 25.0)}
    assert SMALL_SYNTH.sample_rate == config.sample_rate == 44_100

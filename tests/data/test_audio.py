"""Reading audio: shapes, offsets, and one DataError naming the file for every bad file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from bench.data.audio import audio_info, read_audio, read_audio_hashed
from sdcodec.core.errors import DataError


@pytest.fixture
def wav(tmp_path: Path) -> tuple[Path, np.ndarray]:
    data = np.random.default_rng(0).uniform(-0.5, 0.5, (2, 1000)).astype(np.float32)
    path = tmp_path / "a.wav"
    sf.write(path, data.T, 44100, subtype="FLOAT")
    return path, data


def test_reads_channels_first_and_slices(wav) -> None:
    path, data = wav
    audio, rate = read_audio(path)
    assert rate == 44100 and audio.dtype == np.float32 and audio.shape == (2, 1000)
    np.testing.assert_array_equal(audio, data)
    part, _ = read_audio(path, start=100, frames=250)
    np.testing.assert_array_equal(part, data[:, 100:350])
    info = audio_info(path)
    assert (info.frames, info.sample_rate, info.channels) == (1000, 44100, 2)
    assert info.duration_s == pytest.approx(1000 / 44100)


def test_pcm16_scaling_matches_int_over_32768(tmp_path: Path) -> None:
    ints = np.array([-32768, -1, 0, 1, 32767], dtype=np.int16)
    sf.write(tmp_path / "i.wav", ints, 16000, subtype="PCM_16")
    audio, _ = read_audio(tmp_path / "i.wav")
    np.testing.assert_array_equal(audio[0], ints.astype(np.float32) / 32768)


def test_hashed_read_hashes_the_file_bytes(wav) -> None:
    path, data = wav
    audio, rate, digest = read_audio_hashed(path)
    np.testing.assert_array_equal(audio, data)
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()


def test_past_the_end_is_an_error_not_a_short_read(wav) -> None:
    path, _ = wav
    with pytest.raises(DataError, match="asked for 100 frames from frame 950"):
        read_audio(path, start=950, frames=100)


@pytest.mark.parametrize("content,match", [
    (b"", "unreadable"),
    (b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk", "unreadable"),
    (b"not audio at all" * 10, "unreadable"),
])
def test_corrupt_files(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    for call in (lambda: read_audio(path), lambda: audio_info(path), lambda: read_audio_hashed(path)):
        with pytest.raises(DataError, match=match) as error:
            call()
        assert error.value.path == str(path)
        assert "soundfile" not in str(error.value).lower()


def test_truncated_wav_is_detected(wav) -> None:
    path, _ = wav
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 1000])
    for call in (read_audio, audio_info, read_audio_hashed):
        with pytest.raises(DataError, match="truncated WAV file") as error:
            call(path)
        assert error.value.path == str(path) and error.value.fix


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        read_audio(tmp_path / "nope.wav")
    with pytest.raises(DataError, match="folder"):
        audio_info(tmp_path)

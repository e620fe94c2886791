"""Reading audio files with soundfile, with one clear ``DataError`` for every bad file.

Audio is returned as ``float32`` arrays shaped ``[channels, frames]`` (the layout torch uses),
whatever the file holds (integer PCM is scaled to [-1, 1) as soundfile and torchaudio do).
Unreadable, corrupt and truncated files raise ``DataError`` naming the file and the fix; a
soundfile/libsndfile traceback never reaches the user.

Truncation: libsndfile silently reads what is there when a WAV file is cut short, so the
``data`` chunk's declared size is checked against the bytes present.

Non-finite samples: a floating-point file can hold NaN or +/-inf, which no metric or model can
use; every read of such a file raises ``NonFiniteAudioError`` (a ``DataError``) naming the file,
the count and the first position, before the audio goes anywhere (integer PCM cannot hold
them and is not scanned).
"""

from __future__ import annotations

import hashlib
import io
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf

from sdcodec.core.errors import DataError

_FIX_REPLACE = "re-download or regenerate the file"


class NonFiniteAudioError(DataError):
    """An audio file holding NaN or infinite samples."""


def check_finite(path: str | Path, audio: np.ndarray, sample_rate: int, start: int = 0) -> None:
    """Raises ``NonFiniteAudioError`` when ``audio`` (``[channels, frames]``, read from frame
    ``start`` of ``path``) holds NaN or +/-inf, naming how many and where the first one is."""
    finite = np.isfinite(audio)
    if finite.all():
        return
    bad = ~finite
    frame = int(np.argmax(bad.any(axis=0)))
    channel = int(np.argmax(bad[:, frame]))
    seconds = (start + frame) / sample_rate if sample_rate else 0.0
    raise NonFiniteAudioError(
        path, f"{int(bad.sum())} NaN/Inf samples (first at {seconds:.3f} s, frame {start + frame}, "
              f"channel {channel})", "replace the file; audio must hold finite samples")


@dataclass(frozen=True)
class AudioInfo:
    """What an audio file's header says: ``frames`` (samples per channel), ``sample_rate`` (Hz),
    ``channels``, ``subtype`` (e.g. ``PCM_16``) and ``duration_s`` (seconds)."""

    path: str
    frames: int
    sample_rate: int
    channels: int
    subtype: str

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0


def _declared_wav_frames(head: bytes, total_size: int) -> tuple[int, int] | None:
    """``(declared data frames, frames actually present)`` of a RIFF/WAVE file from its first
    bytes and its size in bytes; None when it is not a plain RIFF WAVE file or the size is
    unknown (streamed files write 0 or 0xFFFFFFFF)."""
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    offset, block_align = 12, 0
    while offset + 8 <= len(head):
        chunk_id = head[offset:offset + 4]
        (size,) = struct.unpack_from("<I", head, offset + 4)
        if chunk_id == b"fmt " and offset + 22 <= len(head):
            (block_align,) = struct.unpack_from("<H", head, offset + 20)
        elif chunk_id == b"data":
            if block_align <= 0 or size in (0, 0xFFFFFFFF):
                return None
            present = max(0, total_size - (offset + 8))
            return size // block_align, min(size, present) // block_align
        offset += 8 + size + (size & 1)
    return None


def _open_error(path: str | Path, error: Exception) -> DataError:
    text = str(error).split(": ", 1)[-1] if str(error) else type(error).__name__
    return DataError(path, f"unreadable audio file ({text})", _FIX_REPLACE)


def _check_complete(path: str | Path, head: bytes, total_size: int) -> None:
    declared = _declared_wav_frames(head, total_size)
    if declared is not None and declared[1] < declared[0]:
        raise DataError(path, f"truncated WAV file: the header declares {declared[0]} frames, "
                              f"the file holds {declared[1]}", _FIX_REPLACE)


def _read_head(path: Path) -> tuple[bytes, int]:
    try:
        with open(path, "rb") as handle:
            return handle.read(65536), path.stat().st_size
    except FileNotFoundError:
        raise DataError(path, "file not found", "check the path") from None
    except IsADirectoryError:
        raise DataError(path, "is a folder, not an audio file", "check the path") from None
    except OSError as error:
        raise DataError(path, f"cannot open ({error.strerror})", "check its permissions") from None


def audio_info(path: str | Path) -> AudioInfo:
    """The header of an audio file; ``DataError`` when it is missing, unreadable or truncated."""
    path = Path(path)
    head, size = _read_head(path)
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, ValueError) as error:
        raise _open_error(path, error) from None
    _check_complete(path, head, size)
    return AudioInfo(str(path), int(info.frames), int(info.samplerate), int(info.channels),
                     str(info.subtype))


def _read(source: str | BinaryIO, name: str | Path, start: int, frames: int) -> tuple[np.ndarray, int]:
    if start < 0:
        raise DataError(name, f"negative start {start}", "pass a start >= 0")
    try:
        with sf.SoundFile(source) as handle:
            total = handle.frames
            if start > total or (frames >= 0 and start + frames > total):
                want = total - start if frames < 0 else frames
                raise DataError(name, f"asked for {want} frames from frame {start}, the file has "
                                      f"{total}", "check the manifest against the dataset "
                                      "(rebuild it with `bench data manifest`)")
            handle.seek(start)
            data = handle.read(frames if frames >= 0 else -1, dtype="float32", always_2d=True)
            rate = handle.samplerate
            may_be_non_finite = not handle.subtype.startswith("PCM_")
    except DataError:
        raise
    except (sf.LibsndfileError, RuntimeError, ValueError) as error:
        raise _open_error(name, error) from None
    expected = (total - start) if frames < 0 else frames
    if data.shape[0] != expected:
        raise DataError(name, f"read {data.shape[0]} of {expected} frames (corrupt file)",
                        _FIX_REPLACE)
    audio = np.ascontiguousarray(data.T)
    if may_be_non_finite:
        check_finite(name, audio, int(rate), start)
    return audio, int(rate)


def read_audio(path: str | Path, start: int = 0, frames: int = -1) -> tuple[np.ndarray, int]:
    """Reads ``frames`` samples per channel from sample ``start`` (``-1``: to the end).

    Returns ``(audio [channels, frames] float32, sample_rate in Hz)``. Raises ``DataError`` when
    the file is missing, unreadable, truncated, shorter than ``start + frames``, or holds NaN/inf
    samples in the part read (``NonFiniteAudioError``).
    """
    path = Path(path)
    head, size = _read_head(path)
    _check_complete(path, head, size)
    return _read(str(path), path, start, frames)


def read_audio_hashed(path: str | Path) -> tuple[np.ndarray, int, str]:
    """Reads a whole file and hashes its bytes in one pass over the disk.

    Returns ``(audio [channels, frames] float32, sample_rate in Hz, sha256 hex digest of the
    file's bytes)``; the same errors as ``read_audio``.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(path, "file not found", "check the path") from None
    except OSError as error:
        raise DataError(path, f"cannot read ({error.strerror})", "check its permissions") from None
    _check_complete(path, data[:65536], len(data))
    digest = hashlib.sha256(data).hexdigest()
    audio, rate = _read(io.BytesIO(data), path, 0, -1)
    return audio, rate, digest

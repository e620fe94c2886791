"""Atomic file writes: write a temporary file in the target's folder, fsync, then rename.

A reader (or a resumed run) sees either the old file or the complete new one, never a half-written
file, even if the process is killed mid-write.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pandas as pd


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], Any]) -> Path:
    """Calls ``write(handle)`` on a temporary binary file, then renames it to ``path``. The file
    gets the permissions a plain ``open(path, "w")`` would give (``mkstemp`` makes it 0600)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Writes UTF-8 text atomically."""
    return atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


def atomic_write_json(path: str | Path, data: Any) -> Path:
    """Writes indented, key-sorted JSON atomically."""
    return atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def atomic_write_frame(frame: pd.DataFrame, path: str | Path) -> Path:
    """Writes a DataFrame atomically as Parquet (``.parquet``) or CSV (any other suffix)."""
    path = Path(path)
    if path.suffix == ".parquet":
        return atomic_write(path, lambda handle: frame.to_parquet(handle, index=False))
    return atomic_write(path, lambda handle: handle.write(frame.to_csv(index=False).encode("utf-8")))

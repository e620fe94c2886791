"""Free space on the disk that will hold a download, checked before it starts."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.fetch.errors import FetchError


def free_bytes(path: str | Path) -> int:
    """Bytes free for an ordinary user on the file system holding ``path`` (or the nearest of its
    ancestors that exists)."""
    probe = Path(path).absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def format_bytes(count: float) -> str:
    """``count`` bytes in decimal units: ``12.3 GB``."""
    for unit in ("B", "kB", "MB", "GB"):
        if abs(count) < 1000:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} TB"


def require_free(path: str | Path, needed: int, what: str) -> None:
    """``FetchError`` (one line) when the disk holding ``path`` has less than ``needed`` bytes free."""
    free = free_bytes(path)
    if free < needed:
        raise FetchError(f"{path}: {what} needs {format_bytes(needed)} free, the disk has "
                         f"{format_bytes(free)}; free space or choose a folder on a larger disk")

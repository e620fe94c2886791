"""A file's state as the kernel keeps it: what a cache may key on without reading the file.

``file_state(path)`` is ``(size in bytes, mtime in ns, ctime in ns, inode)``. Size and mtime
alone are not enough for a content cache: a file overwritten with same-size bytes and its mtime
put back (``os.utime``, ``touch -r``, ``cp -p``, ``rsync -t``) looks unchanged. The ctime is
set to the current time by the kernel on every change of the file's data or metadata, including
``utime`` itself, and no call lets a process set it, so a rewritten file always gets a new one;
the inode tells a file replaced through a rename from the original. A cache keyed on all four
can miss needlessly (a copied, restored or ``chmod``-ed dataset is read again, once) but never
hands back a stale result, except on filesystems whose timestamps are coarser than the interval
between the cached read and the rewrite (seconds on FAT; Linux ext4/xfs/btrfs/tmpfs keep ns).
"""

from __future__ import annotations

from pathlib import Path


def file_state(path: str | Path) -> tuple[int, int, int, int]:
    """``(st_size, st_mtime_ns, st_ctime_ns, st_ino)`` of ``path`` (``FileNotFoundError`` if absent)."""
    stat = Path(path).stat()
    return stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino

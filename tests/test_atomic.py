"""Atomic writes leave complete files with ordinary permissions (``mkstemp`` alone gives 0600,
which made shipped checkpoints unreadable to other users of a shared install)."""

from __future__ import annotations

import os
import stat

import pytest

from bench.util.atomic import atomic_write, atomic_write_text


def test_written_file_has_the_umask_permissions(tmp_path) -> None:
    old = os.umask(0o022)
    try:
        path = atomic_write_text(tmp_path / "a.txt", "hello")
    finally:
        os.umask(old)
    assert path.read_text() == "hello"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path) -> None:
    path = atomic_write_text(tmp_path / "b.txt", "old")

    def broken(handle):
        handle.write(b"half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        atomic_write(path, broken)
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["b.txt"]

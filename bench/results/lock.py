"""One process owns a run folder at a time: ``RUN/run.lock``.

A run takes an exclusive ``flock`` on ``RUN/run.lock`` before it writes anything in the folder
and holds it until it ends; the file names the holder (pid, host, start time, command) as JSON.
A second run into the same folder stops at once with a one-line ``RunLocked`` error naming the
holder, so two runs never score the same clips into one folder.

The kernel releases a ``flock`` when its process ends, however it ends (SIGKILL included): a
lock file whose lock nobody holds and that names a process of this host was left by a run that
died, and the next run takes it over (``RunLock.took_over`` names the dead holder). A lock file
that names another host is not taken over: whether that process still runs cannot be told from
here (a file system shared between hosts may not carry the ``flock``), and the error says to
delete the file once that run is known to be gone.

Under ``torchrun`` only rank 0 takes the lock (the other ranks write parts of the same run).
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import json
import os
import socket
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sdcodec.core.errors import BenchError

LOCK_NAME = "run.lock"


class RunLocked(BenchError):
    """The run folder is owned by another process."""


@dataclass(frozen=True)
class Holder:
    """Who holds (or held) a run folder's lock."""

    pid: int
    host: str
    started_at: str
    command: str

    @classmethod
    def this_process(cls) -> "Holder":
        return cls(os.getpid(), socket.gethostname(),
                   _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                   " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:300])

    @classmethod
    def parse(cls, text: str) -> "Holder | None":
        """The holder a lock file names (JSON); None for an empty or unreadable file."""
        try:
            data = json.loads(text)
            return cls(int(data["pid"]), str(data["host"]), str(data["started_at"]), str(data["command"]))
        except (ValueError, KeyError, TypeError):
            return None

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host} since {self.started_at} ({self.command})"


def _read(fd: int) -> str:
    return os.pread(fd, 65536, 0).decode("utf-8", "replace")


def _is_same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False


class RunLock:
    """Exclusive ownership of ``run_dir`` (a context manager; see the module docstring).

    ``took_over``: after ``acquire``, the holder of a stale lock that was taken over, else None.
    """

    def __init__(self, run_dir: str | Path) -> None:
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / LOCK_NAME
        self.took_over: Holder | None = None
        self._fd: int | None = None

    def acquire(self) -> "RunLock":
        """Takes the lock or raises ``RunLocked`` naming its holder."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = Holder.parse(_read(fd))
                os.close(fd)
                raise RunLocked(f"{self.run_dir}: in use by another run, "
                                f"{holder.describe() if holder else 'holder unknown'}; wait for it "
                                "to finish or choose another --out") from None
            if _is_same_file(fd, self.path):
                break
            os.close(fd)  # its holder released (deleted) it while we waited: lock the new file
        previous = Holder.parse(_read(fd))
        if previous is not None and previous.host != socket.gethostname():
            os.close(fd)
            raise RunLocked(f"{self.run_dir}: locked by {previous.describe()}, a process of another "
                            f"host this one cannot check; if that run is gone, delete {self.path}")
        self.took_over = previous
        data = json.dumps(asdict(Holder.this_process()), sort_keys=True).encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        """Deletes the lock file and drops the lock (a no-op when not held)."""
        if self._fd is None:
            return
        try:
            if _is_same_file(self._fd, self.path):
                self.path.unlink()
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "RunLock":
        self.acquire()
        if self.took_over is not None:
            print(f"note: {self.run_dir}: took over the lock of a run that ended without releasing "
                  f"it ({self.took_over.describe()})", file=sys.stderr)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()

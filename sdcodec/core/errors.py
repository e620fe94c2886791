"""User-facing errors.

Every error a user can cause (bad data, bad checkpoint, bad option) is a ``BenchError``: the
``bench`` command prints its message on one line and exits with status 2, never a traceback.
"""

from __future__ import annotations

from pathlib import Path


class BenchError(Exception):
    """An error caused by the user's input, with a message that says what to do."""


class DataError(BenchError):
    """A problem with an audio file or dataset folder.

    The message names the file, the problem and the fix::

        DataError("/data/dnr/tt/1234/sfx.wav", "missing stem", "restore the file or drop the track")
    """

    def __init__(self, path: str | Path, problem: str, fix: str | None = None) -> None:
        self.path = str(path)
        self.problem = problem
        self.fix = fix
        message = f"{self.path}: {problem}"
        if fix:
            message += f" ({fix})"
        super().__init__(message)


class CheckpointError(BenchError):
    """A checkpoint that cannot be loaded: unreadable file, unknown format, mismatched keys."""


class MetricError(BenchError):
    """Inputs a metric cannot score: mismatched shapes, non-finite values, wrong sample rate."""


class ConfigError(BenchError):
    """An unknown name or an invalid value in a configuration or on the command line."""

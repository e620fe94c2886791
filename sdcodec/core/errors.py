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



def _message_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0].strip() if text else ""


def first_line(error: BaseException, limit: int | None = 200) -> str:
    """The first line of ``error``'s message (at most ``limit`` characters), or its type name when
    the message is empty: the reason inside a one-line error (libraries raise multi-line ones)."""
    line = _message_line(error)
    return (line if limit is None else line[:limit]) or type(error).__name__


def one_line(error: BaseException, limit: int | None = 200) -> str:
    """``Type: first line of the message`` (just ``Type`` when it is empty), at most ``limit``
    characters (cut with ``...``)."""
    line = _message_line(error)
    text = f"{type(error).__name__}: {line}" if line else type(error).__name__
    return text if limit is None or len(text) <= limit else text[: limit - 3] + "..."

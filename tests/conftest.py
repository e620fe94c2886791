"""Fixtures shared by every test folder."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator

import pytest


@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen]]:
    """``spawn(args, **popen_options)`` starts a subprocess; any still running when the test
    ends (passed or failed) is killed and reaped, so no test leaves a process behind."""
    started: list[subprocess.Popen] = []

    def start(*args, **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(*args, **kwargs)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()

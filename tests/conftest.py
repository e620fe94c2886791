"""Fixtures shared by every test folder."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable, Iterator
from contextlib import redirect_stdout

import pytest
import torch


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


@pytest.fixture
def one_thread() -> Iterator[None]:
    """torch on one thread for the test, restored after it. One thread is exact where torch
    2.13's oneDNN transposed convolution is not (sdcodec.transposed_conv), and CPU timings on a
    shared machine swing far less. Folders and modules that need it throughout use it autouse
    or through ``pytest.mark.usefixtures("one_thread")``."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def bench_cli() -> Callable[..., tuple[int, str]]:
    """``bench_cli(*argv)`` runs ``bench ARGV`` in this process and returns (exit status, stdout)."""
    from bench.cli import main

    def run(*argv: str) -> tuple[int, str]:
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            status = main(list(argv))
        return status, buffer.getvalue()

    return run

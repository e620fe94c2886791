"""Metric workers end with their parent (issue 15: SIGKILL of ``bench run`` left its two ~440 MB
workers alive minutes later). ``die_with_parent`` by itself, with and without the Linux parent
death signal (the portable parent check alone), and a real ``bench run`` killed with SIGKILL once
its pool has scored a batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: How long a worker may outlive its parent: the parent check polls every 0.5 s.
GRACE_SECONDS = 5.0

PARENT = '''
import multiprocessing, os, sys, time
from bench.util.lifetime import die_with_parent

def child(parent_pid, use_signal):
    die_with_parent(parent_pid, use_signal=use_signal)
    print("armed", flush=True)
    time.sleep(600)

if __name__ == "__main__":
    process = multiprocessing.get_context("spawn").Process(target=child, args=(os.getpid(), sys.argv[1] == "signal"))
    process.start()
    print(process.pid, flush=True)
    time.sleep(600)
'''


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie nobody reaped yet counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            found.append((int(entry.name), command))
    return found


def wait_until_ended(pids: list[int]) -> float:
    """Seconds until every pid ended (fails after ``GRACE_SECONDS``)."""
    start = time.monotonic()
    while any(running(pid) for pid in pids):
        assert time.monotonic() - start < GRACE_SECONDS, [p for p in pids if running(p)]
        time.sleep(0.05)
    return time.monotonic() - start


@pytest.mark.parametrize("mode", ["signal", "parent-check"])
def test_child_ends_when_its_parent_is_killed(mode, tmp_path, spawn) -> None:
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    parent = spawn([sys.executable, str(script), mode], stdout=subprocess.PIPE, text=True, cwd=REPO)
    child = int(parent.stdout.readline())
    assert parent.stdout.readline().strip() == "armed"
    assert running(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=30)
    wait_until_ended([child])


def test_bench_run_killed_with_sigkill_leaves_no_metric_worker(tmp_path, spawn) -> None:
    out = tmp_path / "run"
    command = [sys.executable, "-m", "bench.cli", "run", "--suite", "resynthesis", "--model", "SD-Codec=sdcodec-tiny",
               "--metrics", "si_sdr,pesq", "--workers", "2", "--split", "val", "--limit", "4", "--batch-size", "1",
               "--out", str(out)]
    run = spawn(command, env={**os.environ, "OMP_NUM_THREADS": "1"}, cwd=REPO,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while not list((out / "parts").glob("part-*.parquet")):  # the pool has scored a batch
        assert run.poll() is None, "the run ended before its pool scored anything"
        assert time.monotonic() < deadline, "no part after 600 s"
        time.sleep(0.05)
    workers = [pid for pid, command in children(run.pid)
               if "spawn_main" in command and "resource_tracker" not in command]
    assert len(workers) == 2, children(run.pid)
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=60)
    try:
        wait_until_ended(workers)
    finally:
        for pid in workers:  # never leave a worker behind, even when the test fails
            if running(pid):
                os.kill(pid, signal.SIGKILL)

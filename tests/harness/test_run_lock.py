"""One run owns a run folder at a time, and a summary never counts a clip twice (issue 15: two
``bench run --out SAME`` started seconds apart both computed everything, and the summary said n=4
for 2 clips).

The lock: exclusive while held (in this process and from another one), released on exit, taken
over from a holder killed with SIGKILL, refused for a holder on another host. Two real runs into
one folder: one runs, the other stops with one line naming it, and the rows stay unique. Rows
are unique whatever a folder holds: repeated parts are counted once, different values for one
clip are refused."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

import pandas as pd
import pytest

from bench.cli import main
from sdcodec.core.errors import BenchError
from bench.results.lock import LOCK_NAME, Holder, RunLock, RunLocked
from bench.results.store import KEY_COLUMNS, RunStore, load_rows
from bench.results.summary import summarize

REPO = Path(__file__).resolve().parents[2]
HOLD = ("import sys; from bench.results.lock import RunLock; RunLock(sys.argv[1]).acquire(); "
        "print('held', flush=True); sys.stdin.read()")


def test_lock_is_exclusive_while_held_and_gone_after(tmp_path) -> None:
    run = tmp_path / "run"
    with RunLock(run) as lock:
        holder = Holder.parse((run / LOCK_NAME).read_text())
        assert (holder.pid, holder.host) == (os.getpid(), socket.gethostname())
        assert lock.took_over is None
        with pytest.raises(RunLocked, match=f"in use by another run, pid {os.getpid()} on {socket.gethostname()}"):
            RunLock(run).acquire()  # a second owner, even in the same process
    assert not (run / LOCK_NAME).exists()
    with RunLock(run) as again:
        assert again.took_over is None


def test_lock_of_another_process_then_taken_over_after_its_sigkill(tmp_path, spawn) -> None:
    run = tmp_path / "run"
    holder = spawn([sys.executable, "-c", HOLD, str(run)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                   text=True, cwd=REPO)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(RunLocked, match=f"pid {holder.pid} on {socket.gethostname()}"):
        RunLock(run).acquire()
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    assert Holder.parse((run / LOCK_NAME).read_text()).pid == holder.pid  # left behind: stale
    with RunLock(run) as lock:
        assert lock.took_over is not None and lock.took_over.pid == holder.pid
        assert Holder.parse((run / LOCK_NAME).read_text()).pid == os.getpid()


def test_stale_lock_file_of_a_dead_pid_is_taken_over(tmp_path, capsys) -> None:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    dead = int(finished.stdout)
    run = tmp_path / "run"
    run.mkdir()
    stale = Holder(dead, socket.gethostname(), "2025-01-01T00:00:00+00:00", "bench run ...")
    (run / LOCK_NAME).write_text(json.dumps(stale.__dict__))
    with RunLock(run) as lock:
        assert lock.took_over == stale
    assert f"took over the lock of a run that ended without releasing it (pid {dead}" in capsys.readouterr().err
    (run / LOCK_NAME).write_text("not json")  # an unreadable lock file nobody holds
    with RunLock(run) as lock:
        assert lock.took_over is None


def test_lock_naming_another_host_is_not_taken_over(tmp_path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    other = Holder(12345, "another-host.example", "2025-01-01T00:00:00+00:00", "bench run ...")
    (run / LOCK_NAME).write_text(json.dumps(other.__dict__))
    with pytest.raises(RunLocked, match=f"another-host.example.*delete {run / LOCK_NAME}"):
        RunLock(run).acquire()
    assert Holder.parse((run / LOCK_NAME).read_text()) == other  # left as it was


def test_bench_run_into_a_locked_folder_is_one_line_and_writes_nothing(tmp_path, capsys) -> None:
    run = tmp_path / "run"
    with RunLock(run):
        status = main(["run", "--suite", "resynthesis", "--model", "SD-Codec=sdcodec-tiny", "--metrics",
                       "si_sdr", "--limit", "1", "--out", str(run)])
        assert sorted(p.name for p in run.iterdir()) == [LOCK_NAME]
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1
    assert err[0].startswith(f"bench: error: {run}: in use by another run, pid {os.getpid()} on "
                             f"{socket.gethostname()} since ")


N_CLIPS = 6
COMMAND = [sys.executable, "-m", "bench.cli", "run", "--suite", "resynthesis", "--model", "SD-Codec=sdcodec-tiny",
           "--metrics", "si_sdr", "--split", "val", "--limit", str(N_CLIPS), "--batch-size", "1"]


def test_two_concurrent_runs_into_one_folder_never_double_count(tmp_path, spawn) -> None:
    """The first run takes the lock and holds it to its end; the second starts once the lock file
    exists. While the first still runs, the second must stop with exit 2 and one line naming it;
    if the first had already finished, the second finds every unit done. Either way the folder
    holds each row once."""
    out = tmp_path / "same"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    first = spawn([*COMMAND, "--out", str(out)], env=env, cwd=REPO, stdout=subprocess.PIPE,
                  stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600
    while not (out / LOCK_NAME).exists():
        assert first.poll() is None, first.communicate()[1][-3000:]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    second = subprocess.run([*COMMAND, "--out", str(out)], env=env, cwd=REPO, capture_output=True,
                            text=True, timeout=600)
    first_still_running = first.poll() is None
    first_out, first_err = first.communicate(timeout=600)
    assert first.returncode == 0, first_err[-3000:]
    if first_still_running:  # the lock was held from before the second started until after it ended
        assert second.returncode == 2, second.stderr[-3000:]
        errors = [line for line in second.stderr.splitlines() if line.strip()]
        assert errors == [errors[-1]] and f"in use by another run, pid {first.pid}" in errors[-1]
    else:
        assert second.returncode == 0, second.stderr[-3000:]
        assert "evaluated 0 clip units" in second.stdout
    rows = pd.read_parquet(out / "clips.parquet")
    assert len(rows) == N_CLIPS * 4 and not rows.duplicated(KEY_COLUMNS).any()
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["n"] + summary["n_skipped"]) == {N_CLIPS}
    assert not (out / LOCK_NAME).exists()


# -- rows unique whatever the folder holds -----------------------------------------------------
def folder_with_parts(tmp_path: Path, rows: pd.DataFrame) -> RunStore:
    store = RunStore(tmp_path / "run")
    store.start({"config_hash": "abc", "models": [{"label": "SD-Codec"}, {"label": "DAC"}]})
    store.append(rows[rows["clip_id"] < "clip003"])
    store.append(rows[rows["clip_id"] >= "clip003"])
    return store


def test_repeated_parts_are_counted_once(tmp_path, rows: pd.DataFrame, capsys) -> None:
    store = folder_with_parts(tmp_path, rows)
    expected = summarize(store.rows())
    first = store.part_files()[0]
    repeated = len(pd.read_parquet(first))
    shutil.copy(first, store.parts_dir / "part-r1-000000.parquet")  # the same units written twice
    shutil.copy(first, store.parts_dir / "part-000002.parquet")
    final = store.complete()
    assert f"dropped {2 * repeated} repeated row(s)" in capsys.readouterr().err
    assert len(final) == len(rows) and not final.duplicated(KEY_COLUMNS).any()
    pd.testing.assert_frame_equal(pd.read_csv(store.run_dir / "summary.csv"), expected, check_dtype=False)
    assert pd.read_csv(store.run_dir / "summary.csv")["n"].max() == 7  # 7 clips, never 14


def test_different_values_for_one_clip_are_refused(tmp_path, rows: pd.DataFrame, capsys) -> None:
    store = folder_with_parts(tmp_path, rows)
    other = pd.read_parquet(store.part_files()[0])
    other.loc[other["skipped"] == "", "value"] += 1.0
    other.to_parquet(store.parts_dir / "part-000009.parquet", index=False)
    with pytest.raises(BenchError, match="scored twice with different values.*part-000000.parquet and part-000009.parquet"):
        store.rows()
    assert main(["table", "--run", str(store.run_dir)]) == 2
    assert "scored twice with different values" in capsys.readouterr().err


def test_a_final_table_with_repeats_is_read_once(tmp_path, rows: pd.DataFrame) -> None:
    """``clips.parquet`` of a complete run written before rows were unique (two runs into one
    folder) is summarized with each clip once."""
    store = folder_with_parts(tmp_path, rows)
    store.complete()

    def table() -> str:
        with redirect_stdout(io.StringIO()) as printed:
            assert main(["table", "--run", str(store.run_dir), "--layout", "resynthesis", "--format", "csv"]) == 0
        return printed.getvalue()

    once = table()
    doubled = pd.concat([pd.read_parquet(store.run_dir / "clips.parquet")] * 2, ignore_index=True)
    doubled.to_parquet(store.run_dir / "clips.parquet", index=False)
    assert len(load_rows(store.run_dir)) == len(rows)
    assert table() == once

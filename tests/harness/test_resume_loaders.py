"""A real kill: ``bench run`` in a subprocess, SIGKILLed once its first part is on disk, then run
again: the resumed run's rows equal an uninterrupted run's, the parts written before the kill
are kept as they were, and the resumed run computed only the units that had no rows (its
manifest profile's ``units`` and ``units_already_done``). And DataLoader workers change nothing:
``--loader-workers 2`` gives exactly the values of ``--loader-workers 0``."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

import pandas as pd

from bench.cli import main

REPO = Path(__file__).resolve().parents[2]
KEYS = ["model", "task", "input", "output", "clip_id", "metric"]
N_CLIPS = 8
COMMAND = [sys.executable, "-m", "bench.cli", "run", "--suite", "resynthesis", "--model", "SD-Codec=sdcodec-tiny",
           "--metrics", "si_sdr", "--limit", str(N_CLIPS), "--batch-size", "2"]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def run_to_completion(out: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([*COMMAND, "--out", str(out)], env=ENV, capture_output=True, text=True,
                          timeout=900, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def sorted_rows(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path).sort_values(KEYS).reset_index(drop=True)


def test_run_killed_with_sigkill_resumes_losing_and_recomputing_nothing(tmp_path) -> None:
    reference = tmp_path / "uninterrupted"
    run_to_completion(reference)

    out = tmp_path / "killed"
    process = subprocess.Popen([*COMMAND, "--out", str(out)], env=ENV, cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    try:
        while not list((out / "parts").glob("part-*.parquet")):
            assert process.poll() is None, "the run ended before writing a part"
            assert time.monotonic() < deadline, "no part file after 600 s"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running" and not (out / "clips.parquet").exists()
    before = {p.name: p.read_bytes() for p in (out / "parts").glob("part-*.parquet")}
    units_before = pd.concat([pd.read_parquet(out / "parts" / name) for name in before])[
        ["model", "task", "clip_id"]].drop_duplicates()
    n_before = len(units_before)
    assert 0 < n_before < N_CLIPS, f"the kill came too late ({n_before} of {N_CLIPS} units done)"

    resumed = run_to_completion(out)
    assert f"evaluated {N_CLIPS - n_before} clip units" in resumed.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and len(manifest["resumed_at"]) == 1
    assert len(manifest["profiles"]) == 1  # the killed run never completed
    profile = manifest["profiles"][0]
    assert profile["units"] == N_CLIPS - n_before  # only the missing units were computed ...
    assert profile["units_already_done"] == n_before  # ... the finished ones were found done
    after = {p.name: p.read_bytes() for p in (out / "parts").glob("part-*.parquet")}
    assert {name: after[name] for name in before} == before  # parts from before the kill untouched
    new_units = pd.concat([pd.read_parquet(out / "parts" / name) for name in after if name not in before])[
        ["model", "task", "clip_id"]].drop_duplicates()
    assert set(new_units["clip_id"]).isdisjoint(units_before["clip_id"])
    assert len(new_units) == N_CLIPS - n_before

    final = sorted_rows(out / "clips.parquet")
    assert final["clip_id"].nunique() == N_CLIPS and len(final) == N_CLIPS * 4
    pd.testing.assert_frame_equal(final, sorted_rows(reference / "clips.parquet"), check_exact=True)


def bench(*argv: str) -> int:
    with redirect_stdout(io.StringIO()):
        return main(list(argv))


def test_loader_workers_give_the_same_values(tmp_path) -> None:
    common = ["run", "--suite", "resynthesis", "--model", "SD-Codec=sdcodec-tiny", "--split", "val",
              "--metrics", "si_sdr", "--limit", "4", "--batch-size", "2"]
    assert bench(*common, "--loader-workers", "0", "--out", str(tmp_path / "w0")) == 0
    assert bench(*common, "--loader-workers", "2", "--out", str(tmp_path / "w2")) == 0
    zero, two = sorted_rows(tmp_path / "w0" / "clips.parquet"), sorted_rows(tmp_path / "w2" / "clips.parquet")
    assert len(zero) == 4 * 4 and zero["value"].notna().any()
    pd.testing.assert_frame_equal(two, zero, check_exact=True)
    manifest = json.loads((tmp_path / "w2" / "manifest.json").read_text())
    assert manifest["config"]["loader_workers"] == 2  # the option really reached the run
    # The worker counts do not change results, so they are not part of the run's identity: the
    # same run with other counts resumes in its folder (here: finds every unit done).
    assert bench(*common, "--loader-workers", "2", "--workers", "1", "--out", str(tmp_path / "w0")) == 0
    profile = json.loads((tmp_path / "w0" / "manifest.json").read_text())["profiles"][-1]
    assert profile["units"] == 0 and profile["units_already_done"] == 4  # (model, task, clip) units

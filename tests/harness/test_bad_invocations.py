"""Bad invocations fail fast, in one line, with exit status 2 and no traceback: a device this
machine lacks, an ``--out`` that is a file, lies under a file or cannot be written, and unknown
names (metrics, protocols, models, precisions, data) found before any data or model is loaded.
A run whose every clip is skipped says so (exit 2) instead of printing a table of dashes."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import torch

from bench.cli import main
from bench.engine.devices import check_device
from sdcodec.core.errors import BenchError, ConfigError
from bench.results.summary import require_scored

RUN = ["run", "--suite", "resynthesis", "--model", "SD-Codec=sdcodec-tiny", "--metrics", "si_sdr", "--limit", "1"]


def one_error_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Runs ``bench ARGV`` in this process, expecting exit status 2; returns its one error line."""
    try:
        status = main(argv)
    except SystemExit as exit_info:  # refused while parsing
        status = exit_info.code
    captured = capsys.readouterr()
    assert status == 2, captured.err
    assert "Traceback" not in captured.err
    errors = [line for line in captured.err.splitlines() if "error:" in line]
    assert len(errors) == 1 and captured.err.rstrip().endswith(errors[0]), captured.err
    return errors[0]


# -- devices -----------------------------------------------------------------------------------
def test_unknown_device_and_cuda_without_cuda(monkeypatch, tmp_path, capsys) -> None:
    assert "unknown device 'tpu'" in one_error_line(RUN + ["--device", "tpu", "--out", str(tmp_path / "a")], capsys)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    line = one_error_line(RUN + ["--device", "cuda", "--out", str(tmp_path / "b")], capsys)
    assert "argument --device" in line and "no cuda device" in line
    assert "no cuda device" in one_error_line(["train", "--device", "cuda:0"], capsys)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_cuda_index_past_the_last_device(monkeypatch, capsys) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert check_device("cuda") == "cuda" and check_device("cuda:1") == "cuda:1"
    with pytest.raises(ConfigError, match="has 2 cuda device"):
        check_device("cuda:2")
    with pytest.raises(ConfigError, match="device number"):
        check_device("cuda:first")
    assert "cuda:0 to cuda:1" in one_error_line(RUN + ["--device", "cuda:7"], capsys)


def test_python_training_api_checks_devices_as_the_cli_does(monkeypatch) -> None:
    from bench.train.runtime import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    with pytest.raises(ConfigError, match="has 2 cuda device"):
        resolve_device("cuda:7")
    with pytest.raises(ConfigError, match="unknown device 'gpu'"):
        resolve_device("gpu")
    assert resolve_device("auto") == "cuda" and resolve_device("cuda:1") == "cuda:1"
    assert check_device("cpu") == "cpu"


# -- output paths ------------------------------------------------------------------------------
OUT_OPTIONS = [  # (argv before --out, what --out must be)
    (RUN, "folder"),
    (["plot", "--run", "somewhere"], "folder"),
    (["data", "synth"], "folder"),
    (["train", "--model", "dac", "--config", "tiny"], "folder"),
    (["table", "--run", "somewhere"], "file"),
    (["data", "manifest", "--split", "val"], "file"),
]


@pytest.mark.parametrize("argv, kind", OUT_OPTIONS, ids=[" ".join(a[:2]) for a, _ in OUT_OPTIONS])
def test_out_that_is_a_file_or_under_a_file(argv, kind, tmp_path, capsys) -> None:
    a_file = tmp_path / "a_file"
    a_file.write_text("keep me")
    under = a_file / "sub" / ("out" if kind == "folder" else "out.csv")
    line = one_error_line(argv + ["--out", str(under)], capsys)
    assert "argument --out" in line and f"{a_file} is a file" in line
    if kind == "folder":
        assert "is a file, not a folder" in one_error_line(argv + ["--out", str(a_file)], capsys)
    else:
        assert "is a folder" in one_error_line(argv + ["--out", str(tmp_path)], capsys)
    assert a_file.read_text() == "keep me"


@contextlib.contextmanager
def unprivileged() -> Iterator[None]:
    """This process's effective user becomes ``nobody`` while inside, when it is root: root
    ignores permission bits, a normal user does not (the real user stays root, so it can return)."""
    if os.geteuid() != 0:
        yield
        return
    try:
        nobody = pwd.getpwnam("nobody").pw_uid
    except KeyError:
        nobody = 65534
    os.seteuid(nobody)
    try:
        yield
    finally:
        os.seteuid(0)


def test_out_in_a_folder_this_user_cannot_write(capsys) -> None:
    base = Path(tempfile.mkdtemp(prefix="sdbench-readonly-"))  # under /tmp: others may enter
    locked = base / "locked"
    try:
        base.chmod(0o755)
        locked.mkdir()
        locked.chmod(0o555)  # r-x for everyone: no new entries
        with unprivileged():
            line = one_error_line(RUN + ["--out", str(locked / "run")], capsys)
            file_line = one_error_line(["table", "--run", "x", "--out", str(locked / "t.md")], capsys)
        assert f"cannot write in {locked}" in line and "argument --out" in line
        assert f"cannot write in {locked}" in file_line
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)
        shutil.rmtree(base)


# -- names checked before data and models load --------------------------------------------------
@pytest.fixture
def nothing_loads(monkeypatch):
    """Loading data or a model fails the test: the checks must come first."""

    def refuse(*args, **kwargs):
        raise AssertionError("data or a model was loaded before the run's names were checked")

    monkeypatch.setattr("bench.models.load_eval_model", refuse)
    monkeypatch.setattr("bench.data.manifest.build_manifest", refuse)


UNKNOWN = [  # (extra argv, words of the error)
    (["--metrics", "si_sdr,nope"], "unknown metric 'nope'"),
    (["--protocol", "nope"], "unknown protocol 'nope'"),
    (["--model", "missing.pt"], "missing.pt: no such checkpoint"),
    (["--model", "X=sdcodec-huge"], "sdcodec-huge: not a checkpoint file nor an embedded default"),
    (["--model", "preset:dac/huge"], "dac has no preset 'huge'"),
    (["--model", "preset:nope/16k"], "unknown model family 'nope'"),
    (["--data", "/nonexistent/dnr"], "/nonexistent/dnr: no such folder"),
    (["--suite", "throughput", "--precisions", "fp16"], "fp16 autocast is for CUDA"),
    (["--suite", "throughput", "--precisions", "fp32,fp8"], "unknown precision 'fp8'"),
    (["--suite", "all", "--model", "missing.pt"], "missing.pt: no such checkpoint"),
]


@pytest.mark.parametrize("extra, words", UNKNOWN, ids=[" ".join(e) for e, _ in UNKNOWN])
def test_unknown_names_fail_before_anything_loads(extra, words, nothing_loads, tmp_path, capsys) -> None:
    argv = ["run", "--suite", "resynthesis", *extra, "--out", str(tmp_path / "run")]
    assert words in one_error_line(argv, capsys)
    assert not (tmp_path / "run").exists()


def test_the_python_api_checks_names_too(nothing_loads, tmp_path) -> None:
    from bench.engine.runconfig import RunConfig
    from bench.engine.runner import run_suite

    with pytest.raises(ConfigError, match="unknown metric 'nope'"):
        run_suite(RunConfig(suite="resynthesis", metrics=("nope",)), out=tmp_path / "run")
    with pytest.raises(ConfigError, match="unknown suite 'nope'"):
        run_suite(RunConfig(suite="nope"), out=tmp_path / "run")
    with pytest.raises(ConfigError, match="unknown device 'tpu'"):
        run_suite(RunConfig(suite="resynthesis", device="tpu"), out=tmp_path / "run")
    assert not (tmp_path / "run").exists()


# -- a run that scored nothing ------------------------------------------------------------------
def test_run_whose_every_clip_is_skipped_exits_2_without_a_table(tmp_path, capsys) -> None:
    """SI-SDRi needs the mixture, which resynthesis items do not carry: every row is skipped."""
    out = tmp_path / "skipped"
    argv = ["run", "--suite", "resynthesis", "--model", "SD-Codec=sdcodec-tiny", "--metrics", "si_sdri",
            "--split", "val", "--limit", "1", "--batch-size", "1", "--out", str(out)]
    line = one_error_line(argv, capsys)
    assert "no clip was scored (all 4 rows were skipped: 4 x 'si_sdri needs the mixture')" in line
    rows = pd.read_parquet(out / "clips.parquet")  # what was done is kept
    assert len(rows) == 4 and (rows["skipped"] == "si_sdri needs the mixture").all()


def test_require_scored() -> None:
    row = dict(model="m", task="t", input="mix", output="mix", clip_id="c", metric="si_sdr")
    skipped = pd.DataFrame([dict(row, value=float("nan"), skipped="inactive")])
    with pytest.raises(BenchError, match="all 1 rows were skipped: 1 x 'inactive'"):
        require_scored(skipped, "run")
    with pytest.raises(BenchError, match="it wrote no rows"):
        require_scored(skipped.iloc[:0], "run")
    require_scored(pd.concat([skipped, pd.DataFrame([dict(row, clip_id="d", value=1.0, skipped="")])]), "run")

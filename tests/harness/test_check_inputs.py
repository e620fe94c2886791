"""``bench check`` exits 1 for drift only: a reference that is empty, header-only, malformed,
binary, non-numeric, repeated, or that shares no metric with the run, is an input error (one
line naming the file, exit 2, never a traceback)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bench.cli import main
from bench.results.store import RunStore

from .conftest import make_rows

HEADER = "model,task,input,output,metric,mean,std,sem,n,n_skipped\n"


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """A complete run folder of synthetic rows (SD-Codec and DAC, si_sdr and visqol)."""
    folder = tmp_path_factory.mktemp("runs") / "run"
    store = RunStore(folder)
    store.start({"config_hash": "check-inputs"})
    store.append(make_rows())
    store.complete()
    return folder


@pytest.fixture(scope="module")
def summary_text(run) -> str:
    return (run / "summary.csv").read_text()


def _check(capsys, baseline: Path, run: Path) -> tuple[int, str, str]:
    status = main(["check", "--baseline", str(baseline), "--run", str(run)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _rows_of(summary_text: str, edit) -> str:
    lines = summary_text.splitlines()
    return "\n".join([lines[0], *(edit(line) for line in lines[1:])]) + "\n"


def test_identical_reference_passes_and_a_moved_mean_is_drift(tmp_path, capsys, run, summary_text) -> None:
    baseline = tmp_path / "reference.csv"
    baseline.write_text(summary_text)
    assert _check(capsys, baseline, run)[0] == 0
    frame = pd.read_csv(baseline)
    frame.loc[0, "mean"] += 1.0
    frame.to_csv(baseline, index=False)
    status, out, _ = _check(capsys, baseline, run)
    assert status == 1 and "drifted" in out


BAD_FILES = {
    "zero-byte": (lambda text: b"", "empty file"),
    "header-only": (lambda text: HEADER.encode(), "holds a header but no metric rows"),
    "unterminated quote": (lambda text: (HEADER + 'SD-Codec,"resynthesis\n').encode(), "not a readable CSV"),
    "binary": (lambda text: b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x01" * 8, "not a readable CSV"),
    "other columns": (lambda text: b"a,b\n1,2\n", "missing columns"),
    "non-numeric mean": (lambda text: (HEADER + "SD-Codec,resynthesis,mix,mix,si_sdr,abc,1.0,0.3,12,0\n").encode(), "mean 'abc' is not a number"),
    "non-numeric n": (lambda text: (HEADER + "SD-Codec,resynthesis,mix,mix,si_sdr,5.0,1.0,0.3,twelve,0\n").encode(), "n 'twelve' is not a number"),
    "repeated row": (lambda text: (text + text.splitlines()[1] + "\n").encode(), "repeats a"),
    "no shared model": (lambda text: _rows_of(text, lambda l: l.replace("SD-Codec,", "TDANet,").replace("DAC,", "TDANet-2,")).encode(), "shares no"),
    "no shared metric": (lambda text: _rows_of(text, lambda l: l.replace(",si_sdr,", ",pesq,").replace(",visqol,", ",mel_distance,")).encode(), "shares no"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_reference_is_one_line_and_exit_2(tmp_path, capsys, run, summary_text, name) -> None:
    make, expected = BAD_FILES[name]
    baseline = tmp_path / "reference.csv"
    baseline.write_bytes(make(summary_text))
    status, out, err = _check(capsys, baseline, run)
    assert status == 2, (out, err)
    assert len(err.strip().splitlines()) == 1, err
    assert str(baseline) in err and expected in err, err
    assert "Traceback" not in out + err


def test_run_covering_none_of_the_reference_is_exit_2(tmp_path, capsys, summary_text) -> None:
    """The other direction: a run of another model against a full reference."""
    folder = tmp_path / "other"
    store = RunStore(folder)
    store.start({"config_hash": "other"})
    store.append(make_rows(models=("TDANet",)))
    store.complete()
    baseline = tmp_path / "reference.csv"
    baseline.write_text(summary_text)
    status, _, err = _check(capsys, baseline, folder)
    assert status == 2 and "shares no" in err and "run: models TDANet" in err

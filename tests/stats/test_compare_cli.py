"""``bench compare``: exit 0 when it compared, 1 with --fail-if-worse when B is significantly
worse, 2 (one line) on bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from bench.cli import main
from stats.clustered import two_model_rows, write_run


@pytest.fixture
def runs(tmp_path, monkeypatch):
    """Run folders: ``worse`` (B 0.5 below A), ``better`` (B 0.5 above A); SDBENCH_RESULTS at
    tmp_path so that suite names find them."""
    monkeypatch.setenv("SDBENCH_RESULTS", str(tmp_path))
    worse = write_run(tmp_path / "runs" / "worse", two_model_rows(-0.5))
    better = write_run(tmp_path / "runs" / "better", two_model_rows(+0.5), suite="separation")
    return {"worse": str(worse), "better": str(better)}


def _run(argv, capsys):
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_models_of_one_run(runs, capsys) -> None:
    status, out, _ = _run(["compare", runs["better"], "--models", "A", "B"], capsys)
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("A: A (") and lines[1].startswith("B: B (")
    assert "9999 resamples of tracks" in lines[2] and "p Holm: over 4 comparisons" in lines[3]
    header = lines[4].split()
    assert header[:4] == ["task", "track", "metric", "unit"] and "excluded" in header
    assert [line.split()[-1] for line in lines[5:]] == ["better"] * 4


def test_fail_if_worse_exits_1_only_when_b_is_worse(runs, capsys) -> None:
    status, out, _ = _run(["compare", runs["worse"], "--models", "A", "B", "--fail-if-worse", "si_sdr"], capsys)
    assert status == 1
    assert "B is significantly worse than A on si_sdr in 2 of 2 comparisons" in out
    status, out, _ = _run(["compare", runs["better"], "--models", "A", "B", "--fail-if-worse", "si_sdr"], capsys)
    assert status == 0 and "B is not significantly worse than A on si_sdr" in out
    # the other way round, B (= A of the better run) is worse
    status, _, _ = _run(["compare", runs["better"], "--models", "B", "A", "--fail-if-worse", "visqol"], capsys)
    assert status == 1


def test_two_runs_compare_common_labels_and_suites_name_latest_runs(runs, capsys) -> None:
    status, out, _ = _run(["compare", "resynthesis", "separation", "--format", "csv"], capsys)
    assert status == 0
    frame = pd.read_csv(__import__("io").StringIO(out))
    assert sorted(set(zip(frame["a"], frame["b"]))) == [("A", "A"), ("B", "B")]
    assert (frame["n_pairs"] > 0).all() and len(frame) == 8
    assert {"difference", "ci_low", "ci_high", "p", "p_holm", "effect", "n_excluded"} <= set(frame.columns)


def test_out_writes_the_comparisons(runs, tmp_path, capsys) -> None:
    out_file = tmp_path / "comparison.csv"
    assert main(["compare", runs["worse"], "--models", "A", "B", "--out", str(out_file)]) == 0
    assert len(pd.read_csv(out_file)) == 4


@pytest.mark.parametrize("argv, message", [
    (["compare", "no/such/run", "--models", "A", "B"], "no such run folder or suite"),
    (["compare", "{worse}"], "name the two models to compare with --models A B"),
    (["compare", "{worse}", "--models", "A", "C"], "has no model 'C' (models: A, B)"),
    (["compare", "{worse}", "--models", "A", "B", "--fail-if-worse", "sdr"], "unknown metric 'sdr'"),
    (["compare", "{worse}", "--models", "A", "B", "--fail-if-worse", "pesq"], "hold no pesq scores"),
    (["compare", "{worse}", "--models", "A", "B", "--alpha", "1.5"], "--alpha 1.5"),
    (["compare", "{worse}", "{better}", "{worse}"], "one or two runs"),
    (["compare", "{worse}", "{other}"], "no clip was scored for both models"),
    (["compare", "{worse}", "{renamed}"], "share no model label"),
])
def test_bad_input_is_one_line_and_status_2(runs, tmp_path, capsys, argv, message) -> None:
    rows = two_model_rows(0.0)
    other = write_run(tmp_path / "other", rows.assign(clip_id="x" + rows["clip_id"]))
    renamed = write_run(tmp_path / "renamed", rows.assign(model=rows["model"].map({"A": "C", "B": "D"})))
    paths = dict(runs, other=str(other), renamed=str(renamed))
    status, out, err = _run([a.format(**paths) for a in argv], capsys)
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and message in err, err


def test_an_out_that_cannot_be_written_is_refused_while_parsing(runs, capsys) -> None:
    with pytest.raises(SystemExit) as stop:  # before any run is read or bootstrapped
        main(["compare", runs["worse"], "--models", "A", "B", "--out", f"{runs['worse']}/summary.csv/c.csv"])
    err = capsys.readouterr().err.strip()
    assert stop.value.code == 2 and len(err.splitlines()) == 1 and "argument --out" in err and "is a file" in err


def test_few_tracks_are_pointed_out(tmp_path, capsys) -> None:
    run = write_run(tmp_path / "few", two_model_rows(+0.5, tracks=6))
    status, out, _ = _run(["compare", str(run), "--models", "A", "B"], capsys)
    assert status == 0
    assert "note: as few as 6 tracks: intervals over fewer than 30 are too narrow" in out

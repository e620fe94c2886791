"""Run folders resume without losing or redoing units; drift checks catch moved metrics."""

from __future__ import annotations

import pandas as pd
import pytest

from bench.results.drift import compare, parse_tolerances
from sdcodec.core.errors import BenchError
from bench.results.store import RunStore
from bench.results.summary import summarize


def test_store_resumes_units_and_rejects_other_configs(tmp_path, rows: pd.DataFrame) -> None:
    store = RunStore(tmp_path / "run")
    assert store.start({"config_hash": "abc"}) is False
    first = rows[rows.clip_id < "clip003"]
    store.append(first)
    # a new process sees the same units
    again = RunStore(tmp_path / "run")
    assert again.start({"config_hash": "abc"}) is True
    assert again.done_units() == set(map(tuple, first[["model", "task", "clip_id"]].drop_duplicates().values))
    again.append(rows[rows.clip_id >= "clip003"])
    final = again.complete()
    pd.testing.assert_frame_equal(
        final.reset_index(drop=True),
        rows.sort_values(["model", "task", "input", "output", "clip_id", "metric"], kind="stable").reset_index(drop=True),
        check_dtype=False,
    )
    assert again.read_manifest()["status"] == "complete"
    with pytest.raises(BenchError, match="another configuration"):
        RunStore(tmp_path / "run").start({"config_hash": "xyz"})


def test_no_temporary_files_left(tmp_path, rows: pd.DataFrame) -> None:
    store = RunStore(tmp_path / "run")
    store.start({"config_hash": "abc"})
    store.append(rows)
    store.complete()
    assert not list((tmp_path / "run").rglob("*.tmp"))


def test_drift_detects_moved_metric_and_passes_identical(rows: pd.DataFrame) -> None:
    reference = summarize(rows)
    tolerances = parse_tolerances(None)
    assert (compare(summarize(rows), reference, tolerances)["status"] == "ok").all()
    moved = rows.copy()
    hit = (moved.model == "DAC") & (moved.input == "speech") & (moved.metric == "si_sdr")
    moved.loc[hit, "value"] += 0.1
    report = compare(summarize(moved), reference, tolerances)
    drifted = report[report.status == "drift"]
    assert len(drifted) == 1
    assert drifted.iloc[0][["model", "input", "metric"]].tolist() == ["DAC", "speech", "si_sdr"]
    assert drifted.iloc[0]["delta"] == pytest.approx(0.1)
    # a loose tolerance accepts it
    loose = parse_tolerances(["si_sdr=0.5:100"])
    assert (compare(summarize(moved), reference, loose)["status"] == "ok").all()


def test_drift_reports_missing_metrics(rows: pd.DataFrame) -> None:
    reference = summarize(rows)
    partial = summarize(rows[rows.model == "SD-Codec"])
    report = compare(partial, reference, parse_tolerances(None))
    assert set(report[report.status == "missing"]["model"]) == {"DAC"}


def test_bad_tolerance_is_a_clear_error() -> None:
    with pytest.raises(BenchError, match="METRIC=ABS"):
        parse_tolerances(["si_sdr"])

"""Cost of the statistics (pytest-benchmark): intervals of every mean and paired tests for
5,000 clips x 10 metrics, on one thread. The clips are cut from 1,000 tracks (5 each), the shape
of DnR's test split (973 tracks of about a minute in 10 s chunks). Timed in CPU seconds of this
process (``time.process_time``) on one thread: the cost on one core, whatever else the machine
runs at the same time."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
import torch
from threadpoolctl import threadpool_limits

from bench.results.summary import summarize
from bench.stats.comparisons import Contender, compare

CLIPS, TRACKS, METRICS = 5000, 1000, 10
#: The issue's budget for intervals and tests of 5,000 clips x 10 metrics on one core (seconds).
BUDGET_S = 10.0


def _rows(model: str, shift: float, rng: np.random.Generator) -> pd.DataFrame:
    clips = [f"3{i // (CLIPS // TRACKS):04d}_{i % (CLIPS // TRACKS)}" for i in range(CLIPS)]
    return pd.DataFrame({
        "model": model, "task": "resynthesis", "input": "speech", "output": "speech",
        "clip_id": np.tile(clips, METRICS), "metric": np.repeat([f"m{k}" for k in range(METRICS)], CLIPS),
        "value": rng.normal(5.0 + shift, 2.0, CLIPS * METRICS), "skipped": ""})


@pytest.mark.benchmark(group="statistics", timer=time.process_time)
def test_intervals_and_tests_of_5000_clips_by_10_metrics(benchmark, capsys) -> None:
    rng = np.random.default_rng(0)
    a, b = _rows("A", 0.0, rng), _rows("B", 0.1, rng)
    rows = pd.concat([a, b], ignore_index=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            def job():
                start = time.process_time()
                summary = summarize(rows)
                middle = time.process_time()
                comparisons = compare([(Contender("A", a), Contender("B", b))])
                return summary, comparisons, middle - start, time.process_time() - middle

            summary, comparisons, t_intervals, t_tests = benchmark.pedantic(job, rounds=1, iterations=1)
    finally:
        torch.set_num_threads(threads)
    assert len(summary) == 2 * METRICS and summary["ci_low"].notna().all()
    assert (summary["n_clusters"] == TRACKS).all()
    assert len(comparisons) == METRICS and (comparisons["n_pairs"] == CLIPS).all()
    seconds = benchmark.stats.stats.max
    benchmark.extra_info.update(intervals_s=t_intervals, tests_s=t_tests)
    with capsys.disabled():
        print(f"\n[statistics] {CLIPS} clips ({TRACKS} tracks) x {METRICS} metrics, one thread, CPU s: "
              f"{2 * METRICS} intervals {t_intervals:.2f} s, {METRICS} paired comparisons "
              f"{t_tests:.2f} s, total {seconds:.2f} s")
    assert seconds < BUDGET_S

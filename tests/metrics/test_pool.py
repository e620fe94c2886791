"""Process-pool scoring: deterministic order, identical to in-process scoring, streaming."""

from __future__ import annotations

import time

import numpy as np
import pytest

from sdcodec.core.errors import ConfigError, MetricError
from bench.metrics import MetricPool, MetricValue, ScoreJob, score_job, score_many
from bench.metrics.pool import usable_cores

NAMES = ["si_sdr", "si_sdri", "pesq", "visqol"]


def jobs(count: int, speech, seconds: float = 1.2) -> list[ScoreJob]:
    out = []
    reference = speech(seconds, 16000)
    for index in range(count):
        noise = np.random.default_rng(100 + index).standard_normal(reference.size)
        estimate = reference + 0.0003 * 4 ** index * noise  # quality falls with the index
        out.append(ScoreJob(estimate.astype(np.float32), reference.astype(np.float32), 16000,
                            mixture=reference + 0.2 * noise, clip_id=f"clip{index}", track="speech"))
    out.append(ScoreJob(out[0].estimate, np.zeros_like(out[0].reference), 16000, mixture=out[0].mixture,
                        clip_id="silent", track="speech"))
    return out


@pytest.fixture(scope="module")
def pool():
    """One pool of two spawned workers shared by the tests below (start-up is the slow part)."""
    with MetricPool(NAMES, workers=2, progress=False) as shared:
        yield shared


def test_score_many_in_a_pool_is_ordered_and_identical_to_in_process(speech):
    work = jobs(3, speech)
    in_process = score_many(work, NAMES, workers=1, progress=False)
    pooled = score_many(work, NAMES, workers=2, progress=False)
    assert pooled == in_process  # exact: same code, same float64 arithmetic, one thread each
    assert in_process[1] == score_job(work[1], NAMES)
    visqol = [row["visqol"].value for row in in_process[:3]]
    assert visqol == sorted(visqol, reverse=True)  # order follows the jobs (quality falls)
    assert in_process[-1]["si_sdr"] == MetricValue(None, "silent reference")


def test_streaming_pool_returns_futures_at_once_and_in_order(speech, pool):
    work = jobs(2, speech)
    already = len(pool.results())
    start = time.perf_counter()
    futures = [pool.submit(job) for job in work]
    submitted = time.perf_counter() - start
    assert submitted < 0.5  # scoring happens in the workers, not in submit()
    results = pool.results()[already:]
    assert [f.result() for f in futures] == results
    assert results == score_many(work, NAMES, workers=1, progress=False)


def test_errors_reach_the_caller_through_the_future(pool):
    bad = ScoreJob(np.ones(100, np.float32), np.ones(99, np.float32), 16000)
    with pytest.raises(MetricError, match="differ in shape"):
        pool.submit(bad).result()
    with MetricPool(["si_sdr"], workers=1, progress=False) as in_process:
        with pytest.raises(MetricError, match="differ in shape"):
            in_process.submit(bad).result()


def test_bad_configuration_fails_before_any_work():
    with pytest.raises(ConfigError, match="unknown metric"):
        MetricPool(["no_such_metric"])
    with pytest.raises(ValueError, match="at least 1"):
        MetricPool(["si_sdr"], workers=0)
    with pytest.raises(RuntimeError, match="context manager"):
        MetricPool(["si_sdr"], workers=1).submit(ScoreJob(np.ones(4), np.ones(4), 16000))
    assert MetricPool(["si_sdr"]).workers == usable_cores() >= 1

"""Throughput of every metric on 10 s clips at 16 kHz (clips per second and core, in
``extra_info`` and printed) and the process pool's speed-up over one process. Few clips, one or two rounds: cheap
enough for CI; the numbers measured on the development machine are in docs/metrics.md."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from bench.metrics import METRICS, MetricPool, ScoreJob, get_metric, score_batch, score_many
from bench.metrics.pool import usable_cores

SECONDS, RATE = 10.0, 16000


#: Per-core numbers: torch on one thread (as in the pool's workers). On a shared machine, torch's
#: default thread pool makes CPU timings swing by 10x with the other processes' load.
pytestmark = pytest.mark.usefixtures("one_thread")


def clips(speech, count: int):
    references = np.stack([speech(SECONDS, RATE, seed=index) for index in range(count)])
    noise = np.random.default_rng(0).standard_normal(references.shape)
    return references + 0.01 * noise, references, references + 0.3 * noise


def report(benchmark, name: str, count: int) -> float:
    seconds = benchmark.stats.stats.min
    rate = count / seconds
    benchmark.extra_info.update({"metric": name, "clips": count, "clip_seconds": SECONDS,
                                 "clips_per_second": round(rate, 2)})
    print(f"\n{name}: {rate:.1f} clips/s ({count} x {SECONDS:.0f} s clips, {seconds:.3f} s)")
    return rate


@pytest.mark.parametrize("name", [n for n in METRICS.names() if not get_metric(n).cpu_bound])
def test_tensor_metric_speed(benchmark, speech, name):
    est, ref, mix = (torch.from_numpy(x) for x in clips(speech, 4))
    rows = benchmark.pedantic(score_batch, args=([name], est, ref, RATE, mix), rounds=2,
                              iterations=1, warmup_rounds=1)
    assert all(row[name].value is not None for row in rows)
    assert report(benchmark, name, 4) > 0


@pytest.mark.parametrize("name", [n for n in METRICS.names() if get_metric(n).cpu_bound])
def test_cpu_bound_metric_speed(benchmark, speech, name):
    est, ref, mix = clips(speech, 2)
    get_metric(name)(est[:1, :RATE], ref[:1, :RATE], RATE)  # lazy set-up outside the timing
    rows = benchmark.pedantic(score_batch, args=([name], est, ref, RATE, mix), rounds=1,
                              iterations=1)
    assert all(row[name].value is not None for row in rows)
    assert report(benchmark, name, 2) > 0


def test_pool_speedup_over_one_process(benchmark, speech):
    """ViSQOL (speech) + PESQ on 4 clips: one process against a warm pool of one worker per core.

    Two baselines: the one process as it runs by default (visqol-python's numba kernels already
    use every core for parts of each clip) and with one numba thread (what each worker gets).
    Worker start-up (spawn, imports, ViSQOL's models) is measured apart: it is paid once per run.
    """
    import numba

    names = ["visqol", "pesq"]
    est, ref, mix = clips(speech, 4)
    jobs = [ScoreJob(est[i], ref[i], RATE, mix[i], clip_id=str(i)) for i in range(4)]
    score_many(jobs[:1], names, workers=1, progress=False)  # lazy set-up outside the timing
    start = time.perf_counter()
    serial = score_many(jobs, names, workers=1, progress=False)
    one_process = time.perf_counter() - start
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        start = time.perf_counter()
        assert score_many(jobs, names, workers=1, progress=False) == serial
        one_thread = time.perf_counter() - start
    finally:
        numba.set_num_threads(threads)
    workers = max(2, usable_cores())
    start = time.perf_counter()
    with MetricPool(names, workers=workers, progress=False) as pool:
        for future in [pool.submit(jobs[0]) for _ in range(workers)]:
            future.result()  # every worker started and warmed up
        startup = time.perf_counter() - start

        def pooled():
            futures = [pool.submit(job) for job in jobs]
            return [future.result() for future in futures]

        results = benchmark.pedantic(pooled, rounds=1, iterations=1)
    assert results == serial
    pool_s = benchmark.stats.stats.min
    benchmark.extra_info.update({
        "workers": workers, "one_process_s": round(one_process, 3),
        "one_process_one_thread_s": round(one_thread, 3), "pool_s": round(pool_s, 3),
        "pool_startup_s": round(startup, 3), "speedup": round(one_process / pool_s, 2),
        "speedup_over_one_thread": round(one_thread / pool_s, 2)})
    print(f"\npool of {workers}: {one_process / pool_s:.2f}x over one process "
          f"({one_process:.2f} s -> {pool_s:.2f} s for 4 x 10 s clips), "
          f"{one_thread / pool_s:.2f}x over one single-threaded process ({one_thread:.2f} s); "
          f"start-up {startup:.2f} s")

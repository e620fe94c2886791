"""Scoring clips in a process pool: ViSQOL and PESQ are CPU-bound.

``score_many(jobs, names)`` scores a list of clips and returns their results in the jobs' order.
``MetricPool`` streams: an evaluation loop submits each clip as soon as the model produced it and
keeps running inference while the pool scores earlier clips::

    with MetricPool(["si_sdr", "visqol"]) as pool:
        for batch in loader:
            for job in jobs_of(model(batch)):
                pool.submit(job)          # returns at once (blocks only past max_pending)
        results = pool.results()          # in submission order

The pool has one process per usable core by default (``os.sched_getaffinity``), each limited to
one torch and one numba thread, warmed up before its first clip; ``workers=1`` scores in-process, with identical results (same code path, same
float64 arithmetic). Processes are started with ``spawn`` (safe with CUDA and threads in the
parent). Workers end with the process that started them, even when it is killed with SIGKILL
(``bench.util.lifetime.die_with_parent``). A tqdm bar counts scored clips.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.metrics.base import MetricValue, get_metric, score_clip


@dataclass(frozen=True)
class ScoreJob:
    """One clip to score: mono ``[time]`` float arrays at ``sample_rate`` Hz.

    ``mixture`` is needed by SI-SDRi only; ``clip_id`` and ``track`` identify the clip for the
    caller (they are not used for scoring).
    """

    estimate: np.ndarray
    reference: np.ndarray
    sample_rate: int
    mixture: np.ndarray | None = None
    clip_id: str = ""
    track: str = ""


def score_job(job: ScoreJob, names: Sequence[str]) -> dict[str, MetricValue]:
    """Skip-aware scores of one job: ``{metric name: MetricValue}``.

    Runs torch single-threaded (as pool workers do), because a reduction split over several
    threads rounds differently in the last bit: the in-process and pooled results are identical.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return score_clip(list(names), job.estimate, job.reference, job.sample_rate, job.mixture)
    finally:
        torch.set_num_threads(threads)


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def warm_up(names: Sequence[str]) -> None:
    """Scores one synthetic second of audio so that lazy set-up (imports, ViSQOL's models, the
    lattice interpreter's first call) happens before the first real clip."""
    rng = np.random.default_rng(0)
    reference = 0.1 * rng.standard_normal(48_000)
    job = ScoreJob(reference + 0.01 * rng.standard_normal(reference.size), reference, 48_000,
                   mixture=reference + 0.1 * rng.standard_normal(reference.size))
    score_job(job, names)


def _init_worker(names: Sequence[str], parent_pid: int) -> None:
    """Ends with ``parent_pid``; one thread per worker (torch, and numba, which visqol-python's
    kernels use): the pool is the parallelism; then warm up."""
    from bench.util.lifetime import die_with_parent

    die_with_parent(parent_pid)
    import torch

    torch.set_num_threads(1)
    try:
        import numba

        numba.set_num_threads(1)
    except ImportError:  # visqol-python falls back to numpy
        pass
    warm_up(names)


class MetricPool:
    """Streaming scorer (a context manager). See the module docstring.

    ``workers``: processes (None: ``usable_cores()``; 1: in-process). ``max_pending``: clips
    submitted but not yet scored before ``submit`` blocks (None: 4 per worker), which bounds the
    memory held by queued audio. ``progress``: show a tqdm bar (``desc`` its label).
    """

    def __init__(self, names: Sequence[str], workers: int | None = None, progress: bool = True,
                 max_pending: int | None = None, desc: str = "scoring") -> None:
        self.names = list(names)
        for name in self.names:  # unknown names and missing runtimes fail here, not in a worker
            get_metric(name).check_available()
        self.workers = usable_cores() if workers is None else int(workers)
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.max_pending = max_pending or 4 * self.workers
        self.progress = progress
        self.desc = desc
        self._futures: list[Future] = []
        self._executor: ProcessPoolExecutor | None = None
        self._slots = threading.BoundedSemaphore(self.max_pending)
        self._bar: Any = None

    def __enter__(self) -> MetricPool:
        from tqdm.auto import tqdm

        self._bar = tqdm(total=0, desc=self.desc, unit="clip", disable=not self.progress)
        if self.workers > 1:
            import multiprocessing

            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker, initargs=(self.names, os.getpid()))
        return self

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=exc_type is not None)
            self._executor = None
        if self._bar is not None:
            self._bar.close()

    def submit(self, job: ScoreJob) -> Future:
        """Queues ``job``; returns a ``Future`` of its ``{metric name: MetricValue}``."""
        if self._bar is None:
            raise RuntimeError("use MetricPool as a context manager: with MetricPool(...) as pool")
        self._bar.total += 1
        self._bar.refresh()
        if self._executor is None:
            future: Future = Future()
            try:
                future.set_result(score_job(job, self.names))
            except BaseException as error:  # delivered through the future, as in the pool
                future.set_exception(error)
            self._done(future, release=False)
        else:
            self._slots.acquire()
            future = self._executor.submit(score_job, job, self.names)
            future.add_done_callback(lambda f: self._done(f, release=True))
        self._futures.append(future)
        return future

    def _done(self, future: Future, release: bool) -> None:
        if release:
            self._slots.release()
        self._bar.update(1)

    def results(self) -> list[dict[str, MetricValue]]:
        """Every submitted job's scores, in submission order (waits for the pending ones)."""
        return [future.result() for future in self._futures]


def score_many(jobs: Sequence[ScoreJob], names: Sequence[str], workers: int | None = None,
               progress: bool = True) -> list[dict[str, MetricValue]]:
    """Scores every job (in a pool of ``workers`` processes, default one per usable core, never
    more than there are jobs); results are ordered like ``jobs``."""
    workers = usable_cores() if workers is None else workers
    workers = max(1, min(workers, len(jobs)))
    with MetricPool(names, workers=workers, progress=progress,
                    max_pending=max(1, len(jobs))) as pool:
        for job in jobs:
            pool.submit(job)
        return pool.results()

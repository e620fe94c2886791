"""Scoring a task's items: tensor metrics at once, CPU-bound metrics in the process pool.

``Scorer.submit(items, metrics, sample_rate)`` returns a handle at once; ``handle.done()`` tells
whether every score of the batch is in and ``handle.result()`` gives the rows (one per item and
metric) — so the evaluation loop runs the next batch's inference while ViSQOL/PESQ run in the
pool. Items the protocol skips (inactive references) are recorded as skipped for every metric
without computing anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

import torch

from bench.metrics import get_metric
from bench.metrics.base import MetricValue, score_batch
from bench.metrics.pool import MetricPool, ScoreJob
from bench.engine.tasks import ScoreItem


def _row(item: ScoreItem, metric: str, value: MetricValue) -> dict[str, Any]:
    return {"input": item.input, "output": item.output, "clip_id": item.clip_id, "metric": metric,
            "value": float("nan") if value.value is None else value.value,
            "skipped": value.skipped or ""}


class BatchHandle:
    """The pending scores of one batch of items."""

    def __init__(self, items: Sequence[ScoreItem], metrics: Sequence[str],
                 ready: dict[tuple[int, str], MetricValue], futures: dict[int, tuple[Future, tuple[str, ...]]]) -> None:
        self.items, self.metrics, self.ready, self.futures = list(items), list(metrics), ready, futures

    def done(self) -> bool:
        return all(future.done() for future, _ in self.futures.values())

    def result(self) -> list[dict[str, Any]]:
        """Rows in (item, metric) order; waits for the pool's scores."""
        for index, (future, names) in self.futures.items():
            scores = future.result()
            for name in names:
                self.ready[(index, name)] = scores[name]
        return [_row(item, m, self.ready[(i, m)]) for i, item in enumerate(self.items) for m in self.metrics]


class Scorer:
    """Context manager owning the metric pools (one per set of CPU-bound metrics)."""

    def __init__(self, workers: int = 0, progress: bool = False) -> None:
        self.workers = workers or None
        self.progress = progress
        self._pools: dict[tuple[str, ...], MetricPool] = {}

    def __enter__(self) -> "Scorer":
        return self

    def __exit__(self, *exc: Any) -> None:
        for pool in self._pools.values():
            pool.__exit__(*exc)
        self._pools.clear()

    def _pool(self, names: tuple[str, ...]) -> MetricPool:
        if names not in self._pools:
            pool = MetricPool(names, workers=self.workers, progress=self.progress)
            self._pools[names] = pool.__enter__()
        return self._pools[names]

    def submit(self, items: Sequence[ScoreItem], metrics: Sequence[str], sample_rate: int) -> BatchHandle:
        tensor_names = [m for m in metrics if not get_metric(m).cpu_bound]
        cpu_names = tuple(m for m in metrics if get_metric(m).cpu_bound)
        ready: dict[tuple[int, str], MetricValue] = {}
        futures: dict[int, tuple[Future, tuple[str, ...]]] = {}
        scored = [i for i, item in enumerate(items) if item.skip is None]
        for i, item in enumerate(items):
            if item.skip is not None:
                for name in metrics:
                    ready[(i, name)] = MetricValue(None, item.skip)
        # tensor metrics: one batched call per group of equal-length items with/without mixture
        groups: dict[tuple[int, bool], list[int]] = {}
        for i in scored:
            groups.setdefault((items[i].estimate.shape[-1], items[i].mixture is not None), []).append(i)
        for (_, has_mix), members in groups.items():
            if not tensor_names:
                break
            names = [n for n in tensor_names if has_mix or not get_metric(n).needs_mixture]
            est = torch.stack([items[i].estimate for i in members])
            ref = torch.stack([items[i].reference for i in members])
            mix = torch.stack([items[i].mixture for i in members]) if has_mix else None
            for i, scores in zip(members, score_batch(names, est, ref, sample_rate, mix)):
                for name in names:
                    ready[(i, name)] = scores[name]
            for name in set(tensor_names) - set(names):
                for i in members:
                    ready[(i, name)] = MetricValue(None, f"{name} needs the mixture")
        if cpu_names:
            pool = self._pool(cpu_names)
            for i in scored:
                item = items[i]
                job = ScoreJob(item.estimate.numpy(), item.reference.numpy(), sample_rate,
                               None if item.mixture is None else item.mixture.numpy(),
                               item.clip_id, item.output)
                futures[i] = (pool.submit(job), cpu_names)
        return BatchHandle(items, metrics, ready, futures)

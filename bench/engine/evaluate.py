"""The evaluation engine: batched inference, metric scoring overlapped with it, atomic parts.

For each model and task, the clips without rows yet are loaded in batches (DataLoader, optional
workers), run through the model on its device, and their estimates handed to the scorer. Tensor
metrics (SI-SDR, SI-SDRi) are computed at once; CPU-bound metrics (ViSQOL, PESQ) go to a process
pool while the next batch is inferred. A batch's rows are appended to the run as one atomic part
as soon as all of its metrics are in, in batch order, so an interrupted run loses at most the
batches in flight and resumes with exactly the clips that have no rows.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import pandas as pd
import torch
from torch.utils.data import DataLoader, Dataset, Subset
from tqdm import tqdm

from bench.models.evalmodel import EvalModel, ModelCallError
from bench.results.store import ROW_COLUMNS, RunStore
from bench.engine.scoring import Scorer
from bench.engine.tasks import TASKS, ScoreItem, Task, task_label


def _rows(model: EvalModel, task: str, scored: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(scored)
    frame.insert(0, "task", task)
    frame.insert(0, "model", model.label)
    return frame[ROW_COLUMNS]


def clip_of(batch: Any, index: int) -> Any:
    """Clip ``index`` of a collated batch, as a batch of one (tensors, lists and dicts of them)."""
    if isinstance(batch, dict):
        return {key: clip_of(value, index) for key, value in batch.items()}
    if isinstance(batch, torch.Tensor):
        return batch[index:index + 1]
    return [batch[index]]


def infer_or_skip(task: Task, model: EvalModel, batch: dict[str, Any]) -> list[ScoreItem]:
    """The task's items for ``batch``. When the model raises on the batch, its clips are run
    one by one, and a clip on which it raises again becomes skipped items carrying the error
    (the run goes on). A broken contract (``ModelOutputError``) is not retried: it stops the run."""
    try:
        return task.items(model, batch)
    except ModelCallError:
        pass
    items: list[ScoreItem] = []
    for index in range(len(batch["clip_id"])):
        clip = clip_of(batch, index)
        try:
            items += task.items(model, clip)
        except ModelCallError as error:
            items += task.failed(model, clip, f"model error: {error.reason}")
    return items


#: The phases of ``evaluate`` that ``profile`` times (seconds of wall-clock in this process).
PHASES = ("load", "infer", "submit", "wait_metrics", "write")


def _timed(items: Iterable[Any], profile: dict[str, float] | None, phase: str) -> Iterator[Any]:
    """``items``, with the time spent waiting for each one added to ``profile[phase]``."""
    iterator = iter(items)
    while True:
        start = time.perf_counter()
        try:
            item = next(iterator)
        except StopIteration:
            return
        finally:
            if profile is not None:
                profile[phase] = profile.get(phase, 0.0) + time.perf_counter() - start
        yield item


class _Clock:
    """Adds the seconds spent inside ``with clock(phase):`` to ``profile[phase]`` (if any)."""

    def __init__(self, profile: dict[str, float] | None) -> None:
        self.profile = profile
        self.phase = ""
        self.start = 0.0

    def __call__(self, phase: str) -> "_Clock":
        self.phase = phase
        return self

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: Any) -> None:
        if self.profile is not None:
            self.profile[self.phase] = self.profile.get(self.phase, 0.0) + time.perf_counter() - self.start


def units(models: Sequence[EvalModel], task_names: Sequence[str],
          quantizers: Sequence[int] = ()) -> Iterator[tuple[EvalModel, Task, str]]:
    """(model at an operating point, task, the rows' task label) for every task each model can
    do, at each of the task's operating points (``Task.operating_points``; only those in
    ``quantizers`` when given), in order."""
    for model in models:
        for name in task_names:
            if name not in model.tasks:
                continue
            task = TASKS.get(name)
            for point in task.operating_points(model):
                if point is None or not quantizers or point in quantizers:
                    yield model.at(point), task, task_label(name, point)


def evaluate(
    store: RunStore,
    models: Sequence[EvalModel],
    task_names: Sequence[str],
    clips: Dataset,
    clip_ids: Sequence[str],
    metrics_for: Callable[[Task], Sequence[str]],
    scorer: Scorer,
    batch_size: int = 4,
    loader_workers: int = 0,
    collate_fn: Callable | None = None,
    progress: bool = True,
    max_in_flight: int = 4,
    shard: tuple[int, int] = (0, 1),
    done: set[tuple[str, str, str]] | None = None,
    profile: dict[str, float] | None = None,
    quantizers: Sequence[int] = (),
) -> int:
    """Scores every (model, task, clip) unit that the run has no rows for; returns units done.
    A task run at an operating point (rate-distortion) is a task of its own in the rows
    (``rate-distortion@2``: ``bench.engine.tasks.task_label``); ``quantizers`` restricts the
    operating points (empty: every one the model offers).

    ``shard`` = (rank, world size): the pending clips are cut into batches and this process takes
    every world-size-th batch, so each batch is exactly the batch a one-process run would form.
    ``done``: the units finished before this run started (default: read from ``store``); the
    ranks of a distributed run must all pass the set read BEFORE any rank writes, or their
    shards would disagree.
    ``profile``: a dict to which the seconds of each of ``PHASES`` are added: waiting for the
    DataLoader (``load``), the model (``infer``), tensor metrics and handing the pool its jobs
    (``submit``), blocking on the pool's results (``wait_metrics``), appending parts (``write``).
    """
    rank, world = shard
    clock = _Clock(profile)
    done = store.done_units() if done is None else done
    finished = 0
    for model, task, label in units(models, task_names, quantizers):
        metrics = tuple(metrics_for(task))
        pending = [i for i, cid in enumerate(clip_ids) if (model.label, label, cid) not in done]
        batches = [pending[i : i + batch_size] for i in range(0, len(pending), batch_size)]
        pending = [index for chunk in batches[rank::world] for index in chunk]
        if not pending:
            continue
        loader = DataLoader(Subset(clips, pending), batch_size=batch_size, shuffle=False,
                            num_workers=loader_workers, collate_fn=collate_fn)
        in_flight: deque = deque()
        with tqdm(total=len(pending), desc=f"{model.label} | {label}", unit="clip",
                  disable=not progress, dynamic_ncols=True) as bar:

            def flush(block: bool) -> None:
                nonlocal finished
                while in_flight and (block or in_flight[0][1].done()):
                    n_clips, handle = in_flight.popleft()
                    with clock("wait_metrics"):
                        scored = handle.result()
                    with clock("write"):
                        store.append(_rows(model, label, scored))
                    bar.update(n_clips)
                    finished += n_clips

            for batch in _timed(loader, profile, "load"):
                with clock("infer"), torch.inference_mode():
                    items = infer_or_skip(task, model, batch)
                with clock("submit"):
                    handle = scorer.submit(items, metrics, model.sample_rate)
                in_flight.append((len(batch["clip_id"]), handle))
                flush(block=len(in_flight) >= max_in_flight)
            flush(block=True)
    return finished

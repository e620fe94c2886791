"""``RunConfig``: everything that determines a run's results, stored in its manifest."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RunConfig:
    """Options of ``bench run``.

    ``models``: specs ``[LABEL=]PATH`` or embedded defaults (empty: the suite's defaults).
    ``data``: a DnR-layout root (None: the built-in synthetic set). ``split``: ``val`` (5 s
    clips) or ``test`` (10 s clips). ``protocol``: ``corrected`` (test from ``tt/``) or
    ``authors`` (the authors' script: test from ``cv/``). ``metrics``: override of the tasks'
    metrics (empty: each task's defaults). ``batch_size``: clips per inference batch.
    ``metric_workers``: processes scoring CPU-bound metrics (0: one per core). ``limit``: score
    only the first N clips (quick looks; recorded, so never mistaken for a full run).
    ``batch_sizes``, ``clip_seconds``, ``precisions``: the throughput suite's grid (empty: its
    defaults for the device). ``n_quantizers``: the rate-distortion suite's operating points
    (empty: every one each codec offers).
    """

    suite: str
    models: tuple[str, ...] = ()
    data: str | None = None
    split: str = "test"
    protocol: str = "corrected"
    metrics: tuple[str, ...] = ()
    batch_size: int = 4
    device: str = "cpu"
    metric_workers: int = 0
    loader_workers: int = 0
    limit: int | None = None
    seed: int = 0
    batch_sizes: tuple[int, ...] = ()
    clip_seconds: tuple[float, ...] = ()
    precisions: tuple[str, ...] = ()
    n_quantizers: tuple[int, ...] = ()

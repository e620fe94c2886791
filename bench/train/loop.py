"""The training loop: one entry point for every recipe, one process or many (``torchrun``).

``train(config, run_dir)`` starts a run; ``resume_run(run_dir)`` continues one from its newest
checkpoint. A run folder holds::

    config.json            the exact TrainConfig (also inside every checkpoint)
    train.log              configuration, environment, then one line per log step
    metrics.jsonl          one JSON row per log step: step, lr, losses (averaged over ranks)
    tb/                    TensorBoard scalars (``tensorboard --logdir RUN_DIR/tb``)
    checkpoints/step-N.pt  resumable training state (newest ``keep_checkpoints`` kept)
    model.pt               the trained model (``sdcodec.checkpoint.save_model``; loads with
                           ``load_model``) once ``total_steps`` are done

Determinism: the model is built after seeding with ``seed`` (identical on every rank; DDP also
broadcasts rank 0's weights); then each rank seeds its own stream with ``seed + rank``. Batches
are a pure function of (data seed, step) and split by rank (``TrainBatches``), so the global batch
does not depend on the number of processes. On the CPU a resumed run is bit-for-bit the
uninterrupted one.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch

from sdcodec.core.dataclass_json import config_hash
from sdcodec.core.errors import CheckpointError, ConfigError
from bench.train.config import TrainConfig, config_from_json, config_to_json
from bench.train.runtime import Runtime
from bench.train.state import (
    latest_checkpoint,
    load_training_state,
    rng_state,
    save_training_state,
    seed_everything,
    set_rng_state,
)

#: ``factory(config, global_batch_size, rank, world_size)`` -> an object with ``batch(step)``.
BatchesFactory = Callable[[Any, int, int, int], Any]


@dataclass
class TrainResult:
    """What ``train`` did: the run folder, steps done, whether ``total_steps`` were reached,
    the exported model (``None`` if not finished), and the logged rows of this call."""

    run_dir: Path
    step: int
    finished: bool
    model_path: Path | None
    history: list[dict[str, float]] = field(default_factory=list)


def default_run_dir(config: TrainConfig) -> Path:
    """``results/train/<family>-<config name>-<UTC time>``."""
    from bench.results.paths import results_dir

    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return results_dir() / "train" / f"{config.family}-{config.name}-{stamp}"


def default_batches(config: TrainConfig, global_batch: int, rank: int, world: int) -> Any:
    from bench.train.data import TrainBatches

    return TrainBatches(config.data_config(), global_batch, rank, world)


def read_run_config(run_dir: str | Path) -> TrainConfig:
    """The ``TrainConfig`` saved in ``run_dir/config.json``."""
    path = Path(run_dir) / "config.json"
    if not path.is_file():
        raise CheckpointError(f"{path}: not a training run folder (no config.json; start one with bench train --out)")
    return config_from_json(json.loads(path.read_text()))


def _environment(runtime: Runtime) -> dict[str, Any]:
    return {
        "host": socket.gethostname(), "python": sys.version.split()[0], "torch": torch.__version__,
        "platform": platform.platform(), "device": str(runtime.device), "world_size": runtime.dist.world_size,
        "precision": runtime.precision, "cuda": torch.cuda.get_device_name(runtime.device) if runtime.device.type == "cuda" else None,
        "threads": torch.get_num_threads(),
    }


class _Logger:
    """Rank 0's outputs: train.log, metrics.jsonl, TensorBoard, tqdm."""

    def __init__(self, run_dir: Path, runtime: Runtime, start: int, total: int, progress: bool) -> None:
        self.active = runtime.is_main
        self.bar = None
        self.writer = None
        if not self.active:
            return
        from tqdm.auto import tqdm

        self.log_path = run_dir / "train.log"
        self.metrics_path = run_dir / "metrics.jsonl"
        self.bar = tqdm(total=total, initial=start, desc="train", unit="step", disable=not progress, dynamic_ncols=True)
        try:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(run_dir / "tb"))
        except ImportError:  # tensorboard missing: the JSON log still has everything
            self.writer = None

    def text(self, line: str) -> None:
        if self.active:
            with open(self.log_path, "a") as handle:
                handle.write(line.rstrip("\n") + "\n")

    def row(self, row: dict[str, float]) -> None:
        if not self.active:
            return
        with open(self.metrics_path, "a") as handle:
            handle.write(json.dumps(row) + "\n")
        step = int(row["step"])
        if self.writer is not None:
            for key, value in row.items():
                if key != "step":
                    self.writer.add_scalar(f"train/{key}", value, step)
        shown = {k: f"{v:.3g}" for k, v in row.items() if k in ("loss_g", "loss_d", "mel", "loss", "si_sdr")}
        if self.bar is not None:
            self.bar.set_postfix(shown, refresh=False)
        self.text(f"step {step} " + " ".join(f"{k}={v:.6g}" for k, v in row.items() if k != "step"))

    def advance(self, n: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.writer is not None:
            self.writer.close()


def _shared_run_dir(runtime: Runtime, run_dir: Path | None, config: TrainConfig) -> Path:
    chosen = run_dir if run_dir is not None else default_run_dir(config)
    return Path(runtime.gather_objects(str(chosen))[0])  # rank 0's choice


def train(
    config: TrainConfig | None = None,
    run_dir: str | Path | None = None,
    *,
    resume: bool = False,
    stop_at: int | None = None,
    device: str = "auto",
    progress: bool = True,
    export: str | Path | None = None,
    batches_factory: BatchesFactory | None = None,
) -> TrainResult:
    """Trains ``config`` into ``run_dir`` (a new folder), or with ``resume=True`` continues the
    run in ``run_dir`` from its newest checkpoint (``config`` may then be None: the saved one is
    used). ``stop_at``: stop (with a checkpoint) once this many steps are done, e.g. to fit a job
    time limit. ``export``: also write the finished model to this path (``save_model``).
    ``device``: ``auto``, ``cpu``, ``cuda``; under torchrun each rank takes ``cuda:<LOCAL_RANK>``.
    """
    if resume:
        if run_dir is None:
            raise ConfigError("resume needs the run folder (--resume RUN_DIR)")
        saved = read_run_config(run_dir)
        if config is not None and config_hash(config) != config_hash(saved):
            raise ConfigError(f"{run_dir}: --resume continues the saved configuration; do not pass another one")
        config = saved
    if config is None:
        raise ConfigError("train needs a TrainConfig (or resume=True with a run folder)")
    runtime = Runtime.start(device, config.precision)
    try:
        return _train(config, runtime, run_dir, resume, stop_at, progress, export, batches_factory or default_batches)
    finally:
        runtime.stop()


def _train(
    config: TrainConfig,
    runtime: Runtime,
    run_dir: str | Path | None,
    resume: bool,
    stop_at: int | None,
    progress: bool,
    export: str | Path | None,
    batches_factory: BatchesFactory,
) -> TrainResult:
    from bench.train.recipes import load_recipes

    world, rank = runtime.dist.world_size, runtime.dist.rank
    if config.batch_size % world:
        raise ConfigError(f"batch_size {config.batch_size} (global) does not divide by the {world} processes")
    run = _shared_run_dir(runtime, Path(run_dir) if run_dir is not None else None, config)
    if not resume and (run / "config.json").exists():
        raise ConfigError(f"{run}: a training run already lives here (continue it with --resume {run}, or pick another --out)")

    seed_everything(config.seed)
    recipe = load_recipes().get(config.recipe)(config, runtime)
    batches = batches_factory(config, config.batch_size, rank, world)

    start = 0
    if resume:
        path = latest_checkpoint(run)
        state = load_training_state(path)
        recipe.load_state_dict(state["parts"], str(path))
        start = int(state["step"])
        rngs = state.get("rng") or []
        if len(rngs) == world:
            set_rng_state(rngs[rank])
        else:  # another world size: a fresh, still deterministic stream per rank
            seed_everything(config.seed + rank + 7919 * start)
    else:
        seed_everything(config.seed + rank)
        if runtime.is_main:
            run.mkdir(parents=True, exist_ok=True)
            from bench.util.atomic import atomic_write_json

            atomic_write_json(run / "config.json", config_to_json(config))
        runtime.barrier()

    log = _Logger(run, runtime, start, config.total_steps, progress)
    if resume:
        log.text(f"# resumed at step {start} from {latest_checkpoint(run).name} on {_environment(runtime)}")
    else:
        log.text(f"# sdbench training run {run}")
        log.text(f"# started {datetime.now(timezone.utc).isoformat()} argv: {' '.join(sys.argv)}")
        log.text(f"# environment: {json.dumps(_environment(runtime))}")
        log.text("# configuration (config.json):")
        log.text(json.dumps(config_to_json(config), indent=2))

    end = config.total_steps if stop_at is None else min(config.total_steps, stop_at)
    history: list[dict[str, float]] = []
    step = start
    clock = time.perf_counter()
    recipe.train()
    if config.data_workers > 0 and hasattr(batches, "loader") and start < end:
        stream = iter(batches.loader(start, end, num_workers=config.data_workers,
                                     pin_memory=runtime.device.type == "cuda"))
    else:
        stream = (batches.batch(s) for s in range(start, end))
    try:
        while step < end:
            batch = next(stream).to(runtime.device, non_blocking=True)
            lr = recipe.lr  # the rate this step uses
            logs = recipe.train_step(batch, step)
            step += 1
            log.advance()
            if step % config.log_every == 0 or step == end:
                row = {"step": step, "lr": lr, **runtime.mean_over_ranks(logs)}
                now = time.perf_counter()
                row["seconds"] = now - clock
                clock = now
                history.append(row)
                log.row(row)
            if step % config.checkpoint_every == 0 or step == end:
                _checkpoint(run, recipe, runtime, config, step)
    finally:
        log.close()

    finished = step >= config.total_steps
    model_path = None
    if finished:
        model_path = run / "model.pt"
        if runtime.is_main:
            export_model(recipe.model, config, model_path, step)
            if export is not None:
                export_model(recipe.model, config, Path(export), step)
        log.text(f"# finished {config.total_steps} steps; model: {model_path}")
    runtime.barrier()
    return TrainResult(run, step, finished, model_path, history)


def _checkpoint(run: Path, recipe: Any, runtime: Runtime, config: TrainConfig, step: int) -> None:
    rngs = runtime.gather_objects(rng_state())
    if runtime.is_main:
        save_training_state(
            run,
            {"step": step, "config": config_to_json(config), "parts": recipe.state_dict(), "rng": rngs,
             "meta": {"world_size": runtime.dist.world_size, "time": datetime.now(timezone.utc).isoformat()}},
            keep=config.keep_checkpoints,
        )
    runtime.barrier()


def export_model(model: torch.nn.Module, config: TrainConfig, path: str | Path, step: int, meta: dict[str, Any] | None = None) -> Path:
    """Writes ``model`` as a project checkpoint (``load_model`` reads it) with the training
    configuration and step in its ``meta``."""
    from sdcodec.checkpoint import save_model

    info = {"train_config": config_to_json(config), "step": step, "config_name": config.name,
            "pid": os.getpid(), "time": datetime.now(timezone.utc).isoformat()}
    info.update(meta or {})
    return save_model(model, config.family, config.model_config(), path, meta=info)


def resume_run(run_dir: str | Path, **kwargs: Any) -> TrainResult:
    """Continues the run in ``run_dir`` from its newest checkpoint (see ``train``)."""
    return train(None, run_dir, resume=True, **kwargs)

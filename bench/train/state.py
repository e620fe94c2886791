"""Training state on disk: resumable checkpoints (atomic) and random-number-generator states.

A training checkpoint (``RUN_DIR/checkpoints/step-<N>.pt``) is one ``torch.save``'d dict::

    {
        "format": "sdbench-train", "version": 1,
        "step": N,                       # optimiser steps done
        "config": {...},                 # TrainConfig JSON
        "parts": {name: {"model", "optimizer", "scheduler", "scaler"}},  # generator, discriminator
        "rng": [per-rank RNG states],    # python, numpy, torch CPU, torch CUDA
        "meta": {...},
    }

of tensors and plain values only (the numpy RNG state as a list of ints), so that it is read
weights-only; files of older versions, whose numpy state is an array, load with numpy's array
reconstruction allow-listed (``sdcodec.checkpoint_trust.NUMPY_ARRAY_GLOBALS``).

written with ``atomic_torch_save`` (a killed run never leaves a half file); the newest
``keep_checkpoints`` are kept. ``--resume RUN_DIR`` loads the newest, restores everything and
continues; on the CPU the continued run is bit-for-bit the uninterrupted one.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sdcodec.core.errors import CheckpointError
from sdcodec.checkpoint import atomic_torch_save, read_checkpoint
from sdcodec.checkpoint_trust import NUMPY_ARRAY_GLOBALS

FORMAT = "sdbench-train"
VERSION = 1
_NAME = re.compile(r"^step-(\d+)\.pt$")


def checkpoint_dir(run_dir: str | Path) -> Path:
    return Path(run_dir) / "checkpoints"


def checkpoint_path(run_dir: str | Path, step: int) -> Path:
    """``RUN_DIR/checkpoints/step-<step, 8 digits>.pt``."""
    return checkpoint_dir(run_dir) / f"step-{step:08d}.pt"


def list_checkpoints(run_dir: str | Path) -> list[tuple[int, Path]]:
    """``(step, path)`` of the run's training checkpoints, oldest first."""
    folder = checkpoint_dir(run_dir)
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _NAME.match(p.name))]
    return sorted(found)


def latest_checkpoint(run_dir: str | Path) -> Path:
    """The newest training checkpoint of ``run_dir``; a ``CheckpointError`` saying what to do if none."""
    found = list_checkpoints(run_dir)
    if not found:
        raise CheckpointError(
            f"{checkpoint_dir(run_dir)}: no training checkpoint to resume from "
            "(start a new run with --out, or point --resume at a run folder that saved one)"
        )
    return found[-1][1]


def save_training_state(run_dir: str | Path, payload: dict[str, Any], keep: int) -> Path:
    """Writes ``payload`` (see the module docstring) atomically; prunes all but the newest ``keep``."""
    path = atomic_torch_save({"format": FORMAT, "version": VERSION, **payload}, checkpoint_path(run_dir, payload["step"]))
    for _, old in list_checkpoints(run_dir)[:-keep]:
        old.unlink(missing_ok=True)
    return path


def load_training_state(path: str | Path) -> dict[str, Any]:
    """Reads a training checkpoint; a ``CheckpointError`` if it is not one."""
    obj = read_checkpoint(path, allow=NUMPY_ARRAY_GLOBALS)
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise CheckpointError(
            f"{path}: not an sdbench training checkpoint (exported models load with "
            "sdcodec.checkpoint.load_model; --resume wants a run folder written by bench train)"
        )
    return obj


def rng_state() -> dict[str, Any]:
    """This process's random states: python, numpy, torch CPU and (if any) CUDA devices; plain
    values and tensors (numpy's key array as a list of ints), so that it loads weights-only."""
    kind, keys, position, has_gauss, cached = np.random.get_state()
    numpy_state = (kind, keys.tolist(), position, has_gauss, cached)
    state = {"python": random.getstate(), "numpy": numpy_state, "torch": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restores what ``rng_state`` returned (the numpy key as a list, or as an array in older files)."""
    random.setstate(state["python"])
    kind, keys, *rest = state["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), *rest))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def seed_everything(seed: int) -> None:
    """Seeds python, numpy and torch (all devices) with ``seed``."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)

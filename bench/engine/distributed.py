"""Multi-process evaluation under ``torchrun``: rank, world size, device, barriers.

``torchrun --nproc_per_node N -m bench.cli run --suite ... --device cuda`` starts N processes;
each scores a shard of the clips (whole batches, round robin, so every batch is the same as in a
one-process run) and writes its own parts; rank 0 merges once all are done. Without torchrun's
environment everything here is a no-op for one process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def setup(device: str) -> tuple[DistInfo, str]:
    """Joins the process group torchrun set up (gloo on CPU, nccl on CUDA); returns the info and
    this rank's device (``cuda`` becomes ``cuda:<local rank>``)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo(), device
    info = DistInfo(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")))
    if device.startswith("cuda") and ":" not in device:
        device = f"cuda:{info.local_rank}"
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.startswith("cuda") else "gloo")
    return info, device


def barrier(info: DistInfo) -> None:
    if info.enabled and dist.is_initialized():
        dist.barrier()


def teardown(info: DistInfo) -> None:
    if info.enabled and dist.is_initialized():
        dist.destroy_process_group()

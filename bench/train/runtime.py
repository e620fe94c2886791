"""Where a training process runs: device, ranks (``torchrun``), mixed precision, DDP wrapping.

``torchrun --nproc_per_node N [--nnodes M ...] -m bench.cli train ...`` sets ``RANK``,
``LOCAL_RANK`` and ``WORLD_SIZE``; ``bench.engine.distributed.setup`` joins the process group (nccl on
CUDA, gloo on CPU). Without them the same code runs as one process. Mixed precision is
``torch.autocast`` (fp16 or bf16) on CUDA only; fp16 adds a ``GradScaler`` per optimiser.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from bench.engine.devices import check_device
from bench.engine.distributed import DistInfo, setup, teardown


def resolve_device(device: str) -> str:
    """``"auto"`` -> ``"cuda"`` when a GPU is visible, else ``"cpu"``; other names checked as
    ``bench run`` checks them (``bench.engine.devices.check_device``: one-line ``ConfigError``)."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return check_device(device)


@dataclass
class Runtime:
    """One process's device, rank and precision; see the module docstring."""

    device: torch.device
    dist: DistInfo
    precision: str

    @classmethod
    def start(cls, device: str, precision: str) -> "Runtime":
        """Joins torchrun's process group (if any) and picks this rank's device."""
        info, name = setup(resolve_device(device))
        torch_device = torch.device(name)
        if torch_device.type != "cuda":
            precision = "fp32"  # autocast is for CUDA here: CPU runs stay fp32 (exact resume)
        return cls(torch_device, info, precision)

    def stop(self) -> None:
        teardown(self.dist)

    @property
    def is_main(self) -> bool:
        return self.dist.is_main

    @property
    def amp_dtype(self) -> torch.dtype | None:
        return {"fp16": torch.float16, "bf16": torch.bfloat16}.get(self.precision)

    def autocast(self) -> contextlib.AbstractContextManager:
        """``torch.autocast`` for the configured precision (a no-op for fp32)."""
        dtype = self.amp_dtype
        if dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=dtype)

    def grad_scaler(self) -> torch.amp.GradScaler:
        """A ``GradScaler``, enabled for fp16 only (a pass-through otherwise)."""
        return torch.amp.GradScaler(self.device.type, enabled=self.precision == "fp16")

    def wrap(self, module: nn.Module, find_unused_parameters: bool = False) -> nn.Module | "DistributedModel":
        """``module`` on this device; with several ranks a ``DistributedModel`` (DDP) around it."""
        module.to(self.device)
        if not self.dist.enabled:
            return module
        ids = [self.device.index] if self.device.type == "cuda" else None
        inner = _VisibleOutputs(module)
        ddp = nn.parallel.DistributedDataParallel(inner, device_ids=ids, find_unused_parameters=find_unused_parameters)
        return DistributedModel(ddp, inner)

    def mean_over_ranks(self, values: dict[str, torch.Tensor]) -> dict[str, float]:
        """Scalars averaged over all ranks (one all-reduce), as floats."""
        if not values:
            return {}
        names = sorted(values)
        stacked = torch.stack([values[n].detach().float().reshape(()) for n in names]).to(self.device)
        if self.dist.enabled:
            dist.all_reduce(stacked)
            stacked /= self.dist.world_size
        return dict(zip(names, stacked.cpu().tolist()))

    def gather_objects(self, obj: object) -> list[object]:
        """``obj`` from every rank (rank order); ``[obj]`` for one process."""
        if not self.dist.enabled:
            return [obj]
        out: list[object] = [None] * self.dist.world_size
        dist.all_gather_object(out, obj)
        return out

    def barrier(self) -> None:
        if self.dist.enabled:
            dist.barrier()


class _VisibleOutputs(nn.Module):
    """Returns a dataclass output (``SDCodecOutput``) as a dict of its fields, so that DDP finds
    the tensors in it. DDP does not look inside dataclasses: it would take every parameter for
    unused and silently keep each rank's local gradients (measured: up to 100% off)."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module
        self.output_type: type | None = None

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        out = self.module(*args, **kwargs)
        if dataclasses.is_dataclass(out) and not isinstance(out, type):
            self.output_type = type(out)
            return {f.name: getattr(out, f.name) for f in dataclasses.fields(out)}
        self.output_type = None
        return out


class DistributedModel:
    """A module in ``DistributedDataParallel``, called like the module itself (dataclass outputs
    rebuilt); ``no_sync()`` keeps the next backward's gradients local."""

    def __init__(self, ddp: nn.parallel.DistributedDataParallel, inner: _VisibleOutputs) -> None:
        self.ddp = ddp
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        out = self.ddp(*args, **kwargs)
        kind = self.inner.output_type
        return kind(**out) if kind is not None else out

    def no_sync(self) -> contextlib.AbstractContextManager:
        return self.ddp.no_sync()


@contextlib.contextmanager
def no_sync(module: Any) -> Iterator[None]:
    """``no_sync()`` of a ``DistributedModel`` (gradients stay local), else nothing."""
    if isinstance(module, DistributedModel):
        with module.no_sync():
            yield
    else:
        yield

"""Helper of ``test_distributed.py``: runs ``bench train`` (the real CLI, one process or one rank
under ``torchrun``) and records, for every optimiser step, the gradients the optimiser is about
to apply and the losses the loop logs (averaged over the ranks), into ``OUT/rank<RANK>.pt``.

    python tests/train/ddp_probe.py OUT MODE train --model sdcodec ...

``MODE``: ``ddp`` (as shipped), or one of two broken variants that the test's checks must catch:
``nosync`` (DDP never all-reduces: every rank keeps its own gradients) and ``lost`` (rank 1's
gradients are dropped: every rank receives rank 0's).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import torch
from torch.optim.optimizer import register_optimizer_step_pre_hook

MODES = ("ddp", "nosync", "lost")


def _broadcast_rank0(state, bucket):  # unannotated: DDP checks annotations, and they are strings here
    """A DDP communication hook that replaces the average by rank 0's own gradients."""
    work = torch.distributed.broadcast(bucket.buffer(), src=0, async_op=True)
    return work.get_future().then(lambda future: future.value()[0])


def _break(mode: str) -> None:
    """Makes every DDP-wrapped part of the run misbehave as ``mode`` says."""
    from bench.train import runtime

    wrap = runtime.Runtime.wrap

    def broken_wrap(self, module, find_unused_parameters=False):
        wrapped = wrap(self, module, find_unused_parameters)
        if isinstance(wrapped, runtime.DistributedModel):
            if mode == "nosync":
                wrapped.ddp.require_backward_grad_sync = False  # no_sync() restores this value
            else:
                wrapped.ddp.register_comm_hook(None, _broadcast_rank0)
        return wrapped

    runtime.Runtime.wrap = broken_wrap


class Recorder:
    """Gradients before every optimiser step (``steps``: ``[(optimiser index, [grad, ...])]``,
    optimisers numbered in the order they first step) and the logged losses (``logs``: what
    ``Runtime.mean_over_ranks`` returns, one dict per logged step). ``replay``: optimiser step
    number -> gradients to apply at that step instead of the computed ones (recorded first)."""

    def __init__(self, replay: dict[int, list[torch.Tensor]] | None = None) -> None:
        self.replay = replay or {}
        self.steps: list[tuple[int, list[torch.Tensor]]] = []
        self.logs: list[dict[str, float]] = []
        self._optimizers: list[int] = []
        self._handles: list[Any] = []

    def __enter__(self) -> "Recorder":
        from bench.train import runtime

        self._handles.append(register_optimizer_step_pre_hook(self._grads))
        mean = runtime.Runtime.mean_over_ranks

        def recorded_mean(runtime_self, values):
            row = mean(runtime_self, values)
            self.logs.append(dict(row))
            return row

        self._restore = (runtime.Runtime, mean)
        runtime.Runtime.mean_over_ranks = recorded_mean
        return self

    def __exit__(self, *exc: Any) -> None:
        for handle in self._handles:
            handle.remove()
        cls, mean = self._restore
        cls.mean_over_ranks = mean

    def _grads(self, optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        if id(optimizer) not in self._optimizers:
            self._optimizers.append(id(optimizer))
        params = [p for group in optimizer.param_groups for p in group["params"]]
        self.steps.append((self._optimizers.index(id(optimizer)), [p.grad.detach().clone() for p in params]))
        for param, grad in zip(params, self.replay.get(len(self.steps) - 1, []), strict=False):
            param.grad.copy_(grad)

    def result(self) -> dict[str, Any]:
        return {"steps": self.steps, "logs": self.logs}


def main(argv: list[str]) -> int:
    out, mode, cli_args = Path(argv[0]), argv[1], argv[2:]
    if mode not in MODES:
        raise SystemExit(f"ddp_probe: MODE must be one of {', '.join(MODES)}, got {mode!r}")
    if mode != "ddp":
        _break(mode)
    from bench.cli import main as bench_main

    with Recorder() as recorder:
        status = bench_main(cli_args)
    torch.save(recorder.result(), out / f"rank{os.environ.get('RANK', '0')}.pt")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

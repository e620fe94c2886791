"""Two-process DDP on the CPU (gloo), launched with ``torchrun`` through the real CLI: what DDP
guarantees, checked exactly, so that the result does not depend on the machine.

After every backward, DDP leaves on every rank the average of the ranks' own gradients. With two
ranks that average is ``(g0 + g1) * 0.5`` in float32 on any IEEE machine: DDP scales each
gradient by 1/2 (exact in binary) and gloo sums two numbers (one rounding, the same whichever
order); so the checks are bit-for-bit equalities, no tolerance:

1. at every optimiser step of both parts (discriminator, generator), rank 0's and rank 1's
   gradients are identical;
2. at the first step, they equal ``(g0 + g1) * 0.5``, where ``g_r`` is the gradient a single
   process computes on rank ``r``'s rows alone (the same rows, the same kernels on one thread);
3. both ranks take the same optimiser steps (discriminator, generator; 3 steps) and log the
   same losses, and the first step's losses are the float32 mean of the two half-batch losses.

A probe (``ddp_probe.py``) records the gradients the optimisers are about to apply. The same
checks fail on two broken runs: DDP never synchronising (each rank keeps its gradients) and a
lost rank (rank 1's gradients dropped, every rank applying rank 0's). That the average of the
half-batch gradients is the full batch's gradient is a property of the recipe's losses (means
over equally many rows per rank), checked in float64 by ``test_full_batch_gradient_is_the_mean...``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from collections.abc import Callable
from typing import Any

import pytest
import torch

from . import ddp_probe
from .conftest import sources_override

REPO = Path(__file__).resolve().parents[2]

# SD-Codec with a small discriminator (one MRD): both parts, absent branches (find_unused), and
# no swap: a swap permutes rows within each rank (the latents a rank holds), so it differs from a
# one-process swap by construction; and every example quantized: quantize_prob's per-example
# draws (like quantizer dropout's) come from each rank's own random stream.
OVERRIDES = ["batch_size=4", "log_every=1", "data.segment_seconds=0.5", "data.swap_prob=0",
             "quantize_prob=1.0", "data.track_count_probs=[0.0,0.5,0.5]",
             "discriminator.periods=[]", "discriminator.fft_sizes=[512]"]
#: Logged values that are not losses (the gradient norms are those of the synchronised gradients).
NOT_LOSSES = ("grad_norm_d", "grad_norm_g")


def _torchrun(out: Path, mode: str, steps: int, small_dnr: Path) -> list[dict[str, Any]]:
    """``bench train`` on two ranks through the probe; each rank's record."""
    out.mkdir(parents=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               str(Path(ddp_probe.__file__)), str(out), mode,
               "train", "--model", "sdcodec", "--config", "tiny", "--device", "cpu", "--no-progress",
               "--out", str(out / "run"), f"total_steps={steps}", *OVERRIDES, sources_override(small_dnr)]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "world_size\": 2" in (out / "run" / "train.log").read_text()
    return [torch.load(out / f"rank{r}.pt", weights_only=True) for r in (0, 1)]


def _own_gradients(small_dnr: Path, tmp_path: Path, discriminator_step: list[torch.Tensor]) -> list[dict[str, Any]]:
    """One process, one step, on rank r's rows of the global batch alone (r = 0, 1), its
    discriminator updated with ``discriminator_step`` (the two-process run's synchronised
    gradients): the generator's gradient depends on the updated discriminator, so rank r's own
    generator gradient is the one computed after that same update."""
    from bench.train.config import apply_overrides, named_config
    from bench.train.loop import default_batches, train

    config = apply_overrides(named_config("tiny", "sdcodec"), ["total_steps=1", *OVERRIDES, sources_override(small_dnr)])
    records = []  # on one thread, as each rank runs (OMP_NUM_THREADS=1): tests/train/conftest.py
    for rank in (0, 1):
        def rows(cfg, global_batch, _rank, _world, rank=rank):
            return default_batches(cfg, global_batch, rank, 2)

        with ddp_probe.Recorder(replay={0: discriminator_step}) as recorder:
            run = train(config, tmp_path / f"own{rank}", progress=False, device="cpu", batches_factory=rows)
        assert run.finished
        records.append(recorder.result())
    return records


def check_ddp(ranks: list[dict[str, Any]], own_gradients: Callable[[list[torch.Tensor]], list[dict[str, Any]]],
              steps: int) -> None:
    """The module docstring's checks 1-3 (AssertionError naming the first that fails).
    ``own_gradients(discriminator_step)``: ``_own_gradients`` for this run."""
    first, second = ranks
    assert len(first["logs"]) == len(second["logs"]) == steps  # one logged row per step (log_every=1)
    assert first["logs"] == second["logs"], "the ranks logged different losses"
    assert [i for i, _ in first["steps"]] == [i for i, _ in second["steps"]] == [0, 1] * steps
    for call, ((_, a), (_, b)) in enumerate(zip(first["steps"], second["steps"])):
        differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if not torch.equal(x, y)]
        assert not differ, f"optimiser step {call}: the ranks' gradients differ ({len(differ)} of {len(a)} tensors)"
    own = own_gradients(first["steps"][0][1])
    for call in (0, 1):  # the first step: discriminator, then generator
        synced, own0, own1 = first["steps"][call][1], own[0]["steps"][call][1], own[1]["steps"][call][1]
        wrong = [i for i, (s, g0, g1) in enumerate(zip(synced, own0, own1, strict=True))
                 if not torch.equal(s, (g0 + g1) * 0.5)]
        assert not wrong, (f"optimiser step {call}: the gradients are not the mean of the ranks' own gradients "
                           f"({len(wrong)} of {len(synced)} tensors)")
        # not vacuous: the two ranks' own gradients differ (other rows)
        assert sum(not torch.equal(a, b) for a, b in zip(own0, own1)) > 0.5 * len(own0)
    for key, value in first["logs"][0].items():
        if key not in NOT_LOSSES:
            mean = (torch.tensor(own[0]["logs"][0][key]) + torch.tensor(own[1]["logs"][0][key])) / 2
            assert value == mean.item(), f"step 1 {key}: {value} is not the mean of the ranks' losses"


@pytest.mark.slow
def test_two_process_ddp_averages_the_ranks_gradients_exactly(tmp_path, small_dnr):
    ranks = _torchrun(tmp_path / "ddp", "ddp", 3, small_dnr)
    check_ddp(ranks, lambda step: _own_gradients(small_dnr, tmp_path, step), steps=3)
    assert json.loads((tmp_path / "ddp" / "run" / "config.json").read_text())["batch_size"] == 4  # global


@pytest.mark.slow
@pytest.mark.parametrize("mode, failure", [("nosync", "the ranks' gradients differ"),
                                           ("lost", "not the mean of the ranks' own gradients")])
def test_the_checks_fail_without_synchronisation_or_with_a_lost_rank(tmp_path, small_dnr, mode, failure):
    ranks = _torchrun(tmp_path / mode, mode, 1, small_dnr)
    with pytest.raises(AssertionError, match=failure):
        check_ddp(ranks, lambda step: _own_gradients(small_dnr, tmp_path, step), steps=1)


#: float64: the full batch's gradient against the mean of the half batches' (max |difference|
#: over the tensor's largest entry). The two differ only in the order of the sums over the
#: batch (at most 4 rows x 8000 samples = 3.2e4 terms per entry), float64's unit roundoff is
#: 1.1e-16, so a first-order bound is n u = 3.5e-12 per sum; 1e-9 leaves room for the ~30 layers
#: it passes through (measured: 2.1e-14). Rows or normalisations split wrongly between the
#: halves give differences of order 1.
F64_TOL = 1e-9


def _float64_rows(rank: int, world: int) -> Callable[..., Any]:
    """A batches factory: rank ``rank``'s rows of ``world`` (whatever the loop asks), in float64."""
    from bench.train.loop import default_batches

    def make(cfg, global_batch, _rank, _world):
        inner = default_batches(cfg, global_batch, rank, world)

        class Rows:
            def batch(self, step):
                b = inner.batch(step)
                return dataclasses.replace(b, mix=b.mix.double(), sources=b.sources.double(),
                                           mix_target=b.mix_target.double())

        return Rows()

    return make


@pytest.mark.slow
def test_full_batch_gradient_is_the_mean_of_the_half_batch_gradients(tmp_path, small_dnr):
    # What makes the DDP average (above) the one-process gradient: the recipe's losses are means
    # over rows, and each rank holds as many. Generator only (the float64 discriminator alone
    # would take minutes on two cores); float64 so that the comparison has a bound that holds
    # on any machine (F64_TOL).
    from bench.train.config import apply_overrides, named_config
    from bench.train.loop import train

    config = apply_overrides(named_config("tiny", "sdcodec"), [
        "total_steps=1", *OVERRIDES, "discriminator=null", sources_override(small_dnr)])
    records = {}
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # the model's parameters
    try:
        for name, (rank, world) in {"full": (0, 1), "half0": (0, 2), "half1": (1, 2)}.items():
            with ddp_probe.Recorder() as recorder:
                train(config, tmp_path / name, progress=False, device="cpu", batches_factory=_float64_rows(rank, world))
            (_, grads), = recorder.steps  # one step of the generator
            records[name] = grads
    finally:
        torch.set_default_dtype(before)
    full, half0, half1 = records["full"], records["half0"], records["half1"]
    assert all(g.dtype == torch.float64 for g in full)
    errors = [float((g - (a + b) / 2).abs().max() / g.abs().max()) for g, a, b in zip(full, half0, half1, strict=True)
              if g.abs().max() > 0]
    assert len(errors) > 0.9 * len(full) and max(errors) < F64_TOL, max(errors)
    # and the bound tells a wrong split: one half's gradient alone is far from the full batch's
    assert max(float((g - a).abs().max() / g.abs().max()) for g, a in zip(full, half0) if g.abs().max() > 0) > 1e-3

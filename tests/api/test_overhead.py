"""What the public interface costs: ``sdcodec-tiny``'s resynthesis of a batch through the harness
(``EvalModel``: rates, output checks, guarded calls; the task's plan and score items) against
calling its implementation directly (``FamilyCodec.resynthesize_many``, which is the model's own
batched encoder and decoder calls) and building the same score items.

The two are interleaved, in alternating order, so load from other processes and warm caches hit
both alike; the ratio is the median of the pairs' ratios (interface / direct), printed. (The
ratio of the fastest calls was tried: one burst of load on the few fastest calls moved it by 24%
on this VM, while the paired median stayed within 1% of 1.)
Measured on the development machine (2-core x86_64 VM shared with other jobs, load average
6-9, 2 torch threads; one clip of 1 s): see docs/models.md. The bound is
the issue's requirement (< 5% added); the interface does no work proportional to the audio at
the evaluation rate (16 kHz: no resampling), so its true cost is a fraction of a percent.
"""

from __future__ import annotations

import statistics
import time

import pytest
import torch

from bench.engine.tasks import TASKS, Output, _items
from bench.models import load_eval_model
from sdcodec.core.constants import MIX, TRACKS

MAX_RATIO = 1.05
ROUNDS = 12
SECONDS = 1.0


@pytest.fixture(scope="module")
def setting():
    model = load_eval_model("sdcodec-tiny")
    generator = torch.Generator().manual_seed(0)
    length = int(SECONDS * 16_000)
    stems = {t: 0.1 * torch.randn(1, 1, length, generator=generator) for t in TRACKS}
    batch = {"clip_id": ["a"], MIX: sum(stems.values()), **stems, "active": {t: torch.tensor([True]) for t in TRACKS}}
    return model, batch


def direct(model, batch):
    names = (MIX, *TRACKS)
    requests = [(batch[n], n if n in model.tracks else None) for n in names]
    outputs = model.impl.resynthesize_many(requests)
    return [item for n, out in zip(names, outputs) for item in _items(batch, out, Output(n, n, n, False))]


def test_the_interface_adds_under_5_percent_to_sdcodec_tiny(setting, capsys) -> None:
    model, batch = setting
    task = TASKS.get("resynthesis")
    with torch.inference_mode():
        ours, theirs = task.items(model, batch), direct(model, batch)
    assert [(i.input, i.output, i.clip_id) for i in ours] == [(i.input, i.output, i.clip_id) for i in theirs]
    assert all(torch.equal(a.estimate, b.estimate) for a, b in zip(ours, theirs))  # the same numbers

    def seconds(fn) -> float:
        with torch.inference_mode():
            start = time.perf_counter()
            fn()
            return time.perf_counter() - start

    interface = lambda: task.items(model, batch)  # noqa: E731
    plain = lambda: direct(model, batch)  # noqa: E731
    seconds(interface), seconds(plain)  # warm-up
    times: dict[str, list[float]] = {"interface": [], "direct": []}
    for round_ in range(ROUNDS):  # alternate which goes first: load and warm caches hit both alike
        order = (("direct", plain), ("interface", interface)) if round_ % 2 else (("interface", interface), ("direct", plain))
        for name, fn in order:
            times[name].append(seconds(fn))
    ratio = statistics.median(i / d for i, d in zip(times["interface"], times["direct"]))
    with capsys.disabled():
        print(f"\n[sdcodec-tiny resynthesis, 1 x {SECONDS:g} s, {torch.get_num_threads()} thread(s)] "
              f"interface / direct: {ratio:.4f} (median of {ROUNDS} interleaved pairs' ratios; medians "
              f"{statistics.median(times['interface']) * 1e3:.0f} / {statistics.median(times['direct']) * 1e3:.0f} ms)")
    assert ratio < MAX_RATIO, f"the interface adds {100 * (ratio - 1):.1f}% to sdcodec-tiny's evaluation"

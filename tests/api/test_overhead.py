"""What the public interface costs: ``sdcodec-tiny``'s resynthesis of a batch through the harness
(``EvalModel``: rates, output checks, guarded calls; the task's plan and score items) against
calling its implementation directly (``FamilyCodec.resynthesize_many``, which is the model's own
batched encoder and decoder calls) and building the same score items.

The two are interleaved, in alternating order, on one torch thread, and timed in CPU seconds of
this process (``time.process_time``): the work each does, not the time it waited for a CPU. The
ratio is of the fastest call of each (interface / direct), printed with the median of the pairs'
ratios. Why: on the development machine (2-core x86_64 VM shared with other engineers' jobs,
load average 7-9) two torch threads made a 1 s clip take 2-5 s of wall time instead of 0.4 s
(the threads wait for each other while the other processes hold the cores), and wall-clock
ratios swung from 0.8 to 1.6 between runs of identical code; one thread in CPU seconds gave
pairs within 0.93-1.11 and a fastest-call ratio of 0.995 (see docs/api.md). The bound is the
issue's requirement (< 5% added); at 16 kHz the interface does no work proportional to the audio.
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
            start = time.process_time()
            fn()
            return time.process_time() - start

    interface = lambda: task.items(model, batch)  # noqa: E731
    plain = lambda: direct(model, batch)  # noqa: E731
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        seconds(interface), seconds(plain)  # warm-up
        times: dict[str, list[float]] = {"interface": [], "direct": []}
        for round_ in range(ROUNDS):  # alternate which goes first
            first, second = ("direct", "interface") if round_ % 2 else ("interface", "direct")
            for name in (first, second):
                times[name].append(seconds(interface if name == "interface" else plain))
    finally:
        torch.set_num_threads(threads)
    ratio = min(times["interface"]) / min(times["direct"])
    paired = statistics.median(i / d for i, d in zip(times["interface"], times["direct"]))
    with capsys.disabled():
        print(f"\n[sdcodec-tiny resynthesis, 1 x {SECONDS:g} s, 1 thread, CPU seconds] interface / direct: "
              f"{ratio:.4f} (fastest of {ROUNDS} interleaved calls each: {min(times['interface']) * 1e3:.0f} / "
              f"{min(times['direct']) * 1e3:.0f} ms; median of the pairs' ratios {paired:.4f})")
    assert ratio < MAX_RATIO, f"the interface adds {100 * (ratio - 1):.1f}% to sdcodec-tiny's evaluation"

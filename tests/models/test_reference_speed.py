"""Encode and decode speed of our DAC 16 kHz against descript-audio-codec, the reference
implementation, measured in the same process on the same weights. The model is the paper-sized
DAC 16 kHz (74.18 M parameters, random weights: speed does not depend on their values) on 1 s of
audio, batch 1, CPU fp32; ours as the benchmark runs it (weight norm folded, in-place Snake),
the reference as published (weight norm recomputed per call, ``torch.jit.script`` Snake) except
its transposed convolutions, which run the same oneDNN-free kernel as ours
(``bench.models.reference_dac.reference_twin``; oneDNN's gets some samples wrong on several threads).

The two are interleaved, one reference call before each of our calls (pytest-benchmark times
ours; the reference is timed in the benchmark's untimed ``setup``), so load from other processes
hits both alike; the ratio is the reference's median over ours (above 1: we are faster). It is
printed and stored in the benchmark's ``extra_info``.

Measured on the development machine (2-core CPU VM shared with training jobs, load average
3.3-4.0, one torch thread; torch 2.13 CPU, descript-audio-codec 1.0.0):

* interleaved medians of 15 pairs, two runs: encode ours 314/325 ms vs reference 344/356 ms
  (ratio 1.095/1.097; before the in-place Snake and residual add, 1.01-1.08 in three runs:
  about on par, an encode being over 80% convolutions, which both run through the same oneDNN
  kernels, and the rest Snake's allocations); decode ours 749/720 ms vs 828/819 ms (1.106/1.138; ours skips
  the reference's weight norm, recomputed for every convolution at every call);
* this test (9 pairs), three runs: encode 1.109, 1.101, 1.085; decode 1.110, 1.141, 1.103.
  Over all runs the ratio is 1.096 +- 0.009 (encode) and 1.118 +- 0.017 (decode), while single
  pairs range 0.83-1.30 under that load.

The bound is the issue's requirement, ours not slower (1.0): 7 (encode) and 6 (decode)
standard deviations below the measured ratios, so noise does not trip it, and any real
regression that costs more than the roughly 10% lead does. A bound above 1.0 would assert a
speedup that rests on this VM's allocation costs rather than on the requirement.
"""

from __future__ import annotations

import statistics
import time

import pytest
import torch

from bench.models import load_eval_model
from bench.models.reference_dac import reference_stages, reference_twin

#: Ours may not be slower than the reference (ratio of interleaved medians; see the docstring).
MIN_RATIO = 1.0
ROUNDS = 9


@pytest.fixture(scope="module")
def models():
    torch.manual_seed(0)
    ours = load_eval_model("DAC=preset:dac/16k")
    reference = reference_twin(ours.impl.model)
    assert reference is not None, "descript-audio-codec is a test dependency"
    audio = 0.1 * torch.randn(1, 1, 16000, generator=torch.Generator().manual_seed(0))
    return ours.stages(audio), reference_stages(reference, audio)


@pytest.mark.parametrize("stage", ["encode", "decode"])
def test_ours_is_not_slower_than_descript_audio_codec(benchmark, models, stage, capsys):
    ours, reference = models
    benchmark.group = f"dac16k-1s-{stage}"
    reference_seconds: list[float] = []

    def call():
        with torch.inference_mode():
            return ours[stage]()

    def setup():  # untimed by pytest-benchmark: one reference call before each of ours
        with torch.inference_mode():
            start = time.perf_counter()
            reference[stage]()
            reference_seconds.append(time.perf_counter() - start)

    out = benchmark.pedantic(call, setup=setup, rounds=ROUNDS, warmup_rounds=1)
    assert out is not None
    assert len(reference_seconds) == ROUNDS + 1  # the warm-up round's call is dropped below
    ref_seconds = statistics.median(reference_seconds[1:])
    our_seconds = benchmark.stats.stats.median
    ratio = ref_seconds / our_seconds
    benchmark.extra_info.update(reference_seconds=ref_seconds, ratio_vs_reference=ratio)
    with capsys.disabled():
        print(f"\n[DAC 16k {stage}, 1 s, batch 1, CPU, {torch.get_num_threads()} thread(s)] ours "
              f"{our_seconds * 1e3:.1f} ms, descript-audio-codec {ref_seconds * 1e3:.1f} ms: {ratio:.3f}x")
    assert ratio >= MIN_RATIO, f"ours is {1 / ratio:.3f}x slower than the reference at {stage}"

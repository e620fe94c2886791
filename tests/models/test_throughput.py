"""``bench.suites.throughput`` on the CPU: peak memory is measured there too (MiB, the call's working
memory from the profiler's allocation events), exactly for known allocations, positive and
growing with the batch for a codec stage."""

from __future__ import annotations

import math

import torch

from bench.models import load_eval_model
from bench.suites.throughput import cpu_peak_memory_bytes, throughput_row, time_call

MIB = 2**20


def test_cpu_peak_is_the_maximum_of_live_tensor_bytes():
    kept = torch.zeros(8 * MIB, dtype=torch.uint8)  # allocated before: not counted

    def fn():
        a = torch.empty(MIB, dtype=torch.uint8)
        b = torch.empty(3 * MIB, dtype=torch.uint8)
        del a  # 3 MiB held, peak 4 MiB
        c = torch.empty(MIB // 8, dtype=torch.float64)  # 1 MiB more: 4 MiB again, not above
        del b
        return c + 1  # 1 MiB more while c is alive: 2 MiB

    assert cpu_peak_memory_bytes(fn) == 4 * MIB
    assert cpu_peak_memory_bytes(lambda: torch.empty(5 * MIB, dtype=torch.uint8)) == 5 * MIB
    assert cpu_peak_memory_bytes(lambda: kept.clone()) == 8 * MIB  # the copy only: kept is not counted
    assert kept.numel() == 8 * MIB


def test_time_call_reports_positive_cpu_peak_memory_growing_with_batch():
    model = load_eval_model("SD-Codec=preset:sdcodec/tiny")
    peaks = {}
    for batch in (1, 4):
        audio = 0.1 * torch.randn(batch, 1, 8000, generator=torch.Generator().manual_seed(batch))
        stages = model.stages(audio)
        timing = time_call(stages["encode"], "cpu", min_run_time=0.05)
        assert timing.seconds > 0 and math.isfinite(timing.peak_memory_mb)
        peaks[batch] = timing.peak_memory_mb
        row = throughput_row("SD-Codec", "encode", "cpu", "fp32", batch, 0.5, timing)
        assert row["peak_memory_mb"] == timing.peak_memory_mb
    assert peaks[1] > 0.5  # MiB: the encoder's activations of 0.5 s at 16 kHz, 32-128 channels
    assert peaks[4] > 3 * peaks[1]  # activations scale with the batch (about 4x)
    with torch.inference_mode():  # the same number as profiling one inference call directly
        audio = 0.1 * torch.randn(4, 1, 8000, generator=torch.Generator().manual_seed(4))
        direct = cpu_peak_memory_bytes(model.stages(audio)["encode"]) / MIB
    assert direct == peaks[4]

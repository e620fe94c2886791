"""Speed measurement: seconds per call, real-time factor, audio seconds per second, peak memory.

On CUDA a stage is timed with CUDA events after warm-up calls (the device is synchronised so
only GPU time between the events counts); on the CPU ``torch.utils.benchmark.Timer.blocked_autorange``
does the timing (it picks the number of calls per measurement and reports the median). Precision
is applied with ``torch.autocast`` (``fp32`` runs without it). The device is a parameter
everywhere, so the CPU path is what the tests exercise and the CUDA path is the same code.

Peak memory (``Timing.peak_memory_mb``, in MiB = 2**20 bytes) is the working memory of one call
on both devices: the highest number of bytes held by tensors allocated during the call, above
what was allocated when it began (model weights and the input, allocated before, do not count;
the call's output does). On CUDA it is ``torch.cuda.max_memory_allocated`` minus
``memory_allocated`` at the start, over the timed calls. On the CPU one extra, untimed call runs
under ``torch.profiler`` with ``profile_memory=True``, which records every allocation and free
of PyTorch's CPU allocator with its size in bytes; ``cpu_peak_memory_bytes`` replays them in
order and takes the maximum of the running sum: exact for tensor memory (scratch buffers that
oneDNN or BLAS allocate outside PyTorch's allocator, and Python objects, are not tensor memory
and are not counted).
"""

from __future__ import annotations

import contextlib
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.utils.benchmark as torch_benchmark

from sdcodec.core.errors import ConfigError

PRECISIONS: dict[str, torch.dtype | None] = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


@dataclass(frozen=True)
class Timing:
    """One measurement. ``seconds``: median wall time of one call; ``peak_memory_mb``: peak
    working memory of one call in MiB (2**20 bytes), on CUDA and on the CPU (see the module
    docstring for the method)."""

    seconds: float
    repeats: int
    peak_memory_mb: float


def autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    """``torch.autocast`` for ``precision`` on ``device`` (a null context for ``fp32``)."""
    if precision not in PRECISIONS:
        raise ConfigError(f"unknown precision {precision!r}; known: {', '.join(PRECISIONS)}")
    dtype = PRECISIONS[precision]
    if dtype is None:
        return contextlib.nullcontext()
    if device.type == "cpu" and dtype is torch.float16:
        raise ConfigError("fp16 autocast is for CUDA; use bf16 on the CPU")
    return torch.autocast(device_type=device.type, dtype=dtype)


def cpu_peak_memory_bytes(fn: Callable[[], Any]) -> int:
    """Peak bytes of CPU tensor memory allocated by one call of ``fn()`` above what was
    allocated when it began (an int, 0 when it allocates nothing).

    The call runs under ``torch.profiler.profile(profile_memory=True)``: every allocation
    (positive ``nbytes``) and free (negative) of PyTorch's CPU allocator is a ``[memory]`` event;
    the running sum of the events in time order (ties kept in recorded order) is the memory the
    call holds at each moment, and its maximum is the peak. ``fn``'s result is released inside
    the profiled region, so it counts in the peak only while it is alive.
    """
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity, profile

    from bench.util.quiet import quiet_native_stderr

    with quiet_native_stderr(), profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        result = fn()
        del result
    events = [event for event in prof.profiler.kineto_results.events()
              if event.name() == "[memory]" and event.device_type() == DeviceType.CPU]
    events.sort(key=lambda event: event.start_ns())  # stable: ties stay in recorded order
    held = peak = 0
    for event in events:
        held += event.nbytes()
        peak = max(peak, held)
    return peak


def time_call(fn: Callable[[], Any], device: str | torch.device, precision: str = "fp32",
              warmup: int = 2, repeats: int = 10, min_run_time: float = 0.5) -> Timing:
    """Times ``fn()`` under ``precision`` on ``device`` (see the module docstring)."""
    device = torch.device(device)

    def call() -> Any:
        with torch.inference_mode(), autocast(device, precision):
            return fn()

    if device.type == "cuda":
        for _ in range(warmup):
            call()
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        baseline = torch.cuda.memory_allocated(device)
        times = []
        for _ in range(repeats):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            call()
            end.record()
            torch.cuda.synchronize(device)
            times.append(start.elapsed_time(end) / 1000.0)
        peak = (torch.cuda.max_memory_allocated(device) - baseline) / 2**20
        return Timing(statistics.median(times), repeats, peak)
    for _ in range(warmup):
        call()
    measurement = torch_benchmark.Timer(stmt="call()", globals={"call": call}).blocked_autorange(
        min_run_time=min_run_time)
    peak = cpu_peak_memory_bytes(call) / 2**20
    return Timing(measurement.median, len(measurement.times) * measurement.number_per_run, peak)


def throughput_row(model: str, stage: str, device: str, precision: str, batch_size: int,
                   clip_seconds: float, timing: Timing, implementation: str = "sdbench",
                   branch: str = "all") -> dict[str, Any]:
    """A result row: real-time factor (< 1 is faster than real time) and audio s per s.
    ``branch``: ``"all"`` when the stage runs the whole model, else the one quantizer branch
    (an SD-Codec track) it runs through."""
    audio_seconds = batch_size * clip_seconds
    return {
        "model": model, "implementation": implementation, "stage": stage, "branch": branch, "device": device,
        "precision": precision, "batch_size": batch_size, "clip_seconds": clip_seconds,
        "seconds_per_call": timing.seconds, "repeats": timing.repeats,
        "real_time_factor": timing.seconds / audio_seconds,
        "audio_seconds_per_second": audio_seconds / timing.seconds,
        "peak_memory_mb": timing.peak_memory_mb,
    }

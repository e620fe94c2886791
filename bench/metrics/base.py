"""The metric contract, the ``METRICS`` registry, and skip-aware scoring of clips.

A metric is called on batches::

    values = get_metric("si_sdr")(estimate, reference, sample_rate)      # Tensor[batch]

with ``estimate`` / ``reference`` (and ``mixture`` for SI-SDRi) shaped ``[batch, time]`` or
``[batch, 1, time]``, on any device for tensor metrics. That call is strict: it raises a
``MetricError`` for inputs it cannot score (mismatched shapes, several channels, NaN/Inf, a bad
sample rate, a missing mixture) and for any row the metric is undefined on (silent reference, too
short), naming the row and the reason, so that no NaN ever reaches a mean.

The protocol's scoring path is skip-aware instead: ``score_batch`` / ``score_clip`` return one
``MetricValue`` per metric and clip, either a value or the reason it was skipped:

* silent reference (peak of the zero-mean reference under ``SILENCE_PEAK``), for metrics that
  compare against the reference's signal (SI-SDR, SI-SDRi, ViSQOL, PESQ);
* silent estimate, for SI-SDR and SI-SDRi (a zero signal has no scale to fit);
* too short for the metric (``Metric.min_seconds`` / ``min_samples``);
* non-finite estimate (NaN/Inf samples): recorded as a skip with the count of bad samples, so a
  diverging model is visible in the skip counts instead of aborting a long evaluation.

Mismatched shapes, a non-finite reference or mixture (a data bug) and a bad sample rate are
``MetricError`` on every path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor

from sdcodec.core.errors import MetricError
from sdcodec.core.registry import Registry

#: Peak absolute amplitude (full scale 1.0) under which a zero-mean signal counts as silent:
#: -120 dBFS, below the smallest step of 16-bit audio (about 3e-5).
SILENCE_PEAK: float = 1e-6


@dataclass(frozen=True)
class MetricValue:
    """One metric's outcome for one clip: ``value`` (the metric's unit), or why it was skipped."""

    value: float | None
    skipped: str | None = None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.skipped is None):
            raise ValueError("a MetricValue holds either a value or a skip reason")
        if self.value is not None and not math.isfinite(self.value):
            raise ValueError(f"metric values are finite, got {self.value}")


class Metric:
    """Base class of every metric. Subclasses set the class attributes and ``compute``.

    ``sample_rate``: the rate (Hz) the metric scores at, inputs at another rate are resampled
    (``None``: scored at the input's rate). ``min_input_rate``: the lowest input rate accepted.
    """

    name: ClassVar[str]
    unit: ClassVar[str]
    higher_is_better: ClassVar[bool]
    needs_mixture: ClassVar[bool] = False
    cpu_bound: ClassVar[bool] = False
    sample_rate: ClassVar[int | None] = None
    min_input_rate: ClassVar[int] = 1
    #: Shortest input accepted, in seconds at the input's rate and in samples.
    min_seconds: ClassVar[float] = 0.0
    min_samples: ClassVar[int] = 2
    #: Whether a silent reference / silent estimate makes the metric undefined (skip).
    skips_silent_reference: ClassVar[bool] = True
    skips_silent_estimate: ClassVar[bool] = False

    def compute(self, estimate: Tensor, reference: Tensor, sample_rate: int,
                mixture: Tensor | None) -> Tensor:
        """Values ``[batch]`` for validated ``[batch, time]`` rows that are all scorable."""
        raise NotImplementedError

    def check_available(self) -> None:
        """Raises ``MetricError`` (naming the fix) if the metric's runtime is missing. The pool
        calls it before starting workers, so a missing package is not a broken worker."""

    def compute_values(self, estimate: Tensor, reference: Tensor, sample_rate: int,
                       mixture: Tensor | None) -> list[float | str]:
        """Like ``compute``, as Python floats; a string marks a row found unscorable while scoring."""
        return [float(v) for v in self.compute(estimate, reference, sample_rate, mixture)
                .detach().cpu().tolist()]

    # -- validation -------------------------------------------------------------------------
    def prepare(self, estimate: Any, reference: Any, sample_rate: int,
                mixture: Any = None) -> tuple[Tensor, Tensor, Tensor | None]:
        """Checks shapes, sample rate and the mixture; returns ``[batch, time]`` tensors.

        Raises ``MetricError`` for anything the caller must fix.
        """
        check_sample_rate(self, sample_rate)
        est = as_batch(estimate, "estimate", self.name)
        ref = as_batch(reference, "reference", self.name)
        if est.shape != ref.shape:
            raise MetricError(f"{self.name}: estimate {tuple(est.shape)} and reference "
                              f"{tuple(ref.shape)} differ in shape (trim or pad them to the same "
                              "length before scoring)")
        mix = None
        if self.needs_mixture:
            if mixture is None:
                raise MetricError(f"{self.name} needs the mixture (pass mixture=...)")
            mix = as_batch(mixture, "mixture", self.name)
            if mix.shape != ref.shape:
                raise MetricError(f"{self.name}: mixture {tuple(mix.shape)} and reference "
                                  f"{tuple(ref.shape)} differ in shape")
            mix = mix.to(device=ref.device)
        require_finite(ref, "reference", self.name)
        if mix is not None:
            require_finite(mix, "mixture", self.name)
        return est.to(device=ref.device), ref, mix

    def skip_reasons(self, estimate: Tensor, reference: Tensor, sample_rate: int) -> list[str | None]:
        """Why each row of validated ``[batch, time]`` inputs cannot be scored (None: it can)."""
        length = reference.shape[-1]
        needed = max(self.min_samples, math.ceil(self.min_seconds * sample_rate))
        if length < needed:
            reason = (f"too short for {self.name} ({length} samples, needs {needed} at "
                      f"{sample_rate} Hz)")
            return [reason] * reference.shape[0]
        reasons: list[str | None] = [None] * reference.shape[0]
        bad = (~torch.isfinite(estimate)).sum(dim=-1).tolist()
        silent_ref = is_silent(reference).tolist() if self.skips_silent_reference else None
        silent_est = is_silent(estimate).tolist() if self.skips_silent_estimate else None
        for row in range(reference.shape[0]):
            if bad[row]:
                reasons[row] = f"non-finite estimate ({bad[row]} NaN/Inf samples)"
            elif silent_ref is not None and silent_ref[row]:
                reasons[row] = "silent reference"
            elif silent_est is not None and silent_est[row]:
                reasons[row] = f"silent estimate ({self.name} undefined)"
        return reasons

    # -- calling ----------------------------------------------------------------------------
    def __call__(self, estimate: Any, reference: Any, sample_rate: int,
                 mixture: Any = None) -> Tensor:
        """Strict batched scoring: ``Tensor[batch]`` (float64, on the inputs' device).

        Raises ``MetricError`` if any row cannot be scored (see the module docstring).
        """
        est, ref, mix = self.prepare(estimate, reference, sample_rate, mixture)
        for row, reason in enumerate(self.skip_reasons(est, ref, sample_rate)):
            if reason is not None:
                raise MetricError(f"{self.name}: row {row} cannot be scored: {reason} (use "
                                  "bench.metrics.score_batch to record skips instead)")
        return self.compute(est, ref, sample_rate, mix)

    def __repr__(self) -> str:
        return f"<metric {self.name} [{self.unit}]>"


METRICS: Registry[Metric] = Registry("metric")


def get_metric(name: str) -> Metric:
    """The registered metric ``name``; a ``ConfigError`` listing the known names if none."""
    return METRICS.get(name)


def register(metric: Metric) -> Metric:
    """Registers a metric instance under its ``name``."""
    return METRICS.add(metric.name, metric)


# -- helpers ---------------------------------------------------------------------------------
def as_batch(signal: Any, role: str, metric: str) -> Tensor:
    """``[batch, time]`` tensor from ``[batch, time]`` / ``[batch, 1, time]`` (tensor or numpy)."""
    tensor = torch.as_tensor(signal) if isinstance(signal, np.ndarray) else signal
    if not isinstance(tensor, Tensor):
        raise MetricError(f"{metric}: {role} must be a tensor or numpy array, got "
                          f"{type(signal).__name__}")
    if not tensor.is_floating_point():
        raise MetricError(f"{metric}: {role} must hold floating-point samples, got {tensor.dtype}")
    if tensor.dim() == 3:
        if tensor.shape[1] != 1:
            raise MetricError(f"{metric}: {role} has {tensor.shape[1]} channels; metrics score "
                              "mono signals (downmix first)")
        tensor = tensor[:, 0]
    if tensor.dim() != 2:
        raise MetricError(f"{metric}: {role} must be [batch, time] or [batch, 1, time], got "
                          f"shape {tuple(tensor.shape)}")
    return tensor


def as_clip_batch(signal: Any, role: str, metric: str) -> Tensor:
    """A single clip (``[time]``, ``[1, time]`` or ``[1, 1, time]``) as a batch of one."""
    tensor = torch.as_tensor(signal) if isinstance(signal, np.ndarray) else signal
    if isinstance(tensor, Tensor) and tensor.dim() == 1:
        tensor = tensor[None]
    batch = as_batch(tensor, role, metric)
    if batch.shape[0] != 1:
        raise MetricError(f"{metric}: score_clip takes one clip, got a batch of {batch.shape[0]}")
    return batch


def require_finite(signal: Tensor, role: str, metric: str) -> None:
    bad = int((~torch.isfinite(signal)).sum())
    if bad:
        raise MetricError(f"{metric}: the {role} holds {bad} NaN/Inf samples (check the data "
                          "loading and resampling)")


def check_sample_rate(metric: Metric, sample_rate: Any) -> None:
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)) \
            or sample_rate <= 0:
        raise MetricError(f"{metric.name}: sample_rate must be a positive integer in Hz, got "
                          f"{sample_rate!r}")
    if sample_rate < metric.min_input_rate:
        raise MetricError(f"{metric.name}: needs audio at {metric.min_input_rate} Hz or more, "
                          f"got {sample_rate} Hz (upsampling cannot add the missing band)")


def is_silent(signal: Tensor) -> Tensor:
    """``[batch]`` bool: the zero-mean row's peak is under ``SILENCE_PEAK``."""
    centred = signal - signal.mean(dim=-1, keepdim=True)
    return centred.abs().amax(dim=-1) < SILENCE_PEAK


# -- skip-aware scoring ----------------------------------------------------------------------
def score_batch(names: Sequence[str], estimate: Any, reference: Any, sample_rate: int,
                mixture: Any = None) -> list[dict[str, MetricValue]]:
    """Skip-aware scoring of a batch: one ``{metric name: MetricValue}`` per row.

    Rows a metric cannot score are recorded with the reason; the others are computed in one
    batched call (on the inputs' device for tensor metrics). Raises ``MetricError`` for inputs the
    caller must fix (shapes, non-finite reference or mixture, sample rate, missing mixture).
    """
    metrics = [get_metric(name) for name in names]
    results: list[dict[str, MetricValue]] | None = None
    for metric in metrics:
        est, ref, mix = metric.prepare(estimate, reference, sample_rate, mixture)
        if results is None:
            results = [{} for _ in range(ref.shape[0])]
        reasons = metric.skip_reasons(est, ref, sample_rate)
        rows = [row for row, reason in enumerate(reasons) if reason is None]
        values: list[float | str] = []
        if rows:
            index = torch.tensor(rows, device=ref.device)
            values = metric.compute_values(
                est.index_select(0, index), ref.index_select(0, index), sample_rate,
                None if mix is None else mix.index_select(0, index))
        by_row = dict(zip(rows, values))
        for row, reason in enumerate(reasons):
            results[row][metric.name] = (MetricValue(None, reason) if reason is not None
                                         else _as_value(metric, by_row[row]))
    return results or []


def _as_value(metric: Metric, value: float | str) -> MetricValue:
    if isinstance(value, str):
        return MetricValue(None, value)
    if not math.isfinite(value):
        return MetricValue(None, f"{metric.name} returned a non-finite value")
    return MetricValue(value)


def score_clip(names: Sequence[str], estimate: Any, reference: Any, sample_rate: int,
               mixture: Any = None) -> dict[str, MetricValue]:
    """Skip-aware scoring of one clip (``[time]``, ``[1, time]`` or ``[1, 1, time]``)."""
    role_metric = names[0] if names else "metrics"
    est = as_clip_batch(estimate, "estimate", role_metric)
    ref = as_clip_batch(reference, "reference", role_metric)
    mix = None if mixture is None else as_clip_batch(mixture, "mixture", role_metric)
    return score_batch(names, est, ref, sample_rate, mix)[0]


class Unscorable(Exception):
    """Raised by ``ClipMetric.score_one`` for a clip the metric finds it cannot score (the reason)."""


class ClipMetric(Metric):
    """A metric computed clip by clip on float64 numpy arrays (ViSQOL, PESQ): CPU-bound."""

    cpu_bound: ClassVar[bool] = True

    def score_one(self, estimate: np.ndarray, reference: np.ndarray, sample_rate: int) -> float:
        """The value for one clip (``[time]`` float64 at ``sample_rate`` Hz); may raise Unscorable."""
        raise NotImplementedError

    def compute_values(self, estimate: Tensor, reference: Tensor, sample_rate: int,
                       mixture: Tensor | None) -> list[float | str]:
        est = estimate.detach().cpu().double().numpy()
        ref = reference.detach().cpu().double().numpy()
        values: list[float | str] = []
        for row in range(est.shape[0]):
            try:
                values.append(float(self.score_one(est[row], ref[row], sample_rate)))
            except Unscorable as reason:
                values.append(str(reason))
        return values

    def compute(self, estimate: Tensor, reference: Tensor, sample_rate: int,
                mixture: Tensor | None) -> Tensor:
        values = self.compute_values(estimate, reference, sample_rate, mixture)
        for row, value in enumerate(values):
            if isinstance(value, str):
                raise MetricError(f"{self.name}: row {row} cannot be scored: {value}")
        return torch.tensor(values, dtype=torch.float64, device=reference.device)


def resample(signal: np.ndarray, rate: int, target_rate: int) -> np.ndarray:
    """``signal`` (``[time]`` float64) from ``rate`` to ``target_rate`` Hz with soxr (its default
    high quality), as the authors' ViSQOL wrapper does; unchanged when the rates are equal."""
    if rate == target_rate:
        return signal
    import soxr

    return soxr.resample(signal, rate, target_rate)

"""Wideband PESQ (ITU-T P.862.2) MOS-LQO for speech, through the ``pesq`` package (ITU C code).

Scored at 16 kHz: inputs at a higher rate are resampled with soxr; inputs under 16 kHz are a
``MetricError`` (upsampling narrowband audio cannot make it wideband). PESQ normalises levels
itself, so float signals in [-1, 1] score as their int16 versions do. Identical signals score the
P.862.2 mapping's maximum, about 4.644. Skips: silent reference, and clips PESQ rejects ("no
utterances detected", "buffer too short"), with PESQ's own reason, and a silent estimate
(PESQ's level alignment divides by its power).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from bench.metrics.base import ClipMetric, Unscorable, register, resample


class WidebandPESQ(ClipMetric):
    """P.862.2 wideband PESQ MOS-LQO at 16 kHz (an extra of this benchmark, speech only)."""

    name: ClassVar[str] = "pesq"
    unit: ClassVar[str] = "MOS"
    higher_is_better: ClassVar[bool] = True
    sample_rate: ClassVar[int | None] = 16_000
    min_input_rate: ClassVar[int] = 16_000
    min_seconds: ClassVar[float] = 0.25  # "Buffer needs to be at least 1/4 of a second long"
    skips_silent_estimate: ClassVar[bool] = True  # level alignment divides by its power

    def score_one(self, estimate: np.ndarray, reference: np.ndarray, sample_rate: int) -> float:
        import pesq

        assert self.sample_rate is not None
        ref = resample(reference, sample_rate, self.sample_rate)
        est = resample(estimate, sample_rate, self.sample_rate)
        try:
            return float(pesq.pesq(self.sample_rate, ref, est, "wb"))
        except (pesq.NoUtterancesError, pesq.BufferTooShortError) as error:
            raise Unscorable(f"pesq: {type(error).__name__}: {error}") from error


register(WidebandPESQ())

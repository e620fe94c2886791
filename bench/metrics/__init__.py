"""Every metric of the benchmark, by name, in one registry.

``get_metric(name)(estimate, reference, sample_rate, mixture=None) -> Tensor[batch]`` scores a
batch strictly; ``score_clip`` / ``score_batch`` record skips with their reason; ``score_many``
and ``MetricPool`` (``bench.metrics.pool``) score clips in a process pool. Registered names:

=====================  ====  ======  ============================================================
name                   unit  better  what
=====================  ====  ======  ============================================================
si_sdr                 dB    higher  zero-mean scale-invariant SDR
si_sdri                dB    higher  SI-SDR(estimate) - SI-SDR(mixture), needs the mixture
visqol                 MOS   higher  ViSQOL v3 speech mode at 16 kHz, exponential mapping (authors')
visqol_audio           MOS   higher  ViSQOL v3 audio mode at 48 kHz, SVR mapper
visqol_lattice         MOS   higher  ViSQOL v3 speech mode at 16 kHz, deep-lattice mapper (Google CLI)
pesq                   MOS   higher  wideband PESQ (P.862.2) at 16 kHz
stft_distance          L1    lower   multi-scale STFT distance (windows 2048, 512)
mel_distance           L1    lower   7-scale mel distance, filters at the signal's rate (DAC)
mel_distance_authors   L1    lower   the same with 44.1 kHz filters, as the authors' scripts
=====================  ====  ======  ============================================================
"""

from bench.metrics import sisdr, spectral, visqol, wb_pesq  # noqa: F401  (registration)
from bench.metrics.base import (
    METRICS,
    SILENCE_PEAK,
    ClipMetric,
    Metric,
    MetricValue,
    Unscorable,
    get_metric,
    score_batch,
    score_clip,
)
from bench.metrics.pool import MetricPool, ScoreJob, score_job, score_many

__all__ = [
    "METRICS", "SILENCE_PEAK", "ClipMetric", "Metric", "MetricPool", "MetricValue", "ScoreJob",
    "Unscorable", "get_metric", "score_batch", "score_clip", "score_job", "score_many",
]

"""SI-SDR and SI-SDRi in dB (Le Roux et al., "SDR - half-baked or well done?", ICASSP 2019).

SI-SDR(est, ref) = 10 log10(|a ref|^2 / |a ref - est|^2), a = <est, ref> / |ref|^2, after removing
each signal's mean. It is computed by torchmetrics' functional implementation in float64 (its
stabiliser is the dtype's machine epsilon, 2.2e-16, which moves no realistic value by 1e-9 dB;
in float32 it would be 1.2e-7, enough to bias high SI-SDR values), batched, on the inputs' device.
SI-SDRi = SI-SDR(estimate, source) - SI-SDR(mixture, source).

The authors' script (asteroid-style, eps 1e-8 on the energies) agrees with this to within
numerical noise for audible signals; it gives -80 dB for an all-zero estimate where SI-SDR is
undefined: here such a clip is a recorded skip ("silent estimate").
"""

from __future__ import annotations

from typing import ClassVar

from torch import Tensor

from bench.metrics.base import Metric, register


def si_sdr(estimate: Tensor, reference: Tensor) -> Tensor:
    """Zero-mean SI-SDR in dB of ``[batch, time]`` signals: ``[batch]`` float64."""
    from torchmetrics.functional.audio import scale_invariant_signal_distortion_ratio

    return scale_invariant_signal_distortion_ratio(estimate.double(), reference.double(),
                                                   zero_mean=True)


class SISDR(Metric):
    """Scale-invariant signal-to-distortion ratio, dB, higher is better."""

    name: ClassVar[str] = "si_sdr"
    unit: ClassVar[str] = "dB"
    higher_is_better: ClassVar[bool] = True
    skips_silent_estimate: ClassVar[bool] = True

    def compute(self, estimate: Tensor, reference: Tensor, sample_rate: int,
                mixture: Tensor | None) -> Tensor:
        return si_sdr(estimate, reference)


class SISDRImprovement(SISDR):
    """SI-SDR of the estimate minus SI-SDR of the mixture, both against the source; dB."""

    name: ClassVar[str] = "si_sdri"
    needs_mixture: ClassVar[bool] = True

    def compute(self, estimate: Tensor, reference: Tensor, sample_rate: int,
                mixture: Tensor | None) -> Tensor:
        assert mixture is not None  # prepare() guarantees it
        return si_sdr(estimate, reference) - si_sdr(mixture, reference)


register(SISDR())
register(SISDRImprovement())

"""Evaluate your own model: a codec class, a run beside DAC, the LaTeX table."""
import torch

import bench


class MuLaw(bench.Codec):
    """8-bit mu-law at 24 kHz (G.711's companding): a codec with nothing to train."""

    sample_rate = 24_000  # the harness resamples the protocol's 16 kHz to it and back

    def __init__(self, bits: int = 8, mu: float = 255.0) -> None:
        self.bits, self.mu = bits, mu

    def resynthesize(self, audio, *, track=None, n_quantizers=None):
        """audio: float32 [batch, 1, time] at 24 kHz; coded and decoded, same shape."""
        mu, levels = torch.tensor(self.mu), 2 ** (self.bits - 1)
        coded = torch.sign(audio) * torch.log1p(mu * audio.abs().clamp(max=1)) / torch.log1p(mu)
        coded = torch.round(coded * levels) / levels  # what is transmitted: 8 bits a sample
        return torch.sign(coded) * torch.expm1(coded.abs() * torch.log1p(mu)) / mu

    def nominal_kbps(self, *, track=None, n_quantizers=None):
        return self.bits * self.sample_rate / 1000


results = bench.evaluate(
    "resynthesis",
    models={"mu-law": MuLaw(), "DAC": "dac-tiny"},  # objects or --model specs
    split="val", limit=2, metrics=("si_sdr",),  # a quick look: drop these for the full protocol
)
print(results.summary[["model", "input", "metric", "mean", "n"]])
print(results.table("latex"))

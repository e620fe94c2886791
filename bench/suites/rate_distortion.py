"""Quality against bitrate: every codec that scales its bitrate, at each operating point."""

from __future__ import annotations

from bench.suites.base import SUITES, Suite

SUITES.add("rate-distortion", Suite(
    "rate-distortion",
    "Resynthesis (mixture, and each source through its branch) at every number of quantizers "
    "each codec offers (SD-Codec and DAC: 1..N; Hugging Face codecs: their bandwidths or "
    "quantizer counts), on the same clips; SI-SDR and ViSQOL against kbps, as a table and a plot "
    "with the paper's SD-Codec and DAC points. Scores the first 4 clips unless --limit is given; "
    "--n-quantizers picks operating points.",
    tasks=("rate-distortion",),
    default_models=("SD-Codec=sdcodec-tiny", "DAC=dac-tiny"),
    layouts=("rate-distortion",),
    default_limit=4,
    figures=("rate-distortion",),
))

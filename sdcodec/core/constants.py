"""Names shared by every part of the benchmark."""

from __future__ import annotations

#: The three DnR sources, in the order the paper and the authors' code use.
TRACKS: tuple[str, ...] = ("speech", "music", "sfx")

#: The mixture's name in manifests, results and model outputs.
MIX: str = "mix"

#: Every stem file a DnR track folder holds (``<name>.wav``).
STEMS: tuple[str, ...] = (MIX, *TRACKS)

#: The sample rate every model of the paper runs at, in Hz.
MODEL_SAMPLE_RATE: int = 16_000

#: DnR's native sample rate, in Hz.
DNR_SAMPLE_RATE: int = 44_100

"""The paper's evaluation protocol as data: ``Protocol`` and the ``PROTOCOLS`` registry.

Two protocols exist, identical except for the folder the ``test`` split reads:

- ``authors``: what the authors' ``prepare/mani_dnr.py`` does, ``cv/`` for BOTH ``val`` and
  ``test`` (a known defect of their script: the test manifest loops over the validation
  folder). Use it to reproduce the paper's numbers.
- ``corrected``: ``cv/`` for ``val`` and ``tt/`` for ``test``, the intended protocol.

Everything else is shared (and exact to the authors' scripts): the mixture is trimmed at 30 dB
below its loudest frame; the trimmed span is cut into consecutive chunks of 5 s (val) or 10 s
(test) with ``range(start, end - chunk, chunk)`` (so the last partial chunk, and a last chunk
that would end exactly at ``end``, are dropped); a chunk is kept when mix, speech, music and sfx
each have >= 50% active STFT frames; at scoring time a track under 40% is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sdcodec.core.constants import DNR_SAMPLE_RATE, MODEL_SAMPLE_RATE
from sdcodec.core.errors import ConfigError
from sdcodec.core.registry import Registry

#: The evaluation splits a protocol defines.
SPLITS: tuple[str, ...] = ("val", "test")


@dataclass(frozen=True)
class STFTParams:
    """The activity test's STFT: ``n_fft`` and ``hop_length`` in samples, periodic Hann window,
    centred frames with reflect padding; a frame is active when its one-sided magnitude summed
    over frequency exceeds ``threshold``."""

    n_fft: int = 1024
    hop_length: int = 256
    window: str = "hann"
    pad_mode: str = "reflect"
    threshold: float = 1e-6


@dataclass(frozen=True)
class Protocol:
    """One evaluation protocol.

    ``folders``: the DnR folder each split reads (``{"val": "cv", "test": "tt"}``).
    ``chunk_seconds``: clip length per split in seconds. ``trim_top_db``: the mixture trim (dB
    below the loudest frame). ``manifest_min_active``: share of active frames every stem of a
    chunk needs to enter the manifest. ``score_min_active``: share a track needs at scoring time
    (under it the track is skipped for that clip). ``native_sample_rate``/``model_sample_rate``:
    DnR's rate and the rate clips are resampled to (Hz).
    """

    name: str
    folders: dict[str, str]
    description: str = ""
    chunk_seconds: dict[str, float] = field(default_factory=lambda: {"val": 5.0, "test": 10.0})
    trim_top_db: float = 30.0
    manifest_min_active: float = 0.5
    score_min_active: float = 0.4
    stft: STFTParams = field(default_factory=STFTParams)
    native_sample_rate: int = DNR_SAMPLE_RATE
    model_sample_rate: int = MODEL_SAMPLE_RATE

    def __hash__(self) -> int:  # dict fields: hash the JSON form instead
        from sdcodec.core.dataclass_json import config_hash

        return hash(config_hash(self))

    def folder(self, split: str) -> str:
        """The DnR folder (``cv``/``tt``) that ``split`` (``val``/``test``) reads."""
        check_split(split)
        return self.folders[split]

    def chunk_frames(self, split: str, sample_rate: int | None = None) -> int:
        """Samples per chunk of ``split`` at ``sample_rate`` (default: the native rate)."""
        check_split(split)
        rate = self.native_sample_rate if sample_rate is None else sample_rate
        return int(round(self.chunk_seconds[split] * rate))


def check_split(split: str) -> str:
    """``split`` itself, or a ``ConfigError`` naming the valid splits."""
    if split not in SPLITS:
        raise ConfigError(f"unknown split {split!r}; known: {', '.join(SPLITS)}")
    return split


PROTOCOLS: Registry[Protocol] = Registry("protocol")

PROTOCOLS.add("authors", Protocol(
    name="authors", folders={"val": "cv", "test": "cv"},
    description="the authors' scripts as published: val AND test read cv/ (their known defect)"))
PROTOCOLS.add("corrected", Protocol(
    name="corrected", folders={"val": "cv", "test": "tt"},
    description="the intended protocol: val reads cv/, test reads tt/"))


def get_protocol(protocol: str | Protocol) -> Protocol:
    """The registered protocol named ``protocol`` (a ``Protocol`` is returned as is)."""
    if isinstance(protocol, Protocol):
        return protocol
    return PROTOCOLS.get(protocol)

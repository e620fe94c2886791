"""Cascade baselines: a separator, then a codec coding each of its estimates.

``--model "TDANet+DAC=tdanet-tiny+dac-tiny"`` (or ``cascade:tdanet-tiny+dac-tiny``): the spec is
split at a ``+`` where both sides name models (any source but a cascade). The result is a
separator: it runs in the separation suite, and its row sits beside SD-Codec's in the separation
table. What it transmits is every estimate coded alone: its bitrate is the codec's times the
number of tracks coded, which the tables show in their kbps column.
"""

from __future__ import annotations

import hashlib
from typing import Any

import torch
from torch import Tensor

from bench.api import Codec, Separator
from bench.models.specs import SPEC_SOURCES, Loaded, SpecSource, check_model_spec, source_of
from sdcodec.core.errors import ConfigError

PREFIX = "cascade:"


class Cascade(Separator):
    """``separator`` then ``codec``, both ``EvalModel``s (so each runs at its own rate through
    the harness' resampling path); audio in and out at the evaluation rate."""

    def __init__(self, separator, codec) -> None:
        self.separator = separator
        self.codec = codec
        self.sample_rate = separator.sample_rate
        self.tracks = separator.tracks

    def separate(self, mix: Tensor) -> dict[str, Tensor]:
        estimates = self.separator.separate(mix)
        coded = self.codec.resynthesize_many([(estimates[t], None) for t in self.tracks])
        return dict(zip(self.tracks, coded))

    def nominal_kbps(self) -> float | None:
        """The codec's bitrate times the tracks coded."""
        per_track = self.codec.kbps()
        return None if per_track is None else per_track * len(self.tracks)

    def kbps_basis(self) -> str | None:
        per_track = self.codec.kbps()
        return None if per_track is None else (
            f"{len(self.tracks)} tracks x {per_track:.3g} kbps ({self.codec.label} per estimate)")

    def to(self, device: str | torch.device) -> "Cascade":
        self.separator.to(device)
        self.codec.to(device)
        return self

    def describe(self) -> dict[str, Any]:
        sides = {"separator": self.separator.describe(), "codec": self.codec.describe()}
        return {"cascade": sides, "parameters": sum(side.get("parameters", 0) for side in sides.values())}

    def identity(self) -> str:
        return hashlib.sha256(f"{self.separator.identity}+{self.codec.identity}".encode()).hexdigest()


def _sides_claimed(left: str, right: str) -> bool:
    return all(s and (src := source_of(s)) is not None and src.name != "cascade" for s in (left, right))


def split_cascade(text: str) -> tuple[str, str] | None:
    """``[cascade:]SEPARATOR+CODEC`` -> the two specs, split at the first ``+`` where both sides
    name models; None when no ``+`` does."""
    body = text[len(PREFIX):] if text.startswith(PREFIX) else text
    for i, char in enumerate(body):
        if char == "+" and _sides_claimed(body[:i], body[i + 1:]):
            return body[:i], body[i + 1:]
    return None


def _split_or_fail(text: str) -> tuple[str, str]:
    sides = split_cascade(text)
    if sides is None:
        raise ConfigError(f"{text}: a cascade is SEPARATOR+CODEC, two model specs joined by '+'")
    return sides


def _check(text: str) -> None:
    for side in _split_or_fail(text):
        check_model_spec(side)


def _load(text: str) -> Loaded:
    from bench.models.specs import load_eval_model

    left, right = _split_or_fail(text)
    separator, codec = load_eval_model(left), load_eval_model(right)
    kinds = f"{left} is a {separator.kind} and {right} a {codec.kind}"
    if not isinstance(separator.impl, Separator) or not isinstance(codec.impl, Codec):
        raise ConfigError(f"{text}: a cascade is SEPARATOR+CODEC (separate, then code each estimate); {kinds}")
    cascade = Cascade(separator, codec)
    return Loaded(cascade, f"{separator.label}+{codec.label}",
                  {"separator": separator.spec, "codec": codec.spec}, identity=cascade.identity())


def _claims(text: str) -> bool:
    return text.startswith(PREFIX) or ("+" in text and split_cascade(text) is not None)


SPEC_SOURCES.add("cascade", SpecSource("cascade", _claims, _load, check=_check))

"""Checks of what a model returns, each failure one line naming the model spec and the problem.

A ``ModelOutputError`` is a contract violation (``bench.api``): the plug-in must be fixed, so it
stops the run (exit status 2) whether the probe or a batch of the run meets it. A model that
merely raises on some input is handled by the engine (clip by clip, failing clips skipped).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import torch

from sdcodec.core.errors import BenchError

#: Rates (Hz) named when an output's length says it is at another rate than declared.
COMMON_RATES: tuple[int, ...] = (8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000)


class ModelOutputError(BenchError):
    """A model broke the ``bench.api`` contract (shape, length, rate, dtype, tracks, NaN/inf)."""


def _rate_hint(length: int, expected: int, rate: int) -> str:
    """``", as if at R Hz"`` when ``length`` is what ``expected`` samples at ``rate`` make at a
    common other rate R."""
    for other in COMMON_RATES:
        if other != rate and abs(length - expected * other / rate) <= max(2, 0.002 * length):
            return f"; that is the length at {other} Hz: is the model's sample_rate ({rate} Hz) right?"
    return ""


def check_audio(spec: str, call: str, out: object, batch: int, length: int, rate: int,
                tolerance: int = 0, finite: bool = False) -> torch.Tensor:
    """``out`` must be a float32 ``[batch, 1, length ± tolerance]`` tensor (finite with
    ``finite``); returns it, else raises ``ModelOutputError`` naming ``spec`` and ``call``."""
    where = f"{spec}: {call}"
    if not isinstance(out, torch.Tensor):
        raise ModelOutputError(f"{where} returned {type(out).__name__}, not a torch.Tensor [batch, 1, time]")
    if out.dtype != torch.float32:
        raise ModelOutputError(f"{where} returned {out.dtype} audio; the contract is float32 (return out.float())")
    if out.dim() != 3 or out.shape[0] != batch or out.shape[1] != 1:
        raise ModelOutputError(f"{where} returned shape {tuple(out.shape)}; expected [{batch}, 1, time] "
                               "(batch kept, one channel)")
    if abs(out.shape[-1] - length) > tolerance:
        raise ModelOutputError(
            f"{where} returned {out.shape[-1]} samples for {length} in (length_tolerance {tolerance})"
            + _rate_hint(out.shape[-1], length, rate))
    if finite and not bool(torch.isfinite(out).all()):
        bad = int((~torch.isfinite(out)).sum())
        raise ModelOutputError(f"{where} returned {bad} NaN/inf sample(s) on the probe signal")
    return out


def check_tracks(spec: str, call: str, out: object, tracks: Iterable[str]) -> Mapping[str, object]:
    """``out`` must be a mapping with exactly the keys ``tracks``."""
    expected = sorted(tracks)
    if not isinstance(out, Mapping):
        raise ModelOutputError(f"{spec}: {call} returned {type(out).__name__}, not a dict track -> audio")
    if sorted(out) != expected:
        raise ModelOutputError(f"{spec}: {call} returned tracks {sorted(map(str, out))}; "
                               f"the model declares tracks {expected}")
    return out

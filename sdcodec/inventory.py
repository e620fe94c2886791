"""The inventory behind ``bench models``: every registered family's presets with parameter
counts (total and per top-level part) and the family's extra columns (``complexity``).

Models are built on PyTorch's ``meta`` device (shapes only, no memory, no initialisation
cost); a family whose model cannot be built there is built on the CPU.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


def build_for_counting(family: Any, config: Any) -> nn.Module:
    """``family.build(config)`` on the meta device (falling back to the CPU)."""
    try:
        with torch.device("meta"):
            return family.build(config)
    except (NotImplementedError, RuntimeError):
        return family.build(config)


def parameter_counts(model: nn.Module) -> dict[str, int]:
    """``{"total": n, <part>: n, ...}`` with one entry per top-level child that has parameters."""
    counts = {"total": sum(p.numel() for p in model.parameters())}
    for name, child in model.named_children():
        n = sum(p.numel() for p in child.parameters())
        if n:
            counts[name] = n
    return counts


def inventory(families: list[str] | None = None) -> list[dict[str, Any]]:
    """One row per (family, preset): ``family``, ``preset``, ``params`` (count), ``parts``
    (part -> count) and ``extra`` (the family's ``complexity(config)`` columns, if it has one)."""
    from sdcodec.families import load_families

    registry = load_families()
    rows = []
    for name, family in registry.items():
        if families and name not in families:
            continue
        for preset, config in family.presets().items():
            counts = parameter_counts(build_for_counting(family, config))
            complexity = getattr(family, "complexity", None)
            extra = dict(complexity(config)) if callable(complexity) else {}
            rows.append(
                {"family": name, "preset": preset, "params": counts.pop("total"), "parts": counts, "extra": extra}
            )
    return rows


def conv_macs_per_second(model: nn.Module, run: Any, sample_rate: int, seconds: float = 1.0) -> float:
    """Multiply-accumulates of every convolution (and linear layer) per second of audio.

    ``run(model, audio)`` performs the computation to count on ``audio [1, 1, samples]``; it is
    executed on the meta device (shapes only), so counting a full-size model is instant. A
    Conv1d costs ``out_channels x in_channels / groups x kernel`` MACs per output sample; a
    ConvTranspose1d ``in_channels x out_channels / groups x kernel`` per input sample.
    """
    total = 0

    def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(module, nn.ConvTranspose1d):
            x = inputs[0]
            total += x.shape[0] * x.shape[-1] * module.in_channels * module.out_channels // module.groups * module.kernel_size[0]
        elif isinstance(module, nn.Conv1d):
            total += output.shape[0] * output.shape[-1] * module.out_channels * module.in_channels // module.groups * module.kernel_size[0]
        elif isinstance(module, nn.Linear):
            total += output.numel() // module.out_features * module.in_features * module.out_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv1d, nn.ConvTranspose1d, nn.Linear))]
    try:
        with torch.no_grad():
            audio = torch.zeros(1, 1, int(round(seconds * sample_rate)), device=next(model.parameters()).device)
            run(model, audio)
    finally:
        for handle in handles:
            handle.remove()
    return total / seconds


def codec_complexity(family: Any, config: Any) -> dict[str, float]:
    """``bench models`` columns of a codec: nominal kbps per branch and for all branches, and
    GMACs per second of audio for mixture resynthesis (encode, every branch, one decode)."""
    from sdcodec.bitrate import nominal_bitrate

    rate = nominal_bitrate(config)
    with torch.device("meta"):
        model = family.build(config).eval()
    macs = conv_macs_per_second(model, lambda m, audio: m.evaluate(audio), config.sample_rate)
    return {"kbps/branch": rate.per_branch_kbps, "kbps total": rate.total_kbps, "GMACs/s": macs / 1e9}

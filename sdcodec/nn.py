"""Building blocks of the DAC-style codec: Snake, weight-normalised convolutions, residual units,
the convolutional ``Encoder`` and ``Decoder``.

Parameter names reproduce DAC's and the SD-Codec authors' layout (``encoder.block.<i>...``,
``decoder.model.<i>...``) so that official files load with ``strict=True``.

Weight norm: our convolutions use PyTorch's *parametrizations* form
(``<conv>.parametrizations.weight.original0`` = g, ``original1`` = v), the form the SD-Codec
authors' checkpoints hold. DAC's public checkpoints hold the older ``weight_g``/``weight_v`` form;
``adapt_weight_norm_keys`` converts either form (and plain folded ``weight``) to whatever a model
expects. ``remove_weight_norm`` folds g * v / ||v|| into plain weights for inference: the folded
weight is the very tensor the parametrization computes, so outputs are bit-identical.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import torch
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import weight_norm

from sdcodec.transposed_conv import ConvTranspose1d

# Suffixes of the two weight-norm state_dict forms, in (g, v) order.
_PARAM_FORM = ("parametrizations.weight.original0", "parametrizations.weight.original1")
_LEGACY_FORM = ("weight_g", "weight_v")


def _records_grad(*tensors: torch.Tensor) -> bool:
    """Whether autograd records an op on ``tensors`` (False under ``no_grad``/``inference_mode``)."""
    return torch.is_grad_enabled() and any(t.requires_grad for t in tensors)


def snake(x: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """Snake activation ``x + sin(alpha x)^2 / alpha`` (periodic inductive bias for audio).

    ``x``: ``[batch, channels, ...]``; ``alpha``: ``[1, channels, 1]``. The 1e-9 keeps a zero
    alpha finite, as in DAC.

    Without autograd the four elementwise steps run in place on ONE new buffer: the same
    operations on the same operands (IEEE products and sums commute), so the output is
    bit-identical to the out-of-place form, but three activation-sized allocations and memory
    passes per call are saved. On the CPU these cost more than the arithmetic (one thread,
    ``[1, 96, 16000]``: about 2.4 ms in place against 13-14 ms for DAC's ``torch.jit.script``
    snake, which allocates every intermediate, since the CPU JIT does not fuse it).
    """
    shape = x.shape
    flat = x.reshape(shape[0], shape[1], -1)
    inv_alpha = torch.reciprocal(alpha + 1e-9)
    if _records_grad(x, alpha):
        out = flat + inv_alpha * torch.sin(alpha * flat).pow(2)
    else:
        out = torch.mul(alpha, flat)
        out.sin_().pow_(2).mul_(inv_alpha).add_(flat)
    return out.reshape(shape)


class Snake1d(nn.Module):
    """Snake with one learnable frequency ``alpha`` per channel (initialised to 1)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(1, channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return snake(x, self.alpha)


def WNConv1d(*args, **kwargs) -> nn.Conv1d:  # noqa: N802 - named like the layer it builds
    """A ``Conv1d`` under weight norm (parametrizations form, ``dim=0``)."""
    return weight_norm(nn.Conv1d(*args, **kwargs))


def WNConvTranspose1d(*args, **kwargs) -> nn.ConvTranspose1d:  # noqa: N802
    """A ``ConvTranspose1d`` under weight norm (parametrizations form, ``dim=0``); computed by
    ``sdcodec.transposed_conv`` (correct on any number of CPU threads, same keys and weights)."""
    return weight_norm(ConvTranspose1d(*args, **kwargs))


class ResidualUnit(nn.Module):
    """Snake -> dilated conv (kernel 7) -> Snake -> 1x1 conv, plus the input (same length)."""

    def __init__(self, dim: int = 16, dilation: int = 1) -> None:
        super().__init__()
        padding = 3 * dilation  # (kernel 7 - 1) * dilation / 2 keeps the length
        self.block = nn.Sequential(
            Snake1d(dim),
            WNConv1d(dim, dim, kernel_size=7, dilation=dilation, padding=padding),
            Snake1d(dim),
            WNConv1d(dim, dim, kernel_size=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block(x)
        trim = (x.shape[-1] - y.shape[-1]) // 2
        if trim > 0:
            x = x[..., trim:-trim]
        if y.dtype == x.dtype and not _records_grad(x, y):
            return y.add_(x)  # y is this call's own buffer; y + x == x + y exactly
        return x + y


def _residual_stack(dim: int) -> list[nn.Module]:
    """The three residual units (dilations 1, 3, 9) of every encoder/decoder block."""
    return [ResidualUnit(dim, dilation=d) for d in (1, 3, 9)]


class EncoderBlock(nn.Module):
    """Residual units at ``dim // 2`` channels, then a strided conv to ``dim`` (downsample x stride)."""

    def __init__(self, dim: int = 16, stride: int = 1) -> None:
        super().__init__()
        half = dim // 2
        self.block = nn.Sequential(
            *_residual_stack(half),
            Snake1d(half),
            WNConv1d(half, dim, kernel_size=2 * stride, stride=stride, padding=math.ceil(stride / 2)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)


#: How the decoder's transposed convolutions pad, by name -> (padding(stride), output_padding(stride)).
#: "floor": the SD-Codec authors' code (frames x hop + 8 samples for the 16 kHz rates);
#: "ceil": DAC 1.0.0 (frames x hop - 8); "ceil+out": the output padding later DAC ports add for odd
#: strides (exactly frames x hop). The weights are the same in all three; the samples are not
#: (the one-sample shift of "floor", the extra frame of "ceil+out" near the end).
TRANSPOSE_PADDINGS: dict[str, tuple] = {
    "floor": (lambda s: s // 2, lambda s: 0),
    "ceil": (lambda s: math.ceil(s / 2), lambda s: 0),
    "ceil+out": (lambda s: math.ceil(s / 2), lambda s: s % 2),
}


class DecoderBlock(nn.Module):
    """Snake, a transposed conv from ``input_dim`` to ``output_dim`` (upsample x stride), residual units."""

    def __init__(
        self, input_dim: int = 16, output_dim: int = 8, stride: int = 1, transpose_padding: str = "floor"
    ) -> None:
        super().__init__()
        pad, out_pad = TRANSPOSE_PADDINGS[transpose_padding]
        self.block = nn.Sequential(
            Snake1d(input_dim),
            WNConvTranspose1d(
                input_dim, output_dim, kernel_size=2 * stride, stride=stride,
                padding=pad(stride), output_padding=out_pad(stride),
            ),
            *_residual_stack(output_dim),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)


class Encoder(nn.Module):
    """Waveform ``[B, 1, T]`` -> latent ``[B, d_latent, T / prod(strides)]``.

    A kernel-7 conv to ``d_model`` channels, one ``EncoderBlock`` per stride (doubling channels),
    Snake and a kernel-3 conv to ``d_latent``. Parameters live under ``block.<i>``.
    """

    def __init__(self, d_model: int = 64, strides: Sequence[int] = (2, 4, 5, 8), d_latent: int = 1024) -> None:
        super().__init__()
        layers: list[nn.Module] = [WNConv1d(1, d_model, kernel_size=7, padding=3)]
        channels = d_model
        for stride in strides:
            channels *= 2
            layers.append(EncoderBlock(channels, stride=stride))
        layers += [Snake1d(channels), WNConv1d(channels, d_latent, kernel_size=3, padding=1)]
        self.block = nn.Sequential(*layers)
        self.enc_dim = channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)


class Decoder(nn.Module):
    """Latent ``[B, input_channel, F]`` -> waveform ``[B, d_out, ~F * prod(rates)]`` in [-1, 1].

    A kernel-7 conv to ``channels``, one ``DecoderBlock`` per rate (halving channels), Snake, a
    kernel-7 conv to ``d_out`` and tanh. Parameters live under ``model.<i>``. The exact output
    length depends on ``transpose_padding`` (see ``TRANSPOSE_PADDINGS``).
    """

    def __init__(
        self,
        input_channel: int = 1024,
        channels: int = 1536,
        rates: Sequence[int] = (8, 5, 4, 2),
        d_out: int = 1,
        transpose_padding: str = "floor",
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = [WNConv1d(input_channel, channels, kernel_size=7, padding=3)]
        dim = channels
        for stride in rates:
            layers.append(DecoderBlock(dim, dim // 2, stride, transpose_padding))
            dim //= 2
        layers += [Snake1d(dim), WNConv1d(dim, d_out, kernel_size=7, padding=3), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def init_conv_biases(module: nn.Module) -> None:
    """The reference initialisation: every ``Conv1d`` bias set to zero.

    DAC and the SD-Codec authors also call ``trunc_normal_(std=0.02)`` on ``conv.weight``, but under
    weight norm that tensor is recomputed from g and v, so the call has no effect: the weights keep
    PyTorch's default (Kaiming-uniform) initialisation with g = ||v||. We reproduce that outcome.
    """
    for child in module.modules():
        if isinstance(child, nn.Conv1d) and child.bias is not None:  # not ConvTranspose1d
            nn.init.zeros_(child.bias)


def remove_weight_norm(module: nn.Module) -> nn.Module:
    """Folds every weight norm under ``module`` into a plain ``weight`` (in place; returns it).

    Exact: the stored weight is the tensor the parametrization computes. Speeds up inference
    (no norm per forward); the state_dict then holds ``<conv>.weight`` instead of g/v.
    """
    for child in module.modules():
        if parametrize.is_parametrized(child, "weight"):
            parametrize.remove_parametrizations(child, "weight", leave_parametrized=True)
    return module


def _fold(g: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """g * v / ||v|| with the norm over every dim but 0 (weight norm with ``dim=0``)."""
    return torch._weight_norm(v, g, 0)


def _unfold_norm(weight: torch.Tensor) -> torch.Tensor:
    """The weight-norm magnitude ``g`` (``dim=0``) of a plain ``weight``: its norm per output slice."""
    return torch.linalg.vector_norm(weight.reshape(weight.shape[0], -1), dim=1).reshape(
        weight.shape[0], *([1] * (weight.dim() - 1)))


def adapt_weight_norm_keys(state_dict: Mapping[str, torch.Tensor], target_keys: Iterable[str]) -> dict[str, torch.Tensor]:
    """Renames weight-norm entries of ``state_dict`` to the form ``target_keys`` (a model's keys) use.

    Handles legacy ``weight_g/weight_v`` <-> ``parametrizations.weight.original0/1``, either
    form -> a folded plain ``weight`` when the model had ``remove_weight_norm`` applied, and a
    folded ``weight`` -> either form (``g = ||weight||`` per output channel, ``v = weight``, which
    the parametrization maps back to the same tensor exactly). Keys
    that need no change (or that match nothing) are passed through unchanged, so that a strict
    load still names any genuinely missing or unexpected key.
    """
    target = set(target_keys)
    out: dict[str, torch.Tensor] = {}
    pending: dict[str, dict[int, torch.Tensor]] = {}
    for key, value in state_dict.items():
        if key in target:
            out[key] = value
            continue
        if key.endswith("weight"):
            prefix = key[: len(key) - len("weight")]
            form = next((f for f in (_PARAM_FORM, _LEGACY_FORM) if all(prefix + x in target for x in f)), None)
            if form is not None:
                out[prefix + form[0]] = _unfold_norm(value)
                out[prefix + form[1]] = value
                continue
        for form in (_LEGACY_FORM, _PARAM_FORM):
            matched = next((i for i, suffix in enumerate(form) if key.endswith("." + suffix) or key == suffix), None)
            if matched is not None:
                prefix = key[: len(key) - len(form[matched])]
                pending.setdefault(prefix, {})[matched] = value
                pending[prefix]["form"] = form  # type: ignore[assignment]
                break
        else:
            out[key] = value
    for prefix, parts in pending.items():
        form = parts.pop("form")  # type: ignore[arg-type]
        for other in (_PARAM_FORM, _LEGACY_FORM):
            if all(prefix + suffix in target for suffix in other):
                for index, suffix in enumerate(other):
                    if index in parts:
                        out[prefix + suffix] = parts[index]
                break
        else:
            if prefix + "weight" in target and len(parts) == 2:
                out[prefix + "weight"] = _fold(parts[0], parts[1])
            else:  # leave as given: the strict load will name these keys
                for index, value in parts.items():
                    out[prefix + form[index]] = value
    return out

"""A transposed 1-d convolution whose CPU result does not depend on the number of threads.

torch 2.13.0's CPU build runs ``nn.ConvTranspose1d`` through oneDNN's ``brgconv_strided``
deconvolution kernel. With two or more threads that kernel sometimes writes wrong values into
the first output samples of some output channels (up to about twice the output's RMS), on the
shapes of the paper-sized decoder's stride-5 block among others; one thread, or the same call
with oneDNN off, is exact to float32 rounding. The conditions measured are in ``docs/models.md``
("Transposed convolutions on multi-core CPUs").

``conv_transpose1d`` computes exactly ``F.conv_transpose1d`` (same weights, same definition of
the output) but, on CPU tensors, with ATen's own kernel (``slow_conv_transpose2d``: im2col and a
GEMM) instead of oneDNN's, in the autocast dtype under CPU autocast (as ``F.conv_transpose1d``
runs there); on other devices (CUDA) it is ``F.conv_transpose1d``. It changes no global flag, so
other threads and other layers keep oneDNN. Gradients come from autograd; on
the CPU its backward runs oneDNN's ``backward_data``/``backward_weights`` kernels, which are
other kernels than the faulty forward one and which the tests check against float64.
``ConvTranspose1d`` is ``nn.ConvTranspose1d`` computing through it: same parameters, same
``state_dict`` keys, same ``isinstance``.
"""

from __future__ import annotations

import types

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["FLOP_FORMULAS", "ConvTranspose1d", "conv_transpose1d", "route_transposed_convs"]


def conv_transpose1d(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    dilation: int = 1,
) -> torch.Tensor:
    """``F.conv_transpose1d(x, weight, bias, stride, padding, output_padding, 1, dilation)``,
    without oneDNN on the CPU (see the module docstring).

    ``x``: ``[batch, in_channels, time]``; ``weight``: ``[in_channels, out_channels, kernel]``;
    ``bias``: ``[out_channels]`` or None. Returns ``[batch, out_channels, time_out]`` with
    ``time_out = (time - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1``.
    One group only (every transposed convolution of the project has one).
    """
    if x.device.type != "cpu":
        return F.conv_transpose1d(x, weight, bias, stride, padding, output_padding, 1, dilation)
    if torch.is_autocast_enabled("cpu"):  # as autocast runs F.conv_transpose1d: in its dtype
        dtype = torch.get_autocast_dtype("cpu")
        x, weight = x.to(dtype), weight.to(dtype)
        bias = None if bias is None else bias.to(dtype)
    out = torch.ops.aten.slow_conv_transpose2d(
        x.unsqueeze(2), weight.unsqueeze(2), [1, weight.shape[-1]], bias,
        [1, stride], [0, padding], [0, output_padding], [1, dilation],
    )
    return out.squeeze(2)


def _computable(conv: nn.ConvTranspose1d) -> bool:
    """Whether ``conv_transpose1d`` computes ``conv`` (one group, zero padding)."""
    return conv.groups == 1 and conv.padding_mode == "zeros"


class ConvTranspose1d(nn.ConvTranspose1d):
    """``nn.ConvTranspose1d`` (one group, ``padding_mode="zeros"``) computed by
    ``conv_transpose1d``: correct on any number of CPU threads, unchanged on CUDA."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not _computable(self):
            raise ValueError("ConvTranspose1d: only groups=1 and padding_mode='zeros' are supported")

    def forward(self, x: torch.Tensor, output_size: list[int] | None = None) -> torch.Tensor:
        output_padding = self._output_padding(x, output_size, self.stride, self.padding, self.kernel_size, 1,
                                              self.dilation)
        return conv_transpose1d(x, self.weight, self.bias, self.stride[0], self.padding[0], output_padding[0],
                                self.dilation[0])


def route_transposed_convs(model: nn.Module) -> int:
    """Makes every plain ``nn.ConvTranspose1d`` inside ``model`` (a model of another code base,
    e.g. a transformers codec) compute through ``conv_transpose1d``, in place: its ``forward``
    becomes ``ConvTranspose1d.forward`` bound to it, so weights, parametrizations (weight norm),
    ``state_dict`` and class stay as they are. Layers with groups or a non-zero padding mode keep
    torch's forward. Returns the number of layers rerouted."""
    routed = 0
    for module in model.modules():
        if isinstance(module, nn.ConvTranspose1d) and not isinstance(module, ConvTranspose1d) and _computable(module):
            module.forward = types.MethodType(ConvTranspose1d.forward, module)
            routed += 1
    return routed


def _slow_conv_transpose_flops(x_shape: list[int], w_shape: list[int], *args, out_shape: list[int] | None = None,
                               **kwargs) -> int:
    """FLOPs of ``aten.slow_conv_transpose2d`` as torch counts ``F.conv_transpose1d``'s (which
    ``FlopCounterMode`` knows; the ATen kernel used on the CPU it does not)."""
    from torch.utils.flop_counter import conv_flop_count

    return conv_flop_count(list(x_shape), list(w_shape), list(out_shape), transposed=True)


#: ``FlopCounterMode(custom_mapping=FLOP_FORMULAS)`` counts ``conv_transpose1d`` on the CPU as on
#: other devices (``tests/tdanet/test_complexity.py``: a CPU run equals a ``meta`` one).
FLOP_FORMULAS = {torch.ops.aten.slow_conv_transpose2d: _slow_conv_transpose_flops}

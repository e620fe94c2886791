"""The in-place inference paths of ``sdcodec.nn`` (Snake, the residual add) are bit-identical to
the autograd paths, leave their inputs alone, and training still gets gradients."""

from __future__ import annotations

import torch

from sdcodec.nn import ResidualUnit, snake


def _reference_snake(x: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """DAC's formula, out of place."""
    return x + (alpha + 1e-9).reciprocal() * torch.sin(alpha * x).pow(2)


def test_snake_in_place_is_bit_identical_and_keeps_its_input():
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(2, 16, 300, generator=generator)
    alpha = torch.rand(1, 16, 1, generator=generator) * 3
    alpha[0, 3] = 0.0  # the 1e-9 guard
    before = x.clone()
    with torch.inference_mode():
        fast = snake(x, alpha)
    with torch.no_grad():
        assert torch.equal(snake(x, alpha), fast)
    assert torch.equal(fast, _reference_snake(x, alpha)) and torch.equal(x, before)
    x4 = x.reshape(2, 16, 30, 10)  # any trailing shape, as DAC's
    with torch.no_grad():
        assert torch.equal(snake(x4, alpha), _reference_snake(x, alpha).reshape(x4.shape))
    leaf = alpha.clone().requires_grad_(True)
    out = snake(x, leaf)
    assert torch.equal(out.detach(), fast)
    out.sum().backward()  # the autograd path: no in-place op on saved tensors
    assert leaf.grad is not None and torch.isfinite(leaf.grad).all()


def test_residual_unit_inference_equals_autograd_path():
    torch.manual_seed(0)
    unit = ResidualUnit(8, dilation=3)
    x = torch.randn(2, 8, 200, requires_grad=True)
    with_grad = unit(x)
    with torch.no_grad():
        before = x.detach().clone()
        fast = unit(x)
    assert torch.equal(fast, with_grad.detach()) and torch.equal(x.detach(), before)
    with_grad.sum().backward()
    assert x.grad is not None and unit.block[1].parametrizations.weight.original1.grad is not None

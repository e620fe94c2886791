"""The TDANet loss is exactly -SI-SDR (zero-mean), per named stem, averaged."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sdcodec.core.errors import ConfigError
from baselines.tdanet import neg_si_sdr, si_sdr_per_source


def _si_sdr_reference(est: np.ndarray, ref: np.ndarray) -> float:
    """Le Roux et al. 2019, in float64: project the zero-mean estimate onto the zero-mean reference."""
    est = est - est.mean()
    ref = ref - ref.mean()
    target = (est @ ref) / (ref @ ref) * ref
    return 10 * np.log10((target @ target) / ((est - target) @ (est - target)))


def test_loss_is_negative_mean_si_sdr() -> None:
    rng = np.random.default_rng(0)
    refs = rng.standard_normal((4, 3, 2000))
    ests = 0.7 * refs + 0.3 * rng.standard_normal((4, 3, 2000)) + 0.5  # an offset: zero-mean matters
    expected = np.array([[_si_sdr_reference(ests[b, k], refs[b, k]) for k in range(3)] for b in range(4)])
    per = si_sdr_per_source(torch.tensor(ests, dtype=torch.float32), torch.tensor(refs, dtype=torch.float32))
    np.testing.assert_allclose(per.numpy(), expected, atol=1e-3)
    loss = neg_si_sdr(torch.tensor(ests, dtype=torch.float32), torch.tensor(refs, dtype=torch.float32))
    assert loss.ndim == 0
    assert loss.item() == pytest.approx(-expected.mean(), abs=1e-3)


def test_scale_and_offset_invariant_but_not_permutation_invariant() -> None:
    torch.manual_seed(0)
    refs = torch.randn(2, 3, 1000)
    ests = refs + 0.1 * torch.randn(2, 3, 1000)
    base = neg_si_sdr(ests, refs)
    torch.testing.assert_close(neg_si_sdr(3.0 * ests - 0.2, refs), base, atol=1e-4, rtol=0)
    swapped = ests[:, [1, 0, 2]]
    assert neg_si_sdr(swapped, refs) > base + 20  # named stems: no permutation search


def test_gradient_is_finite_for_silent_reference() -> None:
    ests = torch.randn(1, 3, 500, requires_grad=True)
    refs = torch.randn(1, 3, 500)
    refs[0, 2] = 0.0
    neg_si_sdr(ests, refs).backward()
    assert torch.isfinite(ests.grad).all()


def test_shape_mismatch_is_an_error() -> None:
    with pytest.raises(ConfigError, match="one shape"):
        neg_si_sdr(torch.randn(1, 3, 10), torch.randn(1, 2, 10))

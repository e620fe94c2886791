"""Fixtures: DAC's reference implementation (installed ``dac`` package, run through the stand-ins
in ``tests/oracles``) with seeded random weights, and small inputs."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest
import torch

ORACLES = Path(__file__).resolve().parents[1] / "oracles"

#: DAC's public 16 kHz model, as ``metadata["kwargs"]`` of its checkpoint.
DAC16K_KWARGS = dict(
    encoder_dim=64, encoder_rates=[2, 4, 5, 8], latent_dim=1024, decoder_dim=1536,
    decoder_rates=[8, 5, 4, 2], n_codebooks=12, codebook_size=1024, codebook_dim=8,
    quantizer_dropout=0.0, sample_rate=16000,
)


@pytest.fixture(scope="session")
def dac_module():
    """The reference ``dac`` package, importable thanks to the stand-ins put first on sys.path."""
    if str(ORACLES) not in sys.path:
        sys.path.insert(0, str(ORACLES))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # DAC scripts snake with torch.jit
        import dac

    return dac


@torch.no_grad()
def perturb(model: torch.nn.Module, seed: int) -> torch.nn.Module:
    """Adds seeded noise to every parameter so that biases, Snake alphas and gains are all
    non-trivial (the reference initialisation leaves biases at 0 and alphas at 1)."""
    generator = torch.Generator().manual_seed(seed)
    for _, param in sorted(model.named_parameters()):
        scale = 0.05 * (param.abs().mean() + 1e-2)
        param.add_(torch.randn(param.shape, generator=generator) * scale)
    return model


@pytest.fixture(scope="session")
def perturbed():
    """``perturbed(model, seed)``: the model with seeded noise added to every parameter."""
    return perturb


@pytest.fixture(scope="session")
def dac16k_oracle(dac_module):
    """``dac.model.DAC`` with the 16 kHz configuration and seeded random weights (eval mode)."""
    torch.manual_seed(1234)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.nn.utils.weight_norm is deprecated
        model = dac_module.model.DAC(**DAC16K_KWARGS)
    return perturb(model, seed=1).eval()


@pytest.fixture(scope="session")
def dac16k_checkpoint(dac16k_oracle, tmp_path_factory) -> Path:
    """The oracle saved in DAC's official checkpoint format (legacy weight_g/weight_v keys)."""
    path = tmp_path_factory.mktemp("dac") / "weights_16khz.pth"
    torch.save({"state_dict": dac16k_oracle.state_dict(), "metadata": {"kwargs": DAC16K_KWARGS}}, path)
    return path


@pytest.fixture(scope="session")
def speechlike() -> torch.Tensor:
    """Two 0.49 s clips ``[2, 1, 7900]`` at 16 kHz (not a multiple of the hop: padding is exercised)."""
    generator = torch.Generator().manual_seed(7)
    t = torch.arange(7900) / 16000
    tone = torch.sin(2 * torch.pi * 220 * t) * torch.linspace(0, 1, 7900)
    noise = torch.randn(2, 1, 7900, generator=generator)
    return (0.3 * tone + 0.05 * noise).float()

"""Fixtures: DAC's reference discriminator and GAN loss (installed ``dac`` package through the
stand-ins in ``tests/oracles``)."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

ORACLES = Path(__file__).resolve().parents[1] / "oracles"


@pytest.fixture(scope="session")
def dac_discriminator_module():
    """``dac.model.discriminator`` and ``dac.nn.loss``, importable thanks to the stand-ins."""
    if str(ORACLES) not in sys.path:
        sys.path.insert(0, str(ORACLES))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from dac.model import discriminator
        from dac.nn import loss

    return discriminator, loss

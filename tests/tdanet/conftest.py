from __future__ import annotations

import pytest
import torch

from baselines.tdanet import TDANET_PRESETS, TDANet


@pytest.fixture
def tiny_model() -> TDANet:
    """The tiny preset, seeded, in eval mode."""
    torch.manual_seed(0)
    return TDANet(TDANET_PRESETS["tiny"]).eval()

"""Inference speed of the codecs (pytest-benchmark, few rounds): mixture resynthesis of 1 s of
16 kHz audio, with weight norm as trained and folded into plain weights (exact, and faster:
no norm per convolution per call)."""

from __future__ import annotations

import pytest
import torch

from sdcodec.config import sdcodec_preset
from sdcodec.model import SDCodec


@pytest.fixture(scope="module")
def pair():
    torch.manual_seed(0)
    trained = SDCodec(sdcodec_preset("tiny")).eval()
    folded = SDCodec(sdcodec_preset("tiny")).eval()
    folded.load_state_dict(trained.state_dict())
    folded.remove_weight_norm()
    return trained, folded


@pytest.fixture(scope="module")
def second() -> torch.Tensor:
    return 0.1 * torch.randn(1, 1, 16000, generator=torch.Generator().manual_seed(0))


def _resynthesize(model, audio):
    with torch.inference_mode():
        return model.evaluate(audio)


@pytest.mark.benchmark(group="sdcodec-tiny-1s")
def test_speed_weight_norm(benchmark, pair, second):
    out = benchmark.pedantic(_resynthesize, args=(pair[0], second), rounds=5, warmup_rounds=1)
    assert out.shape == (1, 1, 16000)


@pytest.mark.benchmark(group="sdcodec-tiny-1s")
def test_speed_folded(benchmark, pair, second):
    out = benchmark.pedantic(_resynthesize, args=(pair[1], second), rounds=5, warmup_rounds=1)
    assert torch.equal(out, _resynthesize(pair[0], second))  # folding is exact

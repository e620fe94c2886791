"""Nominal bitrates from configurations and measured statistics of code tensors, checked
against values worked out by hand."""

from __future__ import annotations

import math

import pytest
import torch

from baselines.dac import DAC_PRESETS
from sdcodec.bitrate import code_perplexity, code_statistics, nominal_bitrate
from sdcodec.config import SDCODEC_PRESETS


def test_paper_bitrates():
    rate = nominal_bitrate(SDCODEC_PRESETS["16k"])
    assert rate.frame_rate == 50 and rate.bits_per_frame == 120
    assert rate.per_branch_kbps == pytest.approx(6.0) and rate.total_kbps == pytest.approx(18.0)
    for shared in ("16k-shared4", "16k-shared8"):  # sharing does not reduce the bitrate
        assert nominal_bitrate(SDCODEC_PRESETS[shared]).per_branch_kbps == pytest.approx(6.0)
    dac = nominal_bitrate(DAC_PRESETS["16k"])
    assert dac.per_branch_kbps == dac.total_kbps == pytest.approx(6.0)
    tiny = nominal_bitrate(SDCODEC_PRESETS["tiny"])
    assert tiny.per_branch_bps == pytest.approx(4 * 8 * 800)  # hop 20: 800 frames/s


def test_measured_statistics_of_known_code_distributions():
    # codebook 0: every index of 0..7 equally often; codebook 1: always 3; codebook 2: 3/4 zeros
    frames = 64
    uniform = torch.arange(frames) % 8
    constant = torch.full((frames,), 3)
    skewed = torch.tensor([0, 0, 0, 1] * (frames // 4))
    codes = torch.stack([uniform, constant, skewed])[None]  # [1, 3, 64]
    stats = code_statistics(codes, codebook_size=16, frame_rate=50)
    h_skewed = -(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25))
    assert stats.entropy_bits == pytest.approx([3.0, 0.0, h_skewed])
    assert stats.perplexity == pytest.approx([8.0, 1.0, 2**h_skewed])
    assert stats.utilisation == pytest.approx([8 / 16, 1 / 16, 2 / 16])
    assert stats.measured_bps == pytest.approx((3.0 + h_skewed) * 50)
    assert stats.n_frames == frames
    pooled = code_statistics([codes[..., :32], codes[..., 32:]], codebook_size=16, frame_rate=50)
    assert pooled.entropy_bits == pytest.approx(stats.entropy_bits)


def test_training_perplexity_matches_its_definition():
    codes = torch.tensor([[[0, 1, 2, 3], [5, 5, 5, 5]]])
    ppl = code_perplexity(codes, 8)
    assert ppl[0].item() == pytest.approx(4.0, rel=1e-5)  # exp(ln 4)
    assert ppl[1].item() == pytest.approx(1.0, rel=1e-5)


def test_codes_out_of_range_are_rejected():
    with pytest.raises(ValueError, match="outside"):
        code_statistics(torch.tensor([[[0, 9]]]), codebook_size=8, frame_rate=50)

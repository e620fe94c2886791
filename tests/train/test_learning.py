"""Fresh CPU runs through the training entry point learn: on held-out synthetic clips (``tt/``,
never trained on) a short run of the tiny SD-Codec raises the mixture resynthesis SI-SDR far
above the untrained model's, and a short TDANet run raises every stem's SI-SDRi. The quality the
full ``tiny`` runs reach (positive SI-SDRi per stem, TDANet above 3 dB) is checked on the shipped
checkpoints, trained by the same code (``test_pretrained.py``)."""

from __future__ import annotations

import pytest
import torch

from sdcodec.checkpoint import load_model
from bench.train.config import apply_overrides, family_class, named_config
from bench.train.loop import train
from bench.train.quality import held_out_clips, model_quality
from bench.train.state import seed_everything

#: Held-out clips of these tests: the first 4 test clips of the synthetic set, 2 s each.
CLIPS = dict(limit=4, seconds=2.0)


@pytest.fixture(scope="module")
def clips():
    return held_out_clips(**CLIPS)


def _untrained(config):
    seed_everything(config.seed)  # as the loop does before building
    return family_class(config.family).build(config.model_config())


@pytest.mark.slow
def test_short_sdcodec_run_learns_to_resynthesize(tmp_path, clips, capsys):
    config = apply_overrides(named_config("tiny", "sdcodec"), ["total_steps=30", "batch_size=4", "log_every=10"])
    before = model_quality(_untrained(config), clips)
    result = train(config, tmp_path / "run", progress=False, device="cpu")
    after = model_quality(load_model(result.model_path), clips)
    with capsys.disabled():
        print(f"\n[sdcodec tiny, 30 steps] mixture SI-SDR {before['mix_si_sdr']:.1f} -> {after['mix_si_sdr']:.1f} dB")
    assert after["mix_si_sdr"] > before["mix_si_sdr"] + 30.0  # measured: -45.8 -> -5.6 dB (hop 20, quantize_prob 0.5, absent_silent)
    rows = result.history
    assert rows[-1]["mel"] < rows[0]["mel"]


@pytest.mark.slow
def test_short_tdanet_run_learns_to_separate(tmp_path, clips, capsys):
    config = apply_overrides(named_config("tiny", "tdanet"), ["total_steps=40", "batch_size=4", "log_every=10"])
    before = model_quality(_untrained(config), clips)
    torch.manual_seed(0)
    result = train(config, tmp_path / "run", progress=False, device="cpu")
    after = model_quality(load_model(result.model_path), clips)
    with capsys.disabled():
        print(f"\n[tdanet tiny, 40 steps] SI-SDRi " + ", ".join(
            f"{t} {before['si_sdri'][t]:.1f} -> {after['si_sdri'][t]:.1f}" for t in after["si_sdri"]) + " dB")
    for track in after["si_sdri"]:
        assert after["si_sdri"][track] > before["si_sdri"][track] + 5.0, track
    assert result.history[-1]["si_sdr"] > result.history[0]["si_sdr"]

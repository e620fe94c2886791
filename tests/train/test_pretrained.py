"""The embedded default checkpoints: they load through ``load_model``, match their sidecar and the
current ``tiny`` configuration, and their held-out scores are real (re-scored here) and good:
positive mixture SI-SDR for the codecs, positive separation SI-SDRi per stem for SD-Codec
(branch decoding) and above 3 dB per stem for TDANet."""

from __future__ import annotations

import pytest
import torch

from bench.errors import CheckpointError
from sdcodec.checkpoint import file_sha256, load_model, read_checkpoint
from sdcodec.pretrained import DEFAULT_FAMILIES, default_checkpoint, default_info
from sdcodec.train.config import config_from_json, config_to_json, named_config
from sdcodec.train.defaults import SIDECAR_CLIPS
from sdcodec.train.quality import held_out_clips, model_quality


@pytest.fixture(scope="module")
def clips():
    return held_out_clips(**SIDECAR_CLIPS)


@pytest.mark.parametrize("family", DEFAULT_FAMILIES)
def test_shipped_checkpoint_loads_and_matches_its_configuration(family):
    path = default_checkpoint(family)
    info = default_info(family)
    assert info["family"] == family and info["file"] == path.name
    assert info["sha256"] == file_sha256(path, 64)
    raw = read_checkpoint(path)
    assert raw["family"] == family and raw["meta"]["train_config"] == info["train_config"]
    assert raw["meta"]["data_hash"] == info["data_hash"] and raw["meta"]["step"] == info["steps"]
    config = config_from_json(info["train_config"])
    model = load_model(path)
    assert model.config == config.model_config()
    # the shipped files are what `bench train --defaults` makes today
    assert config_to_json(named_config("tiny", family)) == info["train_config"], \
        "the tiny configuration changed: retrain with `bench train --defaults`"
    assert path.stat().st_size < 4_000_000


@pytest.mark.parametrize("family", DEFAULT_FAMILIES)
def test_shipped_scores_are_reproduced_and_good(family, clips):
    info = default_info(family)
    recorded = info["held_out"]["scores"]
    torch.manual_seed(0)
    scores = model_quality(load_model(default_checkpoint(family)), clips)
    assert scores["clips"] == recorded["clips"] == SIDECAR_CLIPS["limit"]
    if family in ("sdcodec", "dac"):
        assert scores["mix_si_sdr"] == pytest.approx(recorded["mix_si_sdr"], abs=1e-3)
        assert scores["mix_si_sdr"] > 1.0
    if family in ("sdcodec", "tdanet"):
        for track, value in scores["si_sdri"].items():
            assert value == pytest.approx(recorded["si_sdri"][track], abs=1e-3)
            assert value > (3.0 if family == "tdanet" else 0.0), (track, value)


def test_unknown_default_is_a_clear_error():
    with pytest.raises(CheckpointError, match="embedded: sdcodec, dac, tdanet"):
        default_checkpoint("hifigan")

"""TDANet checkpoints: the project's format, Look2Hear's formats, and mismatch errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from sdcodec.core.dataclass_json import replace
from sdcodec.core.errors import CheckpointError
from baselines.tdanet import TDANET_PRESETS, TDANet, TDANetFamily
from sdcodec.checkpoint import load_model, save_model
from sdcodec.families import load_families
from .look2hear_layout import (
    look2hear_shapes,
    parameter_count,
    random_look2hear_state,
    sinusoids,
)

TINY = TDANET_PRESETS["tiny"]


def _tiny_shapes(**kw) -> dict:
    return look2hear_shapes(TINY.out_channels, TINY.in_channels, TINY.upsampling_depth,
                            TINY.kernel_samples, TINY.num_sources, **kw)


def test_family_is_registered_with_presets() -> None:
    family = load_families().get("tdanet")
    assert family is TDANetFamily
    assert {"16k", "tiny"} <= set(family.presets())
    model = family.build(family.presets()["tiny"])
    assert model.config == TINY and model.family == "tdanet" and model.sample_rate == 16000
    assert sum(p.numel() for p in model.parameters()) < 300_000


def test_project_checkpoint_round_trip(tmp_path: Path, tiny_model: TDANet) -> None:
    path = save_model(tiny_model, "tdanet", tiny_model.config, tmp_path / "tdanet.pt", meta={"step": 3})
    loaded = load_model(path)
    assert isinstance(loaded, TDANet) and not loaded.training
    assert loaded.config == tiny_model.config
    assert loaded.state_dict().keys() == tiny_model.state_dict().keys()
    for key, value in tiny_model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    mix = torch.randn(1, 1, 2000)
    with torch.no_grad():
        torch.testing.assert_close(loaded(mix), tiny_model(mix), rtol=0, atol=0)


def test_state_dict_names_are_look2hears() -> None:
    # Every parameter has Look2Hear's key and shape (the stored sinusoid table is no parameter).
    expected = _tiny_shapes()
    ours = {k: tuple(v.shape) for k, v in TDANet(TINY).state_dict().items()}
    assert ours == expected


def test_16k_parameter_count_matches_the_architecture_and_the_paper() -> None:
    config = TDANET_PRESETS["16k"]
    expected = parameter_count(look2hear_shapes(128, 512, 5, 64, 3))
    assert sum(p.numel() for p in TDANetFamily.build(config).parameters()) == expected
    # With the paper's two sources TDANet has 2.33 M parameters (Li et al., ICLR 2023).
    two = sum(p.numel() for p in TDANet(replace(config, num_sources=2)).parameters())
    assert round(two / 1e6, 2) == 2.33


def _serialized(model_name: str, state: dict) -> dict:
    """What Look2Hear's ``BaseModel.serialize()`` returns (``audio_train.py`` saves it as
    ``best_model.pth``): every TDANet variant's ``get_model_args()`` is ``{"n_src": 2}``,
    whatever the model."""
    return {"model_name": model_name, "state_dict": state, "model_args": {"n_src": 2},
            "infos": {"software_versions": {"torch_version": torch.__version__, "pytorch_lightning_version": "1.9.5"}}}


def test_look2hear_serialized_checkpoint_loads_strictly(tmp_path: Path) -> None:
    # A 3-source model: the file says n_src 2 (hard-coded by the authors), the weights say 3.
    state = random_look2hear_state(_tiny_shapes(), TINY.in_channels)
    assert state["decoder.weight"].shape[1] == TINY.num_sources == 3
    path = tmp_path / "best_model.pth"
    torch.save(_serialized("TDANetOld", state), path)
    model = load_model(path)
    # the original release = our defaults; serialize() does not record num_blocks: the published 16
    assert isinstance(model, TDANet) and model.config == replace(TINY, num_blocks=16)
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key
    with torch.no_grad():
        assert model(torch.randn(1, 1, 500)).shape == (1, 3, 500)


def test_look2hear_serialized_two_source_checkpoint_loads(tmp_path: Path) -> None:
    shapes = look2hear_shapes(TINY.out_channels, TINY.in_channels, TINY.upsampling_depth, TINY.kernel_samples, 2)
    path = tmp_path / "best_model.pth"
    torch.save(_serialized("TDANet", random_look2hear_state(shapes, TINY.in_channels)), path)
    model = load_model(path)
    assert model.config.num_sources == 2 and model.tracks == ("source0", "source1")


def test_recorded_source_count_of_a_training_config_is_still_checked(tmp_path: Path) -> None:
    # A Lightning checkpoint's training_config is the run's YAML (what the constructor got): a
    # source count there that contradicts the weights is a broken file.
    state = random_look2hear_state(_tiny_shapes(), TINY.in_channels)
    path = tmp_path / "epoch=3.ckpt"
    torch.save({"state_dict": {f"audio_model.{k}": v for k, v in state.items()},
                "training_config": {"audionet": {"audionet_name": "TDANet",
                                                 "audionet_config": {"num_sources": 2}}}}, path)
    with pytest.raises(CheckpointError, match=r"num_sources=2 contradicts the weights \(3\)"):
        load_model(path)


def test_look2hear_lightning_checkpoint_infers_variant_and_blocks(tmp_path: Path) -> None:
    state = random_look2hear_state(_tiny_shapes(), TINY.in_channels)
    path = tmp_path / "epoch=9.ckpt"
    weights = [torch.nn.Parameter(v.clone()) for v in list(state.values())[:2]]
    optimizer = torch.optim.Adam(weights, lr=1e-3)
    sum(w.sum() for w in weights).backward()
    optimizer.step()
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=10)
    plateau.step(1.0)
    # the entries a Lightning 1.9 checkpoint of AudioLightningModule holds: all weights-only readable
    torch.save({"state_dict": {f"audio_model.{k}": v for k, v in state.items()},
                "training_config": {"audionet": {"audionet_name": "TDANet",
                                                 "audionet_config": {"num_blocks": 7, "num_sources": 3}},
                                    "datamodule": {"data_config": {"sample_rate": 16000}}},
                "epoch": 9, "global_step": 900, "pytorch-lightning_version": "1.9.5",
                "optimizer_states": [optimizer.state_dict()], "lr_schedulers": [plateau.state_dict()],
                "callbacks": {"ModelCheckpoint{'monitor': 'val_loss/dataloader_idx_0', 'mode': 'min'}": {
                    "monitor": "val_loss/dataloader_idx_0", "best_model_score": torch.tensor(-12.5),
                    "best_model_path": "/exp/epoch=9.ckpt", "best_k_models": {"/exp/epoch=9.ckpt": torch.tensor(-12.5)},
                    "dirpath": "/exp"},
                    "EarlyStopping{'monitor': 'val_loss/dataloader_idx_0', 'mode': 'min'}": {
                    "wait_count": 0, "stopped_epoch": 0, "best_score": torch.tensor(-12.5), "patience": 30}},
                "loops": {"fit_loop": {"state_dict": {}, "epoch_progress": {"total": {"ready": 10, "completed": 9}}}},
                "hparams_name": "config",
                "hyper_parameters": {"audionet_audionet_name": "TDANet", "optimizer_lr": 0.001,
                                     "datamodule_data_config_segment": 4.0, "training_gpus": torch.tensor([0, 1])}},
               path)
    model = load_model(path)
    assert model.config.num_blocks == 7
    assert (model.config.global_fusion, model.config.top_down_start, model.config.attention_axis) == \
        ("add", "finer", "batch")
    assert model.sm.unet.proj_1x1.conv.weight.data_ptr() != 0
    torch.testing.assert_close(model.sm.unet.proj_1x1.conv.weight, state["sm.unet.proj_1x1.conv.weight"])


def test_look2hear_tdanetbest_with_hand_written_gln_loads(tmp_path: Path) -> None:
    shapes = _tiny_shapes(best=True, gln="gamma/beta")
    state = random_look2hear_state(shapes, TINY.in_channels)
    path = tmp_path / "tdanetbest.pth"
    torch.save(_serialized("TDANetBest", state), path)
    model = load_model(path)
    assert model.config.global_fusion == "local_attention" and model.config.num_blocks == 16
    torch.testing.assert_close(model.ln.weight, state["ln.gamma"])
    torch.testing.assert_close(model.sm.unet.loc_glo_fus[2].global_act.norm.bias,
                               state["sm.unet.loc_glo_fus.2.global_act.norm.beta"])
    with torch.no_grad():
        assert model(torch.randn(1, 1, 500)).shape == (1, 3, 500)


def test_mismatched_keys_name_them(tmp_path: Path) -> None:
    state = random_look2hear_state(_tiny_shapes(), TINY.in_channels)
    state["sm.unet.res_conv.extra"] = torch.zeros(1)
    del state["sm.concat_block.0.bias"]
    path = tmp_path / "broken.pth"
    torch.save({"model_name": "TDANet", "state_dict": state}, path)
    with pytest.raises(CheckpointError, match=r"sm\.concat_block\.0\.bias") as error:
        load_model(path)
    assert "sm.unet.res_conv.extra" in str(error.value) and str(path) in str(error.value)


def test_project_checkpoint_of_another_configuration_is_rejected(tmp_path: Path, tiny_model: TDANet) -> None:
    path = save_model(tiny_model, "tdanet", replace(TINY, upsampling_depth=3), tmp_path / "bad.pt")
    with pytest.raises(CheckpointError, match=r"last_layer\.2"):
        load_model(path)


def test_wrong_positional_table_is_rejected(tmp_path: Path) -> None:
    state = random_look2hear_state(_tiny_shapes(), TINY.in_channels)
    state["sm.unet.globalatt.attn.pos_enc.pe"] = sinusoids(100, TINY.in_channels) + 0.5
    path = tmp_path / "pe.pth"
    torch.save({"model_name": "TDANet", "state_dict": state}, path)
    with pytest.raises(CheckpointError, match="pos_enc.pe"):
        load_model(path)

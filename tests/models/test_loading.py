"""Loading through ``sdcodec.checkpoint.load_model``: the SD-Codec authors' checkpoint layout
(plain state_dict + Hydra config.yaml), config inference from tensor shapes, clear errors for
mismatched keys, and the "init from DAC" ablation."""

from __future__ import annotations

import pytest
import torch

from baselines.dac import DAC, DAC_PRESETS
from sdcodec.core.errors import CheckpointError
from sdcodec.checkpoint import load_model, save_model
from sdcodec.config import sdcodec_preset
from sdcodec.init_dac import init_from_dac
from sdcodec.model import SDCodec

#: A run configuration in the authors' Hydra layout (their ``config/model/*.yaml`` under
#: ``model:``, ``sampling_rate`` at the top), for the tiny shape with 2 shared codebooks. Their
#: model takes the latent width from ``d_latent`` (encoder, decoder) and ``input_dim``
#: (quantizer), default 1024; their ``latent_dim`` only sets an attribute (here a bogus value).
AUTHORS_YAML = """\
model:
  name: SDCodec
  latent_dim: 999
  tracks: ['speech', 'music', 'sfx']
  enc_params:
    name: DACEncoder
    d_model: 16
    strides: [2, 2, 5]
    d_latent: 64
  dec_params:
    name: DACDecoder
    d_model: 64
    strides: [5, 2, 2]
    d_latent: 64
  quant_params:
    name: MultiSourceRVQ
    input_dim: 64
    n_codebooks: [4, 4, 4]
    codebook_size: [256, 256, 256]
    codebook_dim: [8, 8, 8]
    quantizer_dropout: 0.0
    code_jit_prob: [0.0, 0.0, 0.0]
    code_jit_size: [3, 5, 3]
    shared_codebooks: 2
  pretrain: {}
sampling_rate: 16000
resume: true
"""


@pytest.fixture(scope="module")
def shared2(perturbed) -> SDCodec:
    torch.manual_seed(0)
    return perturbed(SDCodec(sdcodec_preset("tiny", shared_codebooks=2)), seed=9).eval()


@pytest.fixture(scope="module")
def clip() -> torch.Tensor:
    return 0.1 * torch.randn(1, 1, 6400, generator=torch.Generator().manual_seed(2))


def _same_outputs(a, b, clip) -> bool:
    with torch.no_grad():
        return torch.equal(a.evaluate(clip, ["mix", "speech", "sfx"]), b.evaluate(clip, ["mix", "speech", "sfx"]))


def test_official_layout_with_hydra_config_one_folder_up(shared2, clip, tmp_path):
    (tmp_path / ".hydra").mkdir()
    (tmp_path / ".hydra" / "config.yaml").write_text(AUTHORS_YAML)
    (tmp_path / "ckpt_final").mkdir()
    path = tmp_path / "ckpt_final" / "ckpt_model_final.pth"
    torch.save(shared2.state_dict(), path)  # a plain state_dict, as the authors' trainer writes
    model = load_model(path)
    assert isinstance(model, SDCodec) and model.family == "sdcodec"
    assert model.config == shared2.config
    assert model.source_config.endswith(".hydra/config.yaml")
    assert _same_outputs(model, shared2, clip)


def test_yaml_beside_the_checkpoint_and_sample_rate_from_it(shared2, tmp_path):
    (tmp_path / "config.yaml").write_text(AUTHORS_YAML.replace("sampling_rate: 16000", "sampling_rate: 24000"))
    torch.save(shared2.state_dict(), tmp_path / "ckpt_model_final.pth")
    assert load_model(tmp_path / "ckpt_model_final.pth").sample_rate == 24000


def test_config_inferred_from_shapes_without_yaml(shared2, clip, tmp_path):
    path = tmp_path / "ckpt_model_final.pth"
    torch.save(shared2.state_dict(), path)
    model = load_model(path)
    assert model.config == shared2.config
    assert _same_outputs(model, shared2, clip)


def test_legacy_weight_norm_keys_load(shared2, clip, tmp_path):
    legacy = {
        k.replace("parametrizations.weight.original0", "weight_g").replace("parametrizations.weight.original1", "weight_v"): v
        for k, v in shared2.state_dict().items()
    }
    assert any(k.endswith("weight_g") for k in legacy)
    path = tmp_path / "ckpt_model_final.pth"
    torch.save(legacy, path)
    assert _same_outputs(load_model(path), shared2, clip)


def test_latent_width_is_read_where_the_authors_model_reads_it(tmp_path):
    from sdcodec.official import config_from_yaml

    path = tmp_path / "config.yaml"
    path.write_text(AUTHORS_YAML)
    assert config_from_yaml(path).latent_channels == 64  # not model.latent_dim (999)
    # none given: the authors' constructors' default, 1024, whatever model.latent_dim says
    for line in ("    d_latent: 64\n", "    input_dim: 64\n"):
        path.write_text(path.read_text().replace(line, ""))
    assert config_from_yaml(path).latent_channels == 1024


@pytest.mark.parametrize("old, new", [("    input_dim: 64", "    input_dim: 32"),
                                      ("    input_dim: 64\n", "")])
def test_inconsistent_latent_widths_are_one_clear_error(tmp_path, old, new):
    from sdcodec.official import config_from_yaml

    path = tmp_path / "config.yaml"
    path.write_text(AUTHORS_YAML.replace(old, new, 1))
    with pytest.raises(CheckpointError) as info:
        config_from_yaml(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    assert "enc_params.d_latent=64" in message and "dec_params.d_latent=64" in message
    assert ("quant_params.input_dim=32" if new else "quant_params.input_dim=1024") in message


def test_yaml_that_disagrees_with_the_tensors_names_the_keys(shared2, tmp_path):
    (tmp_path / "config.yaml").write_text(AUTHORS_YAML.replace("shared_codebooks: 2", "shared_codebooks: 1"))
    torch.save(shared2.state_dict(), tmp_path / "ckpt_model_final.pth")
    with pytest.raises(CheckpointError) as info:
        load_model(tmp_path / "ckpt_model_final.pth")
    message = str(info.value)
    assert "missing keys: quantizer.rvq_dict.music.quantizers.2" in message  # 3 own layers expected
    assert "unexpected keys: quantizer.shared_rvq.quantizers.1" in message  # only 1 shared layer expected
    assert "ckpt_model_final.pth" in message and "configuration" in message


def test_project_checkpoint_with_missing_and_unexpected_keys(shared2, tmp_path):
    path = save_model(shared2, "sdcodec", shared2.config, tmp_path / "model.pt")
    payload = torch.load(path, weights_only=True)
    del payload["state_dict"]["decoder.model.0.bias"]
    payload["state_dict"]["decoder.extra.weight"] = torch.zeros(1)
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match=r"missing keys: decoder\.model\.0\.bias.*unexpected keys: decoder\.extra\.weight"):
        load_model(path)


def test_unrecognised_file_is_a_checkpoint_error(tmp_path):
    path = tmp_path / "something.pth"
    torch.save({"weights": [1, 2, 3]}, path)
    with pytest.raises(CheckpointError, match="unrecognised checkpoint format"):
        load_model(path)


def test_init_from_dac_copies_weights_with_the_authors_mapping(perturbed, tmp_path):
    torch.manual_seed(1)
    dac = perturbed(DAC(DAC_PRESETS["tiny"]), seed=4).eval()
    path = save_model(dac, "dac", dac.config, tmp_path / "dac.pt")
    model = init_from_dac(SDCodec(sdcodec_preset("tiny", shared_codebooks=1)), path)
    state, source = model.state_dict(), dac.state_dict()
    for key in source:
        if not key.startswith("quantizer."):
            assert torch.equal(state[key], source[key]), key
    for track in ("speech", "music", "sfx"):
        for i in range(3):
            prefix = f"quantizer.rvq_dict.{track}.quantizers.{i}"
            assert torch.equal(state[f"{prefix}.codebook.weight"], source[f"quantizer.quantizers.{i}.codebook.weight"])
    # the authors' mapping: the shared layer 0 takes DAC's FIRST layer
    assert torch.equal(state["quantizer.shared_rvq.quantizers.0.codebook.weight"], source["quantizer.quantizers.0.codebook.weight"])
    deep = init_from_dac(SDCodec(sdcodec_preset("tiny", shared_codebooks=1)), dac, same_depth=True).state_dict()
    assert torch.equal(deep["quantizer.shared_rvq.quantizers.0.codebook.weight"], source["quantizer.quantizers.3.codebook.weight"])
    with torch.no_grad():  # each branch is now DAC's quantizer: same codes and latents as DAC
        clip = 0.1 * torch.randn(1, 1, 3200, generator=torch.Generator().manual_seed(0))
        fresh = init_from_dac(SDCodec(sdcodec_preset("tiny")), dac).eval()
        z = fresh.encode(fresh.preprocess(clip))
        assert torch.equal(z, dac.encode(dac.preprocess(clip)))
        assert (fresh.quantize(z, "music").z_q - dac.quantize(z).z_q).abs().max() < 1e-6


def test_init_from_dac_of_another_shape_names_the_mismatch():
    dac = DAC(DAC_PRESETS["tiny"])
    with pytest.raises(CheckpointError, match="shape differs: encoder"):
        init_from_dac(SDCodec(sdcodec_preset("tiny", encoder_dim=8)), dac)

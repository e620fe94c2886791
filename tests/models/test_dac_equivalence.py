"""Our DAC against DAC's reference implementation (the installed ``dac`` package, seeded random
weights): official checkpoints in both weight-norm forms load strictly and give the same
latents, codes and audio."""

from __future__ import annotations

import pytest
import torch

from baselines.dac import DAC, DACConfig
from sdcodec.core.dataclass_json import replace
from sdcodec.checkpoint import load_model, save_model

TOL = 1e-5


@pytest.fixture(scope="module")
def reference(dac16k_oracle, speechlike):
    """The oracle's encoder output, quantizer outputs and decoded audio for ``speechlike``."""
    with torch.no_grad():
        x = dac16k_oracle.preprocess(speechlike, 16000)
        z = dac16k_oracle.encoder(x)
        z_q, codes, latents, commitment, codebook = dac16k_oracle.quantizer(z)
        audio = dac16k_oracle.decode(z_q)
    return dict(z=z, z_q=z_q, codes=codes, latents=latents, commitment=commitment, codebook=codebook, audio=audio)


@pytest.fixture(scope="module")
def loaded(dac16k_checkpoint):
    return load_model(dac16k_checkpoint)


def _outputs(model, audio):
    with torch.no_grad():
        z = model.encode(model.preprocess(audio))
        q = model.quantize(z)
        return z, q, model.decode(q.z_q)


def test_dac16k_has_74_18_million_parameters(dac16k_oracle):
    ours = DAC(DACConfig())
    count = sum(p.numel() for p in ours.parameters())
    assert round(count / 1e6, 2) == 74.18
    assert count == sum(p.numel() for p in dac16k_oracle.parameters())


def test_official_checkpoint_loads_with_inferred_config(loaded):
    assert isinstance(loaded, DAC) and loaded.family == "dac"
    assert loaded.config == replace(DACConfig(), latent_dim=1024)  # the "16k" preset, latent_dim explicit
    assert not loaded.training


def test_official_checkpoint_matches_reference(loaded, reference, speechlike):
    z, q, audio = _outputs(loaded, speechlike)
    assert (z - reference["z"]).abs().max() < TOL
    assert torch.equal(q.codes, reference["codes"])
    assert (q.latents - reference["latents"]).abs().max() < TOL
    assert (q.z_q - reference["z_q"]).abs().max() < TOL
    assert torch.allclose(q.commitment_loss, reference["commitment"], atol=TOL)
    assert torch.allclose(q.codebook_loss, reference["codebook"], atol=TOL)
    assert audio.shape == reference["audio"].shape
    assert (audio - reference["audio"]).abs().max() < TOL
    assert reference["codes"].unique().numel() > 50  # the weights make codes vary: a real check


def test_evaluate_returns_reference_audio_at_input_length(loaded, reference, speechlike):
    with torch.no_grad():
        out = loaded.evaluate(speechlike)
    length = speechlike.shape[-1]
    assert out.shape == (2, 1, length)
    expected = torch.nn.functional.pad(reference["audio"], (0, max(0, length - reference["audio"].shape[-1])))
    assert (out - expected[..., :length]).abs().max() < TOL
    with torch.no_grad():
        assert torch.equal(loaded.resynthesize(speechlike, "speech"), out)  # one branch for all


def test_parametrizations_form_loads_strictly(loaded, reference, speechlike, tmp_path):
    state = loaded.state_dict()
    assert any(k.endswith("parametrizations.weight.original0") for k in state)
    path = tmp_path / "dac_parametrized.pth"
    torch.save({"state_dict": state, "metadata": {"kwargs": {"sample_rate": 16000, "n_codebooks": 12}}}, path)
    model = load_model(path)
    _, q, audio = _outputs(model, speechlike)
    assert torch.equal(q.codes, reference["codes"])
    assert (audio - reference["audio"]).abs().max() < TOL


def test_folded_weight_norm_is_exact_and_loads_both_forms(loaded, dac16k_oracle, speechlike):
    folded = DAC(DACConfig()).eval()
    folded.load_state_dict(loaded.state_dict())
    folded.remove_weight_norm()
    assert not any("parametrizations" in k for k in folded.state_dict())
    _, q0, a0 = _outputs(loaded, speechlike)
    _, q1, a1 = _outputs(folded, speechlike)
    assert torch.equal(q0.codes, q1.codes) and torch.equal(a0, a1)
    again = DAC(DACConfig()).eval().remove_weight_norm()
    again.load_state_dict(dac16k_oracle.state_dict())  # legacy g/v folded on load
    _, _, a2 = _outputs(again, speechlike)
    assert (a2 - a0).abs().max() < TOL


def test_ceil_out_padding_gives_whole_frames_and_reference_samples_away_from_the_end(loaded, reference, speechlike):
    model = DAC(replace(DACConfig(), transpose_padding="ceil+out")).eval()
    model.load_state_dict(loaded.state_dict())
    _, q, audio = _outputs(model, speechlike)
    frames = q.codes.shape[-1]
    assert audio.shape[-1] == frames * 320 == reference["audio"].shape[-1] + 8
    head = 6000  # the extra frame only reaches the last few hundred samples
    assert (audio[..., :head] - reference["audio"][..., :head]).abs().max() < TOL


def test_project_checkpoint_round_trip(loaded, reference, speechlike, tmp_path):
    path = save_model(loaded, "dac", loaded.config, tmp_path / "dac.pt")
    model = load_model(path)
    _, q, audio = _outputs(model, speechlike)
    assert torch.equal(q.codes, reference["codes"])
    assert (audio - reference["audio"]).abs().max() < TOL

"""SD-Codec: shapes, the mixture as the decoded sum of branch latents, the training forward's
semantics, codes round trip, shared-codebook layouts and input checks (tiny preset unless the
full configuration is needed)."""

from __future__ import annotations

import pytest
import torch

from sdcodec.core.errors import ConfigError
from sdcodec.config import SDCODEC_PRESETS, sdcodec_preset
from sdcodec.model import SDCodec

TRACKS = ("speech", "music", "sfx")


@pytest.fixture(scope="module")
def tiny(perturbed) -> SDCodec:
    torch.manual_seed(0)
    return perturbed(SDCodec(sdcodec_preset("tiny")), seed=3).eval()


@pytest.fixture(scope="module")
def clip() -> torch.Tensor:
    generator = torch.Generator().manual_seed(11)
    return 0.2 * torch.randn(2, 1, 8110, generator=generator)  # 0.51 s, FRAMES frames after padding


#: Latent frames of the 8110-sample clip for the tiny preset (hop 20): ceil(8110 / 20).
FRAMES = 406


def test_shapes(tiny, clip):
    config = tiny.config
    with torch.no_grad():
        padded = tiny.preprocess(clip)
        z = tiny.encode(padded)
        q = tiny.quantize(z, "music")
        out = tiny.evaluate(clip, ["mix", *TRACKS])
        separated = tiny.separate(clip)
    assert padded.shape == (2, 1, FRAMES * 20) and torch.equal(padded[..., :8110], clip)
    assert z.shape == (2, config.latent_channels, FRAMES)
    assert q.z_q.shape == z.shape and q.codes.shape == (2, config.n_codebooks, FRAMES)
    assert q.codes.dtype == torch.long and q.latents.shape == (2, config.n_codebooks * config.codebook_dim, FRAMES)
    assert out.shape == (2, 4, 8110)
    assert set(separated) == set(TRACKS) and all(v.shape == (2, 1, 8110) for v in separated.values())
    assert tiny.hop_length == 20 and tiny.sample_rate == 16000 and tiny.tracks == TRACKS


def test_mixture_is_decoded_sum_of_branch_latents(tiny, clip):
    with torch.no_grad():
        out = tiny.evaluate(clip, ["mix", "music"])
        z = tiny.encode(tiny.preprocess(clip))
        latents = {t: tiny.quantize(z, t).z_q for t in TRACKS}
        mix = tiny.decode(latents["speech"] + latents["music"] + latents["sfx"])[..., :8110]
        music = tiny.decode(latents["music"])[..., :8110]
    assert (out[:, :1] - mix).abs().max() < 1e-5
    assert (out[:, 1:] - music).abs().max() < 1e-5
    assert (mix - music).abs().max() > 1e-3  # the branches really differ


def test_separate_and_resynthesize_agree_with_evaluate(tiny, clip):
    with torch.no_grad():
        separated = tiny.separate(clip)
        out = tiny.evaluate(clip, list(TRACKS))
        speech = tiny.resynthesize(clip, "speech")
        mix = tiny.resynthesize(clip)
        full = tiny.evaluate(clip)
    for i, track in enumerate(TRACKS):
        assert (separated[track] - out[:, i : i + 1]).abs().max() < 1e-5
    assert (speech - out[:, :1]).abs().max() < 1e-5
    assert (mix - full).abs().max() < 1e-5


def test_from_codes_round_trip(tiny, clip):
    with torch.no_grad():
        z = tiny.encode(tiny.preprocess(clip))
        direct = {t: tiny.quantize(z, t) for t in TRACKS}
        rebuilt = tiny.from_codes({t: q.codes for t, q in direct.items()})
        for track in TRACKS:
            assert (rebuilt[track] - direct[track].z_q).abs().max() < 1e-5
            assert (tiny.decode(rebuilt[track]) - tiny.decode(direct[track].z_q)).abs().max() < 1e-5


def test_n_quantizers_keeps_the_first_layers(tiny, clip):
    with torch.no_grad():
        z = tiny.encode(tiny.preprocess(clip))
        full = tiny.quantize(z, "sfx")
        two = tiny.quantize(z, "sfx", n_quantizers=2)
        partial = tiny.from_codes({"sfx": full.codes[:, :2]})["sfx"]
    assert torch.equal(two.codes, full.codes[:, :2])
    assert (two.z_q - partial).abs().max() < 1e-5


def test_training_forward_semantics(tiny, clip):
    torch.manual_seed(5)
    present = ["speech", "sfx"]
    shuffle = {"speech": torch.tensor([1, 0]), "music": torch.tensor([1, 0]), "sfx": torch.tensor([0, 1])}
    out = tiny(clip, output_tracks=["mix", "speech", "sfx"], present=present, shuffle=shuffle)
    with torch.no_grad():
        z = tiny.encode(tiny.preprocess(clip))
        q = {t: tiny.quantize(z, t) for t in TRACKS}
        mix_latent = q["speech"].z_q[shuffle["speech"]] + q["sfx"].z_q  # music absent
        expected_mix = tiny.decode(mix_latent)[..., :8110]
        expected_sfx = tiny.decode(q["sfx"].z_q)[..., :8110]
    assert set(out.audio) == {"mix", "speech", "sfx"} and out.length == 8110
    assert (out.audio["mix"] - expected_mix).abs().max() < 1e-5
    assert (out.audio["sfx"] - expected_sfx).abs().max() < 1e-5
    assert set(out.codes) == set(TRACKS) == set(out.perplexity)  # every branch quantizes
    expected_commit = (q["speech"].commitment_loss + q["sfx"].commitment_loss) / 2
    assert torch.allclose(out.commitment_loss, expected_commit, atol=1e-6)
    expected_book = (q["speech"].codebook_loss + q["sfx"].codebook_loss) / 2
    assert torch.allclose(out.codebook_loss, expected_book, atol=1e-6)
    assert out.perplexity["music"].shape == (tiny.config.n_codebooks,)
    assert ((out.perplexity["music"] >= 1) & (out.perplexity["music"] <= 2 * FRAMES)).all()
    # gradients reach encoder, decoder and the present branches' projections
    (out.audio["mix"].abs().mean() + out.commitment_loss).backward()
    assert tiny.encoder.block[0].parametrizations.weight.original1.grad is not None
    assert tiny.quantizer.rvq_dict["speech"].quantizers[0].in_proj.parametrizations.weight.original1.grad is not None
    tiny.zero_grad(set_to_none=True)


def test_quantizer_dropout_in_training_only():
    torch.manual_seed(0)
    model = SDCodec(sdcodec_preset("tiny", quantizer_dropout=1.0))
    z = torch.randn(8, model.latent_dim, 5)
    model.train()
    torch.manual_seed(1)
    dropped = model.quantize(z, "speech")
    model.eval()
    full = model.quantize(z, "speech")
    assert torch.equal(dropped.codes, full.codes)  # codes are computed for every layer
    assert not torch.allclose(dropped.z_q, full.z_q)  # but some examples use fewer layers


def test_quantize_prob_passes_some_examples_unquantized_in_training_only():
    """quantize_prob (Mimi's quantization rate): in training an example is either quantized by
    every layer or passes all of them as its projected latents (each layer then codes the
    residual of the unquantized path); codes and VQ losses are computed for all; evaluation
    always quantizes (and matches from_codes bit for bit)."""
    from sdcodec.quantize import set_quantize_prob

    torch.manual_seed(0)
    model = SDCodec(sdcodec_preset("tiny"))
    z = torch.randn(64, model.latent_dim, 5, requires_grad=True)
    model.train()
    always = model.quantize(z, "speech")
    set_quantize_prob(model, 0.5)
    torch.manual_seed(1)
    mixed = model.quantize(z, "speech")
    assert torch.equal(mixed.codes[:, 0], always.codes[:, 0])  # codes of every example
    assert mixed.commitment_loss > 0 and mixed.codebook_loss > 0  # VQ losses of every example
    branch = model.quantizer.rvq_dict["speech"]
    residual, clean = z.detach(), torch.zeros_like(z.detach())
    with torch.no_grad():
        for layer in branch.quantizers:  # the unquantized path: projections only
            step = layer.out_proj(layer.in_proj(residual))
            clean, residual = clean + step, residual - step
    quantized = torch.isclose(mixed.z_q, always.z_q, atol=1e-6).flatten(1).all(1)
    passed = torch.isclose(mixed.z_q, clean, atol=1e-5).flatten(1).all(1)
    assert bool((quantized ^ passed).all())  # each example is one or the other
    assert torch.equal(mixed.codes[quantized], always.codes[quantized])
    assert 16 < int(passed.sum()) < 48  # about half of 64
    mixed.z_q.sum().backward()  # the bypass keeps the straight-through gradient path
    assert z.grad is not None and torch.isfinite(z.grad).all()
    model.eval()
    with torch.no_grad():
        evaluated = model.quantize(z.detach(), "speech")
        assert torch.equal(evaluated.z_q, model.quantizer.from_codes("speech", evaluated.codes))
    with pytest.raises(ValueError, match="quantize_prob"):
        set_quantize_prob(model, 0.0)


def test_wrong_sample_rate_and_stereo_are_clear_errors(tiny):
    with pytest.raises(ConfigError, match="16000 Hz"):
        tiny.preprocess(torch.zeros(1, 1, 320), sample_rate=44100)
    with pytest.raises(ConfigError, match="downmix"):
        tiny.preprocess(torch.zeros(1, 2, 320))
    with pytest.raises(ConfigError, match="no track 'vocals'"):
        tiny.evaluate(torch.zeros(1, 1, 320), ["vocals"])


def _expected_quantizer_keys(tracks, n_codebooks, shared, jit_sizes=(3, 5, 3)) -> set[str]:
    """Key names derived from the authors' module tree: MultiSourceRVQ.rvq_dict[track] is an RVQ
    whose ``quantizers[i]`` hold in_proj/out_proj (parametrized weight norm) and a codebook;
    jitter_dict[track] holds a ``prob`` buffer; shared_rvq exists when S > 0."""
    def vq(prefix: str) -> set[str]:
        keys = {f"{prefix}.codebook.weight"}
        for proj in ("in_proj", "out_proj"):
            keys |= {f"{prefix}.{proj}.bias", f"{prefix}.{proj}.parametrizations.weight.original0",
                     f"{prefix}.{proj}.parametrizations.weight.original1"}
        return keys

    keys: set[str] = set()
    for track, size in zip(tracks, jit_sizes):
        for i in range(n_codebooks - shared):
            keys |= vq(f"quantizer.rvq_dict.{track}.quantizers.{i}")
        keys.add(f"quantizer.jitter_dict.{track}.prob")
    for j in range(shared):
        keys |= vq(f"quantizer.shared_rvq.quantizers.{j}")
    return keys


@pytest.mark.parametrize("preset, shared", [("16k", 0), ("16k-shared4", 4), ("16k-shared8", 8), ("16k-init-dac", 1)])
def test_shared_codebook_layouts(preset, shared):
    with torch.device("meta"):
        model = SDCodec(SDCODEC_PRESETS[preset])
    state = model.state_dict()
    quantizer_keys = {k for k in state if k.startswith("quantizer.")}
    assert quantizer_keys == _expected_quantizer_keys(TRACKS, 12, shared)
    codebook = 1024 * 8
    in_proj = 8 * 1024 + 8 + 8  # v [8, 1024, 1], g [8, 1, 1], bias [8]
    out_proj = 1024 * 8 + 1024 + 1024  # v [1024, 8, 1], g [1024, 1, 1], bias [1024]
    per_vq = codebook + in_proj + out_proj
    assert sum(p.numel() for p in model.quantizer.parameters()) == per_vq * (3 * (12 - shared) + shared)
    assert state["quantizer.jitter_dict.music.prob"].shape == (5,)


def test_bad_configurations_are_config_errors():
    with pytest.raises(ConfigError, match="shared_codebooks"):
        sdcodec_preset("16k", shared_codebooks=12)
    with pytest.raises(ConfigError, match="same product"):
        sdcodec_preset("tiny", decoder_rates=(8, 5, 4, 4))
    with pytest.raises(ConfigError, match="unknown SD-Codec preset"):
        sdcodec_preset("48k")


def test_code_jitter_moves_frames_to_neighbours_in_training_only():
    from sdcodec.quantize import CodeJitter

    jitter = CodeJitter(p=0.9, size=5)
    assert torch.allclose(jitter.prob, torch.tensor([0.225, 0.225, 0.1, 0.225, 0.225]))
    frames = torch.arange(40.0).repeat(3, 2, 1)  # [3, 2, 40], value = frame index
    torch.manual_seed(0)
    moved = jitter.train()(frames)
    offset = moved - frames
    assert offset.abs().max() <= 2 and (offset != 0).float().mean() > 0.5
    assert torch.equal(moved[:, 0], moved[:, 1])  # a frame moves as a whole (all channels)
    assert torch.equal(jitter.eval()(frames), frames)
    assert torch.equal(CodeJitter(0.0, 3).train()(frames), frames)


def test_training_step_with_shared_layers_runs_and_updates_every_part():
    torch.manual_seed(0)
    model = SDCodec(sdcodec_preset("tiny", shared_codebooks=1, quantizer_dropout=0.5)).train()
    audio = 0.1 * torch.randn(4, 1, 3200)
    out = model(audio, ["mix", "music"], present=["music", "speech"])
    loss = out.audio["mix"].abs().mean() + out.audio["music"].abs().mean() + out.commitment_loss + out.codebook_loss
    loss.backward()
    grads = {name: p.grad for name, p in model.named_parameters()}
    assert grads["quantizer.shared_rvq.quantizers.0.codebook.weight"].abs().sum() > 0
    assert grads["quantizer.rvq_dict.music.quantizers.0.codebook.weight"].abs().sum() > 0
    assert grads["quantizer.rvq_dict.sfx.quantizers.0.codebook.weight"] is None or \
        grads["quantizer.rvq_dict.sfx.quantizers.0.codebook.weight"].abs().sum() == 0  # absent track
    assert grads["decoder.model.0.parametrizations.weight.original1"].abs().sum() > 0


def test_dac_forward_has_one_branch_whatever_the_present_tracks():
    from baselines.dac import DAC, DAC_PRESETS

    torch.manual_seed(0)
    dac = DAC(DAC_PRESETS["tiny"]).eval()
    audio = 0.1 * torch.randn(2, 1, 3200)
    with torch.no_grad():
        out = dac(audio, ["mix", "speech"], present=["speech", "music"])
        direct = dac.decode(dac.quantize(dac.encode(dac.preprocess(audio))).z_q)
        direct = torch.nn.functional.pad(direct, (0, 3200 - direct.shape[-1]))  # DAC 1.0.0: 8 short
    assert set(out.codes) == {"mix"} and dac.tracks == ()
    assert (out.audio["mix"] - direct).abs().max() < 1e-6
    assert (out.audio["speech"] - direct).abs().max() < 1e-6

"""Shared-codebook SD-Codec (``shared_codebooks = S``): the semantics of the authors'
``MultiSourceRVQ``, pinned on the tiny preset (4 codebooks) with S = 1 and S = 3, seeded random
weights, eval mode.

* A branch's quantized latent is its own N - S layers' ``z_q`` plus the shared RVQ applied to
  the residual those layers leave, ``z - own.z_q`` (computed here by hand, layer by layer, from
  the submodules); quantizing ``z`` itself with the shared layers is a different latent.
* The shared layers are ONE module for all branches: one parameter set, and a change to it moves
  every branch's shared codes and nothing else.
* Codes from ``encode`` + ``quantize`` decode through ``from_codes`` to bit-identical audio.
* A state_dict in the official key layout (``quantizer.rvq_dict.<track>.``,
  ``quantizer.shared_rvq.``) loads with ``strict=True``; a shared layer filed under a branch
  does not.
"""

from __future__ import annotations

import pytest
import torch

from bench.models.codecs import FamilyCodec
from sdcodec.config import sdcodec_preset
from sdcodec.model import SDCodec

TRACKS = ("speech", "music", "sfx")
N = 4  # codebooks of the tiny preset


def _build(shared: int, seed: int, perturbed) -> SDCodec:
    torch.manual_seed(seed)
    return perturbed(SDCodec(sdcodec_preset("tiny", shared_codebooks=shared)), seed=seed + 100).eval()


@pytest.fixture(scope="module", params=[1, 3], ids=lambda s: f"S{s}")
def model(request, perturbed) -> SDCodec:
    return _build(request.param, seed=20 + request.param, perturbed=perturbed)


@pytest.fixture(scope="module")
def clip() -> torch.Tensor:
    return 0.2 * torch.randn(2, 1, 4000, generator=torch.Generator().manual_seed(5))  # 200 frames (hop 20)


@pytest.fixture(scope="module")
def latent(model, clip) -> torch.Tensor:
    with torch.no_grad():
        return model.encode(model.preprocess(clip))


def _by_hand(layers, z: torch.Tensor, count: int):
    """``count`` VQ layers in series on ``z``: (sum of their outputs, codes [B, count, F])."""
    total, residual, codes = torch.zeros_like(z), z, []
    for vq in list(layers)[:count]:
        out, _, _, c, _ = vq(residual)
        total = total + out
        residual = residual - out
        codes.append(c)
    if not codes:
        return total, torch.zeros(z.shape[0], 0, z.shape[-1], dtype=torch.long)
    return total, torch.stack(codes, 1)


@pytest.mark.parametrize("n_quantizers", [None, N - 1])
def test_branch_latent_is_own_layers_plus_shared_rvq_of_their_residual(model, latent, n_quantizers):
    shared = model.config.shared_codebooks
    own_count = N - shared
    total = N if n_quantizers is None else n_quantizers
    quantizer = model.quantizer
    assert quantizer.shared_rvq.n_codebooks == shared
    with torch.no_grad():
        for track in TRACKS:
            q = model.quantize(latent, track, n_quantizers)
            own_zq, own_codes = _by_hand(quantizer.rvq_dict[track].quantizers, latent, own_count)
            shared_zq, shared_codes = _by_hand(quantizer.shared_rvq.quantizers, latent - own_zq, total - own_count)
            assert q.codes.shape == (2, total, 200)
            assert torch.equal(q.codes, torch.cat((own_codes, shared_codes), 1)), track
            assert torch.equal(q.z_q, own_zq + shared_zq), track
            if total == own_count:  # S = 1 and N - 1 layers: the shared layer is not reached
                assert torch.equal(q.z_q, own_zq)
                continue
            # the other reading (shared layers quantize z itself) is a different latent here
            wrong_zq, wrong_codes = _by_hand(quantizer.shared_rvq.quantizers, latent, total - own_count)
            assert (own_zq + wrong_zq - q.z_q).abs().max() > 0.1
            assert (wrong_codes != shared_codes).float().mean() > 0.5


def test_shared_layers_are_one_module_for_all_branches(model, latent, perturbed):
    shared = model.config.shared_codebooks
    quantizer = model.quantizer
    names = [name for name, _ in quantizer.named_parameters()]
    assert all(quantizer.rvq_dict[t].n_codebooks == N - shared for t in TRACKS)
    assert sum(name.startswith("shared_rvq.") for name in names) == 7 * shared  # one copy: 7 tensors a VQ
    assert not any(f".quantizers.{N - shared}." in name for name in names if name.startswith("rvq_dict."))
    twin = _build(shared, seed=20 + shared, perturbed=perturbed)
    size = model.config.codebook_size
    with torch.no_grad():
        before = {t: model.quantize(latent, t) for t in TRACKS}
        book = twin.quantizer.shared_rvq.quantizers[0].codebook.weight
        book.copy_(book.roll(1, 0))  # entry k moves to k + 1: the same vectors under new codes
        after = {t: twin.quantize(latent, t) for t in TRACKS}
    first_shared = N - shared
    for track in TRACKS:
        assert torch.equal(after[track].z_q, before[track].z_q), track
        assert torch.equal(after[track].codes[:, :first_shared], before[track].codes[:, :first_shared])
        assert torch.equal(after[track].codes[:, first_shared], (before[track].codes[:, first_shared] + 1) % size)
        assert torch.equal(after[track].codes[:, first_shared + 1:], before[track].codes[:, first_shared + 1:])
    # with the same own layers, every branch leaves the same residual, so the shared codes agree
    with torch.no_grad():
        for track in ("music", "sfx"):
            twin.quantizer.rvq_dict[track].load_state_dict(twin.quantizer.rvq_dict["speech"].state_dict())
        same = {t: twin.quantize(latent, t) for t in TRACKS}
    assert torch.equal(same["music"].codes, same["speech"].codes) and torch.equal(same["sfx"].z_q, same["speech"].z_q)


def test_codes_decode_through_from_codes_to_exactly_the_same_audio(model, clip, latent):
    with torch.no_grad():
        quantized = {t: model.quantize(latent, t) for t in TRACKS}
        rebuilt = model.from_codes({t: q.codes for t, q in quantized.items()})
        for track in TRACKS:
            assert torch.equal(rebuilt[track], quantized[track].z_q), track
            assert torch.equal(model.decode(rebuilt[track]), model.decode(quantized[track].z_q)), track
        partial = model.from_codes({"sfx": quantized["sfx"].codes[:, : N - 1]})["sfx"]
        assert torch.equal(partial, model.quantize(latent, "sfx", N - 1).z_q)
    # the transmitted code streams (what a receiver gets) decode to the evaluate path's mixture
    adapter = FamilyCodec(model)
    with torch.inference_mode():
        codes = adapter.encode_codes(clip)
        assert set(codes) == set(TRACKS) and all(c.shape == (2, N, 200) for c in codes.values())
        assert torch.equal(adapter.decode_codes(codes, clip.shape[-1]), model.evaluate(clip, ["mix"]))


def _official_state_dict(source: SDCodec, weight_norm_form: str) -> dict[str, torch.Tensor]:
    """``source``'s weights under the authors' key names, written out from the module tree
    (not from ``source.state_dict()``'s quantizer keys)."""
    g, v = {"legacy": ("weight_g", "weight_v"),
            "parametrizations": ("parametrizations.weight.original0", "parametrizations.weight.original1")}[weight_norm_form]
    state = {k: t for k, t in source.state_dict().items() if not k.startswith("quantizer.")}

    def vq(prefix: str, layer) -> None:
        for proj in ("in_proj", "out_proj"):
            conv = getattr(layer, proj)
            state[f"{prefix}.{proj}.{g}"] = conv.parametrizations.weight.original0.detach().clone()
            state[f"{prefix}.{proj}.{v}"] = conv.parametrizations.weight.original1.detach().clone()
            state[f"{prefix}.{proj}.bias"] = conv.bias.detach().clone()
        state[f"{prefix}.codebook.weight"] = layer.codebook.weight.detach().clone()

    shared = source.config.shared_codebooks
    for track in TRACKS:
        for i in range(N - shared):
            vq(f"quantizer.rvq_dict.{track}.quantizers.{i}", source.quantizer.rvq_dict[track].quantizers[i])
        state[f"quantizer.jitter_dict.{track}.prob"] = source.quantizer.jitter_dict[track].prob.clone()
    for j in range(shared):
        vq(f"quantizer.shared_rvq.quantizers.{j}", source.quantizer.shared_rvq.quantizers[j])
    return state


@pytest.mark.parametrize("form", ["parametrizations", "legacy"])
def test_official_key_layout_loads_strictly(model, clip, form):
    shared = model.config.shared_codebooks
    state = _official_state_dict(model, form)
    assert sum(k.startswith("quantizer.shared_rvq.quantizers.") for k in state) == 7 * shared
    fresh = SDCodec(sdcodec_preset("tiny", shared_codebooks=shared)).eval()
    result = fresh.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    with torch.no_grad():
        assert torch.equal(fresh.evaluate(clip, ["mix", *TRACKS]), model.evaluate(clip, ["mix", *TRACKS]))
    # a shared layer filed under one branch (a per-track copy) is not this layout
    misfiled = dict(state)
    for key in [k for k in state if k.startswith("quantizer.shared_rvq.quantizers.0.")]:
        misfiled[key.replace("shared_rvq.quantizers.0.", f"rvq_dict.speech.quantizers.{N - shared}.")] = misfiled.pop(key)
    with pytest.raises(RuntimeError, match=rf"rvq_dict\.speech\.quantizers\.{N - shared}\.") as info:
        SDCodec(sdcodec_preset("tiny", shared_codebooks=shared)).load_state_dict(misfiled, strict=True)
    assert "shared_rvq.quantizers.0." in str(info.value)

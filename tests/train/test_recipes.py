"""Recipe pieces: what a codec is asked to output, the references, and the SI-SDR term."""

from __future__ import annotations

import pytest
import torch

from sdcodec.core.errors import ConfigError
from bench.train.data import TrainBatch, swapped_mixture
from bench.train.objectives import (
    SILENCE_FLOOR_DB,
    neg_si_sdr_of_audible,
    neg_snr_of_audible,
    silence_level_of_inaudible,
    snr_per_output,
)
from bench.train.targets import codec_outputs, source_of, source_stack


def _batch(present=("speech", "sfx"), swap=True) -> TrainBatch:
    g = torch.Generator().manual_seed(0)
    sources = torch.randn(4, 3, 1, 100, generator=g)
    sources[:, 1] = 0  # music absent
    shuffle = {t: torch.randperm(4, generator=g) for t in ("speech", "music", "sfx")} if swap else None
    mix = sources.sum(1)
    target = swapped_mixture(sources, present, shuffle) if swap else mix
    return TrainBatch(mix, sources, tuple(present), shuffle, target)


def test_codec_outputs_follow_the_authors_trainer():
    batch = _batch()
    names, refs = codec_outputs(batch, ("speech", "music", "sfx"))
    assert names == ["mix", "speech", "sfx"]
    assert torch.equal(refs[0], batch.mix_target) and not torch.equal(refs[0], batch.mix)
    assert torch.equal(refs[1], batch.sources[:, 0]) and torch.equal(refs[2], batch.sources[:, 2])
    names, refs = codec_outputs(batch, ("mix",))  # DAC: the mixture against itself
    assert names == ["mix"] and torch.equal(refs[0], batch.mix)


def test_absent_silent_decodes_the_absent_branches_against_silence():
    batch = _batch()
    names, refs = codec_outputs(batch, ("speech", "music", "sfx"), absent_silent=True)
    assert names == ["mix", "speech", "sfx", "music"]
    assert torch.equal(refs[1], batch.sources[:, 0]) and torch.equal(refs[2], batch.sources[:, 2])
    assert refs[3].shape == batch.mix.shape and not refs[3].any()
    compact = TrainBatch(batch.mix, batch.sources[:, [0, 2]], batch.present, batch.shuffle, batch.mix_target)
    assert codec_outputs(compact, ("speech", "music", "sfx"), absent_silent=True)[0] == names
    everything = TrainBatch(batch.mix, batch.sources, ("speech", "music", "sfx"), None, batch.mix)
    assert codec_outputs(everything, ("speech", "music", "sfx"), absent_silent=True)[0] == ["mix", "speech", "music", "sfx"]
    assert codec_outputs(batch, ("mix",), absent_silent=True)[0] == ["mix"]  # DAC has no absent branch


def test_silence_level_is_relative_to_the_mixture_and_floored():
    """The level of outputs whose reference is silent, in dB under their mixture: -20 dB for a
    leak at a tenth of the mixture's amplitude, the floor for silence, audible references left out."""
    g = torch.Generator().manual_seed(3)
    mix = torch.randn(3, 1, 800, generator=g)
    refs = torch.zeros_like(mix)
    refs[2] = mix[2]  # an audible reference: not part of the term
    leak = (0.1 * mix).requires_grad_()
    level = silence_level_of_inaudible(leak, refs, mix)
    assert level.item() == pytest.approx(10 * torch.log10(torch.tensor(1e-2 + 1e-3)).item(), abs=1e-3)
    level.backward()
    assert leak.grad[:2].abs().sum() > 0 and leak.grad[2].abs().sum() == 0
    assert silence_level_of_inaudible(torch.zeros_like(mix), refs, mix).item() == pytest.approx(SILENCE_FLOOR_DB, abs=1e-3)
    louder = silence_level_of_inaudible(10 * leak.detach(), 10 * refs, 10 * mix)  # scale-invariant
    assert louder.item() == pytest.approx(level.item(), abs=1e-3)
    none_silent = silence_level_of_inaudible(leak, mix, mix)
    assert none_silent.item() == 0.0
    none_silent.backward()


def test_sources_by_name_in_both_layouts():
    batch = _batch()
    assert torch.equal(source_stack(batch, ["sfx", "speech"])[:, 0], batch.sources[:, 2])
    compact = TrainBatch(batch.mix, batch.sources[:, [0, 2]], batch.present, None, batch.mix)
    assert torch.equal(source_of(compact, "sfx"), batch.sources[:, 2])
    with pytest.raises(ConfigError, match="not in this batch"):
        source_of(compact, "music")


def test_si_sdr_term_ignores_silent_references():
    g = torch.Generator().manual_seed(1)
    ref = torch.randn(3, 1, 800, generator=g)
    est = ref + 0.1 * torch.randn(3, 1, 800, generator=g)  # 20 dB SNR
    loss = neg_si_sdr_of_audible(est, ref)
    assert loss.item() == pytest.approx(-20.0, abs=1.0)
    ref_with_pause = ref.clone()
    ref_with_pause[1] = 0.0
    with_pause = neg_si_sdr_of_audible(est, ref_with_pause)
    both_audible = neg_si_sdr_of_audible(est[[0, 2]], ref[[0, 2]])
    assert with_pause.item() == pytest.approx(both_audible.item())
    silent = neg_si_sdr_of_audible(est.requires_grad_(), torch.zeros_like(ref))
    assert silent.item() == 0.0
    silent.backward()


def test_snr_objective_has_no_minimum_at_silence():
    """-SNR: a silent output scores 0 dB and still gets a gradient towards the reference (under L1
    a sparse track of a young model collapses to silence); a perfect output scores high; silent
    references are left out as for SI-SDR."""
    ref = torch.randn(3, 1, 800, generator=torch.Generator().manual_seed(1))
    silent = torch.zeros_like(ref, requires_grad=True)
    assert torch.allclose(snr_per_output(silent, ref), torch.zeros(3), atol=1e-4)
    neg_snr_of_audible(silent, ref).backward()
    assert silent.grad.abs().sum() > 0
    assert (snr_per_output(ref.clone(), ref) > 60).all()
    assert (snr_per_output(0.5 * ref, ref) - 20 * torch.log10(torch.tensor(2.0))).abs().max() < 1e-3
    half_silent = ref.clone()
    half_silent[1] = 0
    est = ref + 0.1 * torch.randn(ref.shape, generator=torch.Generator().manual_seed(2))
    both = neg_snr_of_audible(est[[0, 2]], ref[[0, 2]])
    assert torch.allclose(neg_snr_of_audible(est, half_silent), both)


@pytest.mark.parametrize("absent_silent", [False, True])
def test_absent_branches_learn_only_with_absent_silent(tmp_path, absent_silent):
    """One single-track step: the absent tracks' branches get no gradient under the authors'
    recipe (AdamW only decays them, exactly), and a real one with ``absent_silent``."""
    from bench.train.config import apply_overrides, family_class, named_config
    from bench.train.data import TrainBatches
    from bench.train.loop import train
    from bench.train.state import latest_checkpoint, load_training_state, seed_everything

    config = apply_overrides(named_config("tiny", "sdcodec"), [
        "total_steps=1", "batch_size=2", "data.track_count_probs=[1.0,0.0,0.0]", "loss.silence=1.0",
        f"absent_silent={str(absent_silent).lower()}"])
    (present,) = TrainBatches(config.data_config(), config.batch_size).plan(0).present
    seed_everything(config.seed)
    initial = family_class("sdcodec").build(config.model_config()).state_dict()
    result = train(config, tmp_path / "run", progress=False, device="cpu")
    trained = load_training_state(latest_checkpoint(result.run_dir))["parts"]["generator"]["model"]
    decay = 1 - config.optimizer.lr * config.optimizer.weight_decay
    for track in ("speech", "music", "sfx"):
        key = f"quantizer.rvq_dict.{track}.quantizers.0.in_proj.parametrizations.weight.original1"
        decayed_only = torch.equal(trained[key], initial[key] * decay)
        assert decayed_only == (track != present and not absent_silent), (track, present)


def test_init_from_dac_both_ways(tmp_path):
    """``init_from_dac_mode``: ``copy`` starts every branch from DAC's weights; ``authors`` does
    what the authors' published code does (reads the file, copies nothing), so the run is the
    plain S=1 run: ``tiny-initdac-authors`` trains exactly as ``tiny-shared1`` (whose embedded
    checkpoint the ablation suite uses for it)."""
    from sdcodec.core.errors import CheckpointError
    from sdcodec.checkpoint import load_model
    from sdcodec.pretrained import embedded_checkpoint
    from bench.train.config import apply_overrides, config_to_json, named_config
    from bench.train.loop import train

    short = ["total_steps=2", "batch_size=2", "log_every=1"]
    configs = {name: apply_overrides(named_config(name, "sdcodec"), short)
               for name in ("tiny-initdac", "tiny-initdac-authors", "tiny-shared1")}
    differ = {k for k, v in config_to_json(configs["tiny-initdac-authors"]).items()
              if config_to_json(configs["tiny-shared1"])[k] != v}
    assert differ == {"name", "init_from_dac", "init_from_dac_mode"}
    trained = {}
    for name, config in configs.items():
        result = train(config, tmp_path / name, progress=False, device="cpu")
        trained[name] = load_model(result.model_path).state_dict()
    dac = load_model(embedded_checkpoint("dac-tiny")).state_dict()
    key = "encoder.block.0.parametrizations.weight.original1"
    assert all(torch.equal(trained["tiny-initdac-authors"][k], v) for k, v in trained["tiny-shared1"].items())
    assert not torch.equal(trained["tiny-initdac"][key], trained["tiny-shared1"][key])
    # two steps of lr 1e-3 move a copied weight by about 2e-3 at most: still DAC's, not random
    assert (trained["tiny-initdac"][key] - dac[key]).abs().max() < 5e-3 < (trained["tiny-shared1"][key] - dac[key]).abs().max()
    broken = tmp_path / "dac.pth"
    broken.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="dac.pth"):  # the authors' code reads the file too
        train(apply_overrides(configs["tiny-initdac-authors"], [f"init_from_dac={broken}"]),
              tmp_path / "missing", progress=False, device="cpu")


def test_init_from_dac_mode_is_checked():
    from bench.train.config import apply_overrides, named_config

    with pytest.raises(ConfigError, match="init_from_dac_mode 'bogus' unknown; known: copy, authors"):
        apply_overrides(named_config("tiny-initdac", "sdcodec"), ["init_from_dac_mode=bogus"])
    with pytest.raises(ConfigError, match="needs init_from_dac"):
        apply_overrides(named_config("tiny", "sdcodec"), ["init_from_dac_mode=authors"])

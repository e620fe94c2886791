"""Training configurations: the authors' recipe values, named variants, typed overrides, JSON,
and the learning-rate schedule against the authors' recurrence."""

from __future__ import annotations

import pytest

from sdcodec.core.errors import ConfigError
from bench.train.config import (
    TRAIN_CONFIGS,
    apply_overrides,
    config_from_json,
    config_to_json,
    named_config,
)
from bench.train.schedule import lr_factor


def test_paper_config_is_the_authors_recipe():
    cfg = named_config("paper", "sdcodec")
    assert (cfg.optimizer.name, cfg.optimizer.lr, cfg.optimizer.betas) == ("adamw", 1e-4, (0.8, 0.99))
    assert (cfg.scheduler.warmup_steps, cfg.scheduler.gamma) == (10_000, 0.999996)
    assert (cfg.grad_clip, cfg.total_steps, cfg.batch_size, cfg.seed, cfg.precision) == (10.0, 400_000, 64, 42, "fp16")
    w = cfg.loss
    assert (w.mel, w.adv, w.feature, w.commitment, w.codebook, w.stft) == (15.0, 1.0, 2.0, 0.25, 1.0, 0.0)
    data = cfg.data_config()
    assert data.segment_seconds == 2.0 and data.track_count_probs == (0.6, 0.2, 0.2) and data.swap_prob == 0.5
    model = cfg.model_config()
    assert (model.n_codebooks, model.codebook_size, model.latent_channels, model.shared_codebooks) == (12, 1024, 1024, 0)
    assert cfg.discriminator_config() is not None


def test_named_variants():
    assert named_config("separation-enhance", "sdcodec").data_config().track_count_probs == (0.2, 0.2, 0.6)
    assert named_config("shared4", "sdcodec").model_config().shared_codebooks == 4
    assert named_config("shared8", "sdcodec").model_config().shared_codebooks == 8
    assert named_config("init-dac", "sdcodec").model_config().shared_codebooks == 1
    dac = named_config("paper", "dac")
    assert dac.family == "dac" and dac.recipe == "codec" and dac.model_config().n_codebooks == 12
    tdanet = named_config("tdanet", "tdanet")
    assert tdanet.recipe == "separator" and tdanet.discriminator is None
    assert tdanet.data_config().track_count_probs == (0.0, 0.0, 1.0) and tdanet.data_config().swap_prob == 0.0
    for family in ("sdcodec", "dac", "tdanet"):
        tiny = named_config("tiny", family)
        assert tiny.preset == "tiny" and tiny.family == family and tiny.precision == "fp32"
    with pytest.raises(ConfigError, match="tdanet"):
        named_config("paper", "tdanet")
    with pytest.raises(ConfigError, match="sdcodec"):
        named_config("shared4", "dac")
    with pytest.raises(ConfigError, match="known: .*paper"):
        named_config("nope", "sdcodec")
    assert {"paper", "separation-enhance", "shared4", "shared8", "init-dac", "tdanet", "tiny"} <= set(TRAIN_CONFIGS.names())


def test_overrides_are_typed_and_nested():
    cfg = apply_overrides(named_config("paper", "sdcodec"), [
        "total_steps=1000", "optimizer.lr=3e-4", "optimizer.betas=[0.5, 0.9]", "precision=bf16",
        "model.n_codebooks=8", "data.segment_seconds=1", "loss.mel=10", "scheduler.warmup_steps=5",
        "discriminator=null",
    ])
    assert cfg.total_steps == 1000 and cfg.optimizer.lr == 3e-4 and cfg.optimizer.betas == (0.5, 0.9)
    assert cfg.precision == "bf16" and cfg.loss.mel == 10.0 and cfg.scheduler.warmup_steps == 5
    assert cfg.model_config().n_codebooks == 8 and cfg.data_config().segment_seconds == 1.0
    assert cfg.discriminator is None and cfg.discriminator_config() is None
    assert isinstance(cfg.data["segment_seconds"], float)


@pytest.mark.parametrize("assignment, message", [
    ("total_step=3", "unknown key 'total_step'"),
    ("optimizer.learning_rate=1", "optimizer keys: name, lr"),
    ("model.n_books=3", "unknown key 'model.n_books'"),
    ("data.segment=3", "unknown key 'data.segment'"),
    ("total_steps=ten", "expected an integer"),
    ("optimizer.lr=fast", "expected a number"),
    ("optimizer.betas=[1]", "expected 2 values"),
    ("precision=fp8", "precision 'fp8' unknown"),
    ("model.shared_codebooks=12", "shared_codebooks 12"),
    ("optimizer=3", "is a section"),
    ("total_steps", "not key=value"),
    ("quantize_prob=0", "quantize_prob must lie in"),
    ("quantize_prob=1.5", "quantize_prob must lie in"),
])
def test_bad_overrides_are_clear_config_errors(assignment, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(")):
        apply_overrides(named_config("paper", "sdcodec"), [assignment])


def test_absent_silent_needs_branches_per_track():
    assert apply_overrides(named_config("paper", "sdcodec"), ["absent_silent=true"]).absent_silent
    with pytest.raises(ConfigError, match="absent_silent only applies to the sdcodec family"):
        apply_overrides(named_config("paper", "dac"), ["absent_silent=true"])


def test_fields_that_must_agree_can_be_overridden_one_by_one():
    cfg = apply_overrides(named_config("tiny", "sdcodec"), ["model.encoder_rates=[2,4,5]", "model.decoder_rates=[5,4,2]"])
    assert cfg.model_config().hop_length == 40
    with pytest.raises(ConfigError, match="same product"):
        apply_overrides(named_config("tiny", "sdcodec"), ["model.encoder_rates=[2,4,5]"])


def test_json_round_trip():
    for name, family in [("paper", "sdcodec"), ("tiny", "dac"), ("tdanet", "tdanet")]:
        cfg = apply_overrides(named_config(name, family), ["optimizer.lr=2e-4"])
        again = config_from_json(config_to_json(cfg))
        assert again == cfg and config_to_json(again) == config_to_json(cfg)


def _authors_schedule(steps: int, warmup: int, total: int, gamma: float, min_ratio: float = 0.0) -> list[float]:
    """The authors' ExponentialLRScheduler, as a stateful recurrence: get_lr once at
    construction (step 0), then once per scheduler step."""
    cumprod, out = 1.0, []
    for step in range(steps):
        if step < warmup:
            out.append(step / warmup)
        elif step <= total:
            cumprod *= gamma
            out.append(cumprod)
        else:
            out.append(min_ratio)
    return out


@pytest.mark.parametrize("warmup, total", [(10, 300), (0, 50), (25, 25)])
def test_schedule_matches_the_authors_recurrence(warmup, total):
    cfg = named_config("paper", "sdcodec").scheduler
    cfg = type(cfg)(warmup_steps=warmup, gamma=0.99, lr_min_ratio=0.1)
    expected = _authors_schedule(total + 20, warmup, total, 0.99, 0.1)
    got = [lr_factor(s, cfg, total) for s in range(total + 20)]
    assert got == pytest.approx(expected, rel=1e-9)

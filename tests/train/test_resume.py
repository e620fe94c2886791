"""Checkpoints and ``--resume``: an interrupted and resumed run equals the uninterrupted one bit
for bit on the CPU (parameters, optimiser moments, logged losses); exported models load."""

from __future__ import annotations

import json

import pytest
import torch

from sdcodec.core.errors import CheckpointError, ConfigError
from sdcodec.checkpoint import load_model
from bench.train.loop import resume_run, train
from bench.train.state import latest_checkpoint, list_checkpoints, load_training_state


#: One multi-resolution STFT discriminator: the real one, small enough for CPU tests.
SMALL_DISCRIMINATOR = ["discriminator.periods=[]", "discriminator.fft_sizes=[512]"]


def _rows(run_dir):
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


def _assert_same_tensors(a, b, where=""):
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _assert_same_tensors(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same_tensors(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


# sdcodec: two trained parts (generator + discriminator), swaps and absent branches;
# tdanet: dropout, so the restored random state matters.
@pytest.mark.parametrize("family", ["sdcodec", "tdanet"])
def test_resume_is_bit_for_bit(tmp_path, quick_config, family):
    extra = SMALL_DISCRIMINATOR if family == "sdcodec" else []
    cfg = quick_config(family, "total_steps=4", "checkpoint_every=100", *extra)
    full = train(cfg, tmp_path / "full", progress=False, device="cpu")
    assert full.finished and full.step == 4

    part = train(cfg, tmp_path / "part", stop_at=2, progress=False, device="cpu")
    assert not part.finished and part.step == 2 and part.model_path is None
    assert [s for s, _ in list_checkpoints(tmp_path / "part")] == [2]
    rest = resume_run(tmp_path / "part", progress=False, device="cpu")
    assert rest.finished and rest.step == 4

    a = load_training_state(latest_checkpoint(tmp_path / "full"))
    b = load_training_state(latest_checkpoint(tmp_path / "part"))
    assert a["step"] == b["step"] == 4
    _assert_same_tensors(a["parts"], b["parts"], "parts")  # weights, moments, schedules, scalers
    assert _rows(tmp_path / "full") == _rows(tmp_path / "part")

    model = load_model(full.model_path)
    assert model.config == cfg.model_config()
    saved = torch.load(rest.model_path, weights_only=True)
    _assert_same_tensors(model.state_dict(), load_model(rest.model_path).state_dict(), "model")
    assert saved["meta"]["train_config"] == json.loads((tmp_path / "full" / "config.json").read_text())
    assert saved["meta"]["step"] == 4


def test_training_changes_the_weights_and_keeps_few_checkpoints(tmp_path, quick_config):
    cfg = quick_config("dac", "total_steps=3", "checkpoint_every=1", "keep_checkpoints=2", *SMALL_DISCRIMINATOR)
    result = train(cfg, tmp_path / "run", progress=False, device="cpu")
    assert [s for s, _ in list_checkpoints(tmp_path / "run")] == [2, 3]
    state = load_training_state(latest_checkpoint(tmp_path / "run"))
    torch.manual_seed(cfg.seed)
    from bench.train.config import family_class

    initial = family_class("dac").build(cfg.model_config()).state_dict()
    trained = state["parts"]["generator"]["model"]
    assert set(initial) == set(trained)
    changed = [k for k in initial if not torch.equal(initial[k], trained[k])]
    assert len(changed) > len(initial) // 2  # most tensors moved (biases start at 0 and may too)
    assert "discriminator" in state["parts"] and state["parts"]["generator"]["optimizer"]["state"]
    assert result.history[-1]["step"] == 3 and all("mel" in row and "loss_d" in row for row in result.history)


def test_run_folder_errors(tmp_path, quick_config):
    cfg = quick_config("tdanet", "total_steps=1")
    train(cfg, tmp_path / "run", progress=False, device="cpu")
    with pytest.raises(ConfigError, match="--resume"):
        train(cfg, tmp_path / "run", progress=False, device="cpu")
    with pytest.raises(CheckpointError, match="config.json"):
        resume_run(tmp_path / "elsewhere", progress=False, device="cpu")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "config.json").write_text((tmp_path / "run" / "config.json").read_text())
    with pytest.raises(CheckpointError, match="no training checkpoint"):
        resume_run(tmp_path / "empty", progress=False, device="cpu")

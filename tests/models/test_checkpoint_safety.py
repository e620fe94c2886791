"""Checkpoints are read weights-only: a malicious pickle runs nothing (API and ``bench run``), a
legacy file that needs more is refused in one line unless THAT file is trusted, the project's own
files (written, embedded, training states old and new) load weights-only, and a checkpoint whose
configuration or tensor shapes are wrong is one line naming the file."""

from __future__ import annotations

import os
import pathlib
import random

import numpy as np
import pytest
import torch

from baselines.dac import DAC, DAC_PRESETS
from bench.cli import main
from bench.train.state import load_training_state, rng_state, set_rng_state
from sdcodec.checkpoint import load_model, save_model
from sdcodec.checkpoint_trust import trusted_checkpoints
from sdcodec.core.errors import CheckpointError
from sdcodec.pretrained import embedded_checkpoint, embedded_names

QUICK = ["--metrics", "si_sdr", "--limit", "1", "--batch-size", "1"]


class _Payload:
    """Unpickling this calls ``exec``, which creates ``marker``: what a hostile checkpoint does."""

    def __init__(self, marker: pathlib.Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return exec, (f"open({str(self.marker)!r}, 'w').close()",)


def _write_evil(folder: pathlib.Path, zip_format: bool = True) -> tuple[pathlib.Path, pathlib.Path]:
    """``(evil.pt, marker path)``: a DAC-looking checkpoint whose pickle would create the marker."""
    marker = folder / "pwned"
    path = folder / "evil.pt"
    torch.save({"state_dict": {}, "metadata": {"kwargs": {}}, "x": _Payload(marker)}, path,
               _use_new_zipfile_serialization=zip_format)
    return path, marker


@pytest.fixture
def evil(tmp_path) -> tuple[pathlib.Path, pathlib.Path]:
    return _write_evil(tmp_path)


@pytest.fixture(scope="module")
def dac_tiny() -> DAC:
    torch.manual_seed(0)
    return DAC(DAC_PRESETS["tiny"]).eval()


@pytest.fixture
def legacy(tmp_path, dac_tiny) -> pathlib.Path:
    """A harmless project checkpoint that weights-only reading refuses: its ``meta`` holds a
    ``PurePosixPath`` (written with ``torch.save`` directly, as older code could)."""
    path = save_model(dac_tiny, "dac", dac_tiny.config, tmp_path / "legacy.pt")
    payload = torch.load(path, weights_only=True)
    payload["meta"]["source"] = pathlib.PurePosixPath("/data/run")
    torch.save(payload, path)
    return path


@pytest.mark.parametrize("zip_format", [True, False], ids=["zip", "legacy"])
def test_malicious_pickle_is_refused_by_the_api(tmp_path, zip_format) -> None:
    path, marker = _write_evil(tmp_path, zip_format)
    with pytest.raises(CheckpointError) as info:
        load_model(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: refused to load") and "builtins.exec" in message
    assert f"--trust-checkpoint {path}" in message
    assert not marker.exists()


def test_malicious_pickle_through_bench_run_exits_2_and_runs_nothing(evil, legacy, tmp_path, capsys) -> None:
    """The trusted legacy file (named first) loads; the evil one beside it is still refused."""
    path, marker = evil
    status = main(["run", "--suite", "resynthesis", "--model", f"L={legacy}", "--model", f"X={path}",
                   "--trust-checkpoint", str(legacy), *QUICK, "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1, err
    assert str(path) in err and "refused" in err and "--trust-checkpoint" in err
    assert not marker.exists()


def test_trust_opens_only_the_named_file(legacy, evil) -> None:
    with pytest.raises(CheckpointError, match=r"refused to load: it needs the Python object\(s\) pathlib\.PurePosixPath"):
        load_model(legacy)
    with trusted_checkpoints([evil[0]]), pytest.raises(CheckpointError, match="refused"):
        load_model(legacy)  # trusting another file does not open this one
    with trusted_checkpoints([legacy]):
        assert load_model(legacy).family == "dac"
    assert load_model(legacy, trust=True).family == "dac"
    with pytest.raises(CheckpointError, match="refused"):
        load_model(legacy)  # the trust ended with its block
    assert not evil[1].exists()


def test_trusting_a_missing_file_is_a_one_line_error(tmp_path, capsys) -> None:
    status = main(["run", "--suite", "resynthesis", "--trust-checkpoint", str(tmp_path / "nope.pt"), *QUICK,
                   "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1 and "nope.pt" in err


@pytest.mark.parametrize("name", embedded_names())
def test_embedded_checkpoints_load_weights_only(name) -> None:
    payload = torch.load(embedded_checkpoint(name), weights_only=True)
    assert payload["format"] == "sdbench"


def test_saving_refuses_what_weights_only_reading_would_refuse(dac_tiny, tmp_path) -> None:
    path = tmp_path / "model.pt"
    with pytest.raises(TypeError, match=r"checkpoint\['meta'\]\['when'\] is a pathlib\.PurePosixPath"):
        save_model(dac_tiny, "dac", dac_tiny.config, path, meta={"when": pathlib.PurePosixPath("/x")})
    assert not path.exists() and not list(tmp_path.iterdir())
    with pytest.raises(TypeError, match=r"checkpoint\['meta'\]\['loss'\] is a numpy\.float64"):
        save_model(dac_tiny, "dac", dac_tiny.config, path, meta={"loss": np.float64(0.5)})  # a float subclass
    save_model(dac_tiny, "dac", dac_tiny.config, path, meta={"step": 3, "scores": [1.5, None]})
    assert torch.load(path, weights_only=True)["meta"] == {"step": 3, "scores": [1.5, None]}


def _numpy_draws() -> list[float]:
    return np.random.rand(3).tolist()


def test_training_rng_state_is_plain_and_legacy_numpy_arrays_still_load(tmp_path) -> None:
    np.random.seed(5)
    state = rng_state()
    expected = _numpy_draws()
    path = tmp_path / "state.pt"
    torch.save({"format": "sdbench-train", "rng": [state]}, path)
    set_rng_state(torch.load(path, weights_only=True)["rng"][0])  # plain: no allow-list needed
    assert _numpy_draws() == expected
    # a file of the previous version: numpy's state as an ndarray
    np.random.seed(5)
    old = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    torch.save({"format": "sdbench-train", "rng": [old]}, path)
    loaded = load_training_state(path)
    set_rng_state(loaded["rng"][0])
    assert _numpy_draws() == expected
    with pytest.raises(CheckpointError, match="refused"):
        load_model(path)  # numpy arrays are allowed for training states only


def _edited(tmp_path, model, family: str, edit) -> pathlib.Path:
    path = save_model(model, family, model.config, tmp_path / "edited.pt")
    payload = torch.load(path, weights_only=True)
    edit(payload)
    torch.save(payload, path)
    return path


def test_wrong_shapes_are_one_line_naming_the_file_and_the_tensors(dac_tiny, tmp_path) -> None:
    key = "decoder.model.0.bias"

    def grow(payload):
        payload["state_dict"][key] = torch.zeros(payload["state_dict"][key].shape[0] + 1)

    path = _edited(tmp_path, dac_tiny, "dac", grow)
    with pytest.raises(CheckpointError) as info:
        load_model(path)
    message = str(info.value)
    size = dac_tiny.state_dict()[key].shape[0]
    assert "\n" not in message and message.startswith(str(path))
    assert f"{key} is [{size + 1}] in the file, [{size}] in the model" in message


@pytest.mark.parametrize("edit, expected", [
    (lambda p: p["config"].update(no_such_field=1), "unknown DACConfig field"),
    (lambda p: p["config"].update(quantizer_dropout=2.0), "quantizer_dropout"),
    (lambda p: p.update(family="nonexistent"), "unknown model family 'nonexistent'"),
    (lambda p: p.update(config=[1, 2]), "'config' and 'state_dict' entries must be dicts"),
])
def test_configuration_errors_inside_a_checkpoint_name_the_file(dac_tiny, tmp_path, edit, expected) -> None:
    path = _edited(tmp_path, dac_tiny, "dac", edit)
    with pytest.raises(CheckpointError) as info:
        load_model(path)
    message = str(info.value)
    assert message.startswith(f"{path}: invalid model configuration in the checkpoint") and expected in message
    assert "\n" not in message
    assert os.path.exists(path)

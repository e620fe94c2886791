"""``bench models fetch``: the official model registry, the cache and ``--model LABEL=NAME``.

The HTTP path (``dac-16k``) runs against the local server with a small DAC checkpoint in
descript's format; the Google Drive path runs with the Drive client replaced by a local folder
laid out as the authors' (one run per folder, ``ckpt_final/ckpt_model_final.pth`` and
``.hydra/config.yaml``); run selection, strict verification, SHA-256 record and cache logic are
the real ones."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml

from baselines.dac import DAC, DACConfig
from bench.models import load_eval_model, parse_model_spec
from bench.models.checkpoints import resolve_checkpoint
from bench.cli import main
from bench.commands import models as models_command
from bench.fetch import gdrive
from bench.fetch.errors import FetchError
from bench.fetch.gdrive import DriveFile
from bench.fetch.models import OFFICIAL_MODELS, RECORD_NAME, HttpSource, fetched_checkpoint, model_dir
from sdcodec.checkpoint import load_model
from sdcodec.config import sdcodec_preset
from sdcodec.init_dac import init_from_dac
from sdcodec.model import SDCodec

from .conftest import closed_port_url, one_line_error

#: The tiny shape with the paper's 12 codebooks at 16 kHz (what verification checks).
SMALL = dict(encoder_dim=8, encoder_rates=(2, 5), latent_dim=16, decoder_dim=16, decoder_rates=(5, 2),
             n_codebooks=12, codebook_size=16, codebook_dim=4, sample_rate=16000)


def run_yaml(config, from_dac: bool) -> str:
    """A run's Hydra ``config.yaml`` in the authors' form (their ``config/model/*.yaml`` under
    ``model:``, per-track lists in ``quant_params``, the latent width in ``d_latent`` and
    ``input_dim`` as their model reads it, ``sampling_rate`` at the top)."""
    tracks = len(config.tracks)
    model = {
        "name": "SDCodec", "latent_dim": config.latent_dim, "tracks": list(config.tracks),
        "enc_params": {"name": "DACEncoder", "d_model": config.encoder_dim, "strides": list(config.encoder_rates),
                       "d_latent": config.latent_dim},
        "dec_params": {"name": "DACDecoder", "d_model": config.decoder_dim, "strides": list(config.decoder_rates),
                       "d_latent": config.latent_dim},
        "quant_params": {
            "name": "MultiSourceRVQ", "input_dim": config.latent_dim, "n_codebooks": [config.n_codebooks] * tracks,
            "codebook_size": [config.codebook_size] * tracks, "codebook_dim": [config.codebook_dim] * tracks,
            "quantizer_dropout": 0.0, "code_jit_prob": list(config.code_jit_prob),
            "code_jit_size": list(config.code_jit_size), "shared_codebooks": config.shared_codebooks},
        "pretrain": {"load_pretrained": "./pretrained/weights_16khz_8kbps_0.0.5_new.pth"} if from_dac else {},
    }
    return yaml.safe_dump({"model": model, "sampling_rate": config.sample_rate})


class LocalDrive:
    """A ``DriveClient`` over a local folder (file id = relative path); logs downloads."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.downloads: list[str] = []

    def list_folder(self, folder_id: str) -> list[DriveFile]:
        return [DriveFile(p.relative_to(self.root).as_posix(), p.relative_to(self.root).as_posix())
                for p in sorted(self.root.rglob("*")) if p.is_file()]

    def download(self, file_id: str, dest: Path) -> Path:
        shutil.copyfile(self.root / file_id, dest)
        self.downloads.append(file_id)
        return dest


def add_run(drive: Path, folder: str, shared: int, from_dac: bool = False, seed: int = 0) -> Path:
    """One run in the authors' layout; returns its checkpoint."""
    torch.manual_seed(seed)
    model = SDCodec(sdcodec_preset("tiny", shared_codebooks=shared, **SMALL))
    (drive / folder / ".hydra").mkdir(parents=True)
    (drive / folder / ".hydra" / "config.yaml").write_text(run_yaml(model.config, from_dac))
    checkpoint = drive / folder / "ckpt_final" / "ckpt_model_final.pth"
    checkpoint.parent.mkdir()
    torch.save(model.state_dict(), checkpoint)  # a plain state_dict, as the authors' trainer
    (drive / folder / "ckpt_final" / "ckpt_optim_final.pth").write_bytes(b"not needed")
    return checkpoint


@pytest.fixture(scope="module")
def drive_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The authors' four runs under names that say nothing; told apart by their configuration."""
    drive = tmp_path_factory.mktemp("drive")
    add_run(drive, "runs/a", 0, seed=1)
    add_run(drive, "runs/b", 4, seed=2)
    add_run(drive, "runs/c", 8, seed=3)
    add_run(drive, "runs/d", 1, from_dac=True, seed=4)
    return drive


@pytest.fixture
def drive(drive_folder: Path, monkeypatch: pytest.MonkeyPatch) -> LocalDrive:
    local = LocalDrive(drive_folder)
    monkeypatch.setattr(gdrive, "drive_client", lambda: local)
    return local


@pytest.fixture(scope="module")
def dac_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A DAC checkpoint in descript's format (``state_dict`` + ``metadata.kwargs``)."""
    torch.manual_seed(5)
    model = DAC(DACConfig(**SMALL))
    kwargs = {k: list(v) if isinstance(v, tuple) else v for k, v in SMALL.items()}
    path = tmp_path_factory.mktemp("dac") / "weights_16khz.pth"
    torch.save({"state_dict": model.state_dict(), "metadata": {"kwargs": kwargs}}, path)
    return path.read_bytes()


@pytest.fixture
def dac_served(server, dac_bytes, monkeypatch: pytest.MonkeyPatch) -> str:
    """``dac-16k`` pointed at the local server; returns the file's path there."""
    path = "/descript/releases/download/0.0.5/weights_16khz.pth"
    server.served.files[path] = dac_bytes
    entry = OFFICIAL_MODELS.get("dac-16k")
    monkeypatch.setitem(OFFICIAL_MODELS._items, "dac-16k", dataclasses.replace(
        entry, source=HttpSource(server.url(path), "weights_16khz.pth")))
    return path


def test_dac_over_http_is_verified_recorded_and_usable_as_a_model(dac_served, dac_bytes, server, monkeypatch,
                                                                  capsys) -> None:
    assert main(["models", "fetch", "dac-16k", "--retries", "0"]) == 0
    assert "dac-16k: verified" in capsys.readouterr().out
    record = json.loads((model_dir("dac-16k") / RECORD_NAME).read_text())
    assert record["sha256"] == hashlib.sha256(dac_bytes).hexdigest()
    assert record["bytes"] == len(dac_bytes) and record["source"]["url"].endswith(dac_served)
    assert record["config"]["n_codebooks"] == 12 and record["family"] == "dac"
    assert not (model_dir("dac-16k").parent / ".partial" / "dac-16k").exists()

    spec = parse_model_spec("DAC=dac-16k")
    assert (spec.label, spec.path) == ("DAC", "dac-16k")
    model = load_eval_model(spec)
    assert model.label == "DAC" and model.provenance["family"] == "dac"
    assert Path(model.provenance["checkpoint"]) == fetched_checkpoint("dac-16k")
    assert model.identity == record["sha256"][:16]
    # ... and as the DAC that initialises SD-Codec's branches (the pretrainDAC recipe resolves
    # the name with resolve_checkpoint: sdcodec itself knows nothing of the harness's cache).
    source = resolve_checkpoint("dac-16k")
    sdcodec = init_from_dac(SDCodec(sdcodec_preset("tiny", shared_codebooks=1, **SMALL)), source)
    dac_state = load_model(fetched_checkpoint("dac-16k")).state_dict()
    encoder = [k for k in sdcodec.state_dict() if k.startswith("encoder.")]
    assert encoder and all(torch.equal(sdcodec.state_dict()[k], dac_state[k]) for k in encoder)

    server.served.log.clear()
    assert main(["models", "fetch", "dac-16k"]) == 0  # cached: nothing is requested
    assert "already fetched" in capsys.readouterr().out and server.served.log == []
    # ``bench models`` prints the preset table (slow to build: stood in for here), then the list.
    monkeypatch.setattr(models_command, "models_table",
                        lambda families: pd.DataFrame([{"family": "dac", "preset": "16k"}]))
    assert main(["models"]) == 0
    listing = capsys.readouterr().out
    assert f"dac-16k                  dac      fetched, sha256 {record['sha256'][:16]}" in listing
    assert "sdcodec-16k              sdcodec  not fetched: bench models fetch sdcodec-16k" in listing


def test_an_interrupted_model_download_resumes_and_never_looks_fetched(dac_served, dac_bytes, server, capsys) -> None:
    server.served.drops[dac_served] = [1000]
    assert main(["models", "fetch", "dac-16k", "--retries", "0"]) == 2
    assert f"weights_16khz.pth: download stopped at 1000 of {len(dac_bytes)} bytes" in one_line_error(capsys)
    with pytest.raises(FetchError, match="not fetched yet; run `bench models fetch dac-16k`"):
        fetched_checkpoint("dac-16k")
    assert main(["models", "fetch", "dac-16k", "--retries", "0"]) == 0
    assert server.served.requests_for(dac_served)[-1] == "bytes=1000-"
    assert fetched_checkpoint("dac-16k").read_bytes() == dac_bytes


def test_a_download_that_does_not_load_is_removed(dac_served, server, capsys) -> None:
    server.served.files[dac_served] = b"<html>not a checkpoint</html>"
    assert main(["models", "fetch", "dac-16k", "--retries", "0"]) == 2
    assert "dac-16k: the downloaded checkpoint does not verify" in one_line_error(capsys)
    assert not (model_dir("dac-16k").parent / ".partial" / "dac-16k").exists()
    assert not model_dir("dac-16k").exists()


def test_no_network_for_a_model_is_one_line(monkeypatch, capsys) -> None:
    entry = OFFICIAL_MODELS.get("dac-16k")
    monkeypatch.setitem(OFFICIAL_MODELS._items, "dac-16k", dataclasses.replace(
        entry, source=HttpSource(closed_port_url() + "/weights_16khz.pth", "weights_16khz.pth")))
    assert main(["models", "fetch", "dac-16k"]) == 2
    assert "cannot connect (connection refused)" in one_line_error(capsys)


def test_an_unwritable_cache_is_one_line(tmp_path, monkeypatch, capsys) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SDBENCH_CACHE", str(blocker / "cache"))
    assert main(["models", "fetch", "dac-16k"]) == 2
    err = one_line_error(capsys)
    assert "the model cache is not writable" in err and "set SDBENCH_CACHE" in err


def test_a_known_name_not_yet_fetched_says_which_command_fetches_it() -> None:
    with pytest.raises(FetchError, match=r"^sdcodec-16k-shard8: official model not fetched yet; "
                                         r"run `bench models fetch sdcodec-16k-shard8`$"):
        load_eval_model("+ shared codebook (S=8)=sdcodec-16k-shard8")


@pytest.mark.parametrize("name, run, shared", [
    ("sdcodec-16k", "runs/a", 0), ("sdcodec-16k-shard4", "runs/b", 4),
    ("sdcodec-16k-shard8", "runs/c", 8), ("sdcodec-16k-pretrainDAC", "runs/d", 1),
])
def test_drive_runs_are_told_apart_by_their_configuration(drive, capsys, name, run, shared) -> None:
    assert main(["models", "fetch", name]) == 0
    record = json.loads((model_dir(name) / RECORD_NAME).read_text())
    assert record["source"]["run"] == run
    assert record["checkpoint"] == "ckpt_final/ckpt_model_final.pth"
    assert (model_dir(name) / ".hydra" / "config.yaml").read_text() == \
        (drive.root / run / ".hydra" / "config.yaml").read_text()
    checkpoint = fetched_checkpoint(name)
    assert record["sha256"] == hashlib.sha256(checkpoint.read_bytes()).hexdigest()
    assert checkpoint.read_bytes() == (drive.root / run / "ckpt_final" / "ckpt_model_final.pth").read_bytes()
    assert f"{run}/ckpt_final/ckpt_optim_final.pth" not in drive.downloads  # only what is needed

    model = load_eval_model(f"X={name}")
    assert model.impl.model.config.shared_codebooks == shared
    assert model.impl.model.source_config.endswith(".hydra/config.yaml")  # read the run's YAML
    downloads = len(drive.downloads)
    assert main(["models", "fetch", name]) == 0 and len(drive.downloads) == downloads


def test_ambiguous_runs_are_refused_until_one_is_named(drive_folder, tmp_path, monkeypatch, capsys) -> None:
    copy = tmp_path / "drive"
    shutil.copytree(drive_folder, copy)
    add_run(copy, "runs/e", 0, seed=6)
    (copy / "runs/z/.hydra").mkdir(parents=True)  # another kind of run: ignored, but listed
    (copy / "runs/z/.hydra/config.yaml").write_text("model: {name: DAC}\nsampling_rate: 16000\n")
    (copy / "runs/z/ckpt_model_final.pth").write_bytes(b"unused")
    local = LocalDrive(copy)
    monkeypatch.setattr(gdrive, "drive_client", lambda: local)
    assert main(["models", "fetch", "sdcodec-16k"]) == 2
    err = one_line_error(capsys)
    assert "several runs have the configuration S=0" in err and "--drive-run" in err
    assert "runs/a (S=0); runs/b (S=4); " in err and "runs/e (S=0); runs/z (no SD-Codec config)" in err
    assert main(["models", "fetch", "sdcodec-16k", "--drive-run", "runs/e"]) == 0
    assert fetched_checkpoint("sdcodec-16k").read_bytes() == \
        (copy / "runs/e/ckpt_final/ckpt_model_final.pth").read_bytes()


def test_a_run_that_differs_from_the_expected_model_is_refused(drive_folder, tmp_path, monkeypatch, capsys) -> None:
    copy = tmp_path / "drive"
    shutil.copytree(drive_folder, copy)
    local = LocalDrive(copy)
    monkeypatch.setattr(gdrive, "drive_client", lambda: local)
    assert main(["models", "fetch", "sdcodec-16k-shard8", "--drive-run", "runs/b"]) == 2
    assert "configuration differs: shared_codebooks 4 (expected 8)" in one_line_error(capsys)
    with pytest.raises(FetchError, match="not fetched yet"):
        fetched_checkpoint("sdcodec-16k-shard8")


def test_gdown_client_maps_the_listing_and_its_failures(monkeypatch) -> None:
    import gdown
    import requests
    from gdown.download import GoogleDriveFileToDownload

    listed = [GoogleDriveFileToDownload("id1", "runs/a/ckpt_final/ckpt_model_final.pth", "/tmp/x")]
    monkeypatch.setattr(gdown, "download_folder", lambda **kwargs: listed)
    assert gdrive.GdownClient().list_folder("F") == [
        DriveFile("id1", "runs/a/ckpt_final/ckpt_model_final.pth")]

    def refused(**kwargs):
        raise requests.ConnectionError("HTTPSConnectionPool(host='drive.google.com', port=443): Max "
                                       "retries exceeded ([Errno 111] Connection refused)")

    monkeypatch.setattr(gdown, "download_folder", refused)
    with pytest.raises(FetchError, match=r"^Google Drive folder F: cannot list it \(connection refused\)"):
        gdrive.GdownClient().list_folder("F")
    monkeypatch.setattr(gdown, "download", lambda **kwargs: (_ for _ in ()).throw(
        gdown.exceptions.FileURLRetrievalError("Cannot retrieve the public link of the file.\nDetails")))
    with pytest.raises(FetchError, match=r"^Google Drive file X: download failed \(Cannot retrieve the "
                                         r"public link of the file\.\); run the same command again"):
        gdrive.GdownClient().download("X", Path("/tmp/unused"))

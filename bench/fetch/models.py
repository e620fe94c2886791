"""The official models: a registry of names, their sources, and a verified local cache.

``bench models fetch NAME`` downloads a model into ``<cache>/models/NAME/`` where ``<cache>`` is
``$SDBENCH_CACHE``, else ``$XDG_CACHE_HOME/sdbench``, else ``~/.cache/sdbench``
(``bench.data.cache.cache_root``). The files are assembled in ``<cache>/models/.partial/NAME/``
(kept between calls, so an interrupted download resumes), loaded once with the strict loader
(``sdcodec.checkpoint.load_model``), checked against the fields that identify the model, and
only then moved to ``NAME/`` together with ``sdbench-model.json``: the checkpoint's path in the
folder, its SHA-256 and size, where it came from, and the loaded configuration. A model is
"fetched" when that record exists and its checkpoint still has the recorded size; afterwards
``--model LABEL=NAME`` works wherever a checkpoint path does.

SD-Codec checkpoints are laid out as the authors' runs (``ckpt_final/ckpt_model_final.pth`` with
``.hydra/config.yaml`` one folder up), which ``sdcodec.official`` reads.
"""

from __future__ import annotations

import datetime
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Protocol

from bench.fetch.errors import FetchError
from bench.fetch import gdrive
from bench.fetch.gdrive import CHECKPOINT_NAME, RunSignature, find_runs, select_run
from bench.fetch.http import DownloadOptions, RemoteFile, download, file_digest
from sdcodec.core.registry import Registry

#: The record written beside a fetched model.
RECORD_NAME = "sdbench-model.json"
#: The SD-Codec authors' shared folder of pretrained runs (linked from their README).
SDCODEC_DRIVE_FOLDER = "1-OjiNmtFdTUGwQF17FDMjzZgoBJJkHpG"
#: descript-audio-codec's 16 kHz weights (``dac.utils`` model type ``16khz``, tag 0.0.5).
DAC_16K_URL = "https://github.com/descriptinc/descript-audio-codec/releases/download/0.0.5/weights_16khz.pth"


@dataclass(frozen=True)
class SourceRequest:
    """Options of one fetch: HTTP ``download`` options and, for Drive runs, an explicit run
    folder (``drive_run``)."""

    download: DownloadOptions = DownloadOptions()
    drive_run: str | None = None


@dataclass(frozen=True)
class FetchedFiles:
    """What a source put in the staging folder: the ``checkpoint`` and its ``origin`` (recorded)."""

    checkpoint: Path
    origin: dict[str, Any]


class ModelSource(Protocol):
    """Where an official model comes from; ``fetch`` fills ``staging`` (resuming what is there)."""

    def fetch(self, staging: Path, request: SourceRequest) -> FetchedFiles: ...


@dataclass(frozen=True)
class HttpSource:
    """One checkpoint file at ``url``, saved as ``filename``."""

    url: str
    filename: str

    def fetch(self, staging: Path, request: SourceRequest) -> FetchedFiles:
        path = download(RemoteFile(self.url, self.filename), staging / self.filename, request.download)
        return FetchedFiles(path, {"url": self.url})


@dataclass(frozen=True)
class DriveRunSource:
    """One of the authors' runs in the shared Drive folder ``folder_id``, picked by ``signature``
    (``bench.fetch.gdrive``); saved as ``ckpt_final/ckpt_model_final.pth`` + ``.hydra/config.yaml``."""

    folder_id: str
    signature: RunSignature

    def fetch(self, staging: Path, request: SourceRequest) -> FetchedFiles:
        client = gdrive.drive_client()
        scratch = staging / ".configs"  # every run's config, read to pick the run: fresh each time
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        runs = find_runs(client.list_folder(self.folder_id))
        run, downloaded = select_run(runs, self.signature, client, scratch, self.folder_id, request.drive_run)
        checkpoint = staging / "ckpt_final" / CHECKPOINT_NAME
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        if not checkpoint.is_file():
            client.download(run.checkpoint.id, checkpoint)
        origin = {"drive_folder": self.folder_id, "run": run.root, "checkpoint_id": run.checkpoint.id}
        if run.config is not None:
            config = staging / ".hydra" / "config.yaml"
            config.parent.mkdir(parents=True, exist_ok=True)
            if downloaded is not None:  # read to pick the run: the same file
                os.replace(downloaded, config)
            elif not config.is_file():
                client.download(run.config.id, config)
            origin["config_id"] = run.config.id
        shutil.rmtree(scratch, ignore_errors=True)
        return FetchedFiles(checkpoint, origin)


@dataclass(frozen=True)
class OfficialModel:
    """A named official model: its ``family``, a one-line ``description``, its ``source``, and
    the configuration fields a verified copy must show (``expect``: name -> value)."""

    name: str
    family: str
    description: str
    source: ModelSource
    expect: tuple[tuple[str, Any], ...] = field(default=())


OFFICIAL_MODELS: Registry[OfficialModel] = Registry("official model")


def _sdcodec_run(name: str, description: str, shared: int, from_dac: bool = False) -> None:
    OFFICIAL_MODELS.add(name, OfficialModel(
        name, "sdcodec", description, DriveRunSource(SDCODEC_DRIVE_FOLDER, RunSignature(shared, from_dac)),
        expect=(("sample_rate", 16000), ("n_codebooks", 12), ("shared_codebooks", shared)),
    ))


_sdcodec_run("sdcodec-16k", "the authors' SD-Codec (sdcodec_16k): the paper's main model", 0)
_sdcodec_run("sdcodec-16k-shard4", "the authors' run sharing the last 4 codebooks (ablation, S=4)", 4)
_sdcodec_run("sdcodec-16k-shard8", "the authors' run sharing the last 8 codebooks (ablation, S=8)", 8)
_sdcodec_run("sdcodec-16k-pretrainDAC", "the authors' run initialised from DAC (ablation; S=1)", 1,
             from_dac=True)
OFFICIAL_MODELS.add("dac-16k", OfficialModel(
    "dac-16k", "dac", "descript-audio-codec's public 16 kHz weights (0.0.5): the DAC baseline",
    HttpSource(DAC_16K_URL, "weights_16khz.pth"),
    expect=(("sample_rate", 16000), ("n_codebooks", 12)),
))


def models_dir() -> Path:
    """``<cache>/models``: where fetched official models live (see the module docstring)."""
    from bench.data.cache import cache_root

    return cache_root() / "models"


def model_dir(name: str) -> Path:
    """The folder of the fetched model ``name``."""
    return models_dir() / name


def is_official_name(name: str) -> bool:
    """Whether ``name`` is an official model's name (fetched or not)."""
    return name in OFFICIAL_MODELS


def _record_checkpoint(name: str, record: dict[str, Any]) -> Path | None:
    relative = record.get("checkpoint")
    if not isinstance(relative, str) or PurePosixPath(relative).is_absolute() or ".." in PurePosixPath(relative).parts:
        return None
    return model_dir(name) / relative


def read_record(name: str) -> dict[str, Any] | None:
    """The ``sdbench-model.json`` of fetched model ``name``, or None when it is not fetched."""
    import json

    path = model_dir(name) / RECORD_NAME
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and _record_checkpoint(name, record) else None


def fetched_checkpoint(name: str) -> Path:
    """The checkpoint of fetched official model ``name``; ``FetchError`` saying which command
    fetches it when it is not fetched, or when its file changed since."""
    OFFICIAL_MODELS.get(name)
    record = read_record(name)
    if record is None:
        raise FetchError(f"{name}: official model not fetched yet; run `bench models fetch {name}`")
    path = _intact_checkpoint(name, record)
    if path is None:
        raise FetchError(f"{_record_checkpoint(name, record)}: missing or changed since it was fetched; run "
                         f"`bench models fetch --force {name}`")
    return path


def _intact_checkpoint(name: str, record: dict[str, Any]) -> Path | None:
    """The checkpoint ``record`` names when it is there with the recorded size, else None."""
    path = _record_checkpoint(name, record)
    return path if path.is_file() and path.stat().st_size == record.get("bytes") else None


def _cache_failure(path: Path, error: OSError) -> FetchError:
    return FetchError(f"{path}: the model cache is not writable ({error.strerror or error}); set "
                      f"SDBENCH_CACHE to a writable folder")


def verify(entry: OfficialModel, checkpoint: Path) -> Any:
    """Loads ``checkpoint`` strictly and checks its family and ``entry.expect``; returns the
    model. ``CheckpointError`` / ``FetchError`` otherwise."""
    from sdcodec.checkpoint import load_model

    model = load_model(checkpoint)
    if getattr(model, "family", None) != entry.family:
        raise FetchError(f"a {getattr(model, 'family', None)} model, not {entry.family}")
    wrong = [f"{key} {getattr(model.config, key, None)!r} (expected {value!r})"
             for key, value in entry.expect if getattr(model.config, key, None) != value]
    if wrong:
        raise FetchError(f"configuration differs: {', '.join(wrong)}")
    return model


def _publish(staging: Path, target: Path) -> None:
    """Moves the verified ``staging`` folder to ``target`` (replacing an older copy)."""
    old = staging.with_name(staging.name + ".old")
    if target.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.rename(target, old)
    os.rename(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def fetch_model(name: str, request: SourceRequest = SourceRequest(), force: bool = False,
                echo: Callable[[str], object] = print) -> dict[str, Any]:
    """Fetches, verifies and caches official model ``name`` (see the module docstring); returns
    its record. An already fetched model is returned as is unless ``force``."""
    from bench.util.atomic import atomic_write_json
    from sdcodec.core.dataclass_json import to_dict
    from sdcodec.core.errors import CheckpointError

    entry = OFFICIAL_MODELS.get(name)
    record = None if force else read_record(name)
    if record is not None and _intact_checkpoint(name, record) is not None:  # else changed: fetch again
        echo(f"{name}: already fetched ({model_dir(name)})")
        return record
    staging = models_dir() / ".partial" / name
    try:
        staging.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _cache_failure(models_dir(), error) from None
    fetched = entry.source.fetch(staging, request)
    try:
        model = verify(entry, fetched.checkpoint)
    except (CheckpointError, FetchError) as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise FetchError(f"{name}: the downloaded checkpoint does not verify ({error}); it was "
                         f"removed: run the same command again") from None
    record = {
        "name": name, "family": entry.family,
        "checkpoint": fetched.checkpoint.relative_to(staging).as_posix(),
        "sha256": file_digest(fetched.checkpoint, "sha256"),
        "bytes": fetched.checkpoint.stat().st_size,
        "source": fetched.origin,
        "config": to_dict(model.config),
        "parameters": sum(p.numel() for p in model.parameters()),
        "fetched": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    try:
        atomic_write_json(staging / RECORD_NAME, record)
        _publish(staging, model_dir(name))
    except OSError as error:
        raise _cache_failure(models_dir(), error) from None
    echo(f"{name}: verified ({record['parameters'] / 1e6:.2f} M parameters), sha256 "
         f"{record['sha256'][:16]}..., in {model_dir(name)}")
    return record


def official_status() -> list[dict[str, Any]]:
    """Per official model: name, family, description, and whether (and where) it is fetched."""
    rows = []
    for name, entry in OFFICIAL_MODELS.items():
        record = read_record(name)
        path = _intact_checkpoint(name, record) if record is not None else None
        rows.append({"name": name, "family": entry.family, "description": entry.description,
                     "fetched": path is not None, "checkpoint": str(path) if path else None,
                     "sha256": record.get("sha256") if path else None})
    return rows

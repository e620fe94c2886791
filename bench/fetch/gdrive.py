"""The SD-Codec authors' runs in their shared Google Drive folder, fetched with ``gdown``.

The folder holds one sub-folder per training run in the authors' output layout::

    <run>/ckpt_final/ckpt_model_final.pth     plain state_dict
    <run>/.hydra/config.yaml                  the run's Hydra configuration

Run folders are not named in this project: the folder is listed at run time, every
``ckpt_model_final.pth`` found is a run, and a run is told apart by its configuration: the number
of shared codebooks (``model.quant_params.shared_codebooks``: 0, 4, 8 or 1) and whether it
started from DAC's weights (``model.pretrain.load_pretrained``). ``--drive-run PATH`` names the
run folder instead when the configurations cannot tell.

``drive_client()`` is the one door to Google Drive (tests replace it with a local copy).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from bench.fetch.errors import FetchError, short_reason

#: The authors' final checkpoint's file name.
CHECKPOINT_NAME = "ckpt_model_final.pth"
#: Where a run's configuration may be, relative to the run folder (first found wins).
CONFIG_PATHS: tuple[str, ...] = (".hydra/config.yaml", "config.yaml")
#: gdown's pin, named in the message when it is missing.
GDOWN_REQUIREMENT = "gdown==6.5.1"


@dataclass(frozen=True)
class DriveFile:
    """A file in a shared folder: its Drive ``id`` and its ``/``-separated ``path`` in the folder."""

    id: str
    path: str


class DriveClient(Protocol):
    """Lists a shared folder and downloads one of its files."""

    def list_folder(self, folder_id: str) -> list[DriveFile]: ...

    def download(self, file_id: str, dest: Path) -> Path: ...


def _gdown():
    try:
        import gdown
    except ImportError:
        raise FetchError(f"gdown is not installed; `pip install {GDOWN_REQUIREMENT}` (it fetches "
                         f"the SD-Codec checkpoints from Google Drive)") from None
    return gdown


class GdownClient:
    """``DriveClient`` through ``gdown`` (public folders; no account needed)."""

    def list_folder(self, folder_id: str) -> list[DriveFile]:
        gdown = _gdown()
        try:  # gdown raises its own errors, requests' and parser errors: all mean "cannot list"
            entries = gdown.download_folder(id=folder_id, skip_download=True, quiet=True,
                                            output=tempfile.gettempdir() + os.sep)
        except Exception as error:  # noqa: BLE001 - a third party's many failure types, one line
            raise FetchError(f"Google Drive folder {folder_id}: cannot list it "
                             f"({short_reason(error)}); check the network and run the same "
                             f"command again") from None
        return [DriveFile(entry.id, Path(entry.path).as_posix()) for entry in entries]

    def download(self, file_id: str, dest: Path) -> Path:
        gdown = _gdown()
        try:
            result = gdown.download(id=file_id, output=str(dest), quiet=False, resume=True)
        except Exception as error:  # noqa: BLE001 - as above
            raise FetchError(f"Google Drive file {file_id}: download failed ({short_reason(error)}); "
                             f"run the same command again to resume") from None
        if result is None:
            raise FetchError(f"Google Drive file {file_id}: download failed; run the same command again")
        return dest


def drive_client() -> DriveClient:
    """The client used to reach Google Drive."""
    return GdownClient()


@dataclass(frozen=True)
class DriveRun:
    """One training run found in the folder: its folder ``root`` (``/``-separated), its
    checkpoint and (when present) its configuration."""

    root: str
    checkpoint: DriveFile
    config: DriveFile | None


@dataclass(frozen=True)
class RunSignature:
    """What tells the authors' runs apart: shared codebooks and a start from DAC's weights."""

    shared_codebooks: int
    from_dac: bool

    def __str__(self) -> str:
        return f"S={self.shared_codebooks}{', from DAC' if self.from_dac else ''}"


def find_runs(files: Sequence[DriveFile]) -> list[DriveRun]:
    """Every run (a ``ckpt_model_final.pth``; its run folder is above ``ckpt_final/``)."""
    by_path = {file.path: file for file in files}
    runs = []
    for file in files:
        path = PurePosixPath(file.path)
        if path.name != CHECKPOINT_NAME:
            continue
        root = path.parent.parent if path.parent.name == "ckpt_final" else path.parent
        config = next((by_path[str(root / name)] for name in CONFIG_PATHS if str(root / name) in by_path), None)
        runs.append(DriveRun(str(root), file, config))
    return sorted(runs, key=lambda run: run.root)


def run_signature(config_path: Path) -> RunSignature | None:
    """The ``RunSignature`` of a run's Hydra ``config.yaml``; None when it is not an SD-Codec
    run's configuration."""
    import yaml

    from sdcodec.core.errors import CheckpointError
    from sdcodec.official import config_from_yaml

    try:
        config = config_from_yaml(config_path)
    except CheckpointError:
        return None
    data: Any = yaml.safe_load(config_path.read_text())
    model = data.get("model", data) if isinstance(data, Mapping) else {}
    pretrain = model.get("pretrain") if isinstance(model, Mapping) else None
    from_dac = isinstance(pretrain, Mapping) and bool(pretrain.get("load_pretrained"))
    return RunSignature(config.shared_codebooks, from_dac)


def select_run(runs: Sequence[DriveRun], wanted: RunSignature, client: DriveClient, scratch: Path,
               folder_id: str, chosen: str | None = None) -> tuple[DriveRun, Path | None]:
    """The run whose configuration has signature ``wanted`` (or the run folder ``chosen``), and
    its configuration if it was downloaded (into ``scratch``) to tell the runs apart;
    ``FetchError`` listing the runs when there is no single match."""
    if not runs:
        raise FetchError(f"Google Drive folder {folder_id}: no {CHECKPOINT_NAME} in it (the "
                         f"authors' folder changed?)")
    if chosen is not None:
        for run in runs:
            if run.root == chosen.strip("/"):
                return run, None
        raise FetchError(f"--drive-run {chosen}: no such run folder; runs: {', '.join(r.root for r in runs)}")
    signatures: dict[str, RunSignature | None] = {}
    configs: dict[str, Path] = {}
    for index, run in enumerate(runs):
        if run.config is None:
            signatures[run.root] = None
            continue
        configs[run.root] = client.download(run.config.id, scratch / f"config-{index}.yaml")
        signatures[run.root] = run_signature(configs[run.root])
    matches = [run for run in runs if signatures[run.root] == wanted]
    if len(matches) == 1:
        return matches[0], configs.get(matches[0].root)
    found = "; ".join(f"{root} ({signature or 'no SD-Codec config'})" for root, signature in signatures.items())
    problem = "several runs have" if matches else "no run has"
    raise FetchError(f"Google Drive folder {folder_id}: {problem} the configuration {wanted}; "
                     f"runs: {found}; name one with --drive-run RUN")

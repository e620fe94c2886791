"""The datasets ``bench data fetch`` knows, and the fetch: record -> downloads -> extraction.

What ``fetch_dataset(name, DIR)`` leaves in ``DIR``::

    DIR/downloads/<file>        the record's archives (``<file>.part`` until verified)
    DIR/.extracting/            an extraction in progress; an interrupted one is redone
    DIR/tr, DIR/cv, DIR/tt      the dataset, moved in from .extracting/ once it is complete
    DIR/.sdbench-fetch.json     written last: the record, its files and checksums

So the dataset folders appear only after the whole archive was extracted, and the marker only
after they are all in place: a folder without the marker never passes for a finished fetch.
A second call continues where the first stopped (resumed downloads, verified files kept) and,
once the marker is there, does nothing but report it.
"""

from __future__ import annotations

import datetime
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from bench.data.dnr import DNR_FOLDERS
from bench.fetch.archive import ArchiveGroup, extract_parts, group_archives
from bench.fetch.errors import FetchError
from bench.fetch.http import DownloadOptions, RemoteFile, download, part_path
from bench.fetch.space import format_bytes, require_free
from bench.fetch.zenodo import record_api_url, record_files
from sdcodec.core.registry import Registry

DOWNLOADS = "downloads"
STAGING = ".extracting"
MARKER = ".sdbench-fetch.json"
#: Written while the extracted folders are moved into place (a journal for an interruption).
MOVING = ".sdbench-fetch-moving.json"


@dataclass(frozen=True)
class ZenodoDataset:
    """A dataset published as tar archives in a Zenodo record.

    ``folders``: the top folders of the dataset (DnR: ``tr``, ``cv``, ``tt``); an archive member
    goes to ``DIR/<path from the first such folder on>`` (a leading ``dnr_v2/`` is dropped) and
    members outside them are left out. ``expansion``: extracted bytes per archive byte, an
    estimate for the free-space check (the record does not say how large the unpacked data is).
    """

    name: str
    record_id: str
    description: str
    folders: tuple[str, ...]
    expansion: float = field(default=1.2)

    def member_path(self, name: str) -> str | None:
        """Where archive member ``name`` goes under ``DIR``, or None to leave it out."""
        parts = PurePosixPath(name.replace("\\", "/")).parts
        for index, part in enumerate(parts):
            if part in self.folders:
                return "/".join(parts[index:])
        return None


DATASETS: Registry[ZenodoDataset] = Registry("dataset")
DATASETS.add("dnr", ZenodoDataset(
    "dnr", "6949108",
    "Divide and Remaster v2 (DnR; 44.1 kHz; tr/ cv/ tt/), the version the SD-Codec paper uses. "
    "gzip saves little on PCM audio: extracted, it is estimated at 1.2 x the archives' size",
    DNR_FOLDERS, expansion=1.2,
))


@dataclass(frozen=True)
class FetchPlan:
    """What a fetch into ``root`` will do: the ``archives`` (each with its record files), the
    record files it leaves out (``skipped``), bytes still to download, the archives' total
    bytes and the estimated bytes once extracted."""

    dataset: ZenodoDataset
    root: Path
    archives: tuple[tuple[ArchiveGroup, tuple[RemoteFile, ...]], ...]
    skipped: tuple[str, ...]
    to_download: int
    archive_bytes: int
    extracted_estimate: int

    @property
    def files(self) -> list[RemoteFile]:
        return [remote for _, remotes in self.archives for remote in remotes]

    def downloaded(self, remote: RemoteFile) -> Path:
        return self.root / DOWNLOADS / remote.name

    def checksums(self) -> dict[str, str]:
        return {remote.name: str(remote.checksum) for remote in self.files}


def _bytes_here(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    part = part_path(path)
    return part.stat().st_size if part.is_file() else 0


def plan_fetch(dataset: ZenodoDataset, root: Path) -> FetchPlan:
    """Asks the record for its files and sizes what is left to do in ``root``."""
    remotes = {remote.name: remote for remote in record_files(dataset.record_id)}
    groups, others = group_archives(remotes)
    if not groups:
        raise FetchError(f"{record_api_url(dataset.record_id)}: the record holds no tar archive")
    archives = tuple((group, tuple(remotes[name] for name in group.parts)) for group in groups)
    files = [remote for _, group_files in archives for remote in group_files]
    archive_bytes = sum(remote.size or 0 for remote in files)
    to_download = sum(max((remote.size or 0) - _bytes_here(root / DOWNLOADS / remote.name), 0)
                      for remote in files)
    return FetchPlan(dataset, root, archives, tuple(others), to_download, archive_bytes,
                     int(archive_bytes * dataset.expansion))


def _read_json(path: Path) -> dict:
    import json

    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise FetchError(f"{path}: unreadable ({error}); remove it and run the command again") from None
    if not isinstance(data, dict):
        raise FetchError(f"{path}: not a fetch record; remove it and run the command again")
    return data


def _check_marker(plan: FetchPlan) -> bool:
    """True when ``root`` holds a completed fetch of this record version (error if another)."""
    marker = plan.root / MARKER
    if not marker.is_file():
        return False
    recorded = _read_json(marker).get("files")
    if recorded != plan.checksums():
        raise FetchError(f"{plan.root}: holds {plan.dataset.name} from another version of the record "
                         f"(its file checksums differ); fetch into a new folder")
    return True


def _refuse_foreign_folders(plan: FetchPlan) -> None:
    for folder in plan.dataset.folders:
        if (plan.root / folder).exists():
            raise FetchError(f"{plan.root / folder}: already exists, but no completed `bench data "
                             f"fetch` wrote it; fetch into an empty folder or remove "
                             f"{', '.join(f + '/' for f in plan.dataset.folders)}")


def _publish(plan: FetchPlan) -> None:
    """Moves the extracted folders from the staging folder into place, then writes the marker.
    A journal (``MOVING``) lets an interrupted move be finished by the next call."""
    from bench.util.atomic import atomic_write_json

    staging = plan.root / STAGING
    atomic_write_json(plan.root / MOVING, {"folders": list(plan.dataset.folders)})
    for folder in plan.dataset.folders:
        source, target = staging / folder, plan.root / folder
        if source.exists():
            os.rename(source, target)
        elif not target.exists():
            raise FetchError(f"{staging}: lost {folder}/ while moving it into place; remove "
                             f"{staging} and {plan.root / MOVING} and run the command again")
    atomic_write_json(plan.root / MARKER, {
        "dataset": plan.dataset.name, "record": plan.dataset.record_id,
        "api": record_api_url(plan.dataset.record_id), "files": plan.checksums(),
        "folders": list(plan.dataset.folders),
        "completed": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    })
    (plan.root / MOVING).unlink()
    shutil.rmtree(staging, ignore_errors=True)


def _extract(plan: FetchPlan, progress: bool, echo: Callable[[str], object]) -> None:
    staging = plan.root / STAGING
    if staging.exists():
        echo("an earlier extraction did not finish: extracting again")
        shutil.rmtree(staging)
    require_free(plan.root, plan.extracted_estimate, f"extracting {plan.dataset.name} (estimated size)")
    try:
        for group, remotes in plan.archives:
            parts = [plan.downloaded(remote) for remote in remotes]
            files = extract_parts(parts, staging, plan.dataset.member_path, group.name, progress)
            echo(f"extracted {group.name}: {files} files")
        missing = [f for f in plan.dataset.folders if not (staging / f).is_dir()]
        if missing:
            raise FetchError(f"{plan.dataset.name}: the archives hold no {', '.join(m + '/' for m in missing)} "
                             f"folder; the record's layout changed (nothing was moved into {plan.root})")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def describe_plan(plan: FetchPlan) -> list[str]:
    """Lines that say what the record holds and what the fetch needs."""
    lines = [f"{plan.dataset.name}: Zenodo record {plan.dataset.record_id}, "
             f"{len(plan.files)} archive file(s) in {len(plan.archives)} archive(s), "
             f"{format_bytes(plan.archive_bytes)}"]
    if plan.skipped:
        lines.append(f"not needed (left out): {', '.join(plan.skipped)}")
    lines.append(f"to download: {format_bytes(plan.to_download)}; extracted size (estimated, "
                 f"{plan.dataset.expansion:g} x the archives): {format_bytes(plan.extracted_estimate)}")
    return lines


def fetch_dataset(name: str, root: str | Path, options: DownloadOptions = DownloadOptions(),
                  dry_run: bool = False, delete_archives: bool = False,
                  echo: Callable[[str], object] = print) -> Path:
    """Downloads, verifies and extracts dataset ``name`` into ``root`` (see the module
    docstring); returns ``root``. ``dry_run`` only prints the plan. ``delete_archives`` removes
    the downloaded archives once the dataset is in place."""
    dataset = DATASETS.get(name)
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise FetchError(f"{root}: not a folder; pass a folder for --to")
    plan = plan_fetch(dataset, root)
    if _check_marker(plan):
        echo(f"{root}: {dataset.name} already fetched and extracted (record {dataset.record_id})")
        return root
    for line in describe_plan(plan):
        echo(line)
    if dry_run:
        return root
    journal = (root / MOVING).is_file()
    if not journal:
        _refuse_foreign_folders(plan)
        require_free(root, plan.to_download + plan.extracted_estimate,
                     f"fetching {dataset.name} (downloads + estimated extracted size)")
        for remote in plan.files:
            download(remote, plan.downloaded(remote), options)
            echo(f"{remote.name}: {format_bytes(remote.size or 0)}, {remote.checksum.algorithm} verified")
        _extract(plan, options.progress, echo)
    _publish(plan)
    echo(f"{dataset.name} is in {root} ({', '.join(f + '/' for f in dataset.folders)})")
    if delete_archives:
        shutil.rmtree(root / DOWNLOADS, ignore_errors=True)
        echo(f"removed {root / DOWNLOADS}")
    return root

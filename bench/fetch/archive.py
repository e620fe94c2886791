"""Tar archives: grouping split parts, reading them as one stream, and extracting safely.

A large archive is often published in parts (``dnr_v2.tar.gz.00``, ``.01``, ...) that are the
bytes of one ``.tar.gz`` cut in pieces: ``group_archives`` joins them in index order and
``ConcatenatedReader`` reads them one after another, so the archive is extracted as a stream
without first writing the joined file.

``extract_parts`` refuses the whole archive, with one line naming the member, when a member has
an absolute path, a ``..`` component, is a device or other special file, or is a link whose
target lies outside the destination; what is left is then passed through ``tarfile``'s
``"data"`` extraction filter as a second guard.
"""

from __future__ import annotations

import io
import re
import tarfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bench.fetch.errors import FetchError, short_reason

#: File names taken for tar archives (compressed or not).
ARCHIVE_SUFFIXES: tuple[str, ...] = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")

_SPLIT_PART = re.compile(r"^(?P<base>.+)\.(?P<index>\d{1,4})$")

#: ``member name -> path under the destination``, or None to leave the member out.
Rename = Callable[[str], "str | None"]


@dataclass(frozen=True)
class ArchiveGroup:
    """One archive: its ``name`` once joined, and the file names of its ``parts`` in order (a
    single file is a group of one)."""

    name: str
    parts: tuple[str, ...]


def is_archive_name(name: str) -> bool:
    """Whether ``name`` ends like a tar archive (``.tar``, ``.tar.gz``, ``.tgz``, ...)."""
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def group_archives(names: Iterable[str]) -> tuple[list[ArchiveGroup], list[str]]:
    """Splits file names into archives (split parts joined, in index order) and other files.

    ``FetchError`` when the parts of a split archive are not numbered consecutively from 0 or 1
    (a part is missing from the list)."""
    singles: list[ArchiveGroup] = []
    split: dict[str, list[tuple[int, str]]] = {}
    others: list[str] = []
    for name in names:
        found = _SPLIT_PART.match(name)
        if found and is_archive_name(found["base"]):
            split.setdefault(found["base"], []).append((int(found["index"]), name))
        elif is_archive_name(name):
            singles.append(ArchiveGroup(name, (name,)))
        else:
            others.append(name)
    groups = list(singles)
    for base, parts in sorted(split.items()):
        parts.sort()
        indices = [index for index, _ in parts]
        first = indices[0]
        expected = list(range(first, first + len(indices)))
        if first not in (0, 1) or indices != expected:
            missing = sorted(set(range(first if first in (0, 1) else 0, indices[-1] + 1)) - set(indices))
            raise FetchError(f"{base}: split archive parts {', '.join(map(str, missing))} are missing "
                             f"from the source's file list; it cannot be joined")
        groups.append(ArchiveGroup(base, tuple(name for _, name in parts)))
    return groups, others


class ConcatenatedReader(io.RawIOBase):
    """The files ``paths`` read one after another as one byte stream. ``on_read(n)`` is called
    with the size of every read (a progress bar's ``update``)."""

    def __init__(self, paths: Sequence[Path], on_read: Callable[[int], object] | None = None) -> None:
        super().__init__()
        self._paths = list(paths)
        self._index = 0
        self._handle: io.BufferedReader | None = None
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self._index < len(self._paths):
            if self._handle is None:
                self._handle = open(self._paths[self._index], "rb")
            count = self._handle.readinto(buffer)
            if count:
                if self._on_read is not None:
                    self._on_read(count)
                return count
            self._handle.close()
            self._handle = None
            self._index += 1
        return 0

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        super().close()


def _escapes(name: str) -> str | None:
    path = PurePosixPath(name)
    if path.is_absolute() or name.startswith("\\") or re.match(r"^[A-Za-z]:", name):
        return "has an absolute path"
    if ".." in path.parts or ".." in name.split("\\"):
        return "climbs out of the target folder with '..'"
    return None


def unsafe_member(member: tarfile.TarInfo, target: str, dest: Path, rename: Rename) -> str | None:
    """Why ``member`` (to be written at ``dest / target``) must not be extracted, or None."""
    for name in (member.name, target):
        problem = _escapes(name)
        if problem:
            return problem
    if member.ischr() or member.isblk() or member.isfifo():
        return "is a device or special file"
    if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
        return "is not a plain file, folder or link"
    root = dest.resolve()
    if not (dest / target).resolve().is_relative_to(root):
        return "would be written outside the target folder (through a link)"
    if member.issym():
        if _escapes(member.linkname) == "has an absolute path":
            return f"is a link to the absolute path {member.linkname!r}"
        if not ((dest / target).parent / member.linkname).resolve().is_relative_to(root):
            return f"is a link to {member.linkname!r}, outside the target folder"
    if member.islnk():
        linked = rename(member.linkname)
        if linked is None or _escapes(member.linkname) or _escapes(linked):
            return f"is a hard link to {member.linkname!r}, outside the extracted folders"
    return None


def extract_parts(parts: Sequence[Path], dest: Path, rename: Rename, label: str,
                  progress: bool = True) -> int:
    """Extracts the tar archive made of ``parts`` (joined in order; any compression) into
    ``dest``, member ``m`` going to ``dest / rename(m)`` (members renamed to None are left out).
    Returns the number of regular files written. ``FetchError`` names the first unsafe member
    (nothing further is written), a damaged archive, or a write failure (a full disk)."""
    from tqdm import tqdm

    dest.mkdir(parents=True, exist_ok=True)
    total = sum(Path(p).stat().st_size for p in parts)
    bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=f"extract {label}",
               disable=None if progress else True)
    files = 0
    try:
        with io.BufferedReader(ConcatenatedReader(parts, bar.update), 1 << 20) as stream, \
                tarfile.open(fileobj=stream, mode="r|*") as tar:
            for member in tar:
                target = rename(member.name)
                if target is None:
                    continue
                problem = unsafe_member(member, target, dest, rename)
                if problem:
                    raise FetchError(f"{label}: member {member.name!r} {problem}; the archive is "
                                     f"refused (nothing of it is kept)")
                original = member.name
                member.name = target
                if member.islnk():
                    member.linkname = rename(member.linkname) or member.linkname
                try:
                    tar.extract(member, dest, filter="data")
                except tarfile.FilterError as error:
                    raise FetchError(f"{label}: member {original!r} refused by the safe-extraction "
                                     f"filter ({error}); the archive is refused") from None
                files += member.isfile()
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise FetchError(f"{label}: damaged archive ({short_reason(error)}); remove the downloaded "
                         f"parts and run the command again to download them anew") from None
    except OSError as error:
        if error.errno is None:  # gzip's own errors carry no errno: the data is bad
            raise FetchError(f"{label}: damaged archive ({short_reason(error)}); remove the "
                             f"downloaded parts and run the command again") from None
        raise FetchError(f"{dest}: cannot extract ({error.strerror}); fix it (free space?) and run "
                         f"the same command again: the extraction starts over") from None
    finally:
        bar.close()
    return files

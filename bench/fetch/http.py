"""Resumable HTTP downloads.

``download(remote, dest)`` writes the bytes to ``dest.part`` as they arrive. When the connection
drops, the ``.part`` file is kept and a later call (or an automatic retry) asks the server for
the rest only (``Range: bytes=N-``, where N is the ``.part`` file's size). Only a file whose size
and checksum match what the source announced is renamed to ``dest``; so a file under its final
name is complete and verified, and is never downloaded again. A checksum mismatch removes the
``.part`` file (its bytes are wrong somewhere, resuming it cannot help).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bench.fetch.errors import FetchError, short_reason

#: The suffix of a file still being downloaded.
PART_SUFFIX = ".part"

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


@dataclass(frozen=True)
class Checksum:
    """A digest announced by the source: ``algorithm`` (a ``hashlib`` name) and ``hexdigest``."""

    algorithm: str
    hexdigest: str

    @classmethod
    def parse(cls, text: str, where: str = "checksum") -> "Checksum":
        """``"md5:0123..."`` (Zenodo's form) -> ``Checksum("md5", "0123...")``."""
        algorithm, sep, digest = str(text).partition(":")
        algorithm = algorithm.strip().lower()
        digest = digest.strip().lower()
        if not sep or algorithm not in hashlib.algorithms_guaranteed or not re.fullmatch(r"[0-9a-f]+", digest):
            raise FetchError(f"{where}: unusable checksum {text!r} (expected ALGORITHM:HEX, e.g. md5:...)")
        return cls(algorithm, digest)

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.hexdigest}"


@dataclass(frozen=True)
class RemoteFile:
    """A file to download: its ``url``, a display ``name``, and what the source says about it:
    ``size`` in bytes and ``checksum`` (either may be unknown)."""

    url: str
    name: str
    size: int | None = None
    checksum: Checksum | None = None


@dataclass(frozen=True)
class DownloadOptions:
    """``retries``: automatic resumptions after a dropped connection (``backoff_s`` x attempt
    seconds apart); ``timeout_s``: seconds to wait for a connection or for the next bytes;
    ``chunk_bytes``: read size; ``progress``: a progress bar on a terminal."""

    retries: int = 3
    backoff_s: float = 2.0
    timeout_s: float = 60.0
    chunk_bytes: int = 1 << 20
    progress: bool = True


class _Interrupted(Exception):
    """The transfer stopped part-way; the ``.part`` file holds what arrived. ``total``: the
    file's size when the server said it."""

    def __init__(self, reason: str, total: int | None = None) -> None:
        super().__init__(reason)
        self.total = total


def _announced_total(response: Any) -> int | None:
    """The whole file's size from a 206's ``Content-Range`` or a 200's ``Content-Length``."""
    if response.status_code == 206:
        found = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
        return int(found.group(3)) if found and found.group(3) != "*" else None
    length = response.headers.get("Content-Length")
    return int(length) if length and length.isdigit() else None


def part_path(dest: Path) -> Path:
    """``dest`` with ``.part`` appended: where the bytes go until verified."""
    return dest.with_name(dest.name + PART_SUFFIX)


def file_digest(path: Path, algorithm: str) -> str:
    """Hex digest of ``path``'s bytes with ``hashlib`` ``algorithm``."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def write_chunk(handle: IO[bytes], chunk: bytes) -> None:
    """Appends ``chunk`` to the ``.part`` file (one place where writing can fail: a full disk)."""
    handle.write(chunk)


def _session():
    import requests

    session = requests.Session()
    # The byte offsets of a Range request must be those of the file itself: no transfer coding.
    session.headers["Accept-Encoding"] = "identity"
    session.headers["User-Agent"] = "sdbench-fetch"
    return session


def _connect_error(url: str, error: BaseException) -> FetchError:
    return FetchError(f"{url}: cannot connect ({short_reason(error)}); check the network "
                      f"connection and run the same command again")


def _status_error(url: str, response: Any) -> FetchError:
    return FetchError(f"{url}: HTTP {response.status_code} {response.reason or ''}".rstrip()
                      + " (the source may have moved; check the URL or the mirror setting)")


def get_json(url: str, timeout_s: float = 60.0) -> Any:
    """GET ``url`` and parse its JSON; ``FetchError`` (one line) on any failure."""
    import requests

    try:
        with _session() as session:
            response = session.get(url, timeout=timeout_s, headers={"Accept": "application/json"})
    except (requests.ConnectionError, requests.Timeout) as error:
        raise _connect_error(url, error) from None
    except requests.RequestException as error:
        raise FetchError(f"{url}: request failed ({short_reason(error)})") from None
    if response.status_code >= 400:
        raise _status_error(url, response)
    try:
        return response.json()
    except ValueError:
        raise FetchError(f"{url}: the answer is not JSON (is this the right API address?)") from None


def _write_failure(path: Path, error: OSError) -> FetchError:
    if error.errno == errno.ENOSPC:
        return FetchError(f"{path}: no space left on the device; the partial file is kept: free "
                          f"space, then run the same command again to resume")
    return FetchError(f"{path}: cannot write ({error.strerror or short_reason(error)}); choose a "
                      f"writable folder")


def _progress_bar(remote: RemoteFile, initial: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=remote.size, initial=initial, unit="B", unit_scale=True, unit_divisor=1024,
                desc=remote.name, disable=None if enabled else True, leave=True)


def _read_some(raw: Any, size: int, total: int | None) -> bytes:
    """Up to ``size`` bytes of the body as they arrive (``read1``: what came before a dropped
    connection is kept, not lost with an unfinished read); ``_Interrupted`` when it breaks."""
    import http.client

    import urllib3

    try:
        return raw.read1(size, decode_content=False)
    except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError) as error:
        raise _Interrupted(f"the connection broke: {type(error).__name__}", total) from None


def _existing_bytes(part: Path, size: int | None) -> int:
    have = part.stat().st_size if part.is_file() else 0
    if size is not None and have > size:  # longer than the file: not a prefix of it
        part.unlink()
        return 0
    return have


def _transfer(remote: RemoteFile, part: Path, options: DownloadOptions, session) -> None:
    """Fetches what ``part`` lacks of ``remote`` and appends it; raises ``_Interrupted`` when the
    transfer stops early, ``FetchError`` when it cannot happen at all."""
    import requests

    have = _existing_bytes(part, remote.size)
    if remote.size is not None and have == remote.size:
        return
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        response = session.get(remote.url, headers=headers, stream=True,
                               timeout=(options.timeout_s, options.timeout_s))
    except (requests.ConnectionError, requests.Timeout) as error:
        if have:  # it worked before: a transient failure, worth a retry
            raise _Interrupted(short_reason(error), remote.size) from None
        raise _connect_error(remote.url, error) from None
    with response:
        if response.status_code == 416 and have and remote.size is None:
            return  # nothing after byte N: the part is the whole file (the checksum decides)
        if response.status_code == 416:
            part.unlink(missing_ok=True)
            raise _Interrupted("the server refused the resume offset; starting the file again", remote.size)
        if response.status_code >= 500:
            raise _Interrupted(f"HTTP {response.status_code}", remote.size)
        if response.status_code >= 400:
            raise _status_error(remote.url, response)
        mode = "wb"
        if have and response.status_code == 206:
            found = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
            if not found or int(found.group(1)) != have:
                raise FetchError(f"{remote.url}: the server answered the resume request with the "
                                 f"wrong range ({response.headers.get('Content-Range')!r})")
            mode = "ab"
        elif have:  # 200: the server ignores Range and sends the whole file again
            have = 0
        total = remote.size if remote.size is not None else _announced_total(response)
        try:
            handle = open(part, mode)
        except OSError as error:
            raise _write_failure(part, error) from None
        with handle, _progress_bar(remote, have, options.progress) as bar:
            while chunk := _read_some(response.raw, options.chunk_bytes, total):
                try:
                    write_chunk(handle, chunk)
                except OSError as error:
                    raise _write_failure(part, error) from None
                bar.update(len(chunk))
    if total is not None and part.stat().st_size < total:
        raise _Interrupted("the connection closed early", total)


def _verify(remote: RemoteFile, part: Path) -> None:
    """Size and checksum of the finished ``part``; on a mismatch it is removed."""
    size = part.stat().st_size
    problem = None
    if remote.size is not None and size != remote.size:
        problem = f"{size} bytes, the source announced {remote.size}"
    elif remote.checksum is not None:
        actual = file_digest(part, remote.checksum.algorithm)
        if actual != remote.checksum.hexdigest:
            problem = f"checksum {remote.checksum.algorithm}:{actual}, the source announced {remote.checksum}"
    if problem:
        part.unlink(missing_ok=True)
        raise FetchError(f"{remote.name}: the downloaded file is corrupt ({problem}); it was "
                         f"removed: run the same command again to download it anew")


def download(remote: RemoteFile, dest: str | Path, options: DownloadOptions = DownloadOptions()) -> Path:
    """Downloads ``remote`` to ``dest`` (see the module docstring); returns ``dest``.

    A ``dest`` that already exists is a finished, verified download and is returned as is (a
    size that disagrees with ``remote.size`` is an error: the source changed since)."""
    dest = Path(dest)
    if dest.is_file():
        if remote.size is not None and dest.stat().st_size != remote.size:
            raise FetchError(f"{dest}: {dest.stat().st_size} bytes, the source now announces "
                             f"{remote.size}: remove the file and run the command again")
        return dest
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _write_failure(dest.parent, error) from None
    part = part_path(dest)
    with _session() as session:
        for attempt in range(options.retries + 1):
            try:
                _transfer(remote, part, options, session)
                break
            except _Interrupted as error:
                if attempt == options.retries:
                    have = part.stat().st_size if part.is_file() else 0
                    total = f" of {error.total}" if error.total is not None else ""
                    raise FetchError(f"{remote.name}: download stopped at {have}{total} bytes "
                                     f"({error}); {part.name} is kept: run the same command "
                                     f"again to resume") from None
                time.sleep(options.backoff_s * (attempt + 1))
    _verify(remote, part)
    os.replace(part, dest)
    return dest

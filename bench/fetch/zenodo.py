"""A Zenodo record's files, asked from the records API at run time.

``GET {base}/api/records/{id}`` answers a JSON record whose ``files`` list gives, per file, its
``key`` (file name), ``size`` in bytes, ``checksum`` (``"md5:<hex>"``) and ``links`` (the
download address under ``content``, ``download`` or ``self``, depending on the API version).
Nothing about the files is stored in this project: a new version of the record is picked up
as it is. ``base`` is ``https://zenodo.org``, or ``$SDBENCH_ZENODO_URL`` (a mirror, or a local
test server).

The record is untrusted input: a file name must be a plain name (no folder, no ``..``), the size
a non-negative integer, the checksum ``ALGORITHM:HEX``; anything else is refused in one line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

from bench.fetch.errors import FetchError
from bench.fetch.http import Checksum, RemoteFile, get_json

#: Environment variable that replaces Zenodo's address (``scheme://host[:port]``).
ZENODO_URL_ENV = "SDBENCH_ZENODO_URL"
DEFAULT_ZENODO_URL = "https://zenodo.org"

_LINK_KEYS = ("content", "download", "self")


def zenodo_url() -> str:
    """Zenodo's base address: ``$SDBENCH_ZENODO_URL`` or ``https://zenodo.org`` (no trailing /)."""
    return (os.environ.get(ZENODO_URL_ENV) or DEFAULT_ZENODO_URL).rstrip("/")


def record_api_url(record_id: str) -> str:
    """The records-API address of ``record_id``."""
    return f"{zenodo_url()}/api/records/{record_id}"


def _entries(record: Any, where: str) -> list[Mapping[str, Any]]:
    files = record.get("files") if isinstance(record, Mapping) else None
    if isinstance(files, Mapping):  # the InvenioRDM form: {"entries": {key: entry}}
        files = list((files.get("entries") or {}).values())
    if not isinstance(files, list) or not all(isinstance(entry, Mapping) for entry in files):
        raise FetchError(f"{where}: the record lists no files (is it public, and the right id?)")
    return files


def _remote_file(entry: Mapping[str, Any], api_url: str) -> RemoteFile:
    name = entry.get("key", entry.get("filename"))
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or name in (".", "..") \
            or name.startswith("."):
        raise FetchError(f"{api_url}: the record lists an unsafe file name {name!r}")
    size = entry.get("size", entry.get("filesize"))
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise FetchError(f"{api_url}: the record gives no valid size for {name}")
    if not entry.get("checksum"):
        raise FetchError(f"{api_url}: the record gives no checksum for {name}; it cannot be verified")
    checksum = Checksum.parse(entry["checksum"], where=f"{api_url}: {name}")
    links = entry.get("links") if isinstance(entry.get("links"), Mapping) else {}
    link = next((links[key] for key in _LINK_KEYS if isinstance(links.get(key), str)), None)
    if link is None:
        raise FetchError(f"{api_url}: the record gives no download link for {name}")
    return RemoteFile(url=urljoin(api_url, link), name=name, size=size, checksum=checksum)


def record_files(record_id: str, timeout_s: float = 60.0) -> list[RemoteFile]:
    """Every file of Zenodo record ``record_id``, with size, checksum and download address."""
    url = record_api_url(record_id)
    files = [_remote_file(entry, url) for entry in _entries(get_json(url, timeout_s), url)]
    names = [f.name for f in files]
    if len(set(names)) != len(names):
        raise FetchError(f"{url}: the record lists a file name twice")
    return files

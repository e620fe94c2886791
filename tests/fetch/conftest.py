"""A local HTTP server on 127.0.0.1 (Range requests, dropped connections, a request log), a fake
Zenodo records API, and small DnR-layout tar.gz archives made by the tests. No test here touches
the internet."""

from __future__ import annotations

import hashlib
import io
import json
import socket
import tarfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

RECORD_ID = "6949108"
SR = 44_100
STEMS = ("mix", "speech", "music", "sfx")


@dataclass
class Served:
    """What the server holds and what it saw."""

    files: dict[str, bytes] = field(default_factory=dict)
    json: dict[str, object] = field(default_factory=dict)
    #: path -> bytes to send before dropping the connection (applies once per entry, in order).
    drops: dict[str, list[int]] = field(default_factory=dict)
    #: paths whose Range header is ignored (answered 200 with the whole file).
    ignore_range: set[str] = field(default_factory=set)
    #: (path, Range header or None) of every request, in order.
    log: list[tuple[str, str | None]] = field(default_factory=list)

    def requests_for(self, path: str) -> list[str | None]:
        return [rng for p, rng in self.log if p == path]


class LocalServer:
    """An ``http.server`` in a thread; ``url(path)`` gives its address."""

    def __init__(self) -> None:
        self.served = Served()
        served = self.served

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path = self.path.split("?")[0]
                served.log.append((path, self.headers.get("Range")))
                if path in served.json:
                    body = json.dumps(served.json[path]).encode()
                    self._head(200, len(body), "application/json")
                    self.wfile.write(body)
                    return
                if path not in served.files:
                    self.send_error(404, "Not Found")
                    return
                data = served.files[path]
                start = 0
                rng = self.headers.get("Range")
                if rng and path not in served.ignore_range:
                    start = int(rng.removeprefix("bytes=").split("-")[0])
                    if start >= len(data):
                        self.send_error(416, "Range Not Satisfiable")
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                    self.send_header("Content-Length", str(len(data) - start))
                    self.end_headers()
                else:
                    self._head(200, len(data), "application/octet-stream")
                body = data[start:]
                drops = served.drops.get(path)
                if drops:
                    limit = drops.pop(0)
                    self.wfile.write(body[:limit])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(body)

            def _head(self, status: int, length: int, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(length))
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer()
    yield local
    local.close()


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Models and manifests cache in the test's own folder, never in the home."""
    path = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("SDBENCH_CACHE", str(path))
    return path


def closed_port_url() -> str:
    """An address on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def dnr_tar_gz(tracks: dict[str, list[str]], top: str = "dnr_v2", seconds: float = 0.05,
               extra: Callable[[tarfile.TarFile], None] | None = None) -> bytes:
    """A DnR-layout ``.tar.gz`` (``top/folder/track/{mix,speech,music,sfx}.wav``, 44.1 kHz noise,
    mix = sum of the stems); ``extra(tar)`` may add members."""
    buffer = io.BytesIO()
    rng = np.random.default_rng(0)
    frames = int(seconds * SR)
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for folder, ids in tracks.items():
            for track in ids:
                stems = {s: (0.1 * rng.standard_normal(frames)).astype(np.float32) for s in STEMS[1:]}
                stems["mix"] = stems["speech"] + stems["music"] + stems["sfx"]
                for stem in STEMS:
                    wav = io.BytesIO()
                    sf.write(wav, stems[stem], SR, format="WAV", subtype="FLOAT")
                    info = tarfile.TarInfo(f"{top}/{folder}/{track}/{stem}.wav")
                    info.size = len(wav.getvalue())
                    tar.addfile(info, io.BytesIO(wav.getvalue()))
        if extra is not None:
            extra(tar)
    return buffer.getvalue()


def split_bytes(data: bytes, parts: int) -> list[bytes]:
    """``data`` cut in ``parts`` pieces (the last may be shorter)."""
    size = -(-len(data) // parts)
    return [data[i * size:(i + 1) * size] for i in range(parts)]


@dataclass
class FakeRecord:
    """A fake Zenodo record on the local server: the DnR archive in parts plus a README."""

    server: LocalServer
    parts: dict[str, bytes]

    def file_path(self, name: str) -> str:
        return f"/api/records/{RECORD_ID}/files/{name}/content"

    def publish(self, checksums: dict[str, str] | None = None) -> None:
        files = dict(self.parts)
        files["README.md"] = b"Divide and Remaster v2\n"
        entries = []
        for name, data in files.items():
            self.server.served.files[self.file_path(name)] = data
            entries.append({
                "key": name, "size": len(data),
                "checksum": (checksums or {}).get(name, "md5:" + hashlib.md5(data).hexdigest()),
                "links": {"self": self.server.url(self.file_path(name))},
            })
        self.server.served.json[f"/api/records/{RECORD_ID}"] = {"id": int(RECORD_ID), "files": entries}


DNR_TRACKS = {"tr": ["10000", "10001"], "cv": ["20000"], "tt": ["30000", "30001"]}


@pytest.fixture
def record(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> FakeRecord:
    """DnR v2 as three ``dnr_v2.tar.gz.NN`` parts on the local server; the API points there."""
    monkeypatch.setenv("SDBENCH_ZENODO_URL", server.base)
    pieces = split_bytes(dnr_tar_gz(DNR_TRACKS), 3)
    fake = FakeRecord(server, {f"dnr_v2.tar.gz.{i:02d}": piece for i, piece in enumerate(pieces)})
    fake.publish()
    return fake


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    """What ``bench`` printed on stderr, asserted to be one ``bench: error:`` line."""
    err = capsys.readouterr().err.strip()
    assert err.startswith("bench: error: ") and "\n" not in err, err
    return err

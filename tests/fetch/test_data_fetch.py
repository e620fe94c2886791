"""``bench data fetch dnr``: the real download code against a fake Zenodo record on 127.0.0.1.

Full download and extraction into ``DIR/{tr,cv,tt}`` followed by ``bench data check``; a
dropped connection resumed with a Range request from where it stopped; a checksum mismatch; a
path-escaping archive; no network, 404, a full disk (probe and ENOSPC), an interrupted
extraction and an interrupted move into place: each one line, exit status 2, nothing
half-written left looking complete."""

from __future__ import annotations

import errno
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.cli import main
from bench.fetch import datasets as fetch_datasets
from bench.fetch import http as fetch_http
from bench.fetch import space as fetch_space
from bench.fetch.archive import group_archives
from bench.fetch.datasets import MARKER, MOVING, STAGING, fetch_dataset
from bench.fetch.errors import FetchError
from bench.fetch.http import DownloadOptions
from .conftest import DNR_TRACKS, RECORD_ID, FakeRecord, closed_port_url, dnr_tar_gz, one_line_error

PARTS = ["dnr_v2.tar.gz.00", "dnr_v2.tar.gz.01", "dnr_v2.tar.gz.02"]


def fetch(root: Path, *extra: str) -> int:
    return main(["data", "fetch", "dnr", "--to", str(root), "--retries", "0", *extra])


def assert_nothing_looks_complete(root: Path) -> None:
    assert not (root / MARKER).exists()
    for folder in ("tr", "cv", "tt"):
        assert not (root / folder).exists()


def test_full_fetch_extracts_the_layout_and_checks_it(record, server, tmp_path, capsys) -> None:
    root = tmp_path / "dnr"
    assert fetch(root) == 0
    out = capsys.readouterr().out
    assert "no problem found in tr, cv, tt" in out
    assert "not needed (left out): README.md" in out
    for folder, tracks in DNR_TRACKS.items():
        assert sorted(p.name for p in (root / folder).iterdir()) == tracks
        for track in tracks:
            assert sorted(p.name for p in (root / folder / track).iterdir()) == \
                ["mix.wav", "music.wav", "sfx.wav", "speech.wav"]
    marker = json.loads((root / MARKER).read_text())
    assert marker["record"] == RECORD_ID and sorted(marker["files"]) == PARTS
    assert not (root / STAGING).exists() and not (root / MOVING).exists()
    for name in PARTS:  # verified parts keep their final names, no .part left
        assert (root / "downloads" / name).read_bytes() == record.parts[name]
        assert not (root / "downloads" / f"{name}.part").exists()
    assert not (root / "downloads" / "README.md").exists()

    server.served.log.clear()
    assert fetch(root) == 0  # a second call: the marker says it is done; no file is requested
    assert "already fetched" in capsys.readouterr().out
    assert [path for path, _ in server.served.log] == [f"/api/records/{RECORD_ID}"]


def test_dropped_connection_resumes_with_a_range_request(record, server, tmp_path, capsys) -> None:
    root = tmp_path / "dnr"
    second = record.file_path(PARTS[1])
    cut = len(record.parts[PARTS[1]]) // 3
    server.served.drops[second] = [cut]
    assert fetch(root) == 2
    err = one_line_error(capsys)
    assert f"{PARTS[1]}: download stopped at {cut} of {len(record.parts[PARTS[1]])} bytes" in err
    assert (root / "downloads" / f"{PARTS[1]}.part").stat().st_size == cut
    assert not (root / "downloads" / PARTS[1]).exists()
    assert_nothing_looks_complete(root)

    server.served.log.clear()
    assert fetch(root) == 0
    assert server.served.requests_for(second) == [f"bytes={cut}-"]  # continued, not restarted
    assert server.served.requests_for(record.file_path(PARTS[0])) == []  # finished: not again
    assert (root / "downloads" / PARTS[1]).read_bytes() == record.parts[PARTS[1]]
    assert "no problem found" in capsys.readouterr().out


def test_a_retry_within_one_call_resumes_where_the_drop_happened(record, server, tmp_path) -> None:
    third = record.file_path(PARTS[2])
    server.served.drops[third] = [100, 250]
    fetch_dataset("dnr", tmp_path / "dnr", DownloadOptions(retries=2, backoff_s=0, progress=False),
                  echo=lambda line: None)
    assert server.served.requests_for(third) == [None, "bytes=100-", "bytes=350-"]
    assert (tmp_path / "dnr" / MARKER).is_file()


def test_a_server_that_ignores_range_gets_the_file_again_from_the_start(record, server, tmp_path) -> None:
    first = record.file_path(PARTS[0])
    server.served.drops[first] = [500]
    server.served.ignore_range.add(first)
    fetch_dataset("dnr", tmp_path / "dnr", DownloadOptions(retries=1, backoff_s=0, progress=False),
                  echo=lambda line: None)
    assert (tmp_path / "dnr" / "downloads" / PARTS[0]).read_bytes() == record.parts[PARTS[0]]


def test_checksum_mismatch_removes_the_part_and_extracts_nothing(record, tmp_path, capsys) -> None:
    record.publish(checksums={PARTS[1]: "md5:" + "0" * 32})
    root = tmp_path / "dnr"
    assert fetch(root) == 2
    err = one_line_error(capsys)
    assert f"{PARTS[1]}: the downloaded file is corrupt (checksum md5:" in err
    assert not (root / "downloads" / PARTS[1]).exists()
    assert not (root / "downloads" / f"{PARTS[1]}.part").exists()
    assert (root / "downloads" / PARTS[0]).is_file()  # the verified one is kept
    assert_nothing_looks_complete(root)
    assert not (root / STAGING).exists()


def _member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> Callable:
    def add(tar: tarfile.TarFile) -> None:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.linkname = link
        data = b"" if kind != tarfile.REGTYPE else b"payload"
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return add


@pytest.mark.parametrize("name, kind, link, problem", [
    ("dnr_v2/tr/../../../evil.txt", tarfile.REGTYPE, "", "climbs out of the target folder with '..'"),
    ("/tmp/tr/evil.txt", tarfile.REGTYPE, "", "has an absolute path"),
    ("dnr_v2/tr/10000/link", tarfile.SYMTYPE, "../../../../outside", "is a link to '../../../../outside', outside"),
    ("dnr_v2/tr/10000/abs", tarfile.SYMTYPE, "/etc/passwd", "is a link to the absolute path"),
    ("dnr_v2/tr/10000/hard", tarfile.LNKTYPE, "/etc/passwd", "is a hard link to '/etc/passwd'"),
    ("dnr_v2/tr/10000/dev", tarfile.CHRTYPE, "", "is a device or special file"),
    ("dnr_v2/tr/10000/fifo", tarfile.FIFOTYPE, "", "is a device or special file"),
])
def test_an_escaping_member_refuses_the_archive(server, monkeypatch, tmp_path, capsys,
                                                 name, kind, link, problem) -> None:
    monkeypatch.setenv("SDBENCH_ZENODO_URL", server.base)
    archive = dnr_tar_gz(DNR_TRACKS, extra=_member(name, kind, link))
    FakeRecord(server, {"dnr_v2.tar.gz": archive}).publish()
    root = tmp_path / "target" / "dnr"
    assert fetch(root) == 2
    err = one_line_error(capsys)
    assert f"dnr_v2.tar.gz: member {name!r} {problem}" in err
    assert_nothing_looks_complete(root)
    assert not (root / STAGING).exists()
    assert sorted(p.name for p in (tmp_path / "target").iterdir()) == ["dnr"]  # nothing outside
    assert not (tmp_path / "evil.txt").exists()


def test_no_network_is_one_line(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("SDBENCH_ZENODO_URL", closed_port_url())
    assert fetch(tmp_path / "dnr") == 2
    assert "cannot connect (connection refused)" in one_line_error(capsys)
    assert not (tmp_path / "dnr").exists()


def test_unknown_record_is_a_404_line(server, monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("SDBENCH_ZENODO_URL", server.base)
    assert fetch(tmp_path / "dnr") == 2
    assert f"/api/records/{RECORD_ID}: HTTP 404 Not Found" in one_line_error(capsys)


def test_a_missing_file_is_a_404_line(record, server, tmp_path, capsys) -> None:
    del server.served.files[record.file_path(PARTS[2])]
    assert fetch(tmp_path / "dnr") == 2
    assert f"{record.file_path(PARTS[2])}: HTTP 404" in one_line_error(capsys)
    assert not (tmp_path / "dnr" / "downloads" / f"{PARTS[2]}.part").exists()
    assert_nothing_looks_complete(tmp_path / "dnr")


def test_an_unsafe_file_name_in_the_record_is_refused(record, server, tmp_path, capsys) -> None:
    api = f"/api/records/{RECORD_ID}"
    server.served.json[api]["files"][0]["key"] = "../escape.tar.gz"
    assert fetch(tmp_path / "dnr") == 2
    assert "unsafe file name '../escape.tar.gz'" in one_line_error(capsys)


def test_too_little_free_space_stops_before_any_download(record, server, monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setattr(fetch_space, "free_bytes", lambda path: 1000)
    assert fetch(tmp_path / "dnr") == 2
    err = one_line_error(capsys)
    assert "needs" in err and "free, the disk has 1.0 kB" in err
    assert [path for path, _ in server.served.log] == [f"/api/records/{RECORD_ID}"]


def test_a_full_disk_while_writing_keeps_the_part_for_later(record, monkeypatch, tmp_path, capsys) -> None:
    def full_after_300_bytes(handle, chunk: bytes) -> None:  # the disk fills during a write
        handle.write(chunk[:300])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fetch_http, "write_chunk", full_after_300_bytes)
    root = tmp_path / "dnr"
    assert fetch(root) == 2
    assert "no space left on the device; the partial file is kept" in one_line_error(capsys)
    assert (root / "downloads" / f"{PARTS[0]}.part").stat().st_size == 300
    assert not (root / "downloads" / PARTS[0]).exists()
    assert_nothing_looks_complete(root)


def test_an_interrupted_extraction_is_redone(record, monkeypatch, tmp_path, capsys) -> None:
    root = tmp_path / "dnr"
    real_extract = tarfile.TarFile.extract
    calls = []

    def interrupted(self, member, *args, **kwargs):
        calls.append(member.name)
        if len(calls) == 6:
            raise KeyboardInterrupt
        return real_extract(self, member, *args, **kwargs)

    monkeypatch.setattr(tarfile.TarFile, "extract", interrupted)
    assert fetch(root) == 130
    assert_nothing_looks_complete(root)
    monkeypatch.setattr(tarfile.TarFile, "extract", real_extract)
    # A hard kill leaves the staging folder behind: the next call must start it over.
    (root / STAGING / "tr" / "10000").mkdir(parents=True)
    (root / STAGING / "tr" / "10000" / "junk.wav").write_bytes(b"half")
    assert fetch(root) == 0
    out = capsys.readouterr().out
    assert "an earlier extraction did not finish: extracting again" in out
    assert "no problem found" in out
    assert not (root / "tr" / "10000" / "junk.wav").exists()


def test_an_interrupted_move_into_place_is_finished(record, tmp_path, capsys) -> None:
    root = tmp_path / "dnr"
    assert fetch(root) == 0
    # The state after a kill between two renames: cv/ still staged, journal present, no marker.
    (root / STAGING).mkdir()
    (root / "cv").rename(root / STAGING / "cv")
    (root / MARKER).unlink()
    (root / MOVING).write_text(json.dumps({"folders": ["tr", "cv", "tt"]}))
    capsys.readouterr()
    assert fetch(root) == 0
    assert (root / "cv" / "20000" / "mix.wav").is_file() and (root / MARKER).is_file()
    assert not (root / MOVING).exists() and not (root / STAGING).exists()


def test_existing_folders_not_written_by_fetch_are_left_alone(record, tmp_path, capsys) -> None:
    root = tmp_path / "dnr"
    (root / "tr").mkdir(parents=True)
    assert fetch(root) == 2
    assert "already exists, but no completed `bench data fetch` wrote it" in one_line_error(capsys)


def test_dry_run_prints_the_plan_and_downloads_nothing(record, server, tmp_path, capsys) -> None:
    assert fetch(tmp_path / "dnr", "--dry-run") == 0
    out = capsys.readouterr().out
    total = sum(len(data) for data in record.parts.values())
    assert f"3 archive file(s) in 1 archive(s), {total / 1000:.1f} kB" in out
    assert [path for path, _ in server.served.log] == [f"/api/records/{RECORD_ID}"]


def test_delete_archives_removes_downloads_after_extraction(record, tmp_path) -> None:
    root = tmp_path / "dnr"
    assert fetch(root, "--delete-archives", "--headers-only") == 0
    assert not (root / "downloads").exists() and (root / MARKER).is_file()


def test_split_parts_join_in_numeric_order_and_gaps_are_refused() -> None:
    names = [f"a.tar.gz.{i:02d}" for i in (10, 0, 2, 1, 9, 3, 4, 5, 6, 7, 8)] + ["b.tgz", "notes.txt"]
    groups, others = group_archives(names)
    assert [(g.name, g.parts) for g in groups] == [
        ("b.tgz", ("b.tgz",)), ("a.tar.gz", tuple(f"a.tar.gz.{i:02d}" for i in range(11)))]
    assert others == ["notes.txt"]
    with pytest.raises(FetchError, match="parts 1 are missing"):
        group_archives(["a.tar.gz.00", "a.tar.gz.02"])


def test_datasets_registry_lists_dnr() -> None:
    assert fetch_datasets.DATASETS.get("dnr").record_id == RECORD_ID
    assert fetch_datasets.DATASETS.get("dnr").member_path("dnr_v2/tt/30000/mix.wav") == "tt/30000/mix.wav"
    assert fetch_datasets.DATASETS.get("dnr").member_path("dnr_v2/README.md") is None

"""Fixtures: tiny fake corpora on disk (short WAVs of speech-, music- and noise-like signals)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .signals import write_dnr


@pytest.fixture(autouse=True)
def manifest_cache(tmp_path_factory, monkeypatch):
    """Manifests are cached in a per-test folder, never in the user's home."""
    monkeypatch.setenv("SDBENCH_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def dnr_root(tmp_path_factory) -> Path:
    return write_dnr(tmp_path_factory.mktemp("dnr"))


@pytest.fixture(scope="session")
def silent_sfx_root(tmp_path_factory) -> Path:
    return write_dnr(tmp_path_factory.mktemp("dnr_silent"), ids=2, silent=("sfx",))

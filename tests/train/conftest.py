"""Fixtures of the training tests: one CPU thread (the CI machine has two cores, shared), a small
DnR-layout folder of test signals, and tiny configurations that train in seconds."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import standins  # noqa: E402

standins.install()


@pytest.fixture(autouse=True)
def _train_on_one_thread(one_thread):
    """Every training test on one torch thread (tests/conftest.py ``one_thread``)."""


@pytest.fixture(scope="session")
def small_dnr(tmp_path_factory) -> Path:
    return standins.write_dnr_folder(tmp_path_factory.mktemp("dnr"), tracks=4, seconds=3.0)


def sources_override(root: Path) -> str:
    """``data.sources=...`` reading every track from the DnR folder ``root``."""
    return "data.sources=" + json.dumps({t: [f"dnr:{root}"] for t in ("speech", "music", "sfx")})


@pytest.fixture
def quick_config(small_dnr):
    """``quick_config(family, *overrides)``: the ``tiny`` configuration shrunk to seconds per run
    (batch 2 of 0.5 s, log every step) on the small folder."""
    from bench.train.config import apply_overrides, named_config

    def make(family: str, *overrides: str):
        base = ["total_steps=4", "batch_size=2", "log_every=1", "data.segment_seconds=0.5",
                sources_override(small_dnr)]
        return apply_overrides(named_config("tiny", family), [*base, *overrides])

    return make

"""Where the project keeps things: the repository's ``results/`` folder and the cache."""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root (the folder holding ``pyproject.toml``) when running from a checkout.
REPO_ROOT = Path(__file__).resolve().parents[1]


def results_dir() -> Path:
    """``results/`` of the checkout; ``SDBENCH_RESULTS`` overrides it."""
    override = os.environ.get("SDBENCH_RESULTS")
    return Path(override) if override else REPO_ROOT / "results"


def paper_dir() -> Path:
    """``results/paper/``: the paper's published numbers, as CSV data."""
    return results_dir() / "paper"


def reference_dir() -> Path:
    """``results/reference/``: reference results that ``bench check`` compares runs with."""
    return results_dir() / "reference"


def runs_dir() -> Path:
    """``results/runs/``: one folder per ``bench run`` (not tracked by git)."""
    return results_dir() / "runs"

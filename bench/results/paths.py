"""Where the project keeps things.

Two kinds of folder live under ``results/``: data the repository ships (``results/paper/``, the
paper's published numbers; ``results/reference/``, the reference ``bench check`` guards) and what
runs write (``results/runs/``, training folders). ``SDBENCH_RESULTS`` moves only the second kind:
the shipped data always resolve from the repository, so ``bench table --paper`` finds the
published numbers wherever the user keeps their runs.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root (the folder holding ``pyproject.toml``) when running from a checkout.
REPO_ROOT = Path(__file__).resolve().parents[2]


def results_dir() -> Path:
    """Where runs are written: ``results/`` of the checkout; ``SDBENCH_RESULTS`` overrides it."""
    override = os.environ.get("SDBENCH_RESULTS")
    return Path(override) if override else REPO_ROOT / "results"


def shipped_results_dir() -> Path:
    """``results/`` of the repository itself (never moved by ``SDBENCH_RESULTS``)."""
    return REPO_ROOT / "results"


def paper_dir() -> Path:
    """``results/paper/`` of the repository: the paper's published numbers, as CSV data."""
    return shipped_results_dir() / "paper"


def reference_dir() -> Path:
    """``results/reference/`` of the repository: reference results ``bench check`` compares with."""
    return shipped_results_dir() / "reference"


def runs_dir() -> Path:
    """``results/runs/`` under ``results_dir()``: one folder per ``bench run`` (not tracked)."""
    return results_dir() / "runs"

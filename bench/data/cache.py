"""Where the data layer caches things: manifests and the built-in synthetic dataset.

- ``SDBENCH_CACHE`` (environment), when set, holds everything: ``$SDBENCH_CACHE/manifests/``
  and ``$SDBENCH_CACHE/synth/``.
- Otherwise a dataset's manifests live beside it in ``<root>/.sdbench/`` when the root is
  writable (they travel with the data and never mix two copies up), else in the user cache
  ``$XDG_CACHE_HOME/sdbench/manifests/`` (default ``~/.cache/sdbench``); the synthetic set lives
  in the user cache.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """``$SDBENCH_CACHE``, else ``$XDG_CACHE_HOME/sdbench``, else ``~/.cache/sdbench``."""
    override = os.environ.get("SDBENCH_CACHE")
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base).expanduser() if base else Path.home() / ".cache") / "sdbench"


def _writable_dir(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK)


def manifest_cache_dir(root: str | Path) -> Path:
    """The folder that caches the manifests of the dataset at ``root`` (created)."""
    if not os.environ.get("SDBENCH_CACHE"):
        beside = Path(root) / ".sdbench"
        if Path(root).is_dir() and os.access(root, os.W_OK) and _writable_dir(beside):
            return beside
    path = cache_root() / "manifests"
    path.mkdir(parents=True, exist_ok=True)
    return path

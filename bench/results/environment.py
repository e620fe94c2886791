"""What a result was computed with: git commit, package versions, device, platform."""

from __future__ import annotations

import platform
import subprocess
import sys
from importlib import metadata

from bench.results.paths import REPO_ROOT

#: Packages whose versions are recorded with every run.
RECORDED_PACKAGES = (
    "sdbench", "torch", "numpy", "scipy", "julius", "soxr", "soundfile", "librosa", "pandas",
    "torchmetrics", "pesq", "visqol-python", "pyloudnorm",
)


def git_commit() -> str:
    """The checkout's commit (with ``-dirty`` when it has local changes), or ``unknown``."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"],
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def package_versions() -> dict[str, str]:
    """Installed versions of ``RECORDED_PACKAGES`` (``missing`` for absent ones)."""
    versions = {}
    for name in RECORDED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def device_description(device: str) -> str:
    """A human-readable name of ``device`` (GPU model or CPU with its thread count)."""
    import torch

    if device.startswith("cuda") and torch.cuda.is_available():
        return torch.cuda.get_device_name(torch.device(device))
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


def environment(device: str) -> dict[str, object]:
    """The record stored in every run manifest."""
    return {
        "git_commit": git_commit(),
        "packages": package_versions(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "device": device,
        "device_name": device_description(device),
    }

"""``--device`` names, checked before anything is loaded.

``cpu``, ``cuda``, ``cuda:N`` and ``mps`` are accepted when the machine has such a device (and
device ``N``); anything else is a one-line ``ConfigError`` saying what is visible. Checking
``cpu`` imports nothing, so the default costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from sdcodec.core.errors import ConfigError


def _cuda_count() -> int:
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def _mps_count() -> int:
    import torch

    return 1 if torch.backends.mps.is_available() else 0


#: Device kinds the benchmark runs on -> how many of them this machine has.
DEVICE_COUNTS: dict[str, Callable[[], int]] = {"cpu": lambda: 1, "cuda": _cuda_count, "mps": _mps_count}


def check_device(name: str) -> str:
    """Returns ``name`` when it is a device of this machine; raises ``ConfigError`` otherwise
    (unknown kind, a kind this machine lacks, an index past the last device)."""
    kind, colon, index = name.partition(":")
    if kind not in DEVICE_COUNTS:
        raise ConfigError(f"unknown device {name!r}; use one of {', '.join(DEVICE_COUNTS)} "
                          "(an index as in cuda:1)")
    if colon and not index.isdigit():
        raise ConfigError(f"device {name!r}: the part after ':' must be a device number, as in {kind}:0")
    count = DEVICE_COUNTS[kind]()
    if count == 0:
        raise ConfigError(f"device {name!r}: this machine has no {kind} device visible to PyTorch "
                          "(use --device cpu)")
    if colon and int(index) >= count:
        raise ConfigError(f"device {name!r}: this machine has {count} {kind} device(s), "
                          f"{kind}:0 to {kind}:{count - 1}")
    return name

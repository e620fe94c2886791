"""The embedded default checkpoints: ``tiny`` SD-Codec, DAC and TDANet trained on the built-in
synthetic set on a CPU, shipped with the package so that everything runs without downloads.

``default_checkpoint("sdcodec")`` is the path of ``sdcodec-tiny.pt`` (a project checkpoint:
``sdcodec.checkpoint.load_model`` reads it); ``default_info(family)`` is its JSON sidecar
(``<family>-tiny.json``: training configuration, training-data hash, file hash, held-out scores,
training time and machine). They are toy models, for examples and tests, not the paper's.
Retrain all three with ``bench train --defaults`` (``sdcodec.train.defaults``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.errors import CheckpointError

#: The folder holding the shipped files.
PRETRAINED_DIR: Path = Path(__file__).resolve().parent

#: Families with an embedded default model.
DEFAULT_FAMILIES: tuple[str, ...] = ("sdcodec", "dac", "tdanet")


def _check(family: str) -> None:
    if family not in DEFAULT_FAMILIES:
        raise CheckpointError(f"no embedded default model for {family!r}; embedded: {', '.join(DEFAULT_FAMILIES)}")


def default_checkpoint_name(family: str) -> str:
    """``<family>-tiny.pt``."""
    return f"{family}-tiny.pt"


def default_checkpoint(family: str) -> Path:
    """Path of the embedded ``tiny`` checkpoint of ``family`` (sdcodec, dac, tdanet)."""
    _check(family)
    path = PRETRAINED_DIR / default_checkpoint_name(family)
    if not path.is_file():
        raise CheckpointError(f"{path}: the embedded default checkpoint is missing "
                              "(reinstall the package, or retrain it with: bench train --defaults)")
    return path


def embedded_names() -> list[str]:
    """Names of the shipped checkpoints (``sdcodec-tiny``, ``dac-tiny``, ...), sorted."""
    return sorted(path.stem for path in PRETRAINED_DIR.glob("*.pt"))


def embedded_checkpoint(name: str) -> Path:
    """Path of the shipped checkpoint called ``name`` (``sdcodec-tiny``, or a family such as
    ``sdcodec`` for its ``tiny`` default); a clear error lists the shipped names otherwise."""
    if name in DEFAULT_FAMILIES:
        return default_checkpoint(name)
    path = PRETRAINED_DIR / f"{name}.pt"
    if not path.is_file():
        known = ", ".join(embedded_names()) or "none (retrain them with: bench train --defaults)"
        raise CheckpointError(f"{name}: not a checkpoint file nor an embedded default; embedded: {known}")
    return path


def default_info(family: str) -> dict[str, Any]:
    """The JSON sidecar of ``default_checkpoint(family)``."""
    path = default_checkpoint(family).with_suffix(".json")
    if not path.is_file():
        raise CheckpointError(f"{path}: sidecar of the embedded checkpoint is missing (bench train --defaults)")
    return json.loads(path.read_text())

"""The embedded default checkpoints: ``tiny`` SD-Codec, DAC and TDANet trained on the built-in
synthetic set on a CPU, shipped with the package so that everything runs without downloads, and
the ``tiny`` SD-Codec ablation variants (``EMBEDDED``) that the ablation suites run by default.

``default_checkpoint("sdcodec")`` is the path of ``sdcodec-tiny.pt`` (a project checkpoint:
``sdcodec.checkpoint.load_model`` reads it); ``default_info(family)`` is its JSON sidecar
(``<family>-tiny.json``: training configuration, training-data hash, file hash, held-out scores,
training time and machine). They are toy models, for examples and tests, not the paper's.
Retrain them with ``bench train --defaults`` (``bench.train.defaults``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdcodec.core.errors import CheckpointError

#: The folder holding the shipped files.
PRETRAINED_DIR: Path = Path(__file__).resolve().parent

#: Families with an embedded default model.
DEFAULT_FAMILIES: tuple[str, ...] = ("sdcodec", "dac", "tdanet")


@dataclass(frozen=True)
class EmbeddedModel:
    """A shipped checkpoint ``<name>.pt``: its model family and the named training configuration
    (``bench.train.config.TRAIN_CONFIGS``) that ``bench train --defaults`` trains it with."""

    name: str
    family: str
    config: str


#: Every shipped checkpoint, in training order (``sdcodec-tiny-initdac`` starts from ``dac-tiny``).
EMBEDDED: dict[str, EmbeddedModel] = {m.name: m for m in (
    EmbeddedModel("sdcodec-tiny", "sdcodec", "tiny"),
    EmbeddedModel("dac-tiny", "dac", "tiny"),
    EmbeddedModel("tdanet-tiny", "tdanet", "tiny"),
    EmbeddedModel("sdcodec-tiny-shared1", "sdcodec", "tiny-shared1"),
    EmbeddedModel("sdcodec-tiny-shared3", "sdcodec", "tiny-shared3"),
    EmbeddedModel("sdcodec-tiny-sepenhance", "sdcodec", "tiny-sepenhance"),
    EmbeddedModel("sdcodec-tiny-initdac", "sdcodec", "tiny-initdac"),
)}


def embedded_model(name: str) -> EmbeddedModel:
    """The ``EMBEDDED`` entry called ``name``, or a family name (``sdcodec``) for its ``tiny`` default."""
    key = f"{name}-tiny" if name in DEFAULT_FAMILIES else name
    if key not in EMBEDDED:
        raise CheckpointError(f"no embedded model {name!r}; embedded: {', '.join(EMBEDDED)}")
    return EMBEDDED[key]


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
    """The JSON sidecar of ``default_checkpoint(family)`` (or of any ``EMBEDDED`` name)."""
    path = embedded_checkpoint(embedded_model(family).name).with_suffix(".json")
    if not path.is_file():
        raise CheckpointError(f"{path}: sidecar of the embedded checkpoint is missing (bench train --defaults)")
    return json.loads(path.read_text())

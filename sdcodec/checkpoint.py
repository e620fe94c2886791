"""The project's own checkpoint format, atomic writes, and ``load_model`` for every format.

A project checkpoint is a ``torch.save``'d dict::

    {
        "format": "sdbench",          # marks the project's own files
        "version": 1,
        "family": "sdcodec",          # a name in sdcodec.families.MODEL_FAMILIES
        "config": {...},              # sdcodec.core.dataclass_json.to_dict(model config)
        "state_dict": {...},          # model.state_dict()
        "meta": {...},                # free-form: training step, data hash, git commit, ...
    }

``load_model(path)`` reads it, or any foreign format a registered family recognises (official
SD-Codec ``state_dict`` + Hydra ``config.yaml``, DAC's ``{"state_dict", "metadata"}``,
Look2Hear files), and returns the model in eval mode on the CPU.

Every file is read weights-only: no pickle code runs (``sdcodec.checkpoint_trust`` states the
policy and the per-file opt-in for a trusted legacy file).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from sdcodec.checkpoint_trust import load_weights_only, require_plain
from sdcodec.core.dataclass_json import from_dict, to_dict
from sdcodec.core.errors import CheckpointError, ConfigError, one_line

FORMAT = "sdbench"
VERSION = 1


def atomic_torch_save(obj: Any, path: str | Path) -> Path:
    """``torch.save`` to a temporary file in the same folder, then rename: never a half file.
    ``obj`` must be tensors and plain values (``require_plain``), so that it loads weights-only."""
    require_plain(obj)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            torch.save(obj, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_model(
    model: nn.Module, family: str, config: Any, path: str | Path, meta: dict[str, Any] | None = None
) -> Path:
    """Writes ``model`` as a project checkpoint (atomically); returns the path."""
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "family": family,
        "config": to_dict(config),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "meta": dict(meta or {}),
    }
    return atomic_torch_save(payload, path)


def file_sha256(path: str | Path, length: int = 16) -> str:
    """Hex SHA-256 of a file's bytes (first ``length`` digits), recorded with every result."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:length]


def read_checkpoint(path: str | Path, trust: bool = False, allow: Sequence[Any] = ()) -> Any:
    """Weights-only ``torch.load`` on the CPU (``checkpoint_trust.load_weights_only``: ``trust``
    and ``allow`` as there) with a one-line error for a missing, corrupt or refused file."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file")
    try:
        return load_weights_only(path, trust=trust, allow=allow)
    except CheckpointError:
        raise
    except Exception as error:  # torch raises many kinds for a damaged file
        raise CheckpointError(f"{path}: not a readable torch checkpoint ({one_line(error, limit=None)})") from error


def load_state_dict_strict(model: nn.Module, state_dict: dict[str, Any], path: str | Path) -> None:
    """``load_state_dict(strict=True)`` whose error names missing/unexpected keys and the likely cause."""
    own = set(model.state_dict())
    given = set(state_dict)
    missing = sorted(own - given)
    unexpected = sorted(given - own)
    if missing or unexpected:
        def _show(keys: list[str]) -> str:
            head = ", ".join(keys[:8])
            return head + (f", ... ({len(keys)} in all)" if len(keys) > 8 else "")

        parts = []
        if missing:
            parts.append(f"missing keys: {_show(missing)}")
        if unexpected:
            parts.append(f"unexpected keys: {_show(unexpected)}")
        raise CheckpointError(
            f"{path}: checkpoint does not match {type(model).__name__}; "
            + "; ".join(parts)
            + " (likely a configuration that differs from the one the file was trained with, "
            "or a checkpoint of another model)"
        )
    wrong = _shape_mismatches(model.state_dict(), state_dict)
    if wrong:
        shown = "; ".join(f"{key} is {list(have)} in the file, {list(want)} in the model"
                          for key, have, want in wrong[:4])
        raise CheckpointError(
            f"{path}: tensor shapes do not match the configuration: {shown}"
            + (f"; ... ({len(wrong)} in all)" if len(wrong) > 4 else "")
            + " (likely a configuration that differs from the one the file was trained with)")
    try:
        model.load_state_dict(state_dict, strict=True)
    except RuntimeError as error:
        raise CheckpointError(f"{path}: the weights do not load: {' '.join(str(error).split())}") from error


def _shape_mismatches(own: dict[str, Any], given: dict[str, Any]) -> list[tuple[str, tuple, tuple]]:
    """``(key, shape in the file, shape in the model)`` of every tensor whose shape differs."""
    return [(key, tuple(given[key].shape), tuple(own[key].shape)) for key in sorted(own)
            if key in given and hasattr(given[key], "shape") and tuple(given[key].shape) != tuple(own[key].shape)]


def _load_project(obj: dict[str, Any], path: Path, families: Any) -> nn.Module:
    """A model from a project checkpoint; a configuration it cannot build names the file."""
    try:
        family = families.get(obj.get("family"))
        if not isinstance(obj.get("config"), dict) or not isinstance(obj.get("state_dict"), dict):
            raise ConfigError("its 'config' and 'state_dict' entries must be dicts")
        model = family.build(from_dict(family.config_cls, obj["config"]))
    except (ConfigError, TypeError, ValueError) as error:
        raise CheckpointError(f"{path}: invalid model configuration in the checkpoint: {error}") from error
    load_state_dict_strict(model, obj["state_dict"], path)
    return model


def load_model(path: str | Path, trust: bool = False) -> nn.Module:
    """Loads any supported checkpoint and returns the model (eval mode, CPU).

    The model carries ``model.family`` (registry name) and ``model.config`` (its dataclass).
    The file is read weights-only; ``trust=True`` lets a file that needs more be unpickled
    fully (only for a file whose source you trust: unpickling can run code).
    """
    from sdcodec.families import load_families

    path = Path(path)
    families = load_families()
    obj = read_checkpoint(path, trust=trust)
    if isinstance(obj, dict) and obj.get("format") == FORMAT:
        model = _load_project(obj, path, families)
    else:
        for _, family in families.items():
            if family.detect_foreign(obj, path):
                try:
                    model = family.load_foreign(obj, path)
                except ConfigError as error:
                    raise CheckpointError(f"{path}: invalid model configuration: {error}") from error
                break
        else:
            raise CheckpointError(
                f"{path}: unrecognised checkpoint format (expected an sdbench checkpoint, an "
                f"official SD-Codec state_dict with config.yaml beside it, a DAC checkpoint or a "
                f"Look2Hear checkpoint; known families: {', '.join(families.names())})"
            )
    model.eval()
    return model

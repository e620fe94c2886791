"""The "initialisation from DAC" ablation: copy a DAC model's encoder, decoder and quantizer
weights into an SD-Codec before training (authors' ``SDCodec._load_pretrained``).

Key mapping (as the authors'): ``encoder.*`` and ``decoder.*`` are copied as is; each branch's
``quantizer.rvq_dict.<track>.quantizers.<i>`` takes DAC's ``quantizer.quantizers.<i>``; the
shared ``quantizer.shared_rvq.quantizers.<j>`` takes DAC's ``quantizer.quantizers.<j>`` too,
i.e. DAC's FIRST layers, not those at the same depth (``same_depth=True`` maps it to layer
``own + j`` instead); the jitter buffers are left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from sdcodec.core.errors import CheckpointError

PARTS = ("encoder", "decoder", "quantizer")


def _dac_state(dac_model_or_path: nn.Module | str | Path) -> dict[str, torch.Tensor]:
    """A DAC state_dict in our weight-norm form, from a loaded model, any DAC checkpoint file, or
    the name of an embedded DAC (``dac-tiny``) when no such file exists."""
    if isinstance(dac_model_or_path, nn.Module):
        model = dac_model_or_path
    else:
        from sdcodec.checkpoint import load_model

        path = Path(dac_model_or_path)
        if not path.exists() and path.name == str(dac_model_or_path):
            from sdcodec.pretrained import EMBEDDED, embedded_checkpoint

            if str(dac_model_or_path) in EMBEDDED:
                path = embedded_checkpoint(str(dac_model_or_path))
        model = load_model(path)
        if getattr(model, "family", None) != "dac":
            raise CheckpointError(f"{dac_model_or_path}: expected a DAC checkpoint, got family {model.family!r}")
    return model.state_dict()


def dac_key_for(key: str, own_codebooks: int, same_depth: bool = False) -> str | None:
    """The DAC key that initialises SD-Codec key ``key`` (None: not taken from DAC)."""
    parts = key.split(".")
    if parts[0] != "quantizer":
        return key
    if parts[1] == "jitter_dict":
        return None
    if parts[1] == "shared_rvq":
        rest = parts[2:]
        if same_depth:
            rest = [rest[0], str(int(rest[1]) + own_codebooks), *rest[2:]]
        return ".".join(["quantizer", *rest])
    if parts[1] == "rvq_dict":
        return ".".join(["quantizer", *parts[3:]])
    return key


@torch.no_grad()
def init_from_dac(
    sdcodec: nn.Module,
    dac_model_or_path: nn.Module | str | Path,
    parts: Sequence[str] = PARTS,
    same_depth: bool = False,
) -> nn.Module:
    """Copies DAC weights into ``sdcodec`` (in place; returns it) for the given ``parts``.

    Raises ``CheckpointError`` naming the keys when DAC lacks one or a shape differs (a DAC of
    another configuration).
    """
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise CheckpointError(f"init_from_dac: unknown parts {unknown}; known: {', '.join(PARTS)}")
    source = _dac_state(dac_model_or_path)
    own = sdcodec.config.n_codebooks - sdcodec.config.shared_codebooks
    target = sdcodec.state_dict()
    missing, mismatched = [], []
    for key, tensor in target.items():
        if key.split(".")[0] not in parts:
            continue
        source_key = dac_key_for(key, own, same_depth)
        if source_key is None:
            continue
        if source_key not in source:
            missing.append(source_key)
        elif source[source_key].shape != tensor.shape:
            mismatched.append(f"{source_key} {tuple(source[source_key].shape)} vs {tuple(tensor.shape)}")
        else:
            tensor.copy_(source[source_key])
    if missing or mismatched:
        raise CheckpointError(
            "init_from_dac: DAC does not match this SD-Codec: "
            + "; ".join(filter(None, [
                f"missing in DAC: {', '.join(missing[:6])}" + (" ..." if len(missing) > 6 else "") if missing else "",
                f"shape differs: {', '.join(mismatched[:6])}" if mismatched else "",
            ]))
        )
    return sdcodec

"""The "initialisation from DAC" ablation: copy a DAC model's encoder, decoder and quantizer
weights into an SD-Codec before training (what the paper describes and the authors'
``SDCodec._load_pretrained`` sets out to do).

The authors' published code does not do it: ``_load_pretrained`` takes ``own_state =
self.state_dict()`` and rebinds its entries to DAC's tensors (``own_state[k] = ...``), which
changes the dictionary, not the model's parameters, and nothing calls ``load_state_dict`` with it
(``freeze_modules`` is empty in ``sdcodec_16k_pretrainDAC.yaml``), so their run starts from the
random initialisation. Both are available, by name (``INIT_FROM_DAC_MODES``, the training field
``init_from_dac_mode``): ``"copy"`` (``init_from_dac``) and ``"authors"``
(``authors_init_from_dac``: reads and checks the DAC file, changes nothing).

Key mapping (as the authors'): ``encoder.*`` and ``decoder.*`` are copied as is; each branch's
``quantizer.rvq_dict.<track>.quantizers.<i>`` takes DAC's ``quantizer.quantizers.<i>``; the
shared ``quantizer.shared_rvq.quantizers.<j>`` takes DAC's ``quantizer.quantizers.<j>`` too,
i.e. DAC's FIRST layers, not those at the same depth (``same_depth=True`` maps it to layer
``own + j`` instead); the jitter buffers are left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


def authors_init_from_dac(sdcodec: nn.Module, dac_model_or_path: nn.Module | str | Path) -> nn.Module:
    """What the authors' published code does with a DAC checkpoint: reads it (a missing or
    non-DAC file is still a ``CheckpointError``) and leaves ``sdcodec``'s weights as they are
    (see the module docstring). Returns ``sdcodec`` unchanged."""
    _dac_state(dac_model_or_path)
    return sdcodec


#: ``TrainConfig.init_from_dac_mode`` -> what is done with ``init_from_dac`` before step 0:
#: ``copy`` the DAC weights (the paper's description), or what the ``authors``' code does (nothing).
INIT_FROM_DAC_MODES: dict[str, Callable[[nn.Module, nn.Module | str | Path], nn.Module]] = {
    "copy": init_from_dac,
    "authors": authors_init_from_dac,
}

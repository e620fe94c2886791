"""Look2Hear checkpoints of TDANet: recognise them, infer the configuration, load strictly.

Two layouts exist (JusperLee/TDANet, ``look2hear``):

* ``BaseModel.serialize()`` files (``best_model.pth``, the Hugging Face models):
  ``{"model_name": "TDANet" | "TDANetBest" | ..., "state_dict": {...}, "model_args": {"n_src": 2},
  "infos": {"software_versions": {...}}}``; ``model_args`` is hard-coded in every variant's
  ``get_model_args()`` (2 sources, whatever the model), so its source count is not read.
* PyTorch Lightning checkpoints of ``AudioLightningModule``: ``{"state_dict":
  {"audio_model.<key>": ...}, "training_config": <the run's YAML as a dict>, ...}``.

The state dict fixes every size, the number of sources included (the decoder's output channels),
but ``num_blocks`` (the block's weights are shared), which comes from ``training_config``'s
``audionet.audionet_config`` (or a ``model_args`` entry, never written by Look2Hear itself) when
the file has it, else the published 16. The variant follows the code that wrote the file (told apart by its
keys and ``model_name``): ``TDANetOld`` is the original ICLR release (this package's
defaults); Look2Hear's ``TDANet`` (additive global fusion) and ``TDANetBest`` as released with the
Hugging Face models (an LA layer per scale, ``loc_glo_fus``) both feed the first top-down LA with
the finer scale and run MHSA across the batch axis; ``TDANetBest``'s first release used a
convolution instead of MHSA and the coarser scale (see ``baselines.tdanet.model``). Its
hand-written gLN stores ``gamma``/``beta``, renamed here to ``GroupNorm``'s ``weight``/``bias``.
The sinusoidal table Look2Hear stores (``...pos_enc.pe``) is
checked against the formula and dropped (this model recomputes it); every other key must match.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import torch

from sdcodec.core.dataclass_json import replace
from sdcodec.core.constants import MODEL_SAMPLE_RATE
from sdcodec.core.errors import CheckpointError, ConfigError
from baselines.tdanet.layers import sinusoidal_table
from baselines.tdanet.model import TDANet, TDANetConfig

__all__ = ["LIGHTNING_PREFIX", "is_look2hear_checkpoint", "look2hear_config", "load_look2hear"]

#: Prefix of the separator's keys in Look2Hear's Lightning checkpoints.
LIGHTNING_PREFIX = "audio_model."
#: A key every TDANet state dict has (after removing the Lightning prefix).
_MARKER = "sm.unet.proj_1x1.conv.weight"
_PE_KEY = re.compile(r"(^|\.)pos_enc\.pe$")
_GLN_NAMES = re.compile(r"(^ln\.|\.norm\.)(gamma|beta)$")
_GLN_RENAME = {"gamma": "weight", "beta": "bias"}
_PE_TOLERANCE = 5e-3
#: ``model_args`` keys ``serialize()`` writes as constants, not from the model (ignored).
_HARD_CODED_MODEL_ARGS = ("n_src", "num_sources")


def _state_dict(obj: Any) -> dict[str, torch.Tensor] | None:
    """The separator's state dict with Look2Hear's spellings normalised: the Lightning prefix
    removed, and ``gamma``/``beta`` of its hand-written gLN (TDANetBest) renamed to the
    ``weight``/``bias`` of ``GroupNorm(1, C)``, which computes the same function."""
    if not isinstance(obj, dict) or not isinstance(obj.get("state_dict"), dict):
        return None
    state = obj["state_dict"]
    if any(k.startswith(LIGHTNING_PREFIX) for k in state):
        state = {k[len(LIGHTNING_PREFIX):]: v for k, v in state.items() if k.startswith(LIGHTNING_PREFIX)}
    return {_GLN_NAMES.sub(lambda m: m.group(1) + _GLN_RENAME[m.group(2)], k): v for k, v in state.items()}


def is_look2hear_checkpoint(obj: Any) -> bool:
    """True for a Look2Hear TDANet file: a serialised model or a Lightning checkpoint."""
    state = _state_dict(obj)
    return state is not None and _MARKER in state


def _model_name(obj: dict[str, Any]) -> str:
    if isinstance(obj.get("model_name"), str):
        return obj["model_name"]
    audionet = (obj.get("training_config") or {}).get("audionet") or {}
    return str(audionet.get("audionet_name", "TDANet"))


def _file_arguments(obj: dict[str, Any]) -> dict[str, Any]:
    """Constructor arguments the file records: the Lightning ``training_config`` (the run's YAML,
    what the constructor was given) and ``model_args`` without its source count, which is no
    record: every Look2Hear TDANet variant's ``get_model_args()`` returns ``{"n_src": 2}``
    whatever the model, so ``serialize()`` files of 3-source models say 2 (the count comes
    from the decoder's weights)."""
    args: dict[str, Any] = {}
    config = obj.get("training_config") or {}
    args.update((config.get("audionet") or {}).get("audionet_config") or {})
    args.update({k: v for k, v in (obj.get("model_args") or {}).items() if k not in _HARD_CODED_MODEL_ARGS})
    rate = ((config.get("datamodule") or {}).get("data_config") or {}).get("sample_rate")
    if rate is not None and "sample_rate" not in args:
        args["sample_rate"] = rate
    if "n_src" in args and "num_sources" not in args:
        args["num_sources"] = args.pop("n_src")
    args.pop("n_src", None)
    return args


def look2hear_config(obj: dict[str, Any], path: str | Path = "<checkpoint>") -> TDANetConfig:
    """The ``TDANetConfig`` of a Look2Hear checkpoint (sizes from tensor shapes, see module doc)."""
    state = _state_dict(obj)
    if state is None or _MARKER not in state:
        raise CheckpointError(f"{path}: not a Look2Hear TDANet checkpoint (no {_MARKER})")
    name = _model_name(obj).lower()
    args = _file_arguments(obj)
    try:
        kernel = int(state["encoder.weight"].shape[-1])
        sample_rate = int(args.get("sample_rate", MODEL_SAMPLE_RATE))
        depth = 1 + max(int(m.group(1)) for k in state if (m := re.match(r"sm\.unet\.spp_dw\.(\d+)\.", k)))
        num_sources = int(state["decoder.weight"].shape[1])
        best = name == "tdanetbest" or any(k.startswith("sm.unet.loc_glo_fus.") for k in state)
        sizes = dict(
            out_channels=int(state["bottleneck.weight"].shape[0]),
            in_channels=int(state[_MARKER].shape[0]),
            upsampling_depth=depth,
            enc_kernel_size=kernel * 1000 // sample_rate,
            num_sources=num_sources,
            sample_rate=sample_rate,
            num_blocks=int(args.get("num_blocks", TDANetConfig.num_blocks)),
        )
    except (KeyError, ValueError, IndexError) as error:
        raise CheckpointError(f"{path}: incomplete Look2Hear TDANet state dict ({error!r})") from error
    for key in ("out_channels", "in_channels", "upsampling_depth", "num_sources"):
        if key in args and int(args[key]) != sizes[key]:
            raise CheckpointError(f"{path}: recorded {key}={args[key]} contradicts the weights ({sizes[key]})")
    mhsa = "sm.unet.globalatt.attn.attn.in_proj_weight" in state
    if name == "tdanetold":  # the original ICLR release, kept in Look2Hear as TDANetOld
        variant = dict(global_fusion="gate", top_down_start="coarser", attention_axis="time")
    elif not best:  # Look2Hear's TDANet
        variant = dict(global_fusion="add", top_down_start="finer", attention_axis="batch")
    elif mhsa:  # TDANetBest as released with the Hugging Face models
        variant = dict(global_fusion="local_attention", top_down_start="finer", attention_axis="batch")
    else:  # TDANetBest's first release (convolutional "attention")
        variant = dict(global_fusion="local_attention", top_down_start="coarser")
    try:
        config = replace(TDANetConfig(), **sizes, **variant, global_attention="mhsa" if mhsa else "conv")
    except ConfigError as error:
        raise CheckpointError(f"{path}: unsupported Look2Hear TDANet configuration: {error}") from error
    if config.kernel_samples != kernel:
        raise CheckpointError(f"{path}: encoder kernel of {kernel} samples is not a whole number of "
                              f"milliseconds at {sample_rate} Hz")
    return config


def _drop_positional_tables(state: dict[str, torch.Tensor], path: str | Path) -> dict[str, torch.Tensor]:
    """Removes stored sinusoid tables after checking them against the formula."""
    kept = {}
    for key, value in state.items():
        if not _PE_KEY.search(key):
            kept[key] = value
            continue
        if value.ndim != 3 or value.shape[0] != 1:
            raise CheckpointError(f"{path}: {key} has shape {tuple(value.shape)}, expected [1, frames, channels]")
        expected = sinusoidal_table(value.shape[1], value.shape[2])
        # float32 evaluations of the formula differ by < 1e-3 at position 10000; another table
        # (other base, channel order or offset) differs by O(1).
        if not torch.allclose(value[0].float(), expected, atol=_PE_TOLERANCE):
            raise CheckpointError(f"{path}: {key} is not the sinusoidal position table this model computes")
    return kept


def load_look2hear(obj: dict[str, Any], path: str | Path = "<checkpoint>") -> TDANet:
    """Builds the TDANet a Look2Hear checkpoint describes and loads its weights (strict)."""
    from sdcodec.checkpoint import load_state_dict_strict

    config = look2hear_config(obj, path)
    model = TDANet(config)
    state = _drop_positional_tables(_state_dict(obj) or {}, path)
    load_state_dict_strict(model, state, path)
    return model

"""Reading the SD-Codec authors' checkpoints: a plain ``state_dict`` (``ckpt_model_final.pth``)
with the Hydra ``config.yaml`` of the run beside it, one folder up, or in a ``.hydra/`` folder
there (their layout: ``<run>/ckpt_final/ckpt_model_final.pth`` and ``<run>/.hydra/config.yaml``).

The configuration comes from the YAML (``model:`` section of the full run config, or a model
config alone like ``config/model/sdcodec_16k.yaml``; ``sampling_rate`` at the top level), read as
the authors' model reads it: the latent width from ``enc_params.d_latent``,
``dec_params.d_latent`` and ``quant_params.input_dim`` (1024 when absent, their constructors'
default), never from ``model.latent_dim``. With no YAML, it is inferred from the tensor shapes
(kernel sizes give the strides). Either way the result is checked against the file's tensors by
the strict load.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from sdcodec.core.dataclass_json import replace
from sdcodec.core.errors import CheckpointError, ConfigError
from sdcodec.config import SDCodecConfig

#: Where a run's YAML may be, relative to the checkpoint's folder.
CONFIG_CANDIDATES = ("config.yaml", ".hydra/config.yaml", "../config.yaml", "../.hydra/config.yaml")

_ENCODER_PREFIX = "encoder.block."
_DECODER_PREFIX = "decoder.model."


def is_official_sdcodec_state(obj: Any) -> bool:
    """True for a plain SD-Codec state_dict (tensors keyed ``quantizer.rvq_dict.<track>...``)."""
    return (
        isinstance(obj, Mapping)
        and any(isinstance(k, str) and k.startswith("quantizer.rvq_dict.") for k in obj)
        and all(isinstance(v, torch.Tensor) for v in obj.values())
    )


def find_run_config(checkpoint: Path) -> Path | None:
    """The first existing run ``config.yaml`` near ``checkpoint`` (see ``CONFIG_CANDIDATES``)."""
    for candidate in CONFIG_CANDIDATES:
        path = (checkpoint.parent / candidate).resolve()
        if path.is_file():
            return path
    return None


def config_from_yaml(path: Path) -> SDCodecConfig:
    """``SDCodecConfig`` from the authors' Hydra YAML (full run config or model config)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise CheckpointError(f"{path}: unreadable YAML ({error})") from error
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}: expected a mapping at the top of the YAML")
    model = data.get("model", data)
    try:
        enc, dec, quant = model["enc_params"], model["dec_params"], model["quant_params"]
    except (KeyError, TypeError) as error:
        raise CheckpointError(
            f"{path}: not an SD-Codec run configuration (no model.enc_params/dec_params/quant_params)"
        ) from error
    for name, section in (("enc_params", enc), ("dec_params", dec), ("quant_params", quant)):
        expected = {"enc_params": "DACEncoder", "dec_params": "DACDecoder", "quant_params": "MultiSourceRVQ"}[name]
        if section.get("name", expected) != expected:
            raise CheckpointError(f"{path}: {name}.name {section.get('name')!r} is not supported (only {expected})")

    def single(key: str) -> Any:
        values = quant.get(key)
        if isinstance(values, (list, tuple)):
            if len(set(values)) != 1:
                raise CheckpointError(f"{path}: per-track quant_params.{key} {values} differ; only equal values are supported")
            return values[0]
        return values

    fields: dict[str, Any] = {
        "sample_rate": int(data.get("sampling_rate", data.get("sample_rate", 16000))),
        "encoder_dim": int(enc["d_model"]),
        "encoder_rates": tuple(int(s) for s in enc["strides"]),
        "latent_dim": _latent_width(enc, dec, quant, path),
        "decoder_dim": int(dec["d_model"]),
        "decoder_rates": tuple(int(s) for s in dec["strides"]),
        "tracks": tuple(model.get("tracks", ("speech", "music", "sfx"))),
        "n_codebooks": int(single("n_codebooks")),
        "codebook_size": int(single("codebook_size")),
        "codebook_dim": int(single("codebook_dim")),
        "quantizer_dropout": float(quant.get("quantizer_dropout", 0.0)),
        "shared_codebooks": int(quant.get("shared_codebooks", 0)),
    }
    n_tracks = len(fields["tracks"])
    fields["code_jit_prob"] = tuple(float(p) for p in quant.get("code_jit_prob", [0.0] * n_tracks))
    fields["code_jit_size"] = tuple(int(s) for s in quant.get("code_jit_size", [3] * n_tracks))
    try:
        return replace(SDCodecConfig(), **fields)
    except ConfigError as error:
        raise CheckpointError(f"{path}: invalid SD-Codec configuration: {error}") from error


#: Where the authors' model takes its latent width from (``src/modules/base_dac.py`` and
#: ``quantize.py`` of XiaoyuBIE1994/SDCodec), with their constructors' defaults. Their top-level
#: ``model.latent_dim`` only sets an attribute and shapes nothing.
AUTHORS_LATENT_WIDTH = (("enc_params", "d_latent"), ("dec_params", "d_latent"), ("quant_params", "input_dim"))
AUTHORS_DEFAULT_LATENT = 1024


def _latent_width(enc: Mapping[str, Any], dec: Mapping[str, Any], quant: Mapping[str, Any], path: Path) -> int:
    """The latent width the authors' model builds: ``enc_params.d_latent`` (encoder output),
    ``dec_params.d_latent`` (decoder input) and ``quant_params.input_dim`` (quantizer), each
    1024 when absent; a ``CheckpointError`` when they differ (no model can have them all)."""
    sections = {"enc_params": enc, "dec_params": dec, "quant_params": quant}
    widths = {f"{name}.{key}": sections[name].get(key, AUTHORS_DEFAULT_LATENT) for name, key in AUTHORS_LATENT_WIDTH}
    if len(set(widths.values())) != 1:
        listed = ", ".join(f"{k}={v}" for k, v in widths.items())
        raise CheckpointError(f"{path}: inconsistent latent widths ({listed}; absent = {AUTHORS_DEFAULT_LATENT}): "
                              "set all three to the same value")
    width = next(iter(widths.values()))
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise CheckpointError(f"{path}: latent width {width!r} ({', '.join(widths)}) must be a positive integer")
    return width


def _weight_shape(state: Mapping[str, torch.Tensor], prefix: str) -> torch.Size:
    """Shape of the (weight-normalised or folded) weight of the conv at ``prefix``."""
    for suffix in ("parametrizations.weight.original1", "weight_v", "weight"):
        if prefix + suffix in state:
            return state[prefix + suffix].shape
    raise CheckpointError(f"no convolution weight under {prefix!r}")


def _block_indices(state: Mapping[str, torch.Tensor], prefix: str) -> list[int]:
    indices = {int(k[len(prefix):].split(".")[0]) for k in state if k.startswith(prefix)}
    return sorted(indices)


def _nested(state: Mapping[str, torch.Tensor], prefix: str) -> list[int]:
    """Indices under ``prefix`` that are encoder/decoder blocks (they hold a nested ``block``)."""
    return [i for i in _block_indices(state, prefix) if any(k.startswith(f"{prefix}{i}.block.") for k in state)]


def config_from_state(state: Mapping[str, torch.Tensor], sample_rate: int = 16000) -> SDCodecConfig:
    """Infers ``SDCodecConfig`` from an official state_dict's tensor shapes.

    Encoder: first conv ``[encoder_dim, 1, 7]``, each block's strided conv has kernel
    ``2 * stride``, last conv ``[latent, ...]``. Decoder: first conv ``[decoder_dim, latent, 7]``,
    each block's transposed conv kernel ``2 * stride``. Quantizer: tracks, layer counts and
    codebook shape from ``quantizer.rvq_dict`` / ``shared_rvq`` keys; jitter sizes from ``prob``.
    The decoder padding cannot be seen in the weights: the authors' (``"floor"``) is used.
    """
    encoder_dim = _weight_shape(state, _ENCODER_PREFIX + "0.")[0]
    enc_blocks = _block_indices(state, _ENCODER_PREFIX)
    encoder_rates = tuple(
        _weight_shape(state, f"{_ENCODER_PREFIX}{i}.block.4.")[-1] // 2 for i in _nested(state, _ENCODER_PREFIX)
    )
    latent = _weight_shape(state, f"{_ENCODER_PREFIX}{enc_blocks[-1]}.")[0]
    decoder_dim = _weight_shape(state, _DECODER_PREFIX + "0.")[0]
    decoder_rates = tuple(
        _weight_shape(state, f"{_DECODER_PREFIX}{i}.block.1.")[-1] // 2 for i in _nested(state, _DECODER_PREFIX)
    )
    tracks = tuple(dict.fromkeys(k.split(".")[2] for k in state if k.startswith("quantizer.rvq_dict.")))
    first = tracks[0]
    own = len(_block_indices(state, f"quantizer.rvq_dict.{first}.quantizers."))
    shared = len(_block_indices(state, "quantizer.shared_rvq.quantizers."))
    codebook_size, codebook_dim = state[f"quantizer.rvq_dict.{first}.quantizers.0.codebook.weight"].shape
    probs = [state.get(f"quantizer.jitter_dict.{t}.prob") for t in tracks]
    jit_size = tuple(int(p.numel()) if p is not None else 3 for p in probs)
    jit_prob = tuple(
        round(1.0 - float(p[s // 2]), 12) if p is not None else 0.0 for p, s in zip(probs, jit_size)
    )
    try:
        return SDCodecConfig(
            sample_rate=sample_rate, encoder_dim=int(encoder_dim), encoder_rates=encoder_rates,
            latent_dim=int(latent), decoder_dim=int(decoder_dim), decoder_rates=decoder_rates,
            tracks=tracks, n_codebooks=own + shared, codebook_size=int(codebook_size),
            codebook_dim=int(codebook_dim), shared_codebooks=shared,
            code_jit_prob=jit_prob, code_jit_size=jit_size,
        )
    except ConfigError as error:
        raise CheckpointError(f"inferred SD-Codec configuration is invalid: {error}") from error

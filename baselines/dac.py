"""DAC (Descript Audio Codec), the one-branch member of the SD-Codec family.

The same encoder, decoder and residual VQ modules as SD-Codec (``sdcodec.nn``,
``sdcodec.quantize``) with DAC's key layout (``quantizer.quantizers.<i>...``), so DAC's public
checkpoints (``{"state_dict", "metadata": {"kwargs"}}``, legacy ``weight_g``/``weight_v`` weight
norm) load with ``strict=True``. One branch codes everything: ``resynthesize(audio, track)``
ignores ``track`` and DAC cannot separate. ``forward`` returns an ``SDCodecOutput`` whose
per-branch dicts hold the single branch ``"mix"``.

Presets: ``"16k"`` (DAC's public 16 kHz model: 74.18 M parameters, 12 codebooks, 6 kbps) and
``"tiny"`` (the CPU shape of ``sdcodec.config``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from sdcodec.core.dataclass_json import replace
from sdcodec.core.constants import MIX
from sdcodec.core.errors import CheckpointError, ConfigError
from sdcodec.codec import CodecBase
from sdcodec.config import TINY_CODEC_FIELDS, CodecConfig
from sdcodec.families import MODEL_FAMILIES, ModelFamily
from sdcodec.quantize import QuantizedLatent, ResidualVectorQuantize

__all__ = ["DAC", "DACConfig", "DACFamily", "DAC_PRESETS"]


@dataclass(frozen=True)
class DACConfig(CodecConfig):
    """DAC's constructor arguments (same names as ``dac.model.DAC``) plus the decoder padding.

    ``transpose_padding`` defaults to ``"ceil"``: DAC 1.0.0's (the reference implementation
    this project pins), so outputs match it exactly; for the 16 kHz rates the decoder then
    returns ``frames x 320 - 8`` samples and ``evaluate`` zero-pads the last 8 (0.5 ms) to the
    input length. ``"ceil+out"`` adds the output padding later ports use for odd strides
    (exactly ``frames x 320`` samples; the same weights, different samples near the end).
    Quantizer dropout is 0 as in the paper's models (it only matters for training).
    """

    transpose_padding: str = "ceil"


DAC_PRESETS: dict[str, DACConfig] = {
    "16k": DACConfig(),
    "tiny": DACConfig(**TINY_CODEC_FIELDS),
}

#: ``metadata["kwargs"]`` names of DAC checkpoints that ``DACConfig`` holds.
_DAC_KWARGS = (
    "encoder_dim", "encoder_rates", "latent_dim", "decoder_dim", "decoder_rates",
    "n_codebooks", "codebook_size", "codebook_dim", "quantizer_dropout", "sample_rate",
)


class DAC(CodecBase):
    """One encoder, one residual VQ (``quantizer``), one decoder; see ``CodecBase`` for the API."""

    family = "dac"
    #: DAC has no source tracks: it cannot separate.
    tracks: tuple[str, ...] = ()

    def __init__(self, config: DACConfig | None = None) -> None:
        config = config or DACConfig()
        super().__init__(config)
        self.quantizer = ResidualVectorQuantize(
            input_dim=self.latent_dim,
            n_codebooks=config.n_codebooks,
            codebook_size=config.codebook_size,
            codebook_dim=config.codebook_dim,
            quantizer_dropout=config.quantizer_dropout,
        )
        self._init_weights()

    @property
    def branches(self) -> tuple[str, ...]:
        return (MIX,)

    def branch_of(self, track: str) -> str:
        """Every track (and ``"mix"``) goes through DAC's single branch."""
        return MIX

    def quantize(self, z: torch.Tensor, track: str = MIX, n_quantizers: int | None = None) -> QuantizedLatent:
        """Quantizes ``z [B, D, F]`` (``track`` is ignored: one branch)."""
        return self.quantizer(z, n_quantizers)

    def _branch_from_codes(self, branch: str, codes: torch.Tensor) -> torch.Tensor:
        return self.quantizer.from_codes(codes)


def dac_config_from_kwargs(kwargs: dict[str, Any], path: Path | str = "<kwargs>") -> DACConfig:
    """``DACConfig`` from a DAC checkpoint's ``metadata["kwargs"]`` (unknown keys are an error)."""
    unknown = sorted(set(kwargs) - set(_DAC_KWARGS))
    if unknown:
        raise CheckpointError(f"{path}: DAC metadata kwargs not supported here: {', '.join(unknown)}")
    values = dict(kwargs)
    for key in ("encoder_rates", "decoder_rates"):
        if key in values:
            values[key] = tuple(int(v) for v in values[key])
    if isinstance(values.get("codebook_dim"), (list, tuple)):
        dims = set(values["codebook_dim"])
        if len(dims) != 1:
            raise CheckpointError(f"{path}: per-codebook dimensions {values['codebook_dim']} are not supported")
        values["codebook_dim"] = dims.pop()
    if "quantizer_dropout" in values:
        values["quantizer_dropout"] = float(values["quantizer_dropout"])
    try:
        return replace(DACConfig(), **values)
    except ConfigError as error:
        raise CheckpointError(f"{path}: invalid DAC configuration in metadata: {error}") from error


@MODEL_FAMILIES.register("dac")
class DACFamily(ModelFamily):
    """DAC: presets, and DAC's own checkpoint format ``{"state_dict", "metadata": {"kwargs"}}``."""

    name = "dac"
    config_cls = DACConfig

    @classmethod
    def build(cls, config: DACConfig) -> nn.Module:
        return DAC(config)

    @classmethod
    def presets(cls) -> dict[str, DACConfig]:
        return dict(DAC_PRESETS)

    @classmethod
    def detect_foreign(cls, obj: Any, path: Path) -> bool:
        return (
            isinstance(obj, dict)
            and isinstance(obj.get("state_dict"), dict)
            and isinstance(obj.get("metadata"), dict)
            and "kwargs" in obj["metadata"]
        )

    @classmethod
    def load_foreign(cls, obj: Any, path: Path) -> nn.Module:
        from sdcodec.checkpoint import load_state_dict_strict
        from sdcodec.nn import adapt_weight_norm_keys

        model = DAC(dac_config_from_kwargs(obj["metadata"]["kwargs"], path))
        state = adapt_weight_norm_keys(obj["state_dict"], model.state_dict().keys())
        load_state_dict_strict(model, state, path)
        return model

    @classmethod
    def complexity(cls, config) -> dict[str, Any]:
        """Extra ``bench models`` columns: nominal kbps and GMACs per second of audio."""
        from sdcodec.inventory import codec_complexity

        return codec_complexity(cls, config)

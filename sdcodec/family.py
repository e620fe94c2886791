"""Registers SD-Codec in ``sdcodec.families.MODEL_FAMILIES``: presets, building, and loading the
authors' official checkpoints (plain ``state_dict`` + Hydra ``config.yaml``, see
``sdcodec.official``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch import nn

from sdcodec.config import SDCODEC_PRESETS, SDCodecConfig
from sdcodec.families import MODEL_FAMILIES, ModelFamily
from sdcodec.model import SDCodec


@MODEL_FAMILIES.register("sdcodec")
class SDCodecFamily(ModelFamily):
    """SD-Codec: the paper's presets and the authors' checkpoint format."""

    name = "sdcodec"
    config_cls = SDCodecConfig

    @classmethod
    def build(cls, config: SDCodecConfig) -> nn.Module:
        return SDCodec(config)

    @classmethod
    def presets(cls) -> dict[str, SDCodecConfig]:
        return dict(SDCODEC_PRESETS)

    @classmethod
    def detect_foreign(cls, obj: Any, path: Path) -> bool:
        from sdcodec.official import is_official_sdcodec_state

        return is_official_sdcodec_state(obj)

    @classmethod
    def load_foreign(cls, obj: Any, path: Path) -> nn.Module:
        """Config from the run's ``config.yaml`` when found near ``path``, else from the tensor
        shapes; then a strict load (weight-norm keys converted to our form)."""
        from sdcodec.checkpoint import load_state_dict_strict
        from sdcodec.nn import adapt_weight_norm_keys
        from sdcodec.official import config_from_state, config_from_yaml, find_run_config

        yaml_path = find_run_config(Path(path))
        config = config_from_yaml(yaml_path) if yaml_path is not None else config_from_state(obj)
        model = SDCodec(config)
        state = adapt_weight_norm_keys(obj, model.state_dict().keys())
        load_state_dict_strict(model, state, path)
        model.source_config = str(yaml_path) if yaml_path is not None else "inferred from tensor shapes"
        return model

    @classmethod
    def complexity(cls, config) -> dict[str, Any]:
        """Extra ``bench models`` columns: nominal kbps and GMACs per second of audio."""
        from sdcodec.inventory import codec_complexity

        return codec_complexity(cls, config)

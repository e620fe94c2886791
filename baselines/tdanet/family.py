"""The ``"tdanet"`` model family: presets, Look2Hear checkpoints, and complexity.

Presets: ``"16k"`` is the published TDANet (``configs/tdanet.yml``: 128/512 channels, 16
blocks, 5 scales, 4 ms encoder) with DnR's 3 sources at 16 kHz; ``"tiny"`` is a CPU-sized
model for tests and the embedded default checkpoint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from sdcodec.core.dataclass_json import replace
from sdcodec.core.constants import MODEL_SAMPLE_RATE
from baselines.tdanet.look2hear import is_look2hear_checkpoint, load_look2hear
from baselines.tdanet.model import TDANet, TDANetConfig
from sdcodec.families import MODEL_FAMILIES, ModelFamily
from sdcodec.transposed_conv import FLOP_FORMULAS as TRANSPOSED_CONV_FLOPS

__all__ = ["TDANET_PRESETS", "TDANetFamily", "measure_complexity"]

TDANET_PRESETS: dict[str, TDANetConfig] = {
    "16k": TDANetConfig(),
    "tiny": replace(TDANetConfig(), out_channels=32, in_channels=64, num_blocks=4, upsampling_depth=4),
}


def _cpu_attention_flops(query_shape, key_shape, value_shape, *args, out_shape=None, **kwargs) -> int:
    """FLOPs of ``aten._scaled_dot_product_flash_attention_for_cpu`` (unregistered in
    ``FlopCounterMode``): the same count as the registered GPU kernels, ``Q K^T`` plus ``A V``."""
    from torch.utils.flop_counter import sdpa_flop_count

    return sdpa_flop_count(query_shape, key_shape, value_shape)


def measure_complexity(model: nn.Module, seconds: float = 1.0, sample_rate: int = MODEL_SAMPLE_RATE) -> dict[str, Any]:
    """Parameters and multiply-accumulates of one forward pass on ``seconds`` of mono audio.

    Counted with ``torch.utils.flop_counter.FlopCounterMode`` (convolutions, matrix products
    and attention, including the CPU attention kernel it does not know; element-wise
    operations, norms, activations, pooling and interpolation are not counted), batch 1,
    eval mode, float32 on the CPU; MACs = FLOPs / 2. Returns ``{"params", "macs",
    "macs_per_second", "seconds", "sample_rate"}`` (``macs_per_second`` = MACs per second of audio).
    """
    from torch.utils.flop_counter import FlopCounterMode

    was_training = model.training
    model.eval()
    samples = int(round(seconds * sample_rate))
    mix = torch.zeros(1, 1, samples, device=next(model.parameters()).device)
    cpu_attention = getattr(torch.ops.aten, "_scaled_dot_product_flash_attention_for_cpu", None)
    custom = {cpu_attention: _cpu_attention_flops} if cpu_attention is not None else {}
    custom.update(TRANSPOSED_CONV_FLOPS)  # the decoder's CPU kernel (sdcodec.transposed_conv)
    counter = FlopCounterMode(display=False, custom_mapping=custom)
    try:
        with torch.inference_mode(), counter:
            model(mix)
    finally:
        model.train(was_training)
    macs = counter.get_total_flops() / 2
    return {
        "params": sum(p.numel() for p in model.parameters()),
        "macs": int(macs),
        "macs_per_second": macs / seconds,
        "seconds": seconds,
        "sample_rate": sample_rate,
    }


@MODEL_FAMILIES.register("tdanet")
class TDANetFamily(ModelFamily):
    """TDANet separators; loads the project's checkpoints and Look2Hear's (``model_name``/
    ``state_dict``/``model_args`` files and Lightning checkpoints with ``audio_model.`` keys)."""

    name = "tdanet"
    config_cls = TDANetConfig

    @classmethod
    def build(cls, config: TDANetConfig) -> TDANet:
        model = TDANet(config)
        model.config = config
        return model

    @classmethod
    def presets(cls) -> dict[str, TDANetConfig]:
        return dict(TDANET_PRESETS)

    @classmethod
    def detect_foreign(cls, obj: Any, path: Path) -> bool:
        return is_look2hear_checkpoint(obj)

    @classmethod
    def load_foreign(cls, obj: Any, path: Path) -> TDANet:
        return load_look2hear(obj, path)

    @classmethod
    def complexity(cls, config: TDANetConfig) -> dict[str, Any]:
        """``{"params": count, "macs_per_second": MACs per second of audio}`` for ``config``.

        Measured by ``measure_complexity`` on 1 s at ``config.sample_rate``, with the model on
        PyTorch's ``meta`` device (shapes only: instant and memory-free at any size; the counts
        equal those of a CPU run). Attention makes the per-second figure grow slowly with the
        clip length (see ``measure_complexity``); 1 s is the convention of the TDANet paper.
        """
        try:
            with torch.device("meta"):
                model = cls.build(config)
            result = measure_complexity(model, 1.0, config.sample_rate)
        except (NotImplementedError, RuntimeError):
            result = measure_complexity(cls.build(config), 1.0, config.sample_rate)
        return {"params": result["params"], "macs_per_second": result["macs_per_second"]}

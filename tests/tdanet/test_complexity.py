"""Complexity counting (parameters, MACs per second) and forward-pass timings."""

from __future__ import annotations

import torch
from torch import nn

from sdcodec.core.dataclass_json import replace
from baselines.tdanet import TDANET_PRESETS, TDANet, TDANetFamily
from baselines.tdanet.family import measure_complexity


def test_macs_convention_on_a_single_convolution() -> None:
    # Conv1d(1 -> 8, k=16, hop 4) on 1000 samples: 247 frames x 8 channels x 16 taps MACs.
    conv = nn.Conv1d(1, 8, 16, stride=4, bias=False)
    result = measure_complexity(conv, seconds=1000 / 16000)
    assert result["macs"] == 247 * 8 * 16
    assert result["params"] == 8 * 16
    assert result["macs_per_second"] == result["macs"] * 16


def test_attention_is_counted() -> None:
    # Swapping the MHSA for a k=3 convolution changes the count by exactly what the two cost at
    # the top level of every block: frames x (4 C^2 projections + 2 frames C scores) vs 3 C^2.
    config = TDANET_PRESETS["tiny"]
    mhsa = TDANetFamily.complexity(config)["macs_per_second"]
    conv = TDANetFamily.complexity(replace(config, global_attention="conv"))["macs_per_second"]
    # Look2Hear's padding of 1 s (kernel 64, hop 16): 48 zeros to end on a kernel boundary (counted
    # from one hop), 48 on each side; the encoder (padding 32) then gives 1010 frames.
    padded = 16000 + (64 - (16 + 16000 % 64) % 64) + 2 * (64 - 16)
    frames = (padded + 2 * 32 - 64) // 16 + 1
    for _ in range(config.upsampling_depth - 1):  # depthwise k=5, stride 2, padding 2
        frames = (frames - 1) // 2 + 1
    c = config.in_channels
    per_block = frames * (4 * c * c + 2 * frames * c) - frames * 3 * c * c
    assert mhsa - conv == config.num_blocks * per_block


def test_macs_per_second_are_linear_in_duration_but_for_attention() -> None:
    # Convolutions cost the same per second whatever the clip length; the attention's scores grow
    # with the square of the top-level frame count, so MHSA models cost more per second on longer clips.
    config = TDANET_PRESETS["tiny"]
    conv = replace(config, global_attention="conv")
    one, two = (measure_complexity(TDANet(conv), seconds=s)["macs_per_second"] for s in (1.0, 2.0))
    assert abs(two / one - 1) < 0.01
    one, two = (measure_complexity(TDANet(config), seconds=s)["macs_per_second"] for s in (1.0, 2.0))
    assert two > one


def test_complexity_on_meta_equals_a_cpu_run() -> None:
    config = TDANET_PRESETS["tiny"]
    cpu = measure_complexity(TDANet(config))
    assert TDANetFamily.complexity(config) == {"params": cpu["params"], "macs_per_second": cpu["macs_per_second"]}


def test_benchmark_tiny_forward_one_second(benchmark) -> None:
    model = TDANet(TDANET_PRESETS["tiny"]).eval()
    mix = torch.randn(1, 1, 16000)
    with torch.inference_mode():
        out = benchmark.pedantic(model, args=(mix,), rounds=3, iterations=1, warmup_rounds=1)
    assert out.shape == (1, 3, 16000)


def test_benchmark_16k_forward_one_second(benchmark) -> None:
    model = TDANet(TDANET_PRESETS["16k"]).eval()
    mix = torch.randn(1, 1, 16000)
    with torch.inference_mode():
        out = benchmark.pedantic(model, args=(mix,), rounds=1, iterations=1, warmup_rounds=0)
    assert out.shape == (1, 3, 16000)

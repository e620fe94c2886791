"""Look2Hear's TDANet state-dict layout, written independently of ``baselines.tdanet``.

Key names and shapes as ``look2hear/models/TDANet.py`` (JusperLee/TDANet) creates them, derived
from its constructor arguments; used to build Look2Hear-format checkpoints in the tests and to
count parameters independently of the model code.
"""

from __future__ import annotations

import math

import torch

#: Look2Hear stores a sinusoid table of this many frames.
PE_FRAMES = 10_000


def _norm(prefix: str, channels: int, gln: str = "weight/bias") -> dict[str, tuple[int, ...]]:
    gain, bias = gln.split("/")
    return {f"{prefix}.{gain}": (channels,), f"{prefix}.{bias}": (channels,)}


def look2hear_shapes(out_channels: int, in_channels: int, upsampling_depth: int, kernel: int,
                     num_sources: int, best: bool = False, gln: str = "weight/bias",
                     mhsa: bool = True) -> dict[str, tuple[int, ...]]:
    """``{key: shape}`` of every learnable tensor (no buffers) of Look2Hear's TDANet/TDANetBest."""
    co, ci, basis = out_channels, in_channels, kernel // 2 + 1
    shapes: dict[str, tuple[int, ...]] = {"encoder.weight": (basis, 1, kernel)}
    shapes.update(_norm("ln", basis, gln))
    shapes.update({"bottleneck.weight": (co, basis, 1), "bottleneck.bias": (co,)})
    u = "sm.unet"
    shapes.update({f"{u}.proj_1x1.conv.weight": (ci, co, 1), f"{u}.proj_1x1.conv.bias": (ci,),
                   f"{u}.proj_1x1.act.weight": (1,)})
    shapes.update(_norm(f"{u}.proj_1x1.norm", ci, gln))
    for d in range(upsampling_depth):
        shapes.update({f"{u}.spp_dw.{d}.conv.weight": (ci, 1, 5), f"{u}.spp_dw.{d}.conv.bias": (ci,)})
        shapes.update(_norm(f"{u}.spp_dw.{d}.norm", ci, gln))
    shapes.update({f"{u}.res_conv.weight": (co, ci, 1), f"{u}.res_conv.bias": (co,)})
    g = f"{u}.globalatt"
    if mhsa:
        shapes.update(_norm(f"{g}.attn.attn_in_norm", ci))
        shapes.update({f"{g}.attn.attn.in_proj_weight": (3 * ci, ci), f"{g}.attn.attn.in_proj_bias": (3 * ci,),
                       f"{g}.attn.attn.out_proj.weight": (ci, ci), f"{g}.attn.attn.out_proj.bias": (ci,)})
        shapes.update(_norm(f"{g}.attn.norm", ci))
    else:
        shapes[f"{g}.attn.conv.weight"] = (ci, ci, 3)
        shapes.update(_norm(f"{g}.attn.norm", ci, gln))
    shapes[f"{g}.mlp.fc1.conv.weight"] = (2 * ci, ci, 1)
    shapes.update(_norm(f"{g}.mlp.fc1.norm", 2 * ci, gln))
    shapes.update({f"{g}.mlp.dwconv.weight": (2 * ci, 1, 5), f"{g}.mlp.dwconv.bias": (2 * ci,)})
    shapes[f"{g}.mlp.fc2.conv.weight"] = (ci, 2 * ci, 1)
    shapes.update(_norm(f"{g}.mlp.fc2.norm", ci, gln))
    las = [(f"{u}.last_layer.{i}", 5) for i in range(upsampling_depth - 1)]
    if best:
        las += [(f"{u}.loc_glo_fus.{i}", 1) for i in range(upsampling_depth)]
    for prefix, k in las:
        for part in ("local_embedding", "global_embedding", "global_act"):
            shapes[f"{prefix}.{part}.conv.weight"] = (ci, 1, k)
            shapes.update(_norm(f"{prefix}.{part}.norm", ci, gln))
    shapes.update({"sm.concat_block.0.weight": (co, 1, 1), "sm.concat_block.0.bias": (co,),
                   "sm.concat_block.1.weight": (1,), "mask_net.0.weight": (1,),
                   "mask_net.1.weight": (num_sources * basis, co, 1), "mask_net.1.bias": (num_sources * basis,),
                   "decoder.weight": (num_sources * basis, num_sources, kernel)})
    return shapes


def parameter_count(shapes: dict[str, tuple[int, ...]]) -> int:
    return sum(math.prod(shape) for shape in shapes.values())


def sinusoids(frames: int, channels: int) -> torch.Tensor:
    """``[1, frames, channels]``: ``sin(p / 10000^(2i/C))`` on channel 2i, ``cos`` on 2i+1."""
    p = torch.arange(frames, dtype=torch.float64)[:, None]
    i = torch.arange(channels // 2, dtype=torch.float64)[None, :]
    angle = p / torch.pow(10000.0, 2 * i / channels)
    table = torch.stack([torch.sin(angle), torch.cos(angle)], dim=-1).reshape(frames, channels)
    return table.float()[None]


def random_look2hear_state(shapes: dict[str, tuple[int, ...]], in_channels: int, mhsa: bool = True,
                           seed: int = 0) -> dict[str, torch.Tensor]:
    """Random weights under Look2Hear's names, with the stored sinusoid table when ``mhsa``."""
    generator = torch.Generator().manual_seed(seed)
    state = {key: 0.2 * torch.randn(shape, generator=generator) for key, shape in shapes.items()}
    if mhsa:
        state["sm.unet.globalatt.attn.pos_enc.pe"] = sinusoids(PE_FRAMES, in_channels)
    return state

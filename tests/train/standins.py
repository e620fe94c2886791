"""Test data (a small DnR-layout folder) and minimal stand-ins for modules other engineers are
still writing (the discriminator and its losses), used only while the real ones are missing: ``install()`` puts
them in ``sys.modules`` under the real names if, and only if, importing the real one fails."""

from __future__ import annotations

import importlib
import math
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from sdcodec.core.constants import TRACKS


def _signal(kind: int, n: int, sr: int, g: torch.Generator) -> torch.Tensor:
    t = torch.arange(n) / sr
    if kind == 0:  # speech-like: AM harmonic tone
        f0 = 100 + 100 * torch.rand((), generator=g)
        env = 0.5 + 0.5 * torch.sin(2 * math.pi * 4 * t + 6 * torch.rand((), generator=g))
        return env * sum(torch.sin(2 * math.pi * f0 * k * t) / k for k in range(1, 6))
    if kind == 1:  # music-like: a chord
        f = 200 + 400 * torch.rand(3, generator=g)
        return sum(torch.sin(2 * math.pi * fi * t) for fi in f) / 3
    noise = torch.randn(n, generator=g)  # sfx-like: noise bursts
    gate = (torch.sin(2 * math.pi * 3 * t + 6 * torch.rand((), generator=g)) > 0).float()
    return 0.3 * noise * gate


def write_dnr_folder(root: Path, tracks: int = 4, seconds: float = 3.0, sample_rate: int = 16000, seed: int = 0) -> Path:
    """A small DnR-layout folder (``root/tr/<id>/{mix,speech,music,sfx}.wav``) of speech-like,
    music-like and sfx-like test signals; returns ``root``."""
    import soundfile

    g = torch.Generator().manual_seed(seed)
    n = int(seconds * sample_rate)
    for k in range(tracks):
        folder = Path(root) / "tr" / f"{k:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        stems = [0.3 * _signal(i, n, sample_rate, g) for i in range(3)]
        for name, audio in zip(TRACKS, stems):
            soundfile.write(folder / f"{name}.wav", audio.numpy(), sample_rate)
        soundfile.write(folder / "mix.wav", sum(stems).numpy(), sample_rate)
    return Path(root)


@dataclass(frozen=True)
class DiscriminatorConfig:
    channels: int = 8


class Discriminator(nn.Module):
    def __init__(self, config: DiscriminatorConfig | None = None):
        super().__init__()
        c = (config or DiscriminatorConfig()).channels
        self.convs = nn.ModuleList([nn.Conv1d(1, c, 15, 4, 7), nn.Conv1d(c, c, 15, 4, 7), nn.Conv1d(c, 1, 3, 1, 1)])

    def forward(self, x):
        feats = []
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if i < len(self.convs) - 1:
                x = F.leaky_relu(x, 0.1)
            feats.append(x)
        return [feats]


def discriminator_loss(disc, fake, real):
    out = disc(torch.cat([fake, real]))
    loss = 0
    for feats in out:
        f, r = feats[-1].chunk(2)
        loss = loss + (f ** 2).mean() + ((1 - r) ** 2).mean()
    return loss


def generator_losses(disc, fake, real):
    out = disc(torch.cat([fake, real]))
    adv, feat = 0, 0
    for feats in out:
        adv = adv + ((1 - feats[-1].chunk(2)[0]) ** 2).mean()
        for x in feats[:-1]:
            f, r = x.chunk(2)
            feat = feat + F.l1_loss(f, r.detach())
    return adv, feat


def install() -> list[str]:
    """Registers each stand-in module whose real module cannot be imported; returns their names."""
    installed = []
    for name, attrs in {
        "sdcodec.discriminator": dict(Discriminator=Discriminator, DiscriminatorConfig=DiscriminatorConfig),
        "sdcodec.losses.adversarial": dict(discriminator_loss=discriminator_loss, generator_losses=generator_losses),
    }.items():
        try:
            importlib.import_module(name)
        except ModuleNotFoundError:
            module = types.ModuleType(name)
            module.__dict__.update(attrs)
            sys.modules[name] = module
            installed.append(name)
    return installed

"""``bench models``: parameter counts from building the models equal counts computed by hand from
the architecture (conv weight/gain/bias sizes), and the command prints them."""

from __future__ import annotations

import math

import pytest
import torch

from baselines.dac import DAC_PRESETS, DACFamily
from bench.cli import main
from sdcodec.config import SDCODEC_PRESETS
from sdcodec.family import SDCodecFamily
from sdcodec.inventory import codec_complexity, conv_macs_per_second, inventory


def wn_conv(c_in: int, c_out: int, k: int) -> int:
    """Weight-normalised Conv1d: v [out, in, k], g [out, 1, 1], bias [out]."""
    return c_out * c_in * k + c_out + c_out


def wn_conv_t(c_in: int, c_out: int, k: int) -> int:
    """Weight-normalised ConvTranspose1d: v [in, out, k], g [in, 1, 1] (dim 0), bias [out]."""
    return c_in * c_out * k + c_in + c_out


def residual_unit(d: int) -> int:
    return d + wn_conv(d, d, 7) + d + wn_conv(d, d, 1)


def encoder(e: int, rates, latent: int) -> int:
    n, d = wn_conv(1, e, 7), e
    for s in rates:
        n += 3 * residual_unit(d) + d + wn_conv(d, 2 * d, 2 * s)
        d *= 2
    return n + d + wn_conv(d, latent, 3)


def decoder(latent: int, c: int, rates) -> int:
    n = wn_conv(latent, c, 7)
    for s in rates:
        n += c + wn_conv_t(c, c // 2, 2 * s) + 3 * residual_unit(c // 2)
        c //= 2
    return n + c + wn_conv(c, 1, 7)


def vq(latent: int, size: int, dim: int) -> int:
    return wn_conv(latent, dim, 1) + wn_conv(dim, latent, 1) + size * dim


def formula(config, n_branches: int, shared: int = 0) -> dict[str, int]:
    latent = config.latent_dim or config.encoder_dim * 2 ** len(config.encoder_rates)
    q = vq(latent, config.codebook_size, config.codebook_dim) * (n_branches * (config.n_codebooks - shared) + shared)
    parts = {
        "encoder": encoder(config.encoder_dim, config.encoder_rates, latent),
        "decoder": decoder(latent, config.decoder_dim, config.decoder_rates),
        "quantizer": q,
    }
    return {"total": sum(parts.values()), **parts}


@pytest.fixture(scope="module")
def rows():
    return {(r["family"], r["preset"]): r for r in inventory(["sdcodec", "dac"])}


def test_counts_match_the_architecture_formula(rows):
    for preset, config in SDCODEC_PRESETS.items():
        row = rows[("sdcodec", preset)]
        expected = formula(config, len(config.tracks), config.shared_codebooks)
        assert row["params"] == expected.pop("total") and row["parts"] == expected, preset
    for preset, config in DAC_PRESETS.items():
        row = rows[("dac", preset)]
        expected = formula(config, 1)
        assert row["params"] == expected.pop("total") and row["parts"] == expected, preset
    assert round(rows[("dac", "16k")]["params"] / 1e6, 2) == 74.18


def test_tiny_preset_is_small(rows):
    assert rows[("sdcodec", "tiny")]["params"] * 4 < 4 * 2**20  # a float32 checkpoint of a few MB


def test_codec_columns(rows):
    assert rows[("sdcodec", "16k")]["extra"]["kbps/branch"] == pytest.approx(6.0)
    assert rows[("sdcodec", "16k-shared8")]["extra"]["kbps total"] == pytest.approx(18.0)
    assert rows[("dac", "16k")]["extra"]["kbps total"] == pytest.approx(6.0)


def test_macs_count_matches_hand_count_for_one_conv():
    layer = torch.nn.Sequential(torch.nn.Conv1d(1, 4, 7, padding=3), torch.nn.ConvTranspose1d(4, 2, 4, stride=2, padding=1))
    macs = conv_macs_per_second(layer, lambda m, audio: m(audio), sample_rate=100)
    assert macs == 100 * 4 * 1 * 7 + 100 * 4 * 2 * 4  # conv: per output sample; transposed: per input sample


def test_codec_macs_scale_with_decoder_width():
    small = codec_complexity(DACFamily, DAC_PRESETS["tiny"])["GMACs/s"]
    full = codec_complexity(SDCodecFamily, SDCODEC_PRESETS["16k"])["GMACs/s"]
    assert full > 20 * small > 0  # measured: 40.1 vs 1.05 GMACs/s (tiny, hop 20)


def test_bench_models_command_prints_every_codec_preset(capsys):
    assert main(["models", "--family", "sdcodec", "--family", "dac", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    header = lines[0].split(",")
    assert header[:3] == ["family", "preset", "params (M)"] and "GMACs/s" in header
    presets = {tuple(line.split(",")[:2]) for line in lines[1:]}
    assert presets == {("sdcodec", p) for p in SDCODEC_PRESETS} | {("dac", p) for p in DAC_PRESETS}
    dac16k = next(line.split(",") for line in lines[1:] if line.startswith("dac,16k"))
    assert math.isclose(float(dac16k[2]), 74.175906)


def test_bench_models_rejects_unknown_family():
    assert main(["models", "--family", "nope"]) == 2

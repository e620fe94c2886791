"""SD-Codec's speed against descript-audio-codec: its encoder and decoder are DAC's architecture,
so one branch (encoder + that branch's RVQ; codes -> decoder) is compared with the reference's
modules carrying the same weights. The twin computes the same codes and audio (also with shared
codebooks), and the throughput suite prints the ratio for SD-Codec as for DAC (tiny presets,
small grid)."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import numpy as np
import pandas as pd
import pytest
import torch

from bench.models import EvalModel
from bench.models.checkpoints import for_inference
from bench.models.codecs import FamilyCodec
from bench.cli import main
from bench.models.reference_dac import reference_stages, reference_twin
from sdcodec.config import sdcodec_preset
from sdcodec.model import SDCodec


@pytest.mark.parametrize("shared, branch", [(0, "speech"), (1, "music"), (3, "sfx")])
def test_reference_twin_computes_one_sdcodec_branch(perturbed, shared, branch):
    torch.manual_seed(shared)
    model = for_inference(perturbed(SDCodec(sdcodec_preset("tiny", shared_codebooks=shared)), seed=40 + shared))
    adapter = EvalModel(FamilyCodec(model), "SD-Codec")
    twin = reference_twin(model, branch)
    assert twin is not None, "descript-audio-codec is a test dependency"
    audio = 0.2 * torch.randn(2, 1, 4010, generator=torch.Generator().manual_seed(8))  # not whole frames
    ours, theirs = adapter.stages(audio, [branch]), reference_stages(twin, audio)
    with torch.inference_mode():
        z = model.encode(model.preprocess(audio))
        assert (twin.encoder(twin.preprocess(audio, 16000)) - z).abs().max() < 1e-6
        codes = ours["encode"]()[branch]
        assert codes.shape == (2, 4, 201)
        assert torch.equal(codes, model.quantize(z, branch).codes)
        assert torch.equal(theirs["encode"](), codes)
        decoded = ours["decode"]()
        assert decoded.shape == theirs["decode"]().shape == audio.shape
        assert (decoded - theirs["decode"]()).abs().max() < 1e-5
        assert (decoded - model.evaluate(audio, [branch])).abs().max() < 1e-5
        assert torch.equal(ours["roundtrip"](), decoded)
    assert codes.unique().numel() > 20  # varied codes: a real comparison


def test_throughput_suite_prints_the_ratio_for_sdcodec_too(tmp_path, capsys):
    run = tmp_path / "speed"
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        status = main(["run", "--suite", "throughput", "--model", "SD-Codec=preset:sdcodec/tiny",
                       "--model", "DAC=preset:dac/tiny", "--batch-sizes", "1", "--clip-seconds", "0.25",
                       "--precisions", "fp32", "--out", str(run)])
    printed = buffer.getvalue()
    assert status == 0
    frame = pd.read_csv(run / "throughput.csv")
    reference = frame[frame["implementation"] == "reference"]
    assert set(map(tuple, reference[["model", "branch"]].drop_duplicates().values)) == {
        ("SD-Codec", "speech"), ("DAC", "all")}
    assert set(reference["stage"]) == {"encode", "decode", "roundtrip"}
    ours = frame[(frame["implementation"] == "sdbench") & (frame["model"] == "SD-Codec")]
    assert set(map(tuple, ours[["stage", "branch"]].values)) == {
        (s, b) for s in ("encode", "decode", "roundtrip") for b in ("all", "speech")}
    from bench.suites.performance import speed_ratios

    ratios = speed_ratios(frame)
    assert len(ratios) == 2 * 3  # models x stages
    assert set(ratios.loc[ratios["model"] == "SD-Codec", "branch"]) == {"speech"}
    assert np.isfinite(ratios["speedup_vs_reference"]).all() and (ratios["speedup_vs_reference"] > 0).all()
    section = printed[printed.index("speed vs descript-audio-codec"):]
    assert "SD-Codec" in section and "speech" in section and "DAC" in section
    assert (frame["peak_memory_mb"] > 0).all()
    with capsys.disabled():
        print("\n" + section)


def test_reference_twin_computes_transposed_convolutions_as_ours(perturbed):
    # A fair speed ratio, and a reference that is right on any thread count: the reference's
    # transposed convolutions run sdcodec.transposed_conv's kernel, not oneDNN's (which gets
    # samples of the 16 kHz stride-5 block wrong on 2+ threads; tests/models/test_transposed_conv.py).
    from sdcodec.transposed_conv import conv_transpose1d

    torch.manual_seed(0)
    model = for_inference(perturbed(SDCodec(sdcodec_preset("tiny")), seed=3))
    twin = reference_twin(model)
    ups = [m for m in twin.decoder.modules() if isinstance(m, torch.nn.ConvTranspose1d)]
    assert len(ups) == len(model.config.decoder_rates)
    generator = torch.Generator().manual_seed(4)
    with torch.inference_mode():
        for up in ups:
            x = torch.randn(3, up.in_channels, 37, generator=generator)
            out = up(x)  # runs DAC's weight-norm hook, which sets up.weight
            ours = conv_transpose1d(x, up.weight, up.bias, up.stride[0], up.padding[0], up.output_padding[0])
            assert torch.equal(out, ours)

"""Models that break the contract, from the command line: each is one line naming the spec, exit
status 2, before any clip is evaluated (no run folder). And cascades: the separation table with a
cascade beside SD-Codec, and cascades of two codecs or two separators refused."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import pytest
import torch

from bench.cli import main

QUICK = ["--metrics", "si_sdr", "--split", "val", "--limit", "2", "--batch-size", "2"]
ONE_CLIP = ["--metrics", "si_sdr", "--split", "val", "--limit", "1"]

MODULE = '''
import torch
from bench import Codec

class Broken(Codec):
    sample_rate = 16_000

    def __init__(self, fault):
        self.fault = fault

    def resynthesize(self, audio, *, track=None, n_quantizers=None):
        return {"shape": lambda: audio[:, 0], "length": lambda: audio[..., :-7],
                "rate": lambda: torch.cat([audio, audio[..., ::2]], -1), "dtype": lambda: audio.double(),
                "nan": lambda: audio * float("nan"), "raise": lambda: audio[99]}[self.fault]()

def broken(fault):
    return Broken(fault)

def raising():
    raise ValueError("no checkpoint given")

def neither():
    return {"not": "a model"}
'''


@pytest.fixture
def plugin_module(tmp_path, monkeypatch):
    (tmp_path / "bad_models.py").write_text(MODULE)
    (tmp_path / "needs_missing.py").write_text("import a_package_that_is_not_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "bad_models"


def error_line(argv, capsys) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    return err


BAD = [  # (spec, words of the one-line error after "bench: error: SPEC: ")
    ("py:no_such_module:make", "cannot import no_such_module (no such module on sys.path)"),
    ("py:needs_missing:make", "cannot import needs_missing (ModuleNotFoundError: No module named "
                              "'a_package_that_is_not_installed')"),
    ("py:bad_models:nope", "bad_models has no factory 'nope'"),
    ("py:bad_models:raising", "factory bad_models:raising raised ValueError: no checkpoint given"),
    ("py:bad_models:neither", "factory bad_models:neither returned builtins.dict, neither a bench.Codec nor"),
    ("py:bad_models:broken,fault=shape", "resynthesize(track=None) returned shape (2, 8000); expected [2, 1, time]"),
    ("py:bad_models:broken,fault=length", "returned 7993 samples for 8000 in (length_tolerance 0)"),
    ("py:bad_models:broken,fault=rate", "returned 12000 samples for 8000 in (length_tolerance 0); that is "
                                        "the length at 24000 Hz"),
    ("py:bad_models:broken,fault=dtype", "returned torch.float64 audio; the contract is float32"),
    ("py:bad_models:broken,fault=nan", "returned 16000 NaN/inf sample(s) on the probe signal"),
    ("py:bad_models:broken,fault=raise", "resynthesize raised IndexError: index 99 is out of bounds"),
    ("py:bad_models:broken,fault", "argument 'fault' is not key=value"),
]


@pytest.mark.parametrize("spec, words", BAD, ids=[s.partition(":")[2] for s, _ in BAD])
def test_a_broken_model_is_one_line_naming_the_spec(spec, words, plugin_module, tmp_path, capsys) -> None:
    line = error_line(["run", "--suite", "resynthesis", "--model", f"Mine={spec}", *QUICK,
                       "--out", str(tmp_path / "run")], capsys)
    assert line.startswith("bench: error: ") and words in line
    assert spec in line
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("spec, kinds", [
    ("dac-tiny+dac-tiny", "dac-tiny is a codec and dac-tiny a codec"),
    ("tdanet-tiny+tdanet-tiny", "tdanet-tiny is a separator and tdanet-tiny a separator"),
    ("cascade:dac-tiny+tdanet-tiny", "dac-tiny is a codec and tdanet-tiny a separator"),
])
def test_a_cascade_is_a_separator_then_a_codec(spec, kinds, tmp_path, capsys) -> None:
    line = error_line(["run", "--suite", "separation", "--model", f"X={spec}", *QUICK,
                       "--out", str(tmp_path / "run")], capsys)
    assert f"{spec}: a cascade is SEPARATOR+CODEC" in line and kinds in line


def test_cascade_runs_in_the_separation_table_beside_sdcodec(tmp_path) -> None:
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        status = main(["run", "--suite", "separation", "--model", "TDANet+DAC=tdanet-tiny+dac-tiny",
                       "--model", "SD-Codec=sdcodec-tiny", *ONE_CLIP, "--out", str(tmp_path / "run")])
    printed = buffer.getvalue()
    assert status == 0
    table = printed.split("**Separation (mixture in, each branch out)**")[1].split("**Separation by masking")[0]
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| Method | kbps | Speech SI-SDR")
    assert rows[1].startswith("| TDANet+DAC | 76.8 |") and rows[2].startswith("| SD-Codec | 76.8 |")
    assert "TDANet+DAC: 3 tracks x 25.6 kbps (DAC per estimate); SD-Codec: 3 branches x 25.6 kbps" in table



def test_a_cascade_codes_each_separated_estimate_with_the_codec() -> None:
    from bench.models import EvalModel, load_eval_model
    from bench.models.cascade import Cascade

    from .toy_models import GainSeparator

    separator, dac = EvalModel(GainSeparator(), "Gain"), load_eval_model("dac-tiny")
    cascade = EvalModel(Cascade(separator, dac), "Gain+DAC")
    assert (cascade.kind, cascade.kbps(), cascade.kbps_basis()) == (
        "separator", pytest.approx(3 * dac.kbps()), "3 tracks x 25.6 kbps (DAC per estimate)")
    mix = 0.1 * torch.randn(2, 1, 4000, generator=torch.Generator().manual_seed(3))
    with torch.inference_mode():
        got = cascade.separate(mix)
        separated = separator.separate(mix)
        for track in ("speech", "music", "sfx"):
            alone = dac.resynthesize_many([(separated[track], None)])[0]
            assert (got[track] - alone).abs().max() < 1e-5, track  # batched with the other tracks

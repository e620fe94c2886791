"""The public contract (``bench.api``) and its harness wrapper (``bench.models.EvalModel``):
tasks derived from what a model implements, the resampling path, output validation, the probe."""

from __future__ import annotations

import pytest
import torch

import bench
from bench.api import Codec
from bench.models.evalmodel import EvalModel, ModelCallError
from bench.models.validation import ModelOutputError
from sdcodec.core.errors import ConfigError
from .toy_models import GainSeparator, IdentityCodec


def test_public_names_are_re_exported_from_bench() -> None:
    assert bench.Codec is Codec and bench.Separator.__module__ == "bench.api"


def test_tasks_follow_capabilities_not_families() -> None:
    assert EvalModel(IdentityCodec(), "id").tasks == {"resynthesis", "throughput"}
    assert EvalModel(GainSeparator(), "sep").tasks == {"separation", "separation-mask", "throughput"}

    class Branches(IdentityCodec):
        tracks = ("speech", "music", "sfx")
        quantizer_options = (1, 2)

    assert EvalModel(Branches(), "br").tasks == {"resynthesis", "throughput", "separation",
                                                  "separation-mask", "ood-coding", "rate-distortion"}


def test_identity_changes_with_the_weights() -> None:
    a, b = GainSeparator(), GainSeparator()
    assert a.identity() == b.identity()
    with torch.no_grad():
        b.shares[0] = 0.4
    assert a.identity() != b.identity()
    assert IdentityCodec(24_000).identity() != IdentityCodec(16_000).identity()


@pytest.mark.parametrize("rate", [16_000, 24_000, 44_100])
def test_outputs_come_back_at_the_evaluation_rate_and_length(rate) -> None:
    model = EvalModel(IdentityCodec(rate), "id")
    audio = torch.randn(2, 1, 8001, generator=torch.Generator().manual_seed(0))
    (out,) = model.resynthesize_many([(audio, None)])
    assert out.shape == audio.shape and out.dtype == torch.float32
    if rate == 16_000:
        assert torch.equal(out, audio)


class Broken(IdentityCodec):
    def __init__(self, fault: str, rate: int = 16_000) -> None:
        super().__init__(rate)
        self.fault = fault

    def resynthesize(self, audio, *, track=None, n_quantizers=None):
        if self.fault == "shape":
            return audio[:, 0]
        if self.fault == "length":
            return audio[..., :-5]
        if self.fault == "rate":
            return torch.cat([audio, audio[..., : audio.shape[-1] // 2]], -1)  # 24 kHz from 16 kHz
        if self.fault == "dtype":
            return audio.double()
        if self.fault == "nan":
            return audio * float("nan")
        raise RuntimeError("kaput\nsecond line")


@pytest.mark.parametrize("fault, words", [
    ("shape", "shape (2, 4000)"), ("length", "3995 samples for 4000"), ("rate", "at 12000 Hz"),
    ("dtype", "torch.float64"), ("nan", "NaN/inf"), ("raise", "RuntimeError: kaput"),
])
def test_probe_names_the_spec_and_the_violation_in_one_line(fault, words) -> None:
    model = EvalModel(Broken(fault, 8_000), "Mine", spec="Mine=py:pkg.mod:make")
    with pytest.raises((ModelOutputError, ModelCallError)) as info:
        model.probe(["resynthesis"])
    message = str(info.value)
    assert message.startswith("Mine=py:pkg.mod:make: resynthesize") and words in message
    assert "\n" not in message


def test_length_within_tolerance_is_fitted() -> None:
    codec = Broken("length")
    codec.length_tolerance = 5
    model = EvalModel(codec, "tol")
    audio = torch.randn(1, 1, 800)
    (out,) = model.resynthesize_many([(audio, None)])
    assert out.shape == audio.shape and torch.equal(out[..., :-5], audio[..., :-5]) and not out[..., -5:].any()


@pytest.mark.parametrize("thing, words", [
    (object(), "neither a bench.Codec nor a bench.Separator"),
    (IdentityCodec(0), "sample_rate must be a positive int"),
])
def test_what_is_not_a_model_is_refused(thing, words) -> None:
    with pytest.raises(ConfigError, match=words):
        EvalModel(thing, "x")


def test_separator_tracks_are_checked() -> None:
    class Wrong(GainSeparator):
        def separate(self, mix):
            return {"speech": mix, "music": mix}

    with pytest.raises(ModelOutputError, match=r"returned tracks \['music', 'speech'\]"):
        EvalModel(Wrong(), "w").probe(["separation"])

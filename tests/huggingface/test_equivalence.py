"""The harness's codes and audio equal transformers' own, called directly on the same input at
the model's rate: codes bit-exact, audio within 1e-5 (the models saved and loaded from a folder)."""

from __future__ import annotations

import pytest
import torch

from bench.api import CodeStreams
from bench.models.evalmodel import EvalModel
from bench.models.huggingface import load_hf_codec
from sdcodec.core.constants import MIX

#: Name -> (encode keyword per operating point, how transformers decodes the codes).
DIRECT = {
    "dac": (lambda n, cfg: {"n_quantizers": n},
            lambda model, out: model.decode(audio_codes=out.audio_codes).audio_values.unsqueeze(1)),
    "encodec": (lambda n, cfg: {"bandwidth": cfg.target_bandwidths[n - 1]},
                lambda model, out: model.decode(out.audio_codes, out.audio_scales).audio_values),
    "mimi": (lambda n, cfg: {"num_quantizers": n},
             lambda model, out: model.decode(out.audio_codes).audio_values),
    "xcodec": (lambda n, cfg: {"bandwidth": cfg.target_bandwidths[n - 1]},
               lambda model, out: model.decode(out.audio_codes).audio_values),
}


def _input(rate: int, hop: int) -> torch.Tensor:
    """Two clips of a whole number of frames (about 0.1 s) at ``rate``."""
    length = (rate // 10) // hop * hop
    return 0.1 * torch.randn(2, 1, length, generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize("name", sorted(DIRECT))
def test_codes_and_audio_equal_transformers(saved, name):
    folder, original = saved[name]
    codec, _ = load_hf_codec(f"hf:{folder}")
    assert isinstance(codec, CodeStreams)
    encode_arguments, decode = DIRECT[name]
    audio = _input(codec.sample_rate, codec.hop_length)
    assert codec.quantizer_options == tuple(range(codec.quantizer_options[0], len(codec.quantizer_options) + 1))
    for n in (codec.quantizer_options[0], codec.quantizer_options[-1]):
        with torch.inference_mode():
            direct = original.encode(audio, **encode_arguments(n, original.config), return_dict=True)
            expected_codes = direct.audio_codes.reshape(2, n, -1)  # EnCodec: one chunk [1, B, N, F]
            expected_audio = decode(original, direct)
            codes = codec.encode_codes(audio, n_quantizers=n)[MIX]
            ours = codec.resynthesize(audio, n_quantizers=n)
            from_codes = codec.decode_codes({MIX: codes}, audio.shape[-1])
        assert codes.shape == (2, n, audio.shape[-1] // codec.hop_length)
        assert torch.equal(codes, expected_codes)
        assert ours.shape == audio.shape and ours.dtype == torch.float32
        assert (ours - expected_audio[..., :audio.shape[-1]]).abs().max() <= 1e-5
        assert (from_codes - ours).abs().max() <= 1e-5


def test_harness_wrapper_at_the_models_rate_adds_nothing(saved):
    """A 16 kHz codec through ``EvalModel`` (no resampling): the same audio as transformers."""
    folder, original = saved["dac"]
    codec, source = load_hf_codec(f"hf:{folder}")
    model = EvalModel(codec, "DAC-HF", spec=f"hf:{folder}", provenance={"hf": source})
    audio = _input(16_000, 8)
    with torch.inference_mode():
        ours = model.resynthesize_many([(audio, None), (audio.flip(-1), None)], n_quantizers=2)
        expected = original.decode(audio_codes=original.encode(audio, n_quantizers=2).audio_codes).audio_values
    assert (ours[0][:, 0] - expected).abs().max() <= 1e-5
    assert {"resynthesis", "bitrate", "rate-distortion"} <= model.tasks

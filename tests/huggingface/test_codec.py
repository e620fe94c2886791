"""What the harness adds around a transformers codec: mono/stereo, whole frames, operating
points and their nominal bitrate, code streams only where the codes alone decode."""

from __future__ import annotations

import math

import pytest
import torch

from bench.api import CodeStreams
from bench.models.capabilities import tasks_of
from bench.models.huggingface import load_hf_codec
from bench.models.huggingface.kinds import HF_CODECS


def test_stereo_codec_gets_mono_on_both_channels_and_is_averaged_back(saved):
    folder, original = saved["encodec-stereo"]
    codec, _ = load_hf_codec(f"hf:{folder}")
    audio = 0.1 * torch.randn(2, 1, 960, generator=torch.Generator().manual_seed(2))
    with torch.inference_mode():
        ours = codec.resynthesize(audio, n_quantizers=1)
        both = audio.expand(-1, 2, -1)
        direct = original.encode(both, bandwidth=24.0)
        expected = original.decode(direct.audio_codes, direct.audio_scales,
                                   last_frame_pad_length=direct.last_frame_pad_length).audio_values
    assert expected.shape[1] == 2 and direct.audio_codes.shape[0] > 1  # stereo, several chunks
    assert (ours - expected.mean(dim=1, keepdim=True)[..., :960]).abs().max() <= 1e-5
    hf = codec.describe()["hf"]
    assert hf["channels"] == 2 and "averaged to mono" in hf["channel_handling"]
    # normalised chunks need their scales beside the codes: no code streams, so no bitrate task
    assert not isinstance(codec, CodeStreams) and hf["code_streams"] is False
    assert "bitrate" not in tasks_of(codec) and "rate-distortion" in tasks_of(codec)


@pytest.mark.parametrize("name", ["dac", "encodec", "mimi", "xcodec"])
def test_any_length_comes_back_whole(saved, name):
    """Inputs are padded to whole frames, outputs trimmed: the length is kept, and the audio is
    what the model gives for the padded input (DAC alone would drop the last partial frame)."""
    folder, original = saved[name]
    codec, _ = load_hf_codec(f"hf:{folder}")
    hop = codec.hop_length
    length = 37 * hop + hop // 2 + 1
    audio = 0.1 * torch.randn(1, 1, length, generator=torch.Generator().manual_seed(3))
    padded = torch.nn.functional.pad(audio, (0, 38 * hop - length))
    with torch.inference_mode():
        ours = codec.resynthesize(audio)
        whole = codec.resynthesize(padded)
    assert ours.shape == audio.shape
    assert torch.equal(ours, whole[..., :length])


@pytest.mark.parametrize("name", ["encodec", "xcodec"])
def test_bandwidths_map_to_the_quantizers_transformers_uses(saved, name):
    folder, original = saved[name]
    config = original.config
    kind = HF_CODECS.get(config.model_type)
    for bandwidth in config.target_bandwidths:
        assert kind.quantizers_at(config, bandwidth) == original.quantizer.get_num_quantizers_for_bandwidth(bandwidth)
    codec, _ = load_hf_codec(f"hf:{folder}")
    # EnCodec's and X-Codec's bandwidths are frame rate x quantizers x bits: the nominal bitrate
    for n, arguments in codec.points.items():
        assert codec.nominal_kbps(n_quantizers=n) == pytest.approx(arguments["bandwidth"], rel=1e-12)


def test_nominal_bitrate_is_frames_times_codebooks_times_bits(saved):
    codec, _ = load_hf_codec(f"hf:{saved['mimi'][0]}")
    config = saved["mimi"][1].config
    assert codec.frame_rate == config.frame_rate and codec.quantizer_options == (1, 2, 3, 4)
    for n in codec.quantizer_options:
        assert codec.nominal_kbps(n_quantizers=n) == config.frame_rate * n * math.log2(16) / 1000
    assert codec.nominal_kbps() == codec.nominal_kbps(n_quantizers=4)


def test_a_spec_that_fixes_the_bitrate_offers_only_that_point(saved):
    folder = saved["encodec"][0]
    every, _ = load_hf_codec(f"hf:{folder}")
    fixed, _ = load_hf_codec(f"hf:{folder},bandwidth=24")
    counted, _ = load_hf_codec(f"hf:{folder},n_quantizers=2")
    assert every.quantizer_options == (1, 2, 3) and every.default == 3
    assert fixed.quantizer_options == counted.quantizer_options == (2,)
    assert fixed.nominal_kbps() == 24.0
    audio = 0.1 * torch.randn(1, 1, 800, generator=torch.Generator().manual_seed(4))
    with torch.inference_mode():
        assert torch.equal(fixed.resynthesize(audio), every.resynthesize(audio, n_quantizers=2))
    # the run hash tells the operating points apart
    assert len({every.identity(), fixed.identity()}) == 2 and fixed.identity() == counted.identity()


@pytest.mark.parametrize("name", ["dac", "encodec", "mimi", "xcodec"])
def test_transposed_convolutions_run_without_onednn(saved, name, monkeypatch):
    # transformers' decoders use plain nn.ConvTranspose1d, which torch 2.13's oneDNN gets wrong on
    # 2+ CPU threads for some shapes: the harness reroutes each one (sdcodec.transposed_conv)
    import sdcodec.transposed_conv as transposed

    folder, original = saved[name]
    codec, source = load_hf_codec(f"hf:{folder}")
    eligible = [m for m in codec.model.modules() if isinstance(m, torch.nn.ConvTranspose1d) and m.groups == 1]
    assert source["transposed_convs_without_onednn"] == len(eligible) > 0
    calls = []
    routed = transposed.conv_transpose1d

    def counting(*args, **kwargs):
        calls.append(args[1].shape)
        return routed(*args, **kwargs)

    monkeypatch.setattr(transposed, "conv_transpose1d", counting)
    with torch.inference_mode():
        codec.resynthesize(0.1 * torch.randn(1, 1, 4 * codec.hop_length, generator=torch.Generator().manual_seed(5)))
    assert len(calls) >= len(eligible)

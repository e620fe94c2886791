"""TDANet's forward contract: shapes, batch independence, non-causality, input checks, learning."""

from __future__ import annotations

import pytest
import torch

from sdcodec.core.dataclass_json import replace
from sdcodec.core.constants import TRACKS
from sdcodec.core.errors import ConfigError
from baselines.tdanet import TDANET_PRESETS, TDANet, TDANetConfig, neg_si_sdr


@pytest.mark.parametrize("length", [1, 15, 16, 17, 63, 64, 65, 1000, 4001])
def test_output_has_input_length_for_any_length(tiny_model: TDANet, length: int) -> None:
    # The encoder hop is 16 samples and the kernel 64: most lengths are no multiple of either.
    assert tiny_model.config.hop_samples == 16
    with torch.no_grad():
        out = tiny_model(torch.randn(2, 1, length))
    assert out.shape == (2, 3, length)
    assert torch.isfinite(out).all()


def test_separate_names_the_dnr_stems(tiny_model: TDANet) -> None:
    mix = torch.randn(2, 1, 1234)
    with torch.no_grad():
        stems = tiny_model.separate(mix, sample_rate=16000)
        joint = tiny_model(mix)
    assert tuple(stems) == TRACKS == tiny_model.tracks
    for i, track in enumerate(TRACKS):
        assert stems[track].shape == (2, 1, 1234)
        torch.testing.assert_close(stems[track][:, 0], joint[:, i])


def test_batch_items_are_independent(tiny_model: TDANet) -> None:
    torch.manual_seed(1)
    batch = torch.randn(3, 1, 3001) * torch.tensor([0.1, 1.0, 3.0]).view(3, 1, 1)
    with torch.no_grad():
        together = tiny_model(batch)
        alone = torch.cat([tiny_model(batch[i : i + 1]) for i in range(3)])
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=1e-4)


def test_output_before_t_depends_on_input_far_after_t(tiny_model: TDANet) -> None:
    # Non-causal: the global attention (and gLN) see the whole clip, so changing the input only
    # from sample 6000 on changes the output in the first 1000 samples, 5000 samples (0.3 s)
    # before the change; no convolution stack of this size reaches that far.
    torch.manual_seed(2)
    mix = torch.randn(1, 1, 8000)
    changed = mix.clone()
    changed[..., 6000:] += torch.randn(1, 1, 2000)
    with torch.no_grad():
        before = tiny_model(mix)[..., :1000]
        after = tiny_model(changed)[..., :1000]
    assert (before - after).abs().max() > 1e-4 * before.abs().max()


def test_global_attention_alone_is_non_causal() -> None:
    # The top-level MHSA attends over time: an early frame's output moves with a late frame.
    torch.manual_seed(3)
    block = TDANet(TDANET_PRESETS["tiny"]).eval().sm.unet.globalatt
    x = torch.randn(1, block.mlp.fc2.conv.out_channels, 40)
    y = x.clone()
    y[..., 35:] += 1.0
    with torch.no_grad():
        assert not torch.allclose(block(x)[..., :5], block(y)[..., :5], atol=1e-5)


def test_stereo_and_wrong_rate_are_config_errors(tiny_model: TDANet) -> None:
    with pytest.raises(ConfigError, match="mono"):
        tiny_model(torch.randn(1, 2, 1000))
    with pytest.raises(ConfigError, match="mono"):
        tiny_model(torch.randn(1, 1000))
    with pytest.raises(ConfigError, match="16000 Hz"):
        tiny_model.separate(torch.randn(1, 1, 1000), sample_rate=44100)


def test_invalid_configuration_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="global_fusion"):
        TDANetConfig(global_fusion="concat")
    with pytest.raises(ConfigError, match="num_heads"):
        TDANetConfig(in_channels=100)


def test_encoder_geometry_follows_milliseconds() -> None:
    config = TDANET_PRESETS["16k"]
    assert (config.kernel_samples, config.hop_samples, config.num_basis) == (64, 16, 33)
    eight_k = replace(config, sample_rate=8000)
    assert (eight_k.kernel_samples, eight_k.hop_samples) == (32, 8)


def test_gradient_steps_reduce_the_loss_on_a_fixed_batch() -> None:
    torch.manual_seed(4)
    model = TDANet(TDANET_PRESETS["tiny"])
    t = torch.arange(2000) / 16000
    sources = torch.stack([torch.sin(2 * torch.pi * 220 * t), torch.sign(torch.sin(2 * torch.pi * 3 * t)) * 0.3,
                           0.2 * torch.randn(2000)])[None]
    mix = sources.sum(1, keepdim=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)

    def loss_now() -> float:
        model.eval()
        with torch.no_grad():
            return neg_si_sdr(model(mix), sources).item()

    start = loss_now()
    model.train()
    for _ in range(8):
        optimizer.zero_grad()
        loss = neg_si_sdr(model(mix), sources)
        loss.backward()
        optimizer.step()
    assert all(p.grad is not None for p in model.parameters())
    assert loss_now() < start - 1.0  # at least 1 dB of SI-SDR gained


def test_batch_axis_variant_reproduces_look2hears_cross_batch_attention() -> None:
    # Look2Hear's MHSA attends across batch items: items are no longer independent, and at
    # batch 1 each frame's attention output ignores every other frame.
    torch.manual_seed(5)
    config = replace(TDANET_PRESETS["tiny"], attention_axis="batch")
    model = TDANet(config).eval()
    batch = torch.randn(2, 1, 2000)
    with torch.no_grad():
        together = model(batch)
        alone = torch.cat([model(batch[i : i + 1]) for i in range(2)])
    assert not torch.allclose(together, alone, atol=1e-4)
    attention = model.sm.unet.globalatt.attn
    x = torch.randn(1, config.in_channels, 30)
    y = x.clone()
    y[..., 20:] += 1.0
    with torch.no_grad():
        torch.testing.assert_close(attention(x)[..., :20], attention(y)[..., :20])


def test_positional_table_grows_beyond_the_reference_length() -> None:
    from baselines.tdanet.layers import PositionalEncoding, sinusoidal_table

    encoding = PositionalEncoding(8)
    out = encoding(torch.zeros(1, PositionalEncoding.REFERENCE_LENGTH + 5, 8))
    torch.testing.assert_close(out[0], sinusoidal_table(PositionalEncoding.REFERENCE_LENGTH + 5, 8))
    assert "pe" not in encoding.state_dict()

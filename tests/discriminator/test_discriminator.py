"""The discriminator against DAC's (same parameter names, same outputs with copied weights),
and the GAN losses against DAC's ``GANLoss`` on the same discriminator outputs."""

from __future__ import annotations

import warnings

import pytest
import torch

from sdcodec.core.errors import CheckpointError, ConfigError
from sdcodec.discriminator import Discriminator, DiscriminatorConfig, load_discriminator_state
from sdcodec.losses.adversarial import (
    discriminator_loss,
    discriminator_loss_from_outputs,
    feature_matching_loss_from_outputs,
    generator_adversarial_loss_from_outputs,
    generator_losses,
)

LEGACY = {"weight_g": "parametrizations.weight.original0", "weight_v": "parametrizations.weight.original1"}


def legacy_to_parametrized(key: str) -> str:
    for old, new in LEGACY.items():
        if key.endswith(old):
            return key[: -len(old)] + new
    return key


@pytest.fixture(scope="module")
def reference(dac_discriminator_module):
    """DAC's discriminator with the authors' configuration (16 kHz), seeded weights, float64."""
    module, _ = dac_discriminator_module
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = module.Discriminator(rates=[], periods=[2, 3, 5, 7, 11], fft_sizes=[2048, 1024, 512], sample_rate=16000)
    with torch.no_grad():  # non-trivial biases
        for name, param in model.named_parameters():
            if name.endswith("bias"):
                param.normal_(0, 0.05)
    return model.double().eval()


@pytest.fixture(scope="module")
def audio():
    torch.manual_seed(1)
    n = 1700  # short: float64 convolutions with 1024 channels are slow on CPU
    t = torch.arange(n, dtype=torch.float64) / 16000
    return torch.stack([torch.sin(2 * torch.pi * 440 * t) + 0.1 * torch.randn(n, dtype=torch.float64),
                        0.3 * torch.randn(n, dtype=torch.float64)])[:, None]


@pytest.fixture(scope="module")
def reference_outputs(reference, audio):
    with torch.no_grad():
        return reference(audio)


def test_parameter_names_are_dacs(reference):
    ours = Discriminator(DiscriminatorConfig())
    assert set(ours.state_dict()) == {legacy_to_parametrized(k) for k in reference.state_dict()}
    assert len(ours.discriminators) == 8


def test_outputs_equal_dacs_with_copied_weights(reference, reference_outputs, audio):
    ours = Discriminator(DiscriminatorConfig(stft_alignment="match_stride")).double().eval()
    load_discriminator_state(ours, reference.state_dict())
    with torch.no_grad():
        expected, got = reference_outputs, ours(audio)
    assert [len(maps) for maps in got] == [len(maps) for maps in expected] == [6] * 5 + [26] * 3
    for maps_ref, maps_ours in zip(expected, got):
        for ref, out in zip(maps_ref, maps_ours):
            assert out.shape == ref.shape
            torch.testing.assert_close(out, ref, rtol=1e-9, atol=1e-9 * float(ref.abs().max()))


def test_authors_alignment_is_a_centred_torch_stft(reference, reference_outputs, audio):
    """The default (authors') MRD spectrogram is ``torch.stft(center=True)``; its MPDs are DAC's."""
    ours = Discriminator().double().eval()
    load_discriminator_state(ours, reference.state_dict())
    mrd = ours.discriminators[5]
    rows = audio.reshape(-1, audio.shape[-1])
    stft = torch.stft(rows, 2048, 512, window=torch.hann_window(2048, dtype=torch.float64), center=True,
                      return_complex=True)
    torch.testing.assert_close(mrd.spectrogram(audio), torch.view_as_real(stft).permute(0, 3, 2, 1))
    aligned = Discriminator(DiscriminatorConfig(stft_alignment="match_stride")).double()
    assert mrd.spectrogram(audio).shape == aligned.discriminators[5].spectrogram(audio).shape
    with torch.no_grad():
        expected, got = reference_outputs, ours(audio)
    for k in range(5):
        for ref, out in zip(expected[k], got[k]):
            torch.testing.assert_close(out, ref)
    assert not torch.allclose(got[5][-1], expected[5][-1])


def test_strict_loading_names_bad_keys(reference):
    state = dict(reference.state_dict())
    state.pop(next(iter(state)))
    with pytest.raises(CheckpointError, match="missing keys"):
        load_discriminator_state(Discriminator(), state, "disc.pth")


def test_config_validation():
    with pytest.raises(ConfigError, match="stft_alignment"):
        DiscriminatorConfig(stft_alignment="left")
    with pytest.raises(ConfigError, match="bands"):
        DiscriminatorConfig(bands=((0.5, 0.2),))


class _Signal:
    """The part of audiotools' AudioSignal that DAC's GANLoss uses."""

    def __init__(self, audio: torch.Tensor) -> None:
        self.audio_data = audio

    def clone(self) -> "_Signal":
        return _Signal(self.audio_data.clone())

    def detach(self) -> "_Signal":
        return _Signal(self.audio_data.detach())


def test_gan_losses_equal_dacs(dac_discriminator_module):
    _, dac_loss = dac_discriminator_module
    torch.manual_seed(3)
    disc = Discriminator(DiscriminatorConfig(periods=(2, 3), fft_sizes=(512,)))
    real = torch.randn(2, 1, 1200)
    fake = (real + 0.3 * torch.randn_like(real)).requires_grad_(True)
    oracle = dac_loss.GANLoss(disc)
    expected_d = oracle.discriminator_loss(_Signal(fake), _Signal(real))
    expected_adv, expected_feat = oracle.generator_loss(_Signal(fake), _Signal(real))

    got_d = discriminator_loss(disc, fake, real)
    got_adv, got_feat = generator_losses(disc, fake, real)
    torch.testing.assert_close(got_d, expected_d)
    torch.testing.assert_close(got_adv, expected_adv)
    torch.testing.assert_close(got_feat, expected_feat)
    d_fake, d_real = disc(fake), disc(real)
    torch.testing.assert_close(discriminator_loss_from_outputs(d_fake, d_real), expected_d)
    torch.testing.assert_close(generator_adversarial_loss_from_outputs(d_fake), expected_adv)
    torch.testing.assert_close(feature_matching_loss_from_outputs(d_fake, d_real), expected_feat)

    # Gradients: the discriminator loss does not reach the fake; the generator's does, the
    # feature-matching references are detached.
    assert not got_d.requires_grad or torch.autograd.grad(got_d, fake, allow_unused=True)[0] is None
    grad_ours = torch.autograd.grad(got_adv + 2 * got_feat, fake)[0]
    grad_ref = torch.autograd.grad(expected_adv + 2 * expected_feat, fake)[0]
    torch.testing.assert_close(grad_ours, grad_ref)
    assert grad_ours.abs().sum() > 0


def test_losses_on_hand_made_outputs():
    """Hand-computable values: logits all 0.5 for fake and 1 for real, features differing by 1."""
    fake = [[torch.zeros(2, 3), torch.full((2, 1), 0.5)], [torch.ones(4), torch.full((5,), 0.5)]]
    real = [[torch.ones(2, 3), torch.ones(2, 1)], [torch.zeros(4), torch.ones(5)]]
    assert discriminator_loss_from_outputs(fake, real).item() == pytest.approx(2 * 0.25)
    assert generator_adversarial_loss_from_outputs(fake).item() == pytest.approx(2 * 0.25)
    assert feature_matching_loss_from_outputs(fake, real).item() == pytest.approx(2.0)

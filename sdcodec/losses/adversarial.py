"""DAC's GAN losses (least-squares GAN + feature matching), as the SD-Codec authors use them.

The discriminator outputs are lists (one per sub-discriminator) of feature-map lists whose last
entry is the logits (``sdcodec.discriminator.Discriminator.forward``). With ``D_k`` the logits of
sub-discriminator ``k`` and ``F_kj`` its ``j``-th feature map:

- discriminator: ``sum_k mean(D_k(fake)^2) + mean((1 - D_k(real))^2)``;
- generator, adversarial: ``sum_k mean((1 - D_k(fake))^2)``;
- generator, feature matching: ``sum_k sum_j mean|F_kj(fake) - F_kj(real)|`` over every feature
  map but the logits, the real features detached.

``*_from_outputs`` take the discriminator outputs; ``discriminator_loss`` and
``generator_losses`` run a discriminator on waveforms ``[B, 1, T]`` first (the fake detached for
the discriminator loss), as DAC's ``GANLoss.discriminator_loss`` / ``generator_loss``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

Outputs = Sequence[Sequence[torch.Tensor]]


def discriminator_loss_from_outputs(d_fake: Outputs, d_real: Outputs) -> torch.Tensor:
    """Least-squares discriminator loss on the logits (last entry) of every sub-discriminator."""
    terms = [torch.mean(fake[-1] ** 2) + torch.mean((1 - real[-1]) ** 2) for fake, real in zip(d_fake, d_real, strict=True)]
    return torch.stack(terms).sum()


def generator_adversarial_loss_from_outputs(d_fake: Outputs) -> torch.Tensor:
    """Least-squares generator loss: the fake logits pushed towards 1."""
    return torch.stack([torch.mean((1 - fake[-1]) ** 2) for fake in d_fake]).sum()


def feature_matching_loss_from_outputs(d_fake: Outputs, d_real: Outputs) -> torch.Tensor:
    """L1 between fake and (detached) real feature maps, every map but the logits, summed."""
    terms = [F.l1_loss(f, r.detach())
             for fake, real in zip(d_fake, d_real, strict=True)
             for f, r in zip(fake[:-1], real[:-1], strict=True)]
    return torch.stack(terms).sum()


def discriminator_loss(discriminator: Callable[[torch.Tensor], Outputs], fake: torch.Tensor,
                       real: torch.Tensor) -> torch.Tensor:
    """The discriminator's loss on waveforms ``fake`` (detached here) and ``real``, ``[B, 1, T]``."""
    return discriminator_loss_from_outputs(discriminator(fake.detach()), discriminator(real))


def generator_losses(discriminator: Callable[[torch.Tensor], Outputs], fake: torch.Tensor,
                     real: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(adversarial, feature_matching)`` generator losses on waveforms ``[B, 1, T]``."""
    d_fake = discriminator(fake)
    d_real = discriminator(real)
    return generator_adversarial_loss_from_outputs(d_fake), feature_matching_loss_from_outputs(d_fake, d_real)

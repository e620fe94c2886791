"""The codec recipe (SD-Codec and DAC), as the authors' trainer does it.

Per step: the generator codes the batch's mixture and decodes the mixture (sum of the present
branches' latents, swapped across examples when the batch says so) and each present track's
own branch; then, on all outputs against their references at once
(``bench.train.targets.codec_outputs``):

1. discriminator step: least-squares GAN loss on (detached outputs, references);
2. generator step: ``mel * L_mel + adv * L_adv + feature * L_feat + commitment * L_commit +
   codebook * L_codebook`` (+ ``stft * L_stft``, ``si_sdr * (-SI-SDR)`` and ``snr * (-SNR)``
   of the audible references, ``silence *`` the level of the outputs of silent references and
   ``waveform * L1`` when weighted), with the discriminator just
   updated; its gradients here stay local (``no_sync``) and are discarded.

Without a discriminator (``discriminator=null``) only the mel, VQ (and STFT) terms remain.
Spectral losses run in fp32 outside autocast; networks run under autocast on CUDA.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from sdcodec.core.constants import MIX
from bench.train.objectives import neg_si_sdr_of_audible, neg_snr_of_audible, silence_level_of_inaudible
from bench.train.recipes import RECIPES, Recipe
from bench.train.runtime import no_sync
from bench.train.targets import codec_outputs


def _loss_precision(x: torch.Tensor) -> torch.Tensor:
    """``x`` for the losses: half-precision (autocast) tensors in float32, float32 and float64 as
    they are (a float64 run stays float64: tests/train/test_distributed.py compares in it)."""
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x


@torch.no_grad()
def scale_codebooks(model: nn.Module, factor: float) -> None:
    """Multiplies every codebook (``nn.Embedding`` weight) of ``model`` by ``factor`` in place
    (``TrainConfig.codebook_init_scale``)."""
    for module in model.modules():
        if isinstance(module, nn.Embedding):
            module.weight.mul_(factor)


@RECIPES.register("codec")
class CodecRecipe(Recipe):
    """See the module docstring. Parts: ``generator`` (the codec), ``discriminator`` (if any)."""

    name = "codec"

    def __init__(self, config, runtime) -> None:
        super().__init__(config, runtime)
        from sdcodec.losses.spectral import sdcodec_mel_loss, sdcodec_stft_loss

        model = self.build_model()
        if config.codebook_init_scale != 1.0:
            scale_codebooks(model, config.codebook_init_scale)
        if config.quantize_prob != 1.0:
            from sdcodec.quantize import set_quantize_prob

            set_quantize_prob(model, config.quantize_prob)
        if config.init_from_dac:
            from bench.models.checkpoints import resolve_checkpoint
            from sdcodec.init_dac import INIT_FROM_DAC_MODES

            # a file, an embedded DAC (dac-tiny) or a fetched official one (dac-16k)
            INIT_FROM_DAC_MODES[config.init_from_dac_mode](model, resolve_checkpoint(config.init_from_dac))
        # SD-Codec's absent branches take no part in a step's loss: DDP must look for them.
        multi_branch = tuple(model.branches) != (MIX,)
        self.generator = self.part("generator", model, find_unused_parameters=multi_branch)
        self.discriminator = None
        disc_config = config.discriminator_config()
        if disc_config is not None:
            from sdcodec.discriminator import Discriminator

            self.discriminator = self.part("discriminator", Discriminator(disc_config))
        device = runtime.device
        self.mel_loss = sdcodec_mel_loss(model.sample_rate).to(device)
        self.stft_loss = sdcodec_stft_loss().to(device) if config.loss.stft > 0 else None

    @property
    def model(self) -> nn.Module:
        return self.generator.module

    def train_step(self, batch: Any, step: int) -> dict[str, torch.Tensor]:
        weights = self.config.loss
        names, references = codec_outputs(batch, self.model.branches, self.config.absent_silent)
        present = None if names == [MIX] else list(batch.present)
        shuffle = batch.shuffle if present is not None else None
        with self.runtime.autocast():
            out = self.generator.wrapped(batch.mix, names, present=present, shuffle=shuffle)
        fake = _loss_precision(torch.cat([out.audio[n] for n in names], 0))
        real = _loss_precision(torch.cat(references, 0))

        logs: dict[str, torch.Tensor] = {}
        terms = {"commitment": _loss_precision(out.commitment_loss), "codebook": _loss_precision(out.codebook_loss)}
        if weights.mel > 0:
            terms["mel"] = self.mel_loss(fake, real)
        elif self.logs_at(step):  # unweighted: only measured for the log (7% of a tiny step)
            with torch.no_grad():
                logs["mel"] = self.mel_loss(fake.detach(), real)
        if self.discriminator is not None:
            from sdcodec.losses.adversarial import discriminator_loss, generator_losses

            with self.runtime.autocast():
                loss_d = discriminator_loss(self.discriminator.wrapped, fake.detach(), real)
            logs["grad_norm_d"] = self.discriminator.update(_loss_precision(loss_d))
            logs["loss_d"] = loss_d.detach()
            with no_sync(self.discriminator.wrapped), self.runtime.autocast():
                adv, feature = generator_losses(self.discriminator.wrapped, fake, real)
            terms.update(adv=_loss_precision(adv), feature=_loss_precision(feature))
        if self.stft_loss is not None:
            terms["stft"] = self.stft_loss(fake, real)
        if weights.si_sdr > 0:
            terms["si_sdr"] = neg_si_sdr_of_audible(fake, real)
        if weights.snr > 0:
            terms["snr"] = neg_snr_of_audible(fake, real)
        if weights.silence > 0:
            mixtures = _loss_precision(batch.mix.repeat(len(names), 1, 1))
            terms["silence"] = silence_level_of_inaudible(fake, real, mixtures)
        if weights.waveform > 0:
            terms["waveform"] = (fake - real).abs().mean()
        loss_g = sum(getattr(weights, name) * value for name, value in terms.items())
        grad_norm_g = self.generator.update(loss_g)
        logs.update({name: value.detach() for name, value in terms.items()})
        logs.update(loss_g=loss_g.detach(), grad_norm_g=grad_norm_g)
        return logs

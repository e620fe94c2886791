"""What every DAC-style codec of the family shares: input checks and padding, encoder, decoder,
branch-wise quantization, the authors' ``evaluate``, ``resynthesize``, ``from_codes`` and the
training ``forward``. ``SDCodec`` (one branch per track) and ``baselines.dac.DAC`` (one branch)
subclass ``CodecBase`` and only say how a branch quantizes.

Shapes: audio ``[batch, 1, time]`` in samples at ``sample_rate`` Hz; latents ``[batch, D, frames]``
with ``frames = ceil(time / hop_length)``; codes ``[batch, n_codebooks, frames]`` (long).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from sdcodec.core.constants import MIX
from sdcodec.core.errors import ConfigError
from sdcodec.bitrate import code_perplexity
from sdcodec.config import CodecConfig
from sdcodec.nn import Decoder, Encoder, adapt_weight_norm_keys, init_conv_biases, remove_weight_norm
from sdcodec.quantize import QuantizedLatent


@dataclass
class SDCodecOutput:
    """The training forward's result (one entry per branch in the per-branch dicts).

    ``audio``: name (``"mix"`` or a track) -> ``[B, 1, T]`` decoded audio, trimmed to the input
    length ``T``; ``z_q``: branch -> ``[B, D, F]`` quantized latent (un-shuffled); ``codes``:
    branch -> ``[B, N, F]``; ``commitment_loss``/``codebook_loss``: scalars averaged over the
    present tracks; ``perplexity``: branch -> ``[N]`` codebook perplexity over the batch
    (detached); ``length``: ``T`` in samples.
    """

    audio: dict[str, torch.Tensor]
    z_q: dict[str, torch.Tensor]
    codes: dict[str, torch.Tensor]
    commitment_loss: torch.Tensor
    codebook_loss: torch.Tensor
    perplexity: dict[str, torch.Tensor] = field(default_factory=dict)
    length: int = 0


class CodecBase(nn.Module):
    """Encoder + per-branch residual VQ + decoder. Subclasses set ``family``, build
    ``self.quantizer`` and implement ``branches`` / ``branch_of`` / ``quantize`` / ``_branch_codes``.
    """

    family: str = ""

    def __init__(self, config: CodecConfig) -> None:
        super().__init__()
        self.config = config
        self.sample_rate = int(config.sample_rate)
        self.hop_length = int(config.hop_length)
        self.latent_dim = int(config.latent_channels)
        self.encoder = Encoder(config.encoder_dim, config.encoder_rates, self.latent_dim)
        self.decoder = Decoder(
            self.latent_dim, config.decoder_dim, config.decoder_rates, transpose_padding=config.transpose_padding
        )

    def _init_weights(self) -> None:
        """The reference initialisation (conv biases zero; see ``sdcodec.nn.init_conv_biases``)."""
        init_conv_biases(self)

    # -- what a subclass defines ---------------------------------------------------------------
    @property
    def branches(self) -> tuple[str, ...]:
        """Names of the quantizer branches (tracks for SD-Codec, ``("mix",)`` for DAC)."""
        raise NotImplementedError

    def branch_of(self, track: str) -> str:
        """The branch that codes ``track`` (a ``ConfigError`` naming the known ones if none)."""
        raise NotImplementedError

    def quantize(self, z: torch.Tensor, track: str, n_quantizers: int | None = None) -> QuantizedLatent:
        """Quantizes the latent ``z [B, D, F]`` with ``track``'s branch."""
        raise NotImplementedError

    def _branch_from_codes(self, branch: str, codes: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    # -- shared behaviour ---------------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def preprocess(self, audio: torch.Tensor, sample_rate: int | None = None) -> torch.Tensor:
        """Checks ``audio [B, 1, T]`` and right-pads it with zeros to a multiple of ``hop_length``.

        A wrong ``sample_rate`` (Hz) or a multi-channel input is a ``ConfigError`` (resample to
        ``self.sample_rate`` / downmix with ``audio.mean(1, keepdim=True)`` first).
        """
        if sample_rate is not None and int(sample_rate) != self.sample_rate:
            raise ConfigError(
                f"{type(self).__name__} runs at {self.sample_rate} Hz, got audio at {sample_rate} Hz "
                f"(resample it to {self.sample_rate} Hz first)"
            )
        if audio.dim() != 3 or audio.shape[1] != 1:
            raise ConfigError(
                f"{type(self).__name__} codes mono audio shaped [batch, 1, time], got {tuple(audio.shape)} "
                "(downmix with audio.mean(1, keepdim=True); add a batch axis with audio[None])"
            )
        pad = (-audio.shape[-1]) % self.hop_length
        return F.pad(audio, (0, pad)) if pad else audio

    def encode(self, audio: torch.Tensor) -> torch.Tensor:
        """Continuous latent ``[B, D, T / hop]`` of preprocessed audio ``[B, 1, T]``."""
        return self.encoder(audio)

    def decode(self, z_q: torch.Tensor) -> torch.Tensor:
        """Audio ``[B, 1, T']`` from a (quantized) latent ``[B, D, F]``; ``T'`` is about ``F * hop``
        (exactly ``F * hop + 8``/``- 8``/``+ 0`` for the 16 kHz rates, by ``transpose_padding``)."""
        return self.decoder(z_q)

    def _decode_all(self, latents: Sequence[torch.Tensor], length: int) -> list[torch.Tensor]:
        """Decodes several ``[B, D, F]`` latents in one batched call; each trimmed (or zero-padded)
        to ``length`` samples."""
        audio = self.decode(torch.cat(list(latents), 0))
        if audio.shape[-1] < length:
            audio = F.pad(audio, (0, length - audio.shape[-1]))
        return list(audio[..., :length].split(latents[0].shape[0], 0))

    def _check_outputs(self, output_tracks: Sequence[str]) -> list[str]:
        names = list(output_tracks)
        for name in names:
            if name != MIX:
                self.branch_of(name)
        return names

    def evaluate(
        self,
        audio: torch.Tensor,
        output_tracks: Sequence[str] = (MIX,),
        n_quantizers: int | None = None,
        sample_rate: int | None = None,
    ) -> torch.Tensor:
        """Codes ``audio [B, 1, T]`` and returns ``[B, K, T]``, one channel per output track.

        As the authors' ``evaluate``: ``"mix"`` decodes the SUM of every branch's quantized latent;
        a track decodes its own branch's latent. ``n_quantizers`` limits each branch's layers.
        """
        names = self._check_outputs(output_tracks)
        length = audio.shape[-1]
        z = self.encode(self.preprocess(audio, sample_rate))
        needed = list(self.branches) if MIX in names else [self.branch_of(n) for n in names]
        z_q = {b: self.quantize(z, b, n_quantizers).z_q for b in dict.fromkeys(needed)}
        latents = [
            torch.stack(list(z_q.values())).sum(0) if name == MIX else z_q[self.branch_of(name)]
            for name in names
        ]
        return torch.cat(self._decode_all(latents, length), 1)

    def resynthesize(self, audio: torch.Tensor, track: str = MIX, n_quantizers: int | None = None) -> torch.Tensor:
        """``audio [B, 1, T]`` coded and decoded -> ``[B, 1, T]``: ``"mix"`` through the sum of all
        branches; a track name through that track's branch (the source alone in, its branch out)."""
        return self.evaluate(audio, [track], n_quantizers)

    def from_codes(self, codes: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Codes per branch (``[B, N, F]`` long) -> quantized latents per branch (``[B, D, F]``);
        ``decode`` of a latent (or of their sum for the mixture) gives the audio."""
        return {name: self._branch_from_codes(self.branch_of(name), c) for name, c in codes.items()}

    def forward(
        self,
        audio: torch.Tensor,
        output_tracks: Sequence[str] = (MIX,),
        present: Sequence[str] | None = None,
        shuffle: Mapping[str, torch.Tensor] | None = None,
        n_quantizers: int | None = None,
    ) -> SDCodecOutput:
        """Training forward, with the authors' trainer semantics.

        ``audio [B, 1, T]`` is the input (the mixture of the ``present`` tracks). Every branch
        quantizes the encoder output. Commitment and codebook losses are averaged over the
        ``present`` branches (all when None). ``audio["mix"]`` decodes the sum of the present
        branches' latents, each first permuted over the batch by ``shuffle[branch]`` (a ``[B]``
        long permutation) when given: the latent swap that makes new mixtures. A track name in
        ``output_tracks`` decodes that branch's (un-shuffled) latent.
        """
        names = self._check_outputs(output_tracks)
        present = list(self.branches) if present is None else list(dict.fromkeys(self.branch_of(t) for t in present))
        if not present:
            raise ConfigError("forward: at least one present track is needed")
        length = audio.shape[-1]
        z = self.encode(self.preprocess(audio))
        quantized = {b: self.quantize(z, b, n_quantizers) for b in self.branches}
        commitment = torch.stack([quantized[b].commitment_loss for b in present]).mean()
        codebook = torch.stack([quantized[b].codebook_loss for b in present]).mean()
        z_q = {b: q.z_q for b, q in quantized.items()}

        def mixed() -> torch.Tensor:
            parts = [z_q[b][shuffle[b]] if shuffle is not None and b in shuffle else z_q[b] for b in present]
            return torch.stack(parts).sum(0)

        latents = [mixed() if name == MIX else z_q[self.branch_of(name)] for name in names]
        decoded = self._decode_all(latents, length) if latents else []
        return SDCodecOutput(
            audio=dict(zip(names, decoded)),
            z_q=z_q,
            codes={b: q.codes for b, q in quantized.items()},
            commitment_loss=commitment,
            codebook_loss=codebook,
            perplexity={b: code_perplexity(q.codes.detach(), self.config.codebook_size) for b, q in quantized.items()},
            length=length,
        )

    # -- weights -----------------------------------------------------------------------------
    def remove_weight_norm(self) -> "CodecBase":
        """Folds every weight norm into plain weights (exact; faster inference). In place."""
        remove_weight_norm(self)
        return self

    def load_state_dict(self, state_dict: Mapping[str, torch.Tensor], strict: bool = True, assign: bool = False):
        """``nn.Module.load_state_dict`` that first converts weight-norm keys (legacy
        ``weight_g/weight_v``, parametrizations ``original0/1``, folded ``weight``) to this model's form."""
        adapted = adapt_weight_norm_keys(state_dict, self.state_dict().keys())
        return super().load_state_dict(adapted, strict=strict, assign=assign)

    def parameter_counts(self) -> dict[str, int]:
        """Number of parameters in total and per part (encoder, decoder, quantizer)."""
        parts = {name: sum(p.numel() for p in getattr(self, name).parameters()) for name in ("encoder", "decoder", "quantizer")}
        return {"total": sum(p.numel() for p in self.parameters()), **parts}

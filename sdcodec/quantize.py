"""Vector quantizers: factorized L2-normalised VQ, residual VQ with quantizer dropout, and the
multi-source residual VQ of SD-Codec (one branch per track, optional shared last layers).

Shapes: latents ``z`` are ``[batch, dim, frames]``; codes are ``[batch, n_codebooks, frames]``
(long). State-dict layout follows DAC (``quantizers.<i>.in_proj``, ``.out_proj``, ``.codebook``)
and the SD-Codec authors (``rvq_dict.<track>.``, ``jitter_dict.<track>.prob``, ``shared_rvq.``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from sdcodec.nn import WNConv1d


class QuantizedLatent(NamedTuple):
    """What a (residual) quantizer returns; unpacks like the authors' 5-tuple.

    ``z_q``: ``[B, D, F]`` quantized latent (straight-through gradient to the input);
    ``codes``: ``[B, N, F]`` long codebook indices; ``latents``: ``[B, N * codebook_dim, F]``
    projected latents before lookup; ``commitment_loss``, ``codebook_loss``: scalars (summed over
    codebooks, averaged over the batch).
    """

    z_q: torch.Tensor
    codes: torch.Tensor
    latents: torch.Tensor
    commitment_loss: torch.Tensor
    codebook_loss: torch.Tensor


class VectorQuantize(nn.Module):
    """One codebook with factorized codes: a 1x1 projection down to ``codebook_dim``,
    nearest neighbour by cosine similarity (L2-normalised input and codebook), the raw codebook
    vector looked up, and a 1x1 projection back up (Improved VQGAN's tricks, as in DAC).
    """

    def __init__(self, input_dim: int, codebook_size: int, codebook_dim: int) -> None:
        super().__init__()
        self.codebook_size = codebook_size
        self.codebook_dim = codebook_dim
        self.in_proj = WNConv1d(input_dim, codebook_dim, kernel_size=1)
        self.out_proj = WNConv1d(codebook_dim, input_dim, kernel_size=1)
        self.codebook = nn.Embedding(codebook_size, codebook_dim)

    def forward(self, z: torch.Tensor, bypass: torch.Tensor | None = None):
        """``z [B, D, F]`` -> ``(z_q [B, D, F], commitment [B], codebook [B], codes [B, F], z_e [B, d, F])``.

        ``bypass`` (training only, ``[B]`` bool): those examples pass their projected latent
        ``z_e`` instead of its codebook vector (``ResidualVectorQuantize.quantize_prob``); their
        codes and VQ losses are still computed, so the codebooks keep learning.

        The per-example losses are mean squared errors between the projected input ``z_e`` and
        its codebook vector, one side detached each; ``z_q`` passes the gradient straight through.
        When no gradient is recorded (``no_grad``/``inference_mode``, or nothing requires one),
        the codebook vector itself is projected: ``z_e + (z_c - z_e)`` is ``z_c`` only up to float
        round-off, and using ``z_c`` makes ``z_q`` bit-identical to ``from_codes`` of the codes,
        so decoding transmitted codes gives exactly the audio of the encode path.
        """
        z_e = self.in_proj(z)
        z_c, codes = self.lookup(z_e)
        commitment = F.mse_loss(z_e, z_c.detach(), reduction="none").mean((1, 2))
        codebook = F.mse_loss(z_c, z_e.detach(), reduction="none").mean((1, 2))
        z_st = z_e + (z_c - z_e).detach() if z_e.requires_grad else z_c  # straight-through estimator
        if bypass is not None:
            z_st = torch.where(bypass[:, None, None], z_e, z_st)
        return self.out_proj(z_st), commitment, codebook, codes, z_e

    def embed(self, codes: torch.Tensor) -> torch.Tensor:
        """Codes ``[B, F]`` -> codebook vectors ``[B, codebook_dim, F]`` (before ``out_proj``)."""
        return F.embedding(codes, self.codebook.weight).transpose(1, 2)

    def lookup(self, z_e: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Nearest codebook entry of each frame of ``z_e [B, d, F]`` after L2 normalisation.

        Returns the (unnormalised) codebook vectors ``[B, d, F]`` and codes ``[B, F]``. The
        squared distance is expanded as |e|^2 - 2 e.c + |c|^2, the same arithmetic as DAC, so
        the chosen indices agree with it bit for bit.
        """
        batch = z_e.shape[0]
        flat = F.normalize(z_e.transpose(1, 2).reshape(-1, z_e.shape[1]))
        book = F.normalize(self.codebook.weight)
        distance = flat.pow(2).sum(1, keepdim=True) - 2 * flat @ book.t() + book.pow(2).sum(1, keepdim=True).t()
        codes = (-distance).max(1)[1].reshape(batch, -1)
        return self.embed(codes), codes


class ResidualVectorQuantize(nn.Module):
    """``n_codebooks`` VQs in series, each quantizing what the previous ones left (SoundStream).

    Quantizer dropout (training only): the first ``int(B * quantizer_dropout)`` examples of a
    batch use a random number (1..N) of codebooks; the others use all. In eval mode the first
    ``n_quantizers`` codebooks are used (all when None).

    ``quantize_prob`` (training only; 1 = always quantize, as DAC and the authors): each example
    is quantized with this probability and otherwise passes through every layer unquantized (its
    projected latents, with codes and VQ losses still computed): the "quantization rate" of
    Moshi's Mimi codec (Defossez et al. 2024 use 0.5). ``TrainConfig.quantize_prob`` sets it; the
    decoder then also learns from clean latents, which speeds up short runs (``tiny``).
    Evaluation always quantizes.
    """

    quantize_prob: float = 1.0

    def __init__(
        self,
        input_dim: int = 1024,
        n_codebooks: int = 12,
        codebook_size: int = 1024,
        codebook_dim: int | Sequence[int] = 8,
        quantizer_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        dims = [codebook_dim] * n_codebooks if isinstance(codebook_dim, int) else list(codebook_dim)
        self.n_codebooks = n_codebooks
        self.codebook_size = codebook_size
        self.codebook_dim = dims
        self.quantizer_dropout = float(quantizer_dropout)
        self.quantizers = nn.ModuleList(VectorQuantize(input_dim, codebook_size, d) for d in dims)

    def _active_counts(self, batch: int, n_quantizers: int | None, device: torch.device) -> torch.Tensor | None:
        """Per-example number of codebooks in training mode (None in eval mode)."""
        if not self.training:
            return None
        counts = torch.full((batch,), self.n_codebooks + 1.0)
        dropped = int(batch * self.quantizer_dropout)
        if dropped:
            counts[:dropped] = torch.randint(1, self.n_codebooks + 1, (batch,))[:dropped].float()
        return counts.to(device)

    def forward(self, z: torch.Tensor, n_quantizers: int | None = None) -> QuantizedLatent:
        """Quantizes ``z [B, D, F]``; see ``QuantizedLatent``."""
        limit = self.n_codebooks if n_quantizers is None else int(n_quantizers)
        counts = self._active_counts(z.shape[0], n_quantizers, z.device)
        bypass = None
        if self.training and self.quantize_prob < 1.0 and torch.is_grad_enabled():
            bypass = torch.rand(z.shape[0], device=z.device) >= self.quantize_prob
        z_q = torch.zeros_like(z)
        residual = z
        commitment = z.new_zeros(())
        codebook = z.new_zeros(())
        codes, latents = [], []
        for index, quantizer in enumerate(self.quantizers):
            if counts is None and index >= limit:
                break
            z_q_i, commit_i, book_i, codes_i, z_e_i = quantizer(residual, bypass)
            if counts is None:
                z_q = z_q + z_q_i
                commitment = commitment + commit_i.mean()
                codebook = codebook + book_i.mean()
            else:
                keep = (index < counts).to(z.dtype)
                z_q = z_q + z_q_i * keep[:, None, None]
                commitment = commitment + (commit_i * keep).mean()
                codebook = codebook + (book_i * keep).mean()
            residual = residual - z_q_i
            codes.append(codes_i)
            latents.append(z_e_i)
        return QuantizedLatent(z_q, torch.stack(codes, 1), torch.cat(latents, 1), commitment, codebook)

    def from_codes(self, codes: torch.Tensor) -> torch.Tensor:
        """Codes ``[B, n, F]`` (``n <= n_codebooks``) -> quantized latent ``z_q [B, D, F]``."""
        if codes.shape[1] > self.n_codebooks:
            raise ValueError(f"{codes.shape[1]} codebooks given, this quantizer has {self.n_codebooks}")
        z_q = 0.0
        for index in range(codes.shape[1]):
            quantizer = self.quantizers[index]
            z_q = z_q + quantizer.out_proj(quantizer.embed(codes[:, index]))
        return z_q


def set_quantize_prob(model: nn.Module, prob: float) -> None:
    """Sets ``quantize_prob`` (see ``ResidualVectorQuantize``) on every residual VQ of ``model``."""
    if not 0.0 < prob <= 1.0:
        raise ValueError(f"quantize_prob {prob} must lie in (0, 1]")
    for module in model.modules():
        if isinstance(module, ResidualVectorQuantize):
            module.quantize_prob = float(prob)


class CodeJitter(nn.Module):
    """The authors' code jitter: in training, each frame of a quantized latent is replaced by a
    neighbour within ``size // 2`` frames with probability ``p`` (off when ``p == 0``, the
    setting of every published configuration). Holds the ``prob`` buffer their checkpoints store.
    """

    def __init__(self, p: float = 0.0, size: int = 3) -> None:
        super().__init__()
        self.p = float(p)
        self.size = int(size)
        prob = torch.full((size,), self.p / (size - 1))
        prob[size // 2] = 1.0 - self.p
        self.register_buffer("prob", prob)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return z
        batch, dim, frames = z.shape
        offsets = torch.multinomial(self.prob, batch * frames, replacement=True).reshape(batch, frames)
        index = (offsets - self.size // 2 + torch.arange(frames, device=z.device)).clamp(0, frames - 1)
        return torch.gather(z, -1, index[:, None, :].expand(-1, dim, -1))


class MultiSourceRVQ(nn.Module):
    """One residual VQ per track (``rvq_dict.<track>``) over the same latent, with an optional
    RVQ of the last ``shared_codebooks`` layers common to all tracks (``shared_rvq``), which
    quantizes the residual each branch's own layers leave. Every track codes with
    ``n_codebooks`` layers in total (own + shared).
    """

    def __init__(
        self,
        tracks: Sequence[str] = ("speech", "music", "sfx"),
        input_dim: int = 1024,
        n_codebooks: int = 12,
        codebook_size: int = 1024,
        codebook_dim: int = 8,
        quantizer_dropout: float = 0.0,
        shared_codebooks: int = 0,
        code_jit_prob: Sequence[float] = (0.0, 0.0, 0.0),
        code_jit_size: Sequence[int] = (3, 5, 3),
    ) -> None:
        super().__init__()
        if not 0 <= shared_codebooks < n_codebooks:
            raise ValueError(f"shared_codebooks={shared_codebooks} must lie in 0..n_codebooks-1={n_codebooks - 1}")
        self.tracks = tuple(tracks)
        self.n_codebooks = n_codebooks
        self.shared_codebooks = shared_codebooks
        own = n_codebooks - shared_codebooks

        def rvq(count: int) -> ResidualVectorQuantize:
            return ResidualVectorQuantize(input_dim, count, codebook_size, codebook_dim, quantizer_dropout)

        self.rvq_dict = nn.ModuleDict({track: rvq(own) for track in self.tracks})
        self.jitter_dict = nn.ModuleDict(
            {track: CodeJitter(p, s) for track, p, s in zip(self.tracks, code_jit_prob, code_jit_size, strict=True)}
        )
        if shared_codebooks > 0:
            self.shared_rvq = rvq(shared_codebooks)

    def forward(self, track: str, z: torch.Tensor, n_quantizers: int | None = None) -> QuantizedLatent:
        """Quantizes ``z [B, D, F]`` with ``track``'s branch (first ``n_quantizers`` layers in eval)."""
        branch = self.rvq_dict[track]
        total = self.n_codebooks if n_quantizers is None else int(n_quantizers)
        own = branch(z, total)
        if self.shared_codebooks == 0 or total <= branch.n_codebooks:
            return own._replace(z_q=self.jitter_dict[track](own.z_q))
        shared = self.shared_rvq(z - own.z_q, total - branch.n_codebooks)
        return QuantizedLatent(
            self.jitter_dict[track](own.z_q + shared.z_q),
            torch.cat((own.codes, shared.codes), 1),
            torch.cat((own.latents, shared.latents), 1),
            own.commitment_loss + shared.commitment_loss,
            own.codebook_loss + shared.codebook_loss,
        )

    def from_codes(self, track: str, codes: torch.Tensor) -> torch.Tensor:
        """Codes ``[B, n, F]`` of ``track`` (own layers first, then shared) -> ``z_q [B, D, F]``."""
        branch = self.rvq_dict[track]
        own = codes[:, : branch.n_codebooks]
        z_q = branch.from_codes(own)
        if codes.shape[1] > branch.n_codebooks:
            z_q = z_q + self.shared_rvq.from_codes(codes[:, branch.n_codebooks :])
        return z_q

"""SD-Codec: one encoder, one decoder, one residual VQ branch per source track.

Every branch quantizes the same encoder output; the mixture is decoded from the SUM of the
branches' quantized latents, a source from its own branch. The state_dict layout is the
authors' (``encoder.block.*``, ``decoder.model.*``, ``quantizer.rvq_dict.<track>.*``,
``quantizer.jitter_dict.<track>.prob``, ``quantizer.shared_rvq.*``), so their
``ckpt_model_final.pth`` loads with ``strict=True``.

Example (shapes in samples)::

    model = SDCodec(sdcodec_preset("16k")).eval()
    est = model.separate(mix)                 # {"speech": [B,1,T], "music": ..., "sfx": ...}
    out = model.evaluate(mix, ["mix", "speech"])   # [B, 2, T]
"""

from __future__ import annotations

import torch

from sdcodec.core.errors import ConfigError
from sdcodec.codec import CodecBase, SDCodecOutput
from sdcodec.config import SDCodecConfig
from sdcodec.quantize import MultiSourceRVQ, QuantizedLatent

__all__ = ["SDCodec", "SDCodecOutput", "QuantizedLatent"]


class SDCodec(CodecBase):
    """Source-disentangled codec; see the module docstring and ``CodecBase`` for the API
    (``preprocess``, ``encode``, ``quantize``, ``decode``, ``evaluate``, ``resynthesize``,
    ``from_codes``, ``forward``), plus ``separate``.
    """

    family = "sdcodec"

    def __init__(self, config: SDCodecConfig | None = None) -> None:
        config = config or SDCodecConfig()
        super().__init__(config)
        self.tracks: tuple[str, ...] = tuple(config.tracks)
        self.quantizer = MultiSourceRVQ(
            tracks=self.tracks,
            input_dim=self.latent_dim,
            n_codebooks=config.n_codebooks,
            codebook_size=config.codebook_size,
            codebook_dim=config.codebook_dim,
            quantizer_dropout=config.quantizer_dropout,
            shared_codebooks=config.shared_codebooks,
            code_jit_prob=config.code_jit_prob,
            code_jit_size=config.code_jit_size,
        )
        self._init_weights()

    @property
    def branches(self) -> tuple[str, ...]:
        return self.tracks

    def branch_of(self, track: str) -> str:
        if track not in self.tracks:
            raise ConfigError(f"SD-Codec has no track {track!r}; its tracks: {', '.join(self.tracks)} (or 'mix')")
        return track

    def quantize(self, z: torch.Tensor, track: str, n_quantizers: int | None = None) -> QuantizedLatent:
        """Quantizes the latent ``z [B, D, F]`` with ``track``'s branch (own layers, then the
        shared ones). ``n_quantizers`` (eval mode) keeps the first layers only."""
        return self.quantizer(self.branch_of(track), z, n_quantizers)

    def _branch_from_codes(self, branch: str, codes: torch.Tensor) -> torch.Tensor:
        return self.quantizer.from_codes(branch, codes)

    def separate(self, mix: torch.Tensor, n_quantizers: int | None = None) -> dict[str, torch.Tensor]:
        """Mixture ``[B, 1, T]`` -> one estimate ``[B, 1, T]`` per track (each branch decoded)."""
        out = self.evaluate(mix, self.tracks, n_quantizers)
        return {track: out[:, i : i + 1] for i, track in enumerate(self.tracks)}


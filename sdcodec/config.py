"""Configurations of the codec family (frozen dataclasses) and their named presets.

``CodecConfig`` holds what every DAC-style codec shares (encoder, decoder, one residual VQ's
shape); ``SDCodecConfig`` adds the tracks, shared layers and code jitter of SD-Codec.
``baselines.dac.DACConfig`` is the one-branch member. Units: sample rate in Hz, rates are
strides in samples, ``hop_length`` in samples per latent frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sdcodec.core.dataclass_json import replace
from sdcodec.core.constants import MODEL_SAMPLE_RATE, TRACKS
from sdcodec.core.errors import ConfigError
from sdcodec.nn import TRANSPOSE_PADDINGS


@dataclass(frozen=True)
class CodecConfig:
    """Encoder/decoder/quantizer shape of a DAC-style codec.

    ``latent_dim`` None means ``encoder_dim * 2 ** len(encoder_rates)`` (1024 for the paper).
    ``transpose_padding``: how the decoder's transposed convs pad (``sdcodec.nn.TRANSPOSE_PADDINGS``).
    """

    sample_rate: int = MODEL_SAMPLE_RATE
    encoder_dim: int = 64
    encoder_rates: tuple[int, ...] = (2, 4, 5, 8)
    latent_dim: int | None = None
    decoder_dim: int = 1536
    decoder_rates: tuple[int, ...] = (8, 5, 4, 2)
    n_codebooks: int = 12
    codebook_size: int = 1024
    codebook_dim: int = 8
    quantizer_dropout: float = 0.0
    transpose_padding: str = "floor"

    def __post_init__(self) -> None:
        name = type(self).__name__
        if math.prod(self.encoder_rates) != math.prod(self.decoder_rates):
            raise ConfigError(
                f"{name}: encoder_rates {self.encoder_rates} and decoder_rates {self.decoder_rates} "
                "must have the same product (the hop length)"
            )
        if self.transpose_padding not in TRANSPOSE_PADDINGS:
            raise ConfigError(
                f"{name}: transpose_padding {self.transpose_padding!r} unknown; "
                f"known: {', '.join(TRANSPOSE_PADDINGS)}"
            )
        if self.decoder_dim % 2 ** len(self.decoder_rates):
            raise ConfigError(f"{name}: decoder_dim {self.decoder_dim} must be divisible by 2**{len(self.decoder_rates)}")
        if self.n_codebooks < 1 or self.codebook_size < 2 or self.codebook_dim < 1:
            raise ConfigError(f"{name}: n_codebooks >= 1, codebook_size >= 2 and codebook_dim >= 1 required")
        if not 0.0 <= self.quantizer_dropout <= 1.0:
            raise ConfigError(f"{name}: quantizer_dropout {self.quantizer_dropout} must lie in [0, 1]")

    @property
    def latent_channels(self) -> int:
        """The latent dimension D actually used (``latent_dim`` resolved)."""
        return self.latent_dim if self.latent_dim is not None else self.encoder_dim * 2 ** len(self.encoder_rates)

    @property
    def hop_length(self) -> int:
        """Samples per latent frame (320 at 16 kHz for the paper)."""
        return math.prod(self.encoder_rates)

    @property
    def frame_rate(self) -> float:
        """Latent frames per second (50 for the paper)."""
        return self.sample_rate / self.hop_length


@dataclass(frozen=True)
class SDCodecConfig(CodecConfig):
    """SD-Codec: one residual VQ of ``n_codebooks`` layers per track, the last
    ``shared_codebooks`` of them shared by all tracks; code jitter as the authors' (off)."""

    tracks: tuple[str, ...] = TRACKS
    shared_codebooks: int = 0
    code_jit_prob: tuple[float, ...] = (0.0, 0.0, 0.0)
    code_jit_size: tuple[int, ...] = (3, 5, 3)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.tracks or len(set(self.tracks)) != len(self.tracks) or "mix" in self.tracks:
            raise ConfigError(f"SDCodecConfig: tracks {self.tracks} must be distinct names other than 'mix'")
        if not 0 <= self.shared_codebooks < self.n_codebooks:
            raise ConfigError(
                f"SDCodecConfig: shared_codebooks {self.shared_codebooks} must lie in 0..{self.n_codebooks - 1}"
            )
        if not len(self.code_jit_prob) == len(self.code_jit_size) == len(self.tracks):
            raise ConfigError("SDCodecConfig: code_jit_prob and code_jit_size need one value per track")


_TINY = dict(
    encoder_dim=16, encoder_rates=(2, 2, 5), decoder_rates=(5, 2, 2), latent_dim=64, decoder_dim=64,
    n_codebooks=4, codebook_size=256, codebook_dim=8,
)

#: Named SD-Codec configurations. "16k" is the paper's (authors' ``sdcodec_16k.yaml``);
#: "16k-shared4"/"16k-shared8" the shared-codebook ablation; "16k-init-dac" the authors'
#: ``sdcodec_16k_pretrainDAC.yaml`` (1 shared codebook; weights from DAC via ``init_from_dac``);
#: "tiny" a CPU-sized model: hop 20 (800 frames/s, 4 x 8 bits = 25.6 kbps per branch), since at
#: the paper's hop 320 four codebooks carry 1.6 kbps, too little for a few hundred CPU steps to
#: reach a positive SI-SDR (hop 40 gave 1 to 8 dB less SI-SDRi per stem after 800 steps).
SDCODEC_PRESETS: dict[str, SDCodecConfig] = {
    "16k": SDCodecConfig(),
    "16k-shared4": SDCodecConfig(shared_codebooks=4),
    "16k-shared8": SDCodecConfig(shared_codebooks=8),
    "16k-init-dac": SDCodecConfig(shared_codebooks=1),
    "tiny": SDCodecConfig(**_TINY),
}

#: The tiny shape shared by the DAC baseline's "tiny" preset.
TINY_CODEC_FIELDS: dict[str, int] = dict(_TINY)


def sdcodec_preset(name: str, **overrides) -> SDCodecConfig:
    """A named SD-Codec preset, optionally with some fields replaced."""
    if name not in SDCODEC_PRESETS:
        raise ConfigError(f"unknown SD-Codec preset {name!r}; known: {', '.join(SDCODEC_PRESETS)}")
    return replace(SDCODEC_PRESETS[name], **overrides) if overrides else SDCODEC_PRESETS[name]

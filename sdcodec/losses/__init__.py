"""Training losses of the codecs. ``spectral``: DAC's multi-scale STFT and mel distances."""

from sdcodec.losses.spectral import (
    MelSpectrogramLoss,
    MultiScaleSTFTLoss,
    sdcodec_mel_loss,
    sdcodec_stft_loss,
)

__all__ = ["MelSpectrogramLoss", "MultiScaleSTFTLoss", "sdcodec_mel_loss", "sdcodec_stft_loss"]

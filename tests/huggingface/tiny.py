"""Tiny random-weight configurations of the transformers codecs sdbench drives (no download)."""

from __future__ import annotations

from typing import Any


def tiny_configs() -> dict[str, Any]:
    """Name -> a transformers config small enough to build and run in well under a second."""
    import transformers

    return {
        # 16 kHz, hop 8, 3 codebooks of 16
        "dac": transformers.DacConfig(encoder_hidden_size=8, downsampling_ratios=[2, 4], decoder_hidden_size=16,
                                      n_codebooks=3, codebook_size=16, codebook_dim=4, sampling_rate=16_000),
        # 24 kHz mono, hop 8: 3000 frames/s x 4 bits = 12 kbps per quantizer
        "encodec": transformers.EncodecConfig(hidden_size=16, num_filters=4, upsampling_ratios=[4, 2],
                                              codebook_size=16, target_bandwidths=[12.0, 24.0, 36.0],
                                              sampling_rate=24_000, num_lstm_layers=1),
        # 48 kHz stereo, normalised overlapping chunks (like facebook/encodec_48khz)
        "encodec-stereo": transformers.EncodecConfig(hidden_size=16, num_filters=4, upsampling_ratios=[4, 2],
                                                     codebook_size=16, target_bandwidths=[24.0, 48.0],
                                                     sampling_rate=48_000, audio_channels=2, normalize=True,
                                                     chunk_length_s=0.01, overlap=0.01, num_lstm_layers=1),
        # 24 kHz, frame of 16 samples, 1 semantic + 3 acoustic quantizers
        "mimi": transformers.MimiConfig(hidden_size=16, num_filters=4, upsampling_ratios=[4, 2], codebook_size=16,
                                        codebook_dim=8, num_quantizers=4, vector_quantization_hidden_dimension=8,
                                        upsample_groups=16, num_hidden_layers=1, intermediate_size=16,
                                        num_attention_heads=2, num_key_value_heads=2, sliding_window=8),
        # 16 kHz, hop 16, a one-layer HuBERT: 1000 frames/s x 4 bits = 4 kbps per quantizer
        "xcodec": transformers.XcodecConfig(
            target_bandwidths=[4.0, 8.0], sample_rate=16_000, codebook_size=16,
            acoustic_model_config=dict(encoder_hidden_size=4, downsampling_ratios=[4, 4], upsampling_ratios=[4, 4],
                                       decoder_hidden_size=16, hidden_size=16, n_codebooks=2, codebook_size=16,
                                       codebook_dim=4),
            semantic_model_config=dict(model_type="hubert", hidden_size=16, num_hidden_layers=1,
                                       num_attention_heads=2, intermediate_size=16, conv_dim=[8, 8],
                                       conv_stride=[4, 4], conv_kernel=[8, 4], num_conv_pos_embeddings=4,
                                       num_conv_pos_embedding_groups=2)),
    }


def build(config: Any):
    """A model with seeded random weights, in eval mode."""
    import torch
    import transformers

    torch.manual_seed(0)
    return transformers.AutoModel.from_config(config).eval()

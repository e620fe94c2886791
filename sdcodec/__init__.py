"""SD-Codec: a DAC-style neural audio codec with one residual VQ branch per source.

The base layer of the project: it imports neither ``baselines`` nor ``bench``. Modules:
``sdcodec.core`` (error types, track names and sample rates, registry, dataclass <-> JSON),
``sdcodec.nn`` (layers), the encoder/decoder, quantizers, the model, checkpoint formats and
loading, bitrate, losses, discriminators and the embedded checkpoints (``sdcodec.pretrained``).
Training lives in the harness (``bench.train``).
"""

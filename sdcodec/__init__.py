"""SD-Codec: a DAC-style neural audio codec with one residual VQ branch per source.

Modules: ``sdcodec.nn`` (layers), the encoder/decoder, quantizers, the model, checkpoint
loading, losses, discriminators and training (``sdcodec.train``).
"""

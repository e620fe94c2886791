"""Training of SD-Codec, DAC and TDANet: ``bench train`` (``bench/commands/train.py``).

- ``config``: ``TrainConfig``, named configurations (``TRAIN_CONFIGS``), ``key=value`` overrides;
- ``data``: ``TrainBatches`` (on-the-fly mixtures, deterministic in seed and step);
- ``recipes``: what one step does (``codec`` for SD-Codec/DAC, ``separator`` for TDANet);
- ``loop``: ``train`` / ``resume_run`` (DDP under torchrun, mixed precision, checkpoints);
- ``quality``: held-out SI-SDR of a trained model (the learning checks).

Import the submodules directly; this package imports nothing heavy.
"""

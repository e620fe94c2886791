"""sdbench: the reference benchmark and evaluation suite for SD-Codec.

The top layer: it stands on ``sdcodec`` (the model library) and ``baselines``, which never import
it. Sub-packages: ``cli`` + ``commands`` (the ``bench`` command), ``data`` (DnR and the synthetic
DnR-like set), ``metrics`` (SI-SDR, SI-SDRi, ViSQOL, PESQ, spectral distances), ``models``
(adapters from models to suites), ``engine`` (where a run starts and executes), ``suites``,
``results`` (run folders, summaries, drift checks, the paper's numbers), ``reporting`` (tables,
plots), ``train`` (training) and ``util`` (atomic writes, quiet native stderr).
"""

__version__ = "0.1.0"

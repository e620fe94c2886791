"""sdbench: the reference benchmark and evaluation suite for SD-Codec.

Sub-packages: ``bench.data`` (DnR and the synthetic DnR-like set), ``bench.metrics``
(SI-SDR, SI-SDRi, ViSQOL, PESQ, spectral distances), the suites, results store, tables,
plots and drift checks behind the ``bench`` command.
"""

__version__ = "0.1.0"

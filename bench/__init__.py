"""sdbench: the reference benchmark and evaluation suite for SD-Codec.

The top layer: it stands on ``sdcodec`` (the model library) and ``baselines``, which never import
it. Sub-packages: ``cli`` + ``commands`` (the ``bench`` command), ``data`` (DnR and the synthetic
DnR-like set), ``metrics`` (SI-SDR, SI-SDRi, ViSQOL, PESQ, spectral distances), ``models``
(any model behind the public contract, spec resolution, plug-ins, cascades), ``engine`` (where a
run starts and executes), ``suites``, ``results`` (run folders, summaries, drift checks, the
paper's numbers), ``reporting`` (tables, plots), ``train`` (training) and ``util`` (atomic
writes, quiet native stderr).

The public API, importable from here: the model contract of ``bench.api`` (``Codec``,
``Separator``, ``CodeStreams``) and ``evaluate`` (``bench.evaluation``), which runs a suite on
model objects or specs and returns ``Results``. They are imported on first use, so that the
``bench`` command starts without importing torch.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Public name -> the module defining it (imported lazily by ``__getattr__``).
_PUBLIC = {"Codec": "bench.api", "Separator": "bench.api", "CodeStreams": "bench.api",
           "evaluate": "bench.evaluation", "Results": "bench.evaluation"}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'bench' has no attribute {name!r}")

"""A run's names and paths, checked before any data or model is loaded.

``check_run(config, out)`` fails in about a second with the one-line error a run would otherwise
give only after loading data and models and running inference: an unknown suite, task, metric
(or a metric whose package is missing), protocol or precision; a model that does not exist (a
missing checkpoint file, an unknown embedded name or preset); a data folder that is not a folder;
a device this machine lacks; an ``--out`` that cannot be written. An aggregate suite checks every
member first, so ``--suite all`` does not fail in its fifth suite.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sdcodec.core.errors import DataError
from bench.engine.runconfig import RunConfig


def check_run(config: RunConfig, out: str | Path | None = None) -> None:
    """Raises the ``BenchError`` the run would meet (see the module docstring); returns None
    when every name resolves."""
    import torch

    from bench.models import check_model_spec
    from bench.data.protocol import get_protocol
    from bench.engine.devices import check_device
    from bench.metrics import get_metric
    from bench.suites import SUITES, discover
    from bench.engine.tasks import TASKS
    from bench.suites.throughput import autocast
    from bench.util.writable import check_out_folder

    discover()
    suite = SUITES.get(config.suite)
    if out is not None:
        check_out_folder(out)
    for member in suite.members:
        check_run(dataclasses.replace(config, suite=member))
    if suite.members:
        return
    if suite.runner is None:
        for task in suite.tasks:
            TASKS.get(task)
    for name in config.metrics:
        get_metric(name).check_available()
    get_protocol(config.protocol)
    device = check_device(config.device)
    for precision in config.precisions:
        autocast(torch.device(device), precision)  # unknown names, fp16 on the CPU: raised here
    if config.data is not None and not Path(config.data).is_dir():
        raise DataError(config.data, "no such folder", "give --data the DnR root holding tr/ cv/ tt/")
    for spec in config.models or suite.default_models:
        check_model_spec(spec)

"""Retraining the embedded default checkpoints (``bench train --defaults``).

For each embedded model (``sdcodec.pretrained.EMBEDDED``: the ``tiny`` SD-Codec, DAC and TDANet
and the tiny SD-Codec ablation variants): train its named configuration (built-in synthetic set,
CPU) in a temporary run folder, score the result on held-out synthetic clips
(``bench.train.quality``), and write ``sdcodec/pretrained/<name>.pt`` (a project checkpoint)
with its JSON sidecar ``<name>.json``: the exact training configuration, the training data's
content hash, the checkpoint's hash, the held-out scores, steps, seconds and the machine.
"""

from __future__ import annotations

import hashlib
import json
import platform
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from bench.train.config import TrainConfig, config_to_json, named_config

#: Held-out clips scored for the sidecar: the synthetic test split, first clips, first seconds.
SIDECAR_CLIPS = dict(limit=8, seconds=5.0)


def training_data_hash(config: TrainConfig) -> str:
    """SHA-256 (16 hex digits) of the training sources' content: every source file's relative
    name and bytes, per track, in a fixed order (the built-in synthetic set when ``data.sources``
    is empty)."""
    from sdcodec.checkpoint import file_sha256
    from bench.train.corpora import load_source
    from bench.train.data import synthetic_sources

    data = config.data_config()
    sources = data.sources or synthetic_sources()
    digest = hashlib.sha256()
    for track in sorted(sources):
        for entry in sources[track]:
            table = load_source(entry, track)
            paths = sorted(Path(p) for p in table["path"])
            for path in paths:
                digest.update(f"{track}/{path.parent.name}/{path.name}:{file_sha256(path, 64)}\n".encode())
    return digest.hexdigest()[:16]


def train_default(name: str, out_dir: str | Path, device: str = "cpu", progress: bool = True,
                  config: TrainConfig | None = None) -> Path:
    """Trains the embedded model ``name`` (an ``EMBEDDED`` name, or a family for its ``tiny``
    default) with its configuration (or ``config``) and writes ``out_dir/<name>.pt`` and its
    ``.json`` sidecar; returns the checkpoint path."""
    from sdcodec.checkpoint import load_model
    from sdcodec.pretrained import embedded_model
    from bench.train.loop import train

    entry = embedded_model(name)
    config = config or named_config(entry.config, entry.family)
    with tempfile.TemporaryDirectory(prefix=f"train-{entry.name}-") as run:
        start = time.perf_counter()
        result = train(config, Path(run) / "run", device=device, progress=progress)
        seconds = time.perf_counter() - start
        model = load_model(result.model_path)
    return write_default(entry.name, model, config, result.step, seconds, out_dir, device)


def write_default(name: str, model: torch.nn.Module, config: TrainConfig, steps: int, seconds: float,
                  out_dir: str | Path, device: str = "cpu") -> Path:
    """Scores a trained embedded model ``name`` on the held-out clips and writes
    ``out_dir/<name>.pt`` with its ``.json`` sidecar (``steps`` trained in ``seconds``)."""
    from sdcodec.checkpoint import file_sha256
    from sdcodec.pretrained import embedded_model
    from bench.train.loop import export_model
    from bench.train.quality import held_out_clips, model_quality

    entry = embedded_model(name)
    out = Path(out_dir) / f"{entry.name}.pt"
    data_hash = training_data_hash(config)
    scores = model_quality(model, held_out_clips(**SIDECAR_CLIPS))
    export_model(model, config, out, steps, meta={"data_hash": data_hash, "held_out": scores})
    sidecar = {
        "name": entry.name,
        "family": entry.family,
        "file": out.name,
        "sha256": file_sha256(out, 64),
        "train_config": config_to_json(config),
        "data_hash": data_hash,
        "steps": steps,
        "train_seconds": round(seconds, 1),
        "held_out": {"clips": "synthetic test split (tt/, corrected protocol)", **SIDECAR_CLIPS, "scores": scores},
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "torch": torch.__version__, "threads": torch.get_num_threads(), "device": device},
        "retrain": f"bench train --defaults --only {entry.name}",
    }
    out.with_suffix(".json").write_text(json.dumps(sidecar, indent=2) + "\n")
    return out


def train_defaults(names: Sequence[str] | None = None, out_dir: str | Path | None = None,
                   device: str = "cpu", progress: bool = True) -> dict[str, Path]:
    """Retrains the embedded models ``names`` (``EMBEDDED`` names or families; all when None), in
    ``EMBEDDED`` order, into ``out_dir`` (default: the package's ``sdcodec/pretrained``); returns
    name -> checkpoint path."""
    from sdcodec.pretrained import EMBEDDED, PRETRAINED_DIR, embedded_model

    out = Path(out_dir) if out_dir is not None else PRETRAINED_DIR
    wanted = {embedded_model(n).name for n in (names if names is not None else EMBEDDED)}
    return {name: train_default(name, out, device=device, progress=progress) for name in EMBEDDED if name in wanted}


def describe(info: dict[str, Any]) -> str:
    """One line about a sidecar: family, steps, time and held-out scores."""
    scores = info["held_out"]["scores"]
    parts = [f"{info.get('name', info['family'])}: {info['steps']} steps in {info['train_seconds']:.0f} s"]
    if "mix_si_sdr" in scores:
        parts.append(f"mixture SI-SDR {scores['mix_si_sdr']:.1f} dB")
    if "si_sdri" in scores:
        parts.append("SI-SDRi " + ", ".join(f"{t} {v:.1f}" for t, v in scores["si_sdri"].items()) + " dB")
    return "; ".join(parts)

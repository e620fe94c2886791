"""Runs a suite end to end: data, models, run folder, evaluation, summary, tables."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from pathlib import Path

from sdcodec.core.dataclass_json import to_dict
from sdcodec.core.errors import BenchError
from bench.results.paths import runs_dir
from bench.results.environment import environment
from bench.results.lock import RunLock
from bench.results.store import RunStore
from bench.results.summary import require_scored
from bench.engine.runconfig import RunConfig
from bench.suites import SUITES, Suite, discover


def run_suite(config: RunConfig, out: str | Path | None = None, table_format: str = "markdown",
              paper: bool = False, progress: bool = True, echo: bool = True) -> list[Path]:
    """Runs ``config.suite`` (every member of an aggregate suite) and returns the run folders.
    Names and paths are checked first (``bench.engine.preflight``), before any data or model loads."""
    from bench.engine.preflight import check_run

    check_run(config, out)
    discover()
    suite = SUITES.get(config.suite)
    if suite.members:
        folders: list[Path] = []
        for member in suite.members:
            sub = dataclasses.replace(config, suite=member)
            sub_out = Path(out) / member if out else None
            folders += run_suite(sub, sub_out, table_format, paper, progress, echo)
        return folders
    if suite.runner is not None:
        return [suite.runner(suite, config, out, progress=progress, echo=echo)]
    if config.limit is None and suite.default_limit is not None:
        config = dataclasses.replace(config, limit=suite.default_limit)
        if echo:
            print(f"note: the {suite.name} suite scores the first {suite.default_limit} clips unless "
                  "--limit says otherwise")
    run_dir = run_evaluation_suite(suite, config, out, progress=progress)
    if run_dir is not None and suite.figures:
        from bench.reporting.plots import make_plots

        figures = make_plots(run_dir, run_dir / "plots", list(suite.figures))
    if echo and run_dir is not None:
        from bench.reporting.report import render_tables

        print(render_tables([str(run_dir)], table_format, suite.layouts or None, paper))
        print(describe_profile(RunStore(run_dir).read_manifest()))
        if suite.figures:
            print("figures: " + ", ".join(str(p) for p in figures if p.suffix == ".png"))
        print(f"results: {run_dir}")
    return [run_dir] if run_dir is not None else []


def describe_profile(manifest: dict) -> str:
    """One line on the last evaluation's speed and where its time went (``manifest["profiles"]``)."""
    profiles = manifest.get("profiles") or []
    if not profiles:
        return ""
    last = profiles[-1]
    phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in last["phases"].items())
    rate = last["units_per_second"]
    done = last.get("units_already_done")
    return (f"evaluated {last['units']} clip units in {last['seconds']:.1f} s"
            + (f" ({rate:.2f}/s)" if rate else "")
            + (f", {done} found done (resumed)" if done else "") + (f"; {phases}" if phases else ""))


def resolve_models(suite: Suite, config: RunConfig, device: str | None = None):
    """Loads the configured models (or the suite's defaults) onto ``device`` (default: the
    configured one), keeps those that can do one of the suite's tasks, and probes each on a
    short signal (``EvalModel.probe``: a broken model stops here, before any clip)."""
    from bench.models import load_eval_model

    specs = config.models or suite.default_models
    if not specs:
        raise BenchError(f"suite {suite.name} needs --model")
    models = [load_eval_model(spec).to(device or config.device) for spec in specs]
    labels = [m.label for m in models]
    if len(set(labels)) != len(labels):
        raise BenchError(f"two models share a label ({', '.join(labels)}); name them LABEL=PATH")
    usable = [m for m in models if set(m.tasks) & set(suite.tasks)]
    for model in models:
        if model not in usable:
            print(f"note: {model.label} ({model.kind}) cannot do {', '.join(suite.tasks)}; skipped")
    if not usable:
        raise BenchError(f"no given model can do the {suite.name} suite's tasks")
    for model in usable:
        model.probe(suite.tasks)
    return usable


def run_evaluation_suite(suite: Suite, config: RunConfig, out: str | Path | None,
                         progress: bool = True) -> Path | None:
    """The standard clip-evaluation runner; returns the run folder (None on ranks other than 0
    of a distributed run)."""
    import hashlib
    import json

    from bench.engine import distributed

    from bench.data.eval_clips import EvalClips, collate
    from bench.data.manifest import build_manifest, dataset_hash
    from bench.data.synth import default_synth_root
    from bench.engine.evaluate import evaluate
    from bench.engine.scoring import Scorer
    from bench.engine.tasks import quantizer_points

    root = Path(config.data) if config.data else default_synth_root()
    manifest = build_manifest(root, config.split, config.protocol)
    if config.limit is not None:
        manifest = manifest.iloc[: config.limit]
    if manifest.empty:
        raise BenchError(f"{root}: the {config.split} split holds no clip that passes the protocol")
    dist, device = distributed.setup(config.device)
    models = resolve_models(suite, config, device)
    for model in models if config.n_quantizers else ():
        offered = quantizer_points(model)
        if offered and not set(offered) & set(config.n_quantizers):
            print(f"note: {model.label} offers n_quantizers {', '.join(map(str, offered))}, none of "
                  f"--n-quantizers {','.join(map(str, config.n_quantizers))}; it gets no rate-distortion rows")
    clips = EvalClips(manifest, root)
    clip_ids = list(manifest["clip_id"])

    def metrics_for(task):
        return config.metrics or task.metrics

    data_hash = dataset_hash(root, config.split, config.protocol)
    record = {
        "config": to_dict(config),
        "suite": suite.name,
        "tasks": list(suite.tasks),
        "metrics": {t: list(config.metrics) or None for t in suite.tasks},
        "dataset": {"root": str(root), "split": config.split, "protocol": config.protocol,
                    "hash": data_hash, "n_clips": len(clip_ids), "synthetic": config.data is None},
        "models": [m.describe() for m in models],
    }
    # The processes that decode audio and score metrics do not change a result: a run resumes
    # whatever their number.
    neutral = ("loader_workers", "metric_workers")
    identity = {"config": {k: v for k, v in record["config"].items() if k not in neutral}, "dataset": data_hash,
                "models": [(m.label, m.identity) for m in models]}
    config_hash = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:12]
    run_dir = Path(out) if out else runs_dir() / f"{suite.name}-{config.split}-{config_hash}"
    record.update(config_hash=config_hash, environment=environment(device),
                  world_size=dist.world_size)
    # One process owns the folder (rank 0 for a whole torchrun launch) from start to complete.
    with RunLock(run_dir) if dist.is_main else contextlib.nullcontext():
        if dist.is_main:
            RunStore(run_dir).start(record)
        distributed.barrier(dist)
        store = RunStore(run_dir, writer=f"r{dist.rank}-" if dist.enabled else "")
        done = store.done_units()
        distributed.barrier(dist)  # every rank has read the finished units before any writes
        phases: dict[str, float] = {}
        start = time.perf_counter()
        with Scorer(workers=config.metric_workers, progress=False) as scorer:
            units = evaluate(store, models, suite.tasks, clips, clip_ids, metrics_for, scorer,
                             batch_size=config.batch_size, loader_workers=config.loader_workers,
                             collate_fn=collate, progress=progress and dist.is_main,
                             shard=(dist.rank, dist.world_size), done=done, profile=phases,
                             quantizers=config.n_quantizers)
        seconds = time.perf_counter() - start
        distributed.barrier(dist)
        if dist.is_main:
            # this process's clock (rank 0 of a distributed run); clips = (model, task, clip) units
            # units: computed by this invocation; units_already_done: found in the folder at start
            rows = store.complete(profile={"units": units, "units_already_done": len(done),
                                           "seconds": round(seconds, 3),
                                           "units_per_second": round(units / seconds, 3) if seconds > 0 else None,
                                           "phases": {k: round(v, 3) for k, v in phases.items()}})
    distributed.teardown(dist)
    if dist.is_main:
        require_scored(rows, run_dir)
    return run_dir if dist.is_main else None

"""Suites that are not clip evaluations: ``throughput`` (speed and memory) and ``bitrate``."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import torch

from bench.util.atomic import atomic_write_frame
from sdcodec.core.dataclass_json import to_dict
from bench.results.paths import runs_dir
from bench.results.environment import environment
from bench.results.lock import RunLock
from bench.results.store import RunStore
from bench.engine.runconfig import RunConfig
from bench.suites.base import SUITES, Suite

#: The throughput grid when the user gives none: (batch sizes, clip seconds, precisions).
THROUGHPUT_DEFAULTS = {
    "cpu": ((1, 4), (1.0,), ("fp32",)),
    "cuda": ((1, 4, 16, 64), (1.0, 10.0), ("fp32", "bf16", "fp16")),
}


@contextlib.contextmanager
def _run_folder(suite: Suite, config: RunConfig, out, models, extra: dict) -> Iterator[RunStore]:
    """The suite's run folder, started afresh and owned by this process (``RunLock``) while the
    ``with`` block measures."""
    identity = {"config": to_dict(config), "models": [(m.label, m.identity) for m in models]}
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:12]
    run_dir = Path(out) if out else runs_dir() / f"{suite.name}-{digest}"
    store = RunStore(run_dir)
    manifest = {"config": to_dict(config), "suite": suite.name, "config_hash": digest,
                "models": [m.describe() for m in models], "environment": environment(config.device),
                **extra}
    with RunLock(run_dir):
        if store.exists():  # speed is re-measured, never resumed: start the folder afresh
            store.manifest_path.unlink()
        store.start(manifest)
        yield store


def _finish(store: RunStore, name: str, frame: pd.DataFrame) -> Path:
    atomic_write_frame(frame, store.run_dir / name)
    manifest = store.read_manifest()
    manifest.update(status="complete", n_rows=int(len(frame)))
    from bench.results.store import _now

    manifest["completed_at"] = _now()
    store.write_manifest(manifest)
    return store.run_dir


def run_throughput(suite: Suite, config: RunConfig, out=None, progress: bool = True,
                   echo: bool = True) -> Path:
    """Times every model's stages over the grid (``EvalModel.stages``, at the model's own rate),
    plus whatever reference the model offers to be timed against (``reference_timings``).

    A codec of DAC's architecture (DAC, SD-Codec: ``bench.models.codecs``) is also timed as
    descript-audio-codec's own modules carrying the same weights. DAC's stages are its whole
    model (``branch`` "all"). SD-Codec quantizes with one RVQ per track: its stages over every
    branch have no reference counterpart, so its first branch is timed alone as well (rows with
    ``branch`` = the track) and against the reference carrying that branch's weights.
    """
    from tqdm import tqdm

    from bench.engine.runner import resolve_models
    from bench.suites.throughput import throughput_row, time_call

    device = torch.device(config.device)
    batches, seconds, precisions = THROUGHPUT_DEFAULTS["cuda" if device.type == "cuda" else "cpu"]
    batches = config.batch_sizes or batches
    seconds = config.clip_seconds or seconds
    precisions = config.precisions or precisions
    models = resolve_models(suite, config)
    with _run_folder(suite, config, out, models, {"grid": {
            "batch_sizes": list(batches), "clip_seconds": list(seconds), "precisions": list(precisions)}}) as store:
        rows = []
        grid = [(m, p, b, s) for m in models for p in precisions for b in batches for s in seconds]
        generator = torch.Generator().manual_seed(config.seed)
        for model, precision, batch, clip in tqdm(grid, desc="throughput", disable=not progress):
            audio = torch.randn(batch, 1, int(clip * model.model_rate), generator=generator).to(device) * 0.1
            implementations = [("sdbench", "all", model.stages(audio)), *model.reference_timings(audio)]
            for implementation, scope, stages in implementations:
                for stage, fn in stages.items():
                    timing = time_call(fn, device, precision)
                    rows.append(throughput_row(model.label, stage, str(device), precision, batch, clip,
                                               timing, implementation, branch=scope))
        frame = pd.DataFrame(rows)
        run_dir = _finish(store, "throughput.csv", frame)
    if echo:
        print(format_throughput(frame))
        print(f"results: {run_dir}")
    return run_dir


def speed_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    """Our speed divided by the reference's for each (model, stage, branch, device, precision,
    batch, clip length) measured with both; > 1 means ours is faster."""
    keys = ["model", "stage", "branch", "device", "precision", "batch_size", "clip_seconds"]
    if "branch" not in frame:  # runs written before the column existed: whole-model stages
        frame = frame.assign(branch="all")
    ours = frame[frame["implementation"] == "sdbench"].set_index(keys)["seconds_per_call"]
    ref = frame[frame["implementation"] == "reference"].set_index(keys)["seconds_per_call"]
    joined = pd.concat({"sdbench_s": ours, "reference_s": ref}, axis=1).dropna()
    joined["speedup_vs_reference"] = joined["reference_s"] / joined["sdbench_s"]
    return joined.reset_index()


def format_throughput(frame: pd.DataFrame) -> str:
    ours = frame[frame["implementation"] == "sdbench"]
    columns = ["model", "stage", "branch", "device", "precision", "batch_size", "clip_seconds",
               "real_time_factor", "audio_seconds_per_second", "peak_memory_mb"]
    shown = ours[[c for c in columns if c in ours]]
    text = shown.to_string(index=False, float_format=lambda v: f"{v:.4g}")
    ratios = speed_ratios(frame)
    if len(ratios):
        text += ("\n\nspeed vs descript-audio-codec (same process, same weights; >1: ours faster; "
                 "branch: 'all' = the whole model, a track = SD-Codec's encoder, that branch's RVQ "
                 "and decoder)\n")
        text += ratios.to_string(index=False, float_format=lambda v: f"{v:.3g}")
    else:
        text += "\n\n(no reference ratio: descript-audio-codec is not importable here)"
    return text


def run_bitrate(suite: Suite, config: RunConfig, out=None, progress: bool = True,
                echo: bool = True) -> Path:
    """Nominal bitrate of each codec (``nominal_kbps`` per stream) and measured bitrate of its
    codes on the evaluation clips' mixtures (entropy, perplexity and utilisation per codebook):
    any ``bench.api.CodeStreams`` codec."""
    from torch.utils.data import DataLoader
    from tqdm import tqdm

    from bench.data.eval_clips import EvalClips, collate
    from bench.data.manifest import build_manifest
    from bench.data.synth import default_synth_root
    from bench.engine.runner import resolve_models
    from sdcodec.bitrate import code_statistics

    root = Path(config.data) if config.data else default_synth_root()
    manifest = build_manifest(root, config.split, config.protocol)
    if config.limit is not None:
        manifest = manifest.iloc[: config.limit]
    models = resolve_models(suite, config)
    with _run_folder(suite, config, out, models, {"dataset": {
            "root": str(root), "split": config.split, "protocol": config.protocol, "n_clips": len(manifest)}}) as store:
        rows = []
        clips = EvalClips(manifest, root)
        for model in models:
            codes: dict[str, list[torch.Tensor]] = {}
            loader = DataLoader(clips, batch_size=config.batch_size, collate_fn=collate,
                                num_workers=config.loader_workers)
            with torch.inference_mode():
                for batch in tqdm(loader, desc=f"{model.label} codes", disable=not progress):
                    for branch, c in model.encode_codes(batch["mix"].to(model.device)).items():
                        codes.setdefault(branch, []).append(c.cpu())
            codec = model.impl  # a bench.api.CodeStreams codec (the suite's requirement)
            for branch, chunks in codes.items():
                stats = code_statistics(chunks, codec.codebook_size, codec.frame_rate)
                nominal = codec.nominal_kbps(track=branch if branch in model.tracks else None)
                for index, (entropy, perplexity, use) in enumerate(
                        zip(stats.entropy_bits, stats.perplexity, stats.utilisation)):
                    rows.append({"model": model.label, "branch": branch, "codebook": index,
                                 "entropy_bits": entropy, "perplexity": perplexity, "utilisation": use,
                                 "nominal_bits": float(torch.log2(torch.tensor(float(codec.codebook_size)))),
                                 "frame_rate": stats.frame_rate, "n_frames": stats.n_frames,
                                 "nominal_branch_kbps": nominal,
                                 "measured_branch_kbps": stats.measured_bps / 1000})
        frame = pd.DataFrame(rows)
        run_dir = _finish(store, "bitrate.csv", frame)
    if echo:
        print(format_bitrate(frame))
        print(f"results: {run_dir}")
    return run_dir


def bitrate_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per model and branch: nominal and measured kbps, mean perplexity and utilisation; plus a
    total row per model (all branches, what coding the mixture costs)."""
    per_branch = frame.groupby(["model", "branch"], sort=False).agg(
        nominal_kbps=("nominal_branch_kbps", "first"), measured_kbps=("measured_branch_kbps", "first"),
        mean_perplexity=("perplexity", "mean"), mean_utilisation=("utilisation", "mean"),
        codebooks=("codebook", "count")).reset_index()
    totals = per_branch.groupby("model", sort=False).agg(
        nominal_kbps=("nominal_kbps", "sum"), measured_kbps=("measured_kbps", "sum"),
        mean_perplexity=("mean_perplexity", "mean"), mean_utilisation=("mean_utilisation", "mean"),
        codebooks=("codebooks", "sum")).reset_index().assign(branch="total")
    return pd.concat([per_branch, totals], ignore_index=True).sort_values(
        ["model", "branch"], key=lambda s: s.map(lambda v: (v == "total", v)), kind="stable")


def format_bitrate(frame: pd.DataFrame) -> str:
    return bitrate_summary(frame).to_string(index=False, float_format=lambda v: f"{v:.3f}")


SUITES.add("throughput", Suite(
    "throughput",
    "Encode, decode and round-trip speed (real-time factor, audio s/s, peak memory) over batch "
    "sizes, clip lengths and precisions; ratio against descript-audio-codec when importable. "
    "Defaults to the paper-sized configurations with random weights.",
    tasks=("throughput",),
    default_models=("SD-Codec=preset:sdcodec/16k", "DAC=preset:dac/16k", "TDANet=preset:tdanet/16k"),
    runner=run_throughput,
))
SUITES.add("bitrate", Suite(
    "bitrate",
    "Nominal bitrate per branch and total from the configuration, and measured bitrate (code "
    "entropy), perplexity and codebook utilisation on the evaluation clips.",
    tasks=("bitrate",),
    default_models=("SD-Codec=sdcodec-tiny", "DAC=dac-tiny"),
    runner=run_bitrate,
))
SUITES.add("all", Suite(
    "all", "Every suite in turn.",
    members=("resynthesis", "separation", "ablation-shared-codebook", "ablation-separation-enhance",
             "ablation-init-dac", "ood-coding", "rate-distortion", "bitrate", "throughput"),
))

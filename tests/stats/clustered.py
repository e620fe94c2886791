"""Per-clip rows with a known structure: clips cut from tracks (ids ``<track>_<chunk>``),
values with a track effect (clips of one track are correlated), two models."""

from __future__ import annotations

import numpy as np
import pandas as pd


def clustered_values(seed: int, tracks: int, max_chunks: int = 6, track_sd: float = 2.0,
                     clip_sd: float = 1.0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(values [n], track index [n], clip ids [n]): 1..max_chunks clips per track, skewed."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, max_chunks + 1, tracks)
    track = np.repeat(np.arange(tracks), sizes)
    chunk = np.concatenate([np.arange(s) for s in sizes])
    values = 5.0 + rng.normal(0, track_sd, tracks)[track] + rng.exponential(clip_sd, track.size)
    return values, track, [f"3{t:04d}_{c}" for t, c in zip(track, chunk)]


def model_rows(model: str, clip_ids: list[str], values_by_metric: dict[str, np.ndarray],
               task: str = "resynthesis", track: str = "speech",
               skipped: dict[str, set[int]] | None = None) -> pd.DataFrame:
    """Rows of one model: one per clip and metric; clips listed in ``skipped[metric]`` skipped."""
    records = []
    for metric, values in values_by_metric.items():
        for i, (clip, value) in enumerate(zip(clip_ids, values)):
            skip = i in (skipped or {}).get(metric, set())
            records.append(dict(model=model, task=task, input=track, output=track, clip_id=clip,
                                metric=metric, value=float("nan") if skip else float(value),
                                skipped="silent reference" if skip else ""))
    return pd.DataFrame(records)


def write_run(folder, rows: pd.DataFrame, suite: str = "resynthesis"):
    """A complete run folder holding ``rows`` (models in first-seen order)."""
    from bench.results.store import RunStore

    store = RunStore(folder)
    store.start({"config": {"suite": suite, "split": "test", "protocol": "authors"}, "suite": suite,
                 "config_hash": str(folder), "models": [{"label": m} for m in dict.fromkeys(rows["model"])]})
    store.append(rows)
    store.complete()
    return folder


def two_model_rows(shift: float, seed: int = 7, tracks: int = 40, models=("A", "B"),
                   metrics=("si_sdr", "visqol"), noise: float = 0.3,
                   sources=("speech", "music")) -> pd.DataFrame:
    """Rows of two models on the same clips (resynthesis of each of ``sources``): B = A +
    ``shift`` + noise (sd ``noise``) on every metric."""
    values, _, clips = clustered_values(seed=seed, tracks=tracks)
    rng = np.random.default_rng(seed + 1)
    parts = []
    for track in sources:
        b = values + shift + rng.normal(0, noise, values.size)
        parts += [model_rows(models[0], clips, {m: values for m in metrics}, track=track),
                  model_rows(models[1], clips, {m: b for m in metrics}, track=track)]
    return pd.concat(parts, ignore_index=True)

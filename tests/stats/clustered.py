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

"""Fixtures: synthetic per-clip rows with known statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def make_rows(seed: int = 0, n_clips: int = 7, models=("SD-Codec", "DAC"), skip_every: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for model in models:
        for track in ("mix", "speech", "music", "sfx"):
            for c in range(n_clips):
                for metric in ("si_sdr", "visqol"):
                    skipped = "inactive reference" if (c % skip_every == 4 and track != "mix") else ""
                    value = float("nan") if skipped else float(rng.normal(5, 2))
                    rows.append(dict(model=model, task="resynthesis", input=track, output=track,
                                     clip_id=f"clip{c:03d}", metric=metric, value=value, skipped=skipped))
    return pd.DataFrame(rows)


@pytest.fixture
def rows() -> pd.DataFrame:
    return make_rows()

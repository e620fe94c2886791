"""What the bootstrap resamples: the unit a clip belongs to (its cluster).

``track`` (the default): clips cut from one track form one cluster (``bench.data.clip_ids``), as
the chunks of a track share speaker, music and effects and are not independent samples.
``clip``: every clip is its own cluster (the naive bootstrap; too narrow on DnR, where chunks of a
track are correlated). Clip ids that do not name a track are their own cluster under both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from bench.data.clip_ids import track_of
from sdcodec.core.registry import Registry

CLUSTER_UNITS: Registry[Callable[[str], str]] = Registry("resampling unit")
CLUSTER_UNITS.add("track", track_of)
CLUSTER_UNITS.add("clip", str)


def cluster_codes(clip_ids: Iterable[str], unit: str) -> np.ndarray:
    """Integer codes ``[n]`` (0 .. clusters - 1, in first-seen order) of the clusters of
    ``clip_ids`` under ``unit`` (a name of ``CLUSTER_UNITS``). The rule runs once per distinct
    clip id, so a whole run's rows are coded in one call."""
    rule = CLUSTER_UNITS.get(unit)
    clip_codes, distinct = pd.factorize(pd.Series(list(clip_ids) if not isinstance(clip_ids, pd.Series)
                                                  else clip_ids, dtype=object))
    cluster_of_clip, _ = pd.factorize(pd.Series([rule(clip) for clip in distinct], dtype=object))
    return cluster_of_clip[clip_codes].astype(np.int64)

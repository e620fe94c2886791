"""Corrections for the number of comparisons in one table or command."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def holm(p_values: ArrayLike) -> np.ndarray:
    """Holm's step-down adjusted p-values ``[m]`` of ``p_values`` ``[m]`` (same order).

    The k-th smallest p-value (k = 1..m) is multiplied by ``m - k + 1``; adjusted values are made
    non-decreasing along that order and capped at 1. Rejecting where the adjusted value is below
    alpha controls the family-wise error rate at alpha. NaN entries (comparisons that could not
    be made) stay NaN and do not count in ``m``.
    """
    p = np.asarray(p_values, dtype=np.float64)
    adjusted = np.full(p.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    m = valid.size
    if m == 0:
        return adjusted
    order = valid[np.argsort(p[valid], kind="stable")]
    scaled = p[order] * (m - np.arange(m))
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return adjusted

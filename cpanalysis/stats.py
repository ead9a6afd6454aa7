"""Honest statistics: intervals for proportions and means, funnel limits, comparisons, trends."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as _st


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion (as fractions 0..1). NaNs when n is 0."""
    if n <= 0:
        return (math.nan, math.nan)
    z = float(_st.norm.ppf(1 - (1 - confidence) / 2))
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def mean_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """t-interval for a mean. NaNs with fewer than two values."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) < 2:
        return (math.nan, math.nan)
    m = float(v.mean())
    se = float(v.std(ddof=1)) / math.sqrt(len(v))
    t = float(_st.t.ppf(1 - (1 - confidence) / 2, df=len(v) - 1))
    return (m - t * se, m + t * se)

"""Honest statistics: intervals for proportions and means, comparisons, trends.

The rules this module enforces, because the pack must never overstate:

* **One module.** Every statistic of the package is here (intervals, funnel-plot limits, quartile bands,
  comparisons, trends), and this module imports nothing else from ``cpanalysis``, so any layer may use it
  without an import circle.
* **Intervals.** Proportions get Wilson score intervals (good at small n and near 0 or 100%); means get
  t-intervals; rates per 10,000 get exact Poisson (Garwood) intervals.
* **Comparisons.** A council is "higher" or "lower" than a comparator only when the comparator lies
  outside the council's interval (:func:`compare`), or, for a proportion against a benchmark rate, when
  the council lies outside the funnel-plot control limits at its cohort size (:func:`compare_proportion`,
  which uses :func:`funnel_limits`). Otherwise it is "similar"; with anything missing it
  is "not comparable".
* **Trends.** :func:`trend` says "up" or "down" only when a test across all the years is significant:
  the chi-square test for trend in proportions (Cochran-Armitage) for percentages; for counts and means,
  which are usually stocks of the same children from year to year (not independent draws), the
  Mann-Kendall test (Kendall's tau between year and value, exact p-value). Mann-Kendall cannot reach
  p < 0.05 with fewer than five years, so with three or four years a count or mean is reported as
  "no clear change" unless standard errors are supplied (then an inverse-variance weighted regression
  slope is tested). That is deliberate: a rise over three points is not evidence of a trend.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats as _st

Comparison = str  # "higher" | "lower" | "similar" | "not comparable"


def _isnan(x) -> bool:
    try:
        return x is None or bool(np.isnan(float(x)))
    except (TypeError, ValueError):
        return True


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion (as fractions 0..1). NaNs when n is 0."""
    if n <= 0:
        return (math.nan, math.nan)
    z = float(_st.norm.ppf(1 - (1 - confidence) / 2))
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if successes <= 0 else max(0.0, centre - half)  # exact limits at the ends (no float dust)
    hi = 1.0 if successes >= n else min(1.0, centre + half)
    return (lo, hi)


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


# ------------------------------------------------------------------------------------ funnel plots, rates, quartiles
def funnel_limits(p0: float, n: np.ndarray | float, coverage: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact binomial control limits (as proportions) for a proportion p0 at cohort sizes n.

    Spiegelhalter's interpolated binomial quantiles: for probability q, r = Binom.ppf(q, n, p0), then
    the limit is (r - a) / n with a = (F(r) - q) / (F(r) - F(r - 1)).
    """
    n = np.atleast_1d(np.asarray(n, dtype=float))
    out = []
    for q in ((1 - coverage) / 2, 1 - (1 - coverage) / 2):
        lim = np.full(n.shape, np.nan)
        ok = n > 0
        nn = n[ok]
        r = _st.binom.ppf(q, nn, p0)
        f_r = _st.binom.cdf(r, nn, p0)
        f_r1 = _st.binom.cdf(r - 1, nn, p0)
        with np.errstate(invalid="ignore", divide="ignore"):
            a = np.where(f_r - f_r1 > 0, (f_r - q) / (f_r - f_r1), 0.0)
        lim[ok] = np.clip((r - a) / nn, 0.0, 1.0)
        out.append(lim)
    return out[0], out[1]


def poisson_rate_interval(count: float, population: float, per: float = 10000.0,
                          confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval for a rate ``count / population * per``."""
    if population is None or not population or population <= 0 or count is None or math.isnan(count):
        return (math.nan, math.nan)
    a = 1 - confidence
    lo = 0.0 if count == 0 else _st.chi2.ppf(a / 2, 2 * count) / 2
    hi = _st.chi2.ppf(1 - a / 2, 2 * (count + 1)) / 2
    return (per * lo / population, per * hi / population)


def quartile_band(value: float, all_values: np.ndarray) -> tuple[int | None, float, float, float]:
    """(band 1-4, Q1, median, Q3) of a value among all councils' values."""
    v = np.asarray(all_values, dtype=float)
    v = v[~np.isnan(v)]
    if not len(v):
        return None, math.nan, math.nan, math.nan
    q1, q2, q3 = np.percentile(v, [25, 50, 75])
    if value is None or math.isnan(value):
        return None, q1, q2, q3
    return band_of(value, q1, q2, q3), q1, q2, q3


def band_of(value: float, q1: float, q2: float, q3: float) -> int:
    """Quarter 1-4 of a value given the quartiles (a value on a quartile belongs to the quarter below)."""
    return 1 if value <= q1 else 2 if value <= q2 else 3 if value <= q3 else 4


def funnel_side(pct, lo95, hi95, lo998, hi998):
    """Where percentages sit against funnel limits: "above 99.8%", "above 95%", "below 99.8%", "below 95%"
    or "" (inside the 95% limits). Arrays or scalars; the limits in per cent, at each point's cohort size."""
    return np.where(pct > hi998, "above 99.8%", np.where(pct > hi95, "above 95%",
                    np.where(pct < lo998, "below 99.8%", np.where(pct < lo95, "below 95%", ""))))


# ------------------------------------------------------------------------------------ comparisons
def compare(value: float, ci_low: float, ci_high: float, comparator: float) -> Comparison:
    """Compare a figure with its interval to a comparator (England, neighbours' median, last year...).

    "higher" when the comparator lies below the whole interval, "lower" when above it, "similar" when
    the interval contains it (a comparator exactly on a limit counts as inside), and "not comparable"
    when the value, the comparator or either interval limit is missing. Value, interval and comparator
    must be on the same scale (all percentages, or all fractions).
    """
    if any(_isnan(x) for x in (value, ci_low, ci_high, comparator)):
        return "not comparable"
    lo, hi, c = float(ci_low), float(ci_high), float(comparator)
    if lo > hi:
        lo, hi = hi, lo
    if c < lo:
        return "higher"
    if c > hi:
        return "lower"
    return "similar"


def compare_proportion(num: float, den: float, p0: float, coverage: float = 0.95) -> Comparison:
    """Compare an observed proportion ``num/den`` with a benchmark proportion ``p0`` (a fraction 0..1).

    Uses the exact binomial funnel-plot limits around ``p0`` at cohort size ``den``
    (:func:`funnel_limits`, Spiegelhalter 2005): "higher" when the observed
    proportion is above the upper limit, "lower" when below the lower limit, otherwise "similar". Missing
    inputs, a zero denominator or ``p0`` outside 0..1 give "not comparable" (a percentage such as 64
    passed by mistake is not silently rescaled).
    """
    if any(_isnan(x) for x in (num, den, p0)) or float(den) <= 0 or not 0.0 <= float(p0) <= 1.0:
        return "not comparable"
    lo, hi = funnel_limits(float(p0), float(den), coverage)
    p = float(num) / float(den)
    if p > float(hi[0]):
        return "higher"
    if p < float(lo[0]):
        return "lower"
    return "similar"


# ------------------------------------------------------------------------------------ trends
def cochran_armitage(scores: Sequence[float], nums: Sequence[float], dens: Sequence[float]) -> tuple[float, float]:
    """Chi-square test for trend in proportions (Cochran-Armitage). Returns (z, two-sided p).

    With scores t_i, successes x_i out of n_i, N = sum n_i and pooled p = sum x_i / N:
    T = sum t_i (x_i - n_i p); Var(T) = p (1 - p) [sum n_i t_i^2 - (sum n_i t_i)^2 / N]; z = T / sqrt(Var);
    chi-square (1 df) = z^2. z > 0 means the proportion rises with the score.
    """
    t = np.asarray(scores, dtype=float)
    x = np.asarray(nums, dtype=float)
    n = np.asarray(dens, dtype=float)
    big_n = n.sum()
    if big_n <= 0:
        return (math.nan, math.nan)
    p = x.sum() / big_n
    stat = float((t * (x - n * p)).sum())
    var = p * (1 - p) * float((n * t * t).sum() - (n * t).sum() ** 2 / big_n)
    if var <= 0:
        return (0.0, 1.0)  # all 0% or all 100%, or a single distinct score: no evidence of change
    z = stat / math.sqrt(var)
    return (z, float(_st.chi2.sf(z * z, 1)))


def trend(years: Sequence[int], nums: Sequence[float], dens: Sequence[float] | None = None, *,
          kind: str | None = None, ses: Sequence[float] | None = None, alpha: float = 0.05,
          min_years: int = 3) -> dict:
    """Is a series going up, down, or not clearly changing?

    ``kind`` is "percent" (``nums`` successes out of ``dens``; the default when ``dens`` is given),
    "count" (``nums`` are counts; the default without ``dens``) or "mean" (``nums`` are the means; when
    ``dens`` is given with a mean, ``nums`` may instead be sums and ``dens`` the counts, as in the
    indicator results, and the means are nums/dens).

    Returns ``dict(direction, p_value, method, n_years, first, last, change, statistic)``. direction is
    "up" or "down" only when p < ``alpha``; "no clear change" otherwise; "not enough years" with fewer
    than ``min_years`` usable years (a year with a missing figure or a zero denominator is dropped).
    Methods (see the module docstring): Cochran-Armitage for percentages; Mann-Kendall (exact Kendall
    tau) for counts and means, or a weighted-regression z-test for means when ``ses`` are supplied.
    """
    yrs = np.asarray(list(years), dtype=float)
    x = np.asarray([math.nan if _isnan(v) else float(v) for v in nums], dtype=float)
    if kind is None:
        kind = "percent" if dens is not None else "count"
    if kind not in ("percent", "count", "mean"):
        raise ValueError(f"kind must be percent, count or mean, not {kind!r}")
    d = None if dens is None else np.asarray([math.nan if _isnan(v) else float(v) for v in dens], dtype=float)
    if len(x) != len(yrs) or (d is not None and len(d) != len(yrs)):
        raise ValueError("years, nums and dens must have the same length")
    ok = ~np.isnan(x)
    if d is not None:
        ok &= ~np.isnan(d) & (d > 0)
    s = None
    if ses is not None:
        s = np.asarray([math.nan if _isnan(v) else float(v) for v in ses], dtype=float)
        ok &= ~np.isnan(s) & (s > 0)
    yrs, x = yrs[ok], x[ok]
    d = d[ok] if d is not None else None
    s = s[ok] if s is not None else None
    order = np.argsort(yrs)
    yrs, x = yrs[order], x[order]
    d = d[order] if d is not None else None
    s = s[order] if s is not None else None
    if kind == "percent":
        values = 100.0 * x / d
    elif kind == "mean" and d is not None:
        values = x / d
    else:
        values = x
    out = {"direction": "not enough years", "p_value": math.nan, "method": "", "n_years": int(len(yrs)),
           "first": float(values[0]) if len(values) else math.nan,
           "last": float(values[-1]) if len(values) else math.nan, "change": math.nan, "statistic": math.nan}
    if len(values):
        out["change"] = float(values[-1] - values[0])
    if len(yrs) < max(2, min_years):
        return out
    if kind == "percent":
        stat, p = cochran_armitage(yrs - yrs.mean(), x, d)
        out["method"] = "chi-square test for trend (Cochran-Armitage)"
    elif kind == "mean" and s is not None:
        w = 1.0 / (s * s)
        t = yrs - np.average(yrs, weights=w)
        slope = float((w * t * values).sum() / (w * t * t).sum())
        se = math.sqrt(1.0 / float((w * t * t).sum()))
        stat = slope / se
        p = float(2 * _st.norm.sf(abs(stat)))
        out["method"] = "inverse-variance weighted regression slope (z-test)"
    else:
        if np.all(values == values[0]):
            stat, p = 0.0, 1.0
        else:
            res = _st.kendalltau(yrs, values, method="exact" if len(np.unique(values)) == len(values) else "auto")
            stat, p = float(res.statistic), float(res.pvalue)
        out["method"] = "Mann-Kendall trend test (exact Kendall's tau)"
    out["statistic"], out["p_value"] = stat, p
    if not _isnan(p) and p < alpha and stat != 0:
        out["direction"] = "up" if stat > 0 else "down"
    else:
        out["direction"] = "no clear change"
    return out

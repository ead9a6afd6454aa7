"""Honest statistics: intervals for proportions and means, comparisons, trends.

The rules this module enforces, because the pack must never overstate:

* **One module.** Every statistic of the package is here (intervals, funnel-plot limits, quartile bands,
  comparisons, trends), and this module imports nothing else from ``cpanalysis``, so any layer may use it
  without an import circle.
* **Intervals.** Proportions get Wilson score intervals (good at small n and near 0 or 100%); means get
  t-intervals; rates per 10,000 get exact Poisson (Garwood) intervals.
* **Comparisons.** A proportion is compared with a benchmark by exact binomial tails together with a
  z-score that adds the spread between councils (:func:`compare_to_benchmark`, :func:`overdispersion`);
  a figure with an interval by its interval widened by that spread (:func:`compare_interval_spread`).
  Funnel-plot limits (:func:`funnel_limits`, :func:`overdispersed_limits`) are for drawing only: the
  interpolated limits never classify.
* **Trends.** :func:`recent_trend` is the rule for judged trends (percentages with counts; Fingertips'
  recent trend at 99.8%, robust to any one year). :func:`trend` gives a descriptive direction otherwise; it
  says "up" or "down" only when a test across the years is significant:
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


# ==================================================================================== the pack's judgements
# The methods below make every verdict the pack prints ("higher", "worse", "worsening"). They follow the
# public-health indicator methods of OHID's Fingertips and PHE (exact tails, 95% and 99.8% levels, the recent
# trend) and Spiegelhalter's funnel plots with over-dispersion (as NHS-R's FunnelPlotR implements them).
# A verdict is given only at LEVEL_KEY; LEVEL_DESCRIBE is the inner funnel line drawn beside it.

#: the level at which the pack calls a difference or a trend (Fingertips' 99.8%: about 3 standard errors), chosen
#: so that a council at England's true rate on every measure gets few false concerns across the whole pack
LEVEL_KEY = 0.998
#: the inner limits drawn on funnel plots, for reference (never a verdict on their own)
LEVEL_DESCRIBE = 0.95
#: Winsorising of the z-scores before the over-dispersion factor is estimated (10% at each end, FunnelPlotR)
WINSOR_TRIM = 0.10
#: the recent-trend window (Fingertips: the latest five points)
TREND_WINDOW = 5
#: with any one point of the window left out, the trend must still point the same way at this level
TREND_LEAVE_ONE_OUT_LEVEL = 0.95
#: reporting years flagged as disrupted (2020-21, the pandemic year): never the only driver of a trend
FLAGGED_YEARS = {2021: "2020-21, the first full year of the pandemic"}
#: a figure with no test is "far from most councils" when it is among this share of councils at its end of the
#: range and its robust z-score (median and scaled median absolute deviation of every council's figure) is at
#: least EXTREME_Z: a council at England's figure can never be either
EXTREME_SHARE = 0.05
EXTREME_Z = float(_st.norm.ppf(0.975))
#: the z-score of a difference at LEVEL_KEY (two-sided), for ranking a missed target beside it
KEY_Z = float(_st.norm.ppf(1 - (1 - LEVEL_KEY) / 2))

REFERENCES = {
    "wilson": "Wilson EB (1927). Probable inference, the law of succession, and statistical inference. JASA 22:209-212.",
    "byar": "Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, vol. II (Byar's approximation "
            "to exact Poisson limits).",
    "exact": "Exact binomial tail probabilities (Clopper and Pearson, 1934), as PHE's indicator methods use for "
             "proportions compared with a benchmark.",
    "funnel": "Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance. Statistics in "
              "Medicine 24:1185-1202.",
    "overdispersion": "Spiegelhalter DJ (2005). Handling over-dispersion of performance indicators. Quality and "
                      "Safety in Health Care 14:347-351; DerSimonian R, Laird N (1986), additive random effects; "
                      "Winsorised as in NHS-R's FunnelPlotR.",
    "trend": "Office for Health Improvement and Disparities, Fingertips: the recent trend (chi-square test for "
             "trend over the latest five points at the 99.8% level).",
    "armitage": "Armitage P (1955). Tests for linear trends in proportions and frequencies. Biometrics 11:375-386.",
    "robust": "Median and scaled median absolute deviation (Hampel 1974) as a robust spread of councils' figures.",
}


def binomial_tails(x: float, n: float, p0: float) -> tuple[float, float]:
    """Exact tails of Binomial(n, p0) at x: (P(X <= x), P(X >= x))."""
    x, n = int(round(float(x))), int(round(float(n)))
    return float(_st.binom.cdf(x, n, p0)), float(_st.binom.sf(x - 1, n, p0))


def exact_two_sided(x: float, n: float, p0: float) -> float:
    """Two-sided exact binomial p-value: twice the smaller tail, at most 1."""
    lo, hi = binomial_tails(x, n, p0)
    return min(1.0, 2.0 * min(lo, hi))


def _asin(p):
    return np.arcsin(np.sqrt(np.clip(p, 0.0, 1.0)))


def overdispersion(nums: Sequence[float], dens: Sequence[float], p0: float, trim: float = WINSOR_TRIM) -> dict:
    """Spiegelhalter's over-dispersion of councils' proportions around a target ``p0`` (a fraction).

    On the arcsine square-root scale (y = asin(sqrt(x/n)), s = 1 / (2 sqrt(n))), each council's z-score is
    (y - asin(sqrt(p0))) / s; the z-scores are Winsorised at ``trim`` and 1 - ``trim``; phi is their mean
    square; when n phi > n - 1 the between-council variance is
    tau2 = (n phi - (n - 1)) / (sum w - sum w^2 / sum w), w = 1 / s^2 (DerSimonian and Laird), else 0.
    Returns dict(phi, tau2, n_units, trim, method)."""
    x = np.asarray(nums, dtype=float)
    n = np.asarray(dens, dtype=float)
    ok = ~np.isnan(x) & ~np.isnan(n) & (n > 0) & (x >= 0) & (x <= n)
    x, n = x[ok], n[ok]
    out = {"phi": math.nan, "tau2": 0.0, "n_units": int(len(n)), "trim": trim,
           "method": "additive random effects on the arcsine scale, Winsorised z-scores (Spiegelhalter 2005)"}
    if len(n) < 10 or not 0.0 < p0 < 1.0:
        return out
    s = 1.0 / (2.0 * np.sqrt(n))
    z = (_asin(x / n) - float(_asin(p0))) / s
    lo, hi = np.quantile(z, [trim, 1 - trim])
    zw = np.clip(z, lo, hi)
    k = len(z)
    phi = float((zw ** 2).mean())
    w = 1.0 / s ** 2
    tau2 = 0.0 if k * phi < k - 1 else max(0.0, (k * phi - (k - 1)) / float(w.sum() - (w ** 2).sum() / w.sum()))
    out.update(phi=phi, tau2=float(tau2))
    return out


def compare_to_benchmark(x: float, n: float, p0: float, tau2: float = 0.0, level: float = LEVEL_KEY) -> dict:
    """Is a council's proportion x/n different from a benchmark proportion p0 (England's)?

    Two tests, and a verdict only when both agree at ``level`` (two-sided):
    the exact binomial tail at the council's cohort size (is the difference beyond the council's own chance
    variation?) and the random-effects z-score with the between-council variance ``tau2`` (is it beyond the
    usual spread between councils?). Returns dict(direction: higher/lower/similar/not comparable, p, p_exact,
    p_spread, z (the random-effects z-score, the strength of evidence), level, method)."""
    res = {"direction": "not comparable", "p": math.nan, "p_exact": math.nan, "p_spread": math.nan,
           "z": math.nan, "level": level, "tau2": float(tau2 or 0.0), "method": ""}
    if any(_isnan(v) for v in (x, n, p0)) or float(n) <= 0 or not 0.0 <= float(p0) <= 1.0 or float(x) > float(n):
        return res
    x, n, p0 = float(x), float(n), float(p0)
    p_exact = 1.0 if p0 in (0.0, 1.0) and x / n == p0 else exact_two_sided(x, n, p0)
    se = math.sqrt(1.0 / (4.0 * n) + float(tau2 or 0.0))
    z = float((_asin(x / n) - _asin(p0)) / se)
    p_spread = float(2 * _st.norm.sf(abs(z)))
    p = max(p_exact, p_spread)
    res.update(p=p, p_exact=p_exact, p_spread=p_spread, z=z,
               method="exact binomial tail and over-dispersed z-score" if tau2 else "exact binomial tail")
    res["direction"] = ("higher" if x / n > p0 else "lower") if p < 1 - level else "similar"
    return res


def compare_interval_spread(value: float, ci_low: float, ci_high: float, comparator: float,
                            spread_sd: float = 0.0, level: float = LEVEL_KEY, ci_level: float = 0.95) -> dict:
    """A figure with a published or computed interval (``ci_level``) against a comparator, allowing for the
    spread between councils (``spread_sd``, the robust standard deviation of councils' figures; a conservative
    stand-in for the between-council variance where councils' own errors are not published)."""
    res = {"direction": "not comparable", "p": math.nan, "z": math.nan, "level": level, "method": ""}
    if any(_isnan(v) for v in (value, ci_low, ci_high, comparator)):
        return res
    se = abs(float(ci_high) - float(ci_low)) / (2 * float(_st.norm.ppf(1 - (1 - ci_level) / 2)))
    sd = math.sqrt(se ** 2 + float(spread_sd or 0.0) ** 2)
    if sd <= 0:
        return res
    z = (float(value) - float(comparator)) / sd
    p = float(2 * _st.norm.sf(abs(z)))
    res.update(p=p, z=z, method="z-score from the interval, widened by the spread between councils")
    res["direction"] = ("higher" if z > 0 else "lower") if p < 1 - level else "similar"
    return res


def robust_z(value: float, values: Sequence[float]) -> float:
    """(value - median) / (1.4826 MAD) among councils' figures; NaN with fewer than 20 figures or no spread."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) < 20 or _isnan(value):
        return math.nan
    med = float(np.median(v))
    mad = 1.4826 * float(np.median(np.abs(v - med)))
    if mad <= 0:
        return math.nan
    return (float(value) - med) / mad


def robust_sd(values: Sequence[float]) -> float:
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) < 20:
        return math.nan
    return 1.4826 * float(np.median(np.abs(v - np.median(v))))


def quarter_is_meaningful(value: float, values: Sequence[float], max_tied: float = 0.10) -> bool:
    """A quarter among councils means something only when few councils share the council's figure (at most
    ``max_tied`` of them) and the quartiles are distinct (when half of all councils are at 0, 'the lowest
    quarter' describes a tie, not a position)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if not len(v) or _isnan(value):
        return False
    q1, q2, q3 = np.percentile(v, [25, 50, 75])
    if len({round(float(q), 9) for q in (q1, q2, q3)}) < 3:
        return False
    return float(np.isclose(v, float(value), rtol=0, atol=1e-9).mean()) <= max_tied


def recent_trend(years: Sequence[int], nums: Sequence[float], dens: Sequence[float], *, level: float = LEVEL_KEY,
                 window: int = TREND_WINDOW, loo_level: float = TREND_LEAVE_ONE_OUT_LEVEL,
                 england: dict | None = None, exclude_flagged: bool = False) -> dict:
    """Fingertips' recent trend for a proportion with counts, made robust to a single year.

    The latest ``window`` years with counts are tested (chi-square test for trend, Cochran-Armitage); the
    direction is "up" or "down" only when p < 1 - ``level`` and, with any one of those years left out, the
    test still points the same way with p < 1 - ``loo_level``. A trend that one year drives (its omission breaks
    the rule) is not called; when that year is a flagged one (2020-21), the trend is tested again without it
    (``excluded``), and that is the trend reported. ``england`` (year -> England's
    proportion as a fraction) adds a test of the council's change against England's (a score test of the
    council's counts around England's yearly rates, weighted-centred so that a steady gap is not a trend).
    Returns trend()'s keys plus window, flagged, driver and against_england."""
    yrs = np.asarray(list(years), dtype=float)
    x = np.asarray([math.nan if _isnan(v) else float(v) for v in nums], dtype=float)
    d = np.asarray([math.nan if _isnan(v) else float(v) for v in dens], dtype=float)
    ok = ~np.isnan(x) & ~np.isnan(d) & (d > 0)
    yrs, x, d = yrs[ok], x[ok], d[ok]
    order = np.argsort(yrs)
    yrs, x, d = yrs[order][-window:], x[order][-window:], d[order][-window:]
    values = 100.0 * x / d if len(d) else np.array([])
    out = {"direction": "not enough years", "p_value": math.nan, "statistic": math.nan, "n_years": int(len(yrs)),
           "first": float(values[0]) if len(values) else math.nan,
           "last": float(values[-1]) if len(values) else math.nan,
           "change": float(values[-1] - values[0]) if len(values) else math.nan,
           "method": f"chi-square test for trend (Cochran-Armitage) over the latest {window} years, at the "
                     f"{level:.1%} level, and the same direction with any one year left out",
           "window": [int(y) for y in yrs], "flagged": [int(y) for y in yrs if int(y) in FLAGGED_YEARS],
           "driver": None, "against_england": None, "level": level, "excluded": []}
    if len(yrs) < 3:
        return out
    z, p = cochran_armitage(yrs - yrs.mean(), x, d)
    out["statistic"], out["p_value"] = z, p
    direction = "no clear change"
    if not _isnan(p) and p < 1 - level and z != 0:
        direction = "up" if z > 0 else "down"
        if len(yrs) >= 4:
            for i in range(len(yrs)):
                keep = np.arange(len(yrs)) != i
                zi, pi = cochran_armitage(yrs[keep] - yrs[keep].mean(), x[keep], d[keep])
                if _isnan(pi) or pi >= 1 - loo_level or np.sign(zi) != np.sign(z):
                    direction, out["driver"] = "no clear change", int(yrs[i])
                    break
    out["direction"] = direction
    if out["driver"] in FLAGGED_YEARS and not exclude_flagged:
        # the flagged year (2020-21) alone drove it: the trend is the one without that year, said as such
        keep = [i for i, y in enumerate(years) if int(y) not in FLAGGED_YEARS]
        alt = recent_trend([list(years)[i] for i in keep], [list(nums)[i] for i in keep], [list(dens)[i] for i in keep],
                           level=level, window=window, loo_level=loo_level, england=england, exclude_flagged=True)
        alt["excluded"] = [int(out["driver"])]
        alt["driver"] = None
        alt["with_flagged"] = {"direction": "up" if z > 0 else "down", "p_value": p}
        return alt
    if england:
        pe = np.array([float(england.get(int(y), math.nan)) for y in yrs])
        if not np.isnan(pe).any() and ((pe > 0) & (pe < 1)).all():
            t = yrs - (d * yrs).sum() / d.sum()
            stat = float((t * (x - d * pe)).sum())
            var = float((t * t * d * pe * (1 - pe)).sum())
            if var > 0:
                ze = stat / math.sqrt(var)
                pe_val = float(2 * _st.norm.sf(abs(ze)))
                out["against_england"] = {"z": ze, "p": pe_val,
                                          "england_first": 100 * float(pe[0]), "england_last": 100 * float(pe[-1]),
                                          "direction": ("up" if ze > 0 else "down") if pe_val < 1 - level
                                          else "in line"}
    return out


def overdispersed_limits(p0: float, n, tau2: float, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Funnel limits (as proportions) around ``p0`` widened by the between-council variance ``tau2`` on the
    arcsine scale: sin(asin(sqrt(p0)) -/+ z sqrt(1/(4n) + tau2))^2. For drawing; the verdict is
    :func:`compare_to_benchmark`."""
    n = np.atleast_1d(np.asarray(n, dtype=float))
    z = float(_st.norm.ppf(1 - (1 - level) / 2))
    se = np.sqrt(1.0 / (4.0 * np.where(n > 0, n, np.nan)) + float(tau2))
    y0 = float(_asin(p0))
    lo = np.sin(np.clip(y0 - z * se, 0.0, math.pi / 2)) ** 2
    hi = np.sin(np.clip(y0 + z * se, 0.0, math.pi / 2)) ** 2
    return lo, hi


def two_proportion_change(x1: float, n1: float, x2: float, n2: float, level: float = LEVEL_KEY) -> dict:
    """Did a proportion change between two years (x1 of n1, then x2 of n2)? Fisher's exact test (two-sided) on the
    2x2 table, with the pooled two-proportion z-score for the strength of evidence. The same children often appear
    in both years; the test treats the years as independent samples, which overstates the evidence when they
    overlap, so a change is called only at the strict ``level`` (99.8%).

    Returns direction ('up', 'down', 'no clear change' or 'not tested'), p, z, level and method."""
    out = {"direction": "not tested", "p": math.nan, "z": math.nan, "level": level,
           "method": "Fisher's exact test of two proportions"}
    if any(_isnan(v) for v in (x1, n1, x2, n2)) or n1 <= 0 or n2 <= 0 or not (0 <= x1 <= n1 and 0 <= x2 <= n2):
        return out
    a, b, c, d = int(round(x1)), int(round(n1 - x1)), int(round(x2)), int(round(n2 - x2))
    p = float(_st.fisher_exact([[a, b], [c, d]], alternative="two-sided")[1])
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2)) if 0 < pooled < 1 else 0.0
    z = ((x2 / n2) - (x1 / n1)) / se if se > 0 else 0.0
    out.update(p=p, z=z)
    if p < 1 - level:
        out["direction"] = "up" if x2 / n2 > x1 / n1 else "down"
    else:
        out["direction"] = "no clear change"
    return out

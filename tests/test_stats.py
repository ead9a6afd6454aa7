"""Hand-worked tests for cpanalysis.stats (intervals, comparisons, trends)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cpanalysis import stats


# ------------------------------------------------------------------------------------ intervals
@pytest.mark.parametrize(("k", "n", "lo", "hi"), [
    # Newcombe (1998), Stat Med 17:857-872, Table I, method 3 (Wilson score without continuity correction)
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
    # 8/10: p=0.8, z=1.96: centre=(0.8+0.19208)/1.38416=0.71674, half=1.96*sqrt(0.016+0.0009604)/1.38416=0.18442
    (8, 10, 0.4902, 0.9433),
])
def test_wilson_interval_textbook_values(k, n, lo, hi):
    got = stats.wilson_interval(k, n)
    assert got[0] == pytest.approx(lo, abs=5e-5)
    assert got[1] == pytest.approx(hi, abs=5e-5)


def test_wilson_interval_empty_and_full():
    assert all(math.isnan(x) for x in stats.wilson_interval(0, 0))
    lo, hi = stats.wilson_interval(10, 10)
    assert hi == pytest.approx(1.0) and lo == pytest.approx(0.7225, abs=5e-5)  # mirror of 0/10 (upper 0.2775)


def test_mean_interval_hand_worked():
    # 1..5: mean 3, sd sqrt(2.5)=1.5811, se=0.70711, t(0.975, 4)=2.77645 -> 3 -/+ 1.96324
    lo, hi = stats.mean_interval(np.array([1, 2, 3, 4, 5]))
    assert lo == pytest.approx(1.03676, abs=1e-4)
    assert hi == pytest.approx(4.96324, abs=1e-4)
    assert all(math.isnan(x) for x in stats.mean_interval(np.array([4.0])))
    # NaNs are dropped: the same answer
    assert stats.mean_interval(np.array([1, 2, np.nan, 3, 4, 5]))[0] == pytest.approx(lo)


# ------------------------------------------------------------------------------------ compare
def test_binomial_tails_are_exact_and_match_scipy_binomtest():
    # 28 of 100 against 20%: P(X >= 28) = 0.0342 by hand from the binomial sum; two-sided exact p from scipy.
    lo, hi = stats.binomial_tails(28, 100, 0.2)
    assert hi == pytest.approx(0.034152, abs=1e-6)
    assert lo == pytest.approx(0.97998, abs=1e-5)
    from scipy.stats import binomtest

    # scipy's two-sided p sums the outcomes no more likely than the one seen; ours doubles the smaller tail
    # (PHE's convention): both far from 0.05 here, and ours is never the smaller
    assert stats.exact_two_sided(28, 100, 0.2) >= binomtest(28, 100, 0.2).pvalue - 1e-12


def test_compare_to_benchmark_classifies_with_exact_tails_not_the_drawing_limit():
    # 28 of 28 against 96.5%: P(X = 28) = 0.965^28 = 0.3688, so no difference at any level.
    assert stats.compare_to_benchmark(28, 28, 0.965, level=0.95)["direction"] == "similar"
    # 28 of 100 against 20%: P(X >= 28) = 0.034 > 0.025: similar at 95% (the interpolated limit said higher).
    assert stats.compare_to_benchmark(28, 100, 0.2, level=0.95)["direction"] == "similar"
    # 60 of 200 against 20%: exact two-sided p = 0.000995 < 0.002: higher at 99.8% without spread ...
    r = stats.compare_to_benchmark(60, 200, 0.2)
    assert r["direction"] == "higher" and r["p_exact"] == pytest.approx(0.000995, abs=2e-5)
    # ... but not when councils really differ: tau2 = 0.005 on the arcsine scale (a between-council sd of
    # about 7 points around 20%) makes z = (0.5796 - 0.4636) / sqrt(1/800 + 0.005) = 1.47.
    r = stats.compare_to_benchmark(60, 200, 0.2, tau2=0.005)
    assert r["z"] == pytest.approx(1.467, abs=0.005) and r["direction"] == "similar"
    assert stats.compare_to_benchmark(5, 0, 0.2)["direction"] == "not comparable"
    assert stats.compare_to_benchmark(5, 10, 64)["direction"] == "not comparable"  # a percentage by mistake


def test_overdispersion_matches_funnelplotr_formula_and_finds_none_in_binomial_data():
    # 150 councils drawn from Binomial(n, 0.3) exactly: no real spread, so tau2 = 0. (Winsorising at 10% and 90%
    # shrinks the mean square of standard normal z-scores to about 0.58, as in Spiegelhalter 2005 and FunnelPlotR.)
    rng = np.random.default_rng(3)
    n = rng.integers(50, 800, 150).astype(float)
    x = rng.binomial(n.astype(int), 0.3).astype(float)
    od = stats.overdispersion(x, n, 0.3)
    assert 0.4 < od["phi"] < 1.0 and od["tau2"] == 0.0
    # real spread: each council's own rate varies (sd 0.08 on the arcsine scale): tau2 recovered near 0.0064
    y = np.arcsin(np.sqrt(0.3)) + rng.normal(0, 0.08, 150)
    x2 = rng.binomial(n.astype(int), np.sin(y) ** 2).astype(float)
    od2 = stats.overdispersion(x2, n, 0.3)
    assert 0.003 < od2["tau2"] < 0.010 and od2["phi"] > 2
    # the formula by hand on Winsorised z-scores (FunnelPlotR's tau_func): (k phi - (k - 1)) / (sum w - sum w2 / sum w)
    s = 1 / (2 * np.sqrt(n))
    z = (np.arcsin(np.sqrt(x2 / n)) - np.arcsin(np.sqrt(0.3))) / s
    lo, hi = np.quantile(z, [0.1, 0.9])
    phi = float((np.clip(z, lo, hi) ** 2).mean())
    w = 1 / s ** 2
    assert od2["tau2"] == pytest.approx((150 * phi - 149) / (w.sum() - (w ** 2).sum() / w.sum()))


def test_quarter_is_not_claimed_where_ties_make_it_meaningless():
    vals = np.array([0.0] * 74 + list(np.linspace(1, 20, 78)))  # 49% of councils at 0
    assert not stats.quarter_is_meaningful(0.0, vals)
    assert stats.quarter_is_meaningful(15.0, np.linspace(0, 30, 150))


# ------------------------------------------------------------------------------------ trend
def test_trend_cochran_armitage_hand_worked():
    # 10/100, 20/100, 30/100 over three years; scores centred -1, 0, 1; pooled p = 60/300 = 0.2.
    # T = -1*(10-20) + 0 + 1*(30-20) = 20; Var = 0.2*0.8*(200 - 0) = 32; z = 20/sqrt(32) = 3.5355;
    # chi-square = 12.5 on 1 df; p = 0.000407.
    r = stats.trend([2023, 2024, 2025], [10, 20, 30], [100, 100, 100])
    assert r["direction"] == "up"
    assert r["statistic"] == pytest.approx(3.5355, abs=1e-4)
    assert r["p_value"] == pytest.approx(0.000407, abs=2e-6)
    assert r["first"] == 10.0 and r["last"] == 30.0 and r["change"] == 20.0
    down = stats.trend([2025, 2024, 2023], [10, 20, 30], [100, 100, 100])  # order of input does not matter
    assert down["direction"] == "down"


def test_trend_percent_small_change_is_not_a_trend():
    # 8/20, 9/20, 10/20: pooled p=0.45; T = -1*(8-9) + 1*(10-9) = 2; Var = 0.2475*40 = 9.9; z=0.6356; p=0.525
    r = stats.trend([2023, 2024, 2025], [8, 9, 10], [20, 20, 20])
    assert r["direction"] == "no clear change"
    assert r["p_value"] == pytest.approx(0.525, abs=1e-3)


def test_trend_not_enough_years_and_missing_years():
    assert stats.trend([2025], [10], [100])["direction"] == "not enough years"
    # a year with a zero denominator is dropped, leaving two
    assert stats.trend([2023, 2024, 2025], [1, 0, 3], [10, 0, 10])["direction"] == "not enough years"
    assert stats.trend([2024, 2025], [1, 9], [10, 10], min_years=2)["direction"] == "up"


def test_trend_counts_mann_kendall():
    # Five years rising every year: tau = 1, exact p = 2/5! = 2/120 = 0.0167 -> "up"
    r = stats.trend([2021, 2022, 2023, 2024, 2025], [50, 55, 60, 70, 80])
    assert r["direction"] == "up" and r["p_value"] == pytest.approx(2 / 120)
    # Four years rising every year: p = 2/4! = 0.0833 -> honest answer is "no clear change"
    r4 = stats.trend([2022, 2023, 2024, 2025], [50, 55, 60, 70], kind="count")
    assert r4["direction"] == "no clear change" and r4["p_value"] == pytest.approx(2 / 24)
    # Five years with one reversal: tau = 0.8, p = 0.0833
    r5 = stats.trend([2021, 2022, 2023, 2024, 2025], [80, 70, 60, 50, 55], kind="count")
    assert r5["direction"] == "no clear change"
    assert stats.trend([2021, 2022, 2023], [5, 5, 5])["direction"] == "no clear change"


def test_trend_means_with_and_without_standard_errors():
    # means given as sums and counts (as in indicator results): 140/10, 145/10, 150/10 -> 14.0, 14.5, 15.0
    r = stats.trend([2023, 2024, 2025], [140, 145, 150], [10, 10, 10], kind="mean")
    assert r["first"] == 14.0 and r["last"] == 15.0
    assert r["direction"] == "no clear change"  # Mann-Kendall, three years: p = 2/3! = 0.333
    # with standard errors 0.1 each: slope 0.5/yr, se = 1/sqrt(sum w t^2) = 1/sqrt(100*2) = 0.0707; z = 7.07
    r = stats.trend([2023, 2024, 2025], [14.0, 14.5, 15.0], kind="mean", ses=[0.1, 0.1, 0.1])
    assert r["direction"] == "up" and r["statistic"] == pytest.approx(7.0711, abs=1e-4)
    # with large standard errors (1.0): z = 0.5/0.7071 = 0.707, p = 0.48
    r = stats.trend([2023, 2024, 2025], [14.0, 14.5, 15.0], kind="mean", ses=[1.0, 1.0, 1.0])
    assert r["direction"] == "no clear change" and r["p_value"] == pytest.approx(0.4795, abs=1e-3)
    with pytest.raises(ValueError):
        stats.trend([2023], [1], kind="median")

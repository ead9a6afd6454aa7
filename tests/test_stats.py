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
@pytest.mark.parametrize(("value", "lo", "hi", "comp", "expected"), [
    (64.0, 58.0, 70.0, 54.0, "higher"),     # comparator below the whole interval
    (64.0, 58.0, 70.0, 72.5, "lower"),      # comparator above it
    (64.0, 58.0, 70.0, 66.0, "similar"),    # inside
    (64.0, 58.0, 70.0, 70.0, "similar"),    # exactly on a limit counts as inside (never overstate)
    (64.0, math.nan, math.nan, 54.0, "not comparable"),  # no interval (e.g. a count)
    (math.nan, 1.0, 2.0, 1.5, "not comparable"),
    (64.0, 58.0, 70.0, None, "not comparable"),
])
def test_compare(value, lo, hi, comp, expected):
    assert stats.compare(value, lo, hi, comp) == expected


def test_compare_proportion_uses_funnel_limits():
    # p0=0.2, n=100: exact binomial 95% limits (Spiegelhalter interpolation) are 0.1197 and 0.2765
    # (normal approximation 0.2 -/+ 1.96*0.04 = 0.1216..0.2784 as a sanity check).
    assert stats.compare_proportion(30, 100, 0.2) == "higher"   # 0.30 > 0.2765
    assert stats.compare_proportion(25, 100, 0.2) == "similar"
    assert stats.compare_proportion(12, 100, 0.2) == "similar"  # 0.12 just inside 0.1197
    assert stats.compare_proportion(11, 100, 0.2) == "lower"
    # the 99.8% limits are wider (0.0810..0.3268): 0.30 is then similar
    assert stats.compare_proportion(30, 100, 0.2, coverage=0.998) == "similar"
    assert stats.compare_proportion(5, 0, 0.2) == "not comparable"
    assert stats.compare_proportion(5, 10, 64) == "not comparable"  # a percentage passed by mistake


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

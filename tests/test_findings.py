"""The key-message rule on hand-built cases, the one comparison rule, and targets."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from cpanalysis import findings
from cpanalysis.config import Target


def defn(unit="percent", polarity="lower_is_better", id="m"):
    return SimpleNamespace(id=id, title="A measure", question=4, unit=unit, polarity=polarity, caveats=())


def rows(values, nums=None, dens=None, ci=None, years=None):
    years = years or list(range(2025 - len(values) + 1, 2026))
    ci = ci or [(math.nan, math.nan)] * len(values)
    return pd.DataFrame({"year": years, "breakdown": "Total", "value": values,
                         "numerator": nums or [math.nan] * len(values), "denominator": dens or [math.nan] * len(values),
                         "ci_low": [c[0] for c in ci], "ci_high": [c[1] for c in ci], "symbol": ""})


def comp(england=None, sn=None, q=(10.0, 20.0, 30.0), n=150, year=2025):
    return pd.DataFrame([{"year": year, "england": england, "region": None, "sn_median": sn, "region_name": "X",
                          "sn_group": "DfE statistical neighbours", "la_q1": q[0], "la_median": q[1], "la_q3": q[2],
                          "n_councils": n}])


def test_clear_difference_is_a_concern():
    # 60 of 200 = 30% against England 20%: exact binomial 95% limits around 20% at n = 200 are about
    # 14.5% to 25.5%, so 30% is above them: "higher", and worse for a lower-is-better measure.
    ev = findings.evaluate(defn(), rows([30.0], [60], [200]), comp(england=20.0), 2025)
    assert ev.verdicts["england"] == "higher"
    assert ev.kind == "concern"
    assert [s.kind for s in ev.concerns] == ["comparator"]
    assert "higher than England (20" in ev.concerns[0].words


def test_difference_within_chance_is_not_a_finding():
    # 12 of 50 = 24% against England 20%: the 95% limits at n = 50 are about 10% to 32%: within them.
    ev = findings.evaluate(defn(), rows([24.0], [12], [50]), comp(england=20.0, q=(10.0, 15.0, 22.0)), 2025)
    assert ev.verdicts["england"] == "similar"
    assert ev.kind == ""  # the highest quarter alone does not overrule a test that found no clear difference
    assert ev.quarter == 4


def test_extreme_quarter_without_an_interval_is_a_finding_and_says_what_it_rests_on():
    # A workforce rate DfE publishes without counts: 31% against England 13%, highest quarter of 150.
    ev = findings.evaluate(defn(), rows([31.0]), comp(england=13.0, sn=10.0, q=(12.0, 15.0, 19.0)), 2025)
    assert ev.verdicts == {"england": "not judged", "sn_median": "not judged"}
    assert ev.kind == "concern"
    (sig,) = ev.concerns
    assert sig.kind == "quarter" and "highest quarter of 150" in sig.words
    assert "rests on the council's position among all councils" in sig.words


def test_missed_target_is_a_concern_and_met_target_goes_well():
    t = Target(indicator="stability_3plus_placements", below=10, source="Scorecard")
    ev = findings.evaluate(defn(), rows([15.5]), comp(), 2025, target=t)  # no interval: the figure decides
    assert ev.target_status == "not met" and ev.kind == "concern"
    assert "misses the council's target of below 10" in ev.concerns[0].words
    ev = findings.evaluate(defn(), rows([8.0]), comp(), 2025, target=t)
    assert ev.target_status == "met" and ev.kind == "going well"


def test_target_that_the_interval_straddles_cannot_be_told():
    # 51 of 465 = 11.0%, Wilson 95% interval 8.4% to 14.1%: the target "below 10%" lies inside it.
    t = Target(indicator="stability_3plus_placements", below=10, source="Scorecard")
    assert findings.target_status(t, 11.0, 8.4, 14.1) == "cannot tell"
    assert findings.target_status(t, 6.0, 4.0, 8.0) == "met"
    assert findings.target_status(t, 15.0, 12.0, 18.0) == "not met"
    assert findings.target_status(t, math.nan, math.nan, math.nan, "c") == "cannot tell"
    r = Target(indicator="care_leavers_suitable_accom_19_21", between=(95, 100), source="Scorecard")
    assert findings.target_status(r, 91.7, 86.9, 94.8) == "not met"
    assert findings.target_status(r, 97.0, 95.5, 98.5) == "met"
    assert findings.target_status(r, 96.0, 93.0, 98.0) == "cannot tell"


def test_worsening_trend_over_all_years_is_a_concern_first_against_last_is_not():
    # 5 years rising steadily from 10% to 30% of 200 children: Cochran-Armitage test for trend, p < 0.001.
    up = rows([10.0, 15.0, 20.0, 25.0, 30.0], [20, 30, 40, 50, 60], [200] * 5)
    ev = findings.evaluate(defn(), up, comp(), 2025)
    assert ev.trend["direction"] == "up" and ev.trend["p_value"] < 0.001
    assert [s.kind for s in ev.concerns] == ["trend"]
    assert "worsening over the 5 years from 2020-21 to 2024-25" in ev.concerns[0].words
    # Up and down from 10% to 18% of 200 children: last against first looks like a rise, but the
    # Cochran-Armitage test over all five years gives z = 1.29, p = 0.196, so no trend and no finding.
    bumpy = rows([10.0, 25.0, 15.0, 20.0, 18.0], [20, 50, 30, 40, 36], [200] * 5)
    ev = findings.evaluate(defn(), bumpy, comp(), 2025)
    assert ev.trend["direction"] == "no clear change"
    assert ev.kind == ""


def test_neutral_measures_and_suppressed_figures_are_never_findings():
    ev = findings.evaluate(defn(polarity="neutral"), rows([30.0], [60], [200]), comp(england=20.0), 2025)
    assert ev.verdicts["england"] == "higher" and ev.kind == ""
    sup = rows([math.nan], [math.nan], [200])
    sup["symbol"] = "c"
    ev = findings.evaluate(defn(), sup, comp(england=20.0), 2025)
    assert not ev.shown and ev.kind == "" and ev.verdicts == {}


def test_select_ranks_by_number_of_signals_then_a_missed_target():
    t = Target(indicator="stability_3plus_placements", below=10, source="Scorecard")
    one = findings.evaluate(defn(id="one"), rows([30.0], [60], [200]), comp(england=20.0), 2025)
    two = findings.evaluate(defn(id="two"), rows([30.0], [60], [200]), comp(england=20.0), 2025, target=t)
    good = findings.evaluate(defn(id="good"), rows([10.0], [20], [200]), comp(england=20.0), 2025)
    concerns, strengths = findings.select([one, two, good])
    assert [e.id for e in concerns] == ["two", "one"]
    assert [e.id for e in strengths] == ["good"]


def test_comparison_rule_matches_the_funnel_plot_limits():
    """The sentence and the funnel plot use one rule: a figure is 'higher' exactly when it lies above the
    exact binomial 95% limit around the comparator at its cohort size."""
    from cpanalysis.compare import funnel_limits

    for n in (20, 54, 411, 2000):
        lo, hi = funnel_limits(0.10, float(n), 0.95)
        above = math.floor(float(hi[0]) * n) + 1
        assert findings.compare_with(100 * above / n, 10.0, unit="percent", numerator=above, denominator=n) == "higher"
        at = math.floor(float(hi[0]) * n)
        if at / n >= float(lo[0]):
            assert findings.compare_with(100 * at / n, 10.0, unit="percent", numerator=at, denominator=n) == "similar"


def test_comparison_rule_uses_the_interval_without_counts_and_judges_nothing_without_either():
    assert findings.compare_with(50.0, 40.0, unit="mean", ci_low=45.0, ci_high=55.0) == "higher"
    assert findings.compare_with(50.0, 48.0, unit="mean", ci_low=45.0, ci_high=55.0) == "similar"
    assert findings.compare_with(50.0, 10.0, unit="percent") == "not judged"


@pytest.mark.parametrize("value,q,band", [(10.0, (10, 20, 30), 1), (20.5, (10, 20, 30), 3), (31.0, (10, 20, 30), 4)])
def test_quarter_by_value(value, q, band):
    assert findings.quarter_of(value, {"la_q1": q[0], "la_median": q[1], "la_q3": q[2], "n_councils": 150}) == band

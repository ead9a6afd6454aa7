"""The key-message rule on hand-built cases: one test for each defect the statistical review found (issue 19,
points 1 to 11, with its numbers as inputs), the one comparison rule, and targets."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from cpanalysis import briefing, findings, stats
from cpanalysis.config import Target
from cpanalysis.narrative import fmt


def defn(unit="percent", polarity="lower_is_better", id="m", counted="children", family="", **kw):
    return SimpleNamespace(id=id, title=kw.pop("title", "A measure"), question=kw.pop("question", 4), unit=unit,
                           polarity=polarity, caveats=(), counted=counted, family=family, **kw)


def rows(values, nums=None, dens=None, ci=None, years=None):
    years = years or list(range(2025 - len(values) + 1, 2026))
    ci = ci or [(math.nan, math.nan)] * len(values)
    return pd.DataFrame({"year": years, "breakdown": "Total", "value": values,
                         "numerator": nums or [math.nan] * len(values), "denominator": dens or [math.nan] * len(values),
                         "ci_low": [c[0] for c in ci], "ci_high": [c[1] for c in ci], "symbol": ""})


def comp(england=None, sn=None, q=(10.0, 20.0, 30.0), n=150, year=2025, years=None, sn_range=(math.nan, math.nan)):
    ys = years or [year]
    eng = england if isinstance(england, list) else [england] * len(ys)
    return pd.DataFrame([{"year": y, "england": e, "region": None, "sn_median": sn, "region_name": "X",
                          "sn_group": "DfE statistical neighbours", "la_q1": q[0], "la_median": q[1], "la_q3": q[2],
                          "n_councils": n, "sn_min": sn_range[0], "sn_max": sn_range[1], "sn_n": 10}
                         for y, e in zip(ys, eng)])


def spread_binomial(p, n_councils=150, tau=0.0, seed=1):
    """Councils around England's p with a between-council sd ``tau`` on the arcsine scale."""
    rng = np.random.default_rng(seed)
    n = rng.integers(40, 900, n_councils)
    y = np.arcsin(np.sqrt(p)) + rng.normal(0, tau, n_councils)
    x = rng.binomial(n, np.clip(np.sin(y) ** 2, 0, 1))
    return findings.Spread(values=100 * x / n, nums=x.astype(float), dens=n.astype(float), england_p=p)


# ---------------------------------------------------------------- 1. the right unit or no test
def test_absence_in_school_sessions_is_never_tested_and_the_pack_says_why():
    # Rutland: 23% of 2,448 school sessions against England's 9%: DfE's row counts 7 pupils.
    d = defn(counted="school sessions", title="Overall absence rate")
    years = [2021, 2022, 2023, 2024, 2025]
    ev = findings.evaluate(d, rows([3.0, 8.0, 12.0, 18.0, 23.0], [73, 196, 294, 441, 564], [2448] * 5),
                           comp(england=9.0, years=years), 2025)
    assert ev.verdicts["england"] == "not judged" and ev.kind == ""
    assert "school sessions" in ev.not_judged and "pupils" in ev.not_judged
    assert not ev.trend["judged"]  # a direction may be described, never judged worsening
    assert "not judged because it counts school sessions" in briefing.comparison_sentence(ev)


def test_no_measure_of_a_unit_that_is_not_independent_is_ever_tested():
    """Every published measure and child-level indicator: given counts that would be significant, a measure of
    sessions, placements or incidents gets no verdict, no judged trend and no signal."""
    from cpanalysis.definitions import UNITS_OF_ANALYSIS, unit_of_analysis
    from cpanalysis.indicators import registry
    from cpanalysis.sources.catalogue import catalogue, definition_for

    defs = [definition_for(m) for m in catalogue()] + [i.definition for i in registry.all_indicators()]
    checked = 0
    for d in defs:
        unit = unit_of_analysis(d)  # raises for a measure whose unit cannot be told
        if UNITS_OF_ANALYSIS[unit][0] != "not independent":
            continue
        ev = findings.evaluate(d, rows([5.0, 10.0, 15.0, 20.0, 60.0], [5, 10, 15, 20, 60], [100] * 5),
                               comp(england=10.0, years=[2021, 2022, 2023, 2024, 2025]), 2025)
        assert ev.verdicts.get("england", "not judged") == "not judged", d.id
        assert not ev.trend.get("judged") and not any(s.kind in ("england", "trend") for s in ev.signals), d.id
        checked += 1
    assert checked >= 3  # absence sessions, new placements, moves of home, incidents


def test_persistent_absence_counts_pupils_and_is_tested():
    ev = findings.evaluate(defn(counted="pupils"), rows([40.0], [40], [100]), comp(england=20.0), 2025)
    assert ev.unit_of_analysis == "pupil" and ev.verdicts["england"] == "higher"


# ---------------------------------------------------------------- 2. exact tails, not the drawing limit
def test_a_hundred_per_cent_of_a_small_group_is_not_higher():
    # 28 of 28 against 96.5%: P(X = 28) = 0.965^28 = 0.37.
    ev = findings.evaluate(defn(polarity="higher_is_better"), rows([100.0], [28], [28]), comp(england=96.5), 2025)
    assert ev.verdicts["england"] == "similar" and ev.kind == ""


def test_28_of_100_against_20_per_cent_is_not_higher():
    # P(X >= 28 | n = 100, p = 0.2) = 0.034: beyond the 95% drawing limit, but not by an exact tail at 97.5%.
    assert findings.compare_with(28.0, 20.0, unit="percent", numerator=28, denominator=100, level=0.95) == "similar"
    assert findings.compare_with(28.0, 20.0, unit="percent", numerator=28, denominator=100) == "similar"


# ---------------------------------------------------------------- 3. over-dispersion
def test_a_difference_within_the_usual_spread_between_councils_is_not_a_finding():
    # 60 of 200 = 30% against England's 20%: exact p = 0.001, but councils' own rates spread with an sd of 0.1 on
    # the arcsine scale (about 9 points). The Winsorised estimate (Spiegelhalter 2005, as FunnelPlotR) recovers
    # tau2 of about 0.004 of the true 0.01 (Winsorising shrinks it), so z = (0.5796 - 0.4636) / sqrt(1/800 +
    # 0.004) = 1.6: within the usual spread.
    sp = spread_binomial(0.2, tau=0.1)
    tau2 = sp.dispersion(0.2)["tau2"]
    assert 0.003 < tau2 < 0.012
    assert findings.test_against(30.0, 20.0, unit="percent", numerator=60, denominator=200, spread=sp)["z"] == \
        pytest.approx((np.arcsin(np.sqrt(0.3)) - np.arcsin(np.sqrt(0.2))) / np.sqrt(1 / 800 + tau2))
    ev = findings.evaluate(defn(), rows([30.0], [60], [200]), comp(england=20.0), 2025, spread=sp)
    assert ev.verdicts["england"] == "similar" and ev.kind == ""
    # without over-dispersion the same figure is higher
    assert findings.evaluate(defn(), rows([30.0], [60], [200]), comp(england=20.0), 2025).verdicts["england"] == "higher"
    # a real outlier is still flagged: 120 of 200 = 60%
    ev = findings.evaluate(defn(), rows([60.0], [120], [200]), comp(england=20.0), 2025, spread=sp)
    assert ev.verdicts["england"] == "higher" and ev.kind == "concern" and ev.test["z"] > 4


# ---------------------------------------------------------------- 4. many measures at once
def test_an_exactly_average_council_gets_few_false_concerns():
    """40 measures of 30 to 400 children at England's rate, 5 years each, 80 simulated councils: the rule's
    false concerns average at most 0.3 per pack, and a pack has any at most 25% of the time. (The benchmark
    benchmarks/bench_calibration.py does the same on real councils' cohort sizes and real spreads.)"""
    rng = np.random.default_rng(7)
    years = [2021, 2022, 2023, 2024, 2025]
    specs = [(float(rng.uniform(0.05, 0.9)), int(rng.integers(30, 400)), "higher_is_better" if i % 2 else
              "lower_is_better") for i in range(40)]
    spreads = [spread_binomial(p, tau=0.05, seed=i) for i, (p, _, _) in enumerate(specs)]
    counts = []
    for _ in range(80):
        evs = []
        for i, (p, n, pol) in enumerate(specs):
            x = rng.binomial(n, p, 5)
            evs.append(findings.evaluate(defn(id=f"m{i}", polarity=pol), rows(list(100 * x / n), list(x), [n] * 5),
                                         comp(england=100 * p, years=years), 2025, spread=spreads[i]))
        counts.append(findings.count_concerns(evs))
    counts = np.array(counts)
    assert counts.mean() <= 0.3 and (counts >= 1).mean() <= 0.25


# ---------------------------------------------------------------- 5. the neighbours' median is not a known value
def test_neighbours_are_described_not_tested():
    ev = findings.evaluate(defn(), rows([30.0], [60], [200]), comp(england=30.0, sn=12.0, sn_range=(8.0, 20.0)), 2025)
    assert ev.verdicts["sn_median"] == "not judged" and ev.kind == ""
    assert ev.neighbour_place == "above all"
    assert "above every one of its statistical neighbours" in briefing.comparison_sentence(ev)


# ---------------------------------------------------------------- 6. trends
def test_the_pandemic_year_never_drives_a_trend_alone():
    # Dental checks 34, 85, 89, 81, 65% of 300 children: with 2020-21 the test says "improving"; without it the
    # series falls. The rule leaves 2020-21 out and calls no improvement.
    ev = findings.evaluate(defn(polarity="higher_is_better"),
                           rows([34.0, 85.0, 89.0, 81.0, 65.0], [102, 255, 267, 243, 195], [300] * 5), comp(), 2025)
    assert ev.trend["excluded"] == [2021] and 2021 not in ev.trend["window"]
    assert not any(s.kind == "trend" and s.good for s in ev.signals)
    assert briefing.trend_words(ev) != "improving"


def test_trend_sentence_describes_the_window_it_tested():
    # Persistent absence 14.4 (2018-19), 34.2, 21.4, 16.7, 16.1, 15.9% of 1,000 pupils: the old sentence said
    # "improved from 2018-19 (14%) to 2024-25 (16%)". The window is the latest five years, from 34% down to 16%.
    ev = findings.evaluate(defn(counted="pupils"),
                           rows([14.4, 34.2, 21.4, 16.7, 16.1, 15.9], [144, 342, 214, 167, 161, 159], [1000] * 6,
                                years=[2019, 2021, 2022, 2023, 2024, 2025]), comp(), 2025)
    s = briefing.trend_sentence(ev)
    assert "2018-19" not in s and s.startswith("It improved from 2020-21 (34%) to 2024-25 (16%)")
    assert "pandemic year" in s


def test_a_council_moving_with_england_is_not_a_finding():
    # The council falls from 30% to 20% of 400 children exactly as England does: worsening by its own trend,
    # but in line with England's, so no key message; one falling twice as fast is one.
    years = [2021, 2022, 2023, 2024, 2025]
    eng = [30.0, 27.5, 25.0, 22.5, 20.0]
    same = rows(eng, [120, 110, 100, 90, 80], [400] * 5)
    ev = findings.evaluate(defn(polarity="higher_is_better"), same, comp(england=eng, years=years), 2025)
    assert ev.trend["direction"] == "down" and ev.trend["against_england"]["direction"] == "in line"
    assert not any(s.kind == "trend" for s in ev.signals)
    assert "in line with England" in briefing.trend_sentence(ev)
    fast = rows([30.0, 25.0, 20.0, 15.0, 10.0], [120, 100, 80, 60, 40], [400] * 5)
    ev = findings.evaluate(defn(polarity="higher_is_better"), fast, comp(england=eng, years=years), 2025)
    trend = [s for s in ev.concerns if s.kind == "trend"]
    assert len(trend) == 1 and "down relative to England, which went from 30% to 20%" in trend[0].words


# ---------------------------------------------------------------- 7. one fact, one message
def test_complements_give_one_message():
    # Care leavers in education, employment or training 42% and not in it 52% (of 250, England 55% and 38%).
    eet = findings.evaluate(defn(id="care_leavers_eet_19_21", polarity="higher_is_better", family="care_leavers_activity"),
                            rows([42.0], [105], [250]), comp(england=55.0), 2025)
    neet = findings.evaluate(defn(id="care_leavers_neet_19_21", family="care_leavers_activity"),
                             rows([52.0], [130], [250]), comp(england=38.0), 2025)
    assert eet.kind == neet.kind == "concern"
    concerns, _ = findings.select([eet, neet])
    assert len(concerns) == 1 and findings.count_concerns([eet, neet]) == 1


def test_a_family_with_a_concern_gives_no_strength():
    # "Placed outside the boundary" a concern while "outside and more than 20 miles" a strength: one family.
    out = findings.evaluate(defn(id="placed_outside_council", family="placement_distance"),
                            rows([60.0], [240], [400]), comp(england=40.0), 2025)
    far = findings.evaluate(defn(id="placed_outside_and_over_20_miles", family="placement_distance"),
                            rows([5.0], [20], [400]), comp(england=18.0), 2025)
    assert out.kind == "concern" and far.kind == "going well"
    concerns, strengths = findings.select([out, far])
    assert [e.id for e in concerns] == ["placed_outside_council"] and strengths == []


def test_catalogue_families_join_complements_distance_and_age_bands():
    from cpanalysis.sources.catalogue import definition_for

    fam = {m: definition_for(m).family_id for m in ("care_leavers_eet_17_18", "care_leavers_eet_19_21",
                                                     "care_leavers_neet_19_21", "placed_outside_council",
                                                     "placed_over_20_miles", "placed_within_20_miles",
                                                     "placed_outside_and_over_20_miles")}
    assert len({fam[m] for m in list(fam)[:3]}) == 1 and len({fam[m] for m in list(fam)[3:]}) == 1


# ---------------------------------------------------------------- 8. ranking by strength of evidence
def test_a_clear_outlier_without_an_interval_leads_weaker_items_with_more_signals():
    # An agency-worker rate of 39% (England 13%) published without counts, among councils with a median of 13%
    # and a robust sd of 6: robust z = 4.3, the highest of 150. Two weaker items each have two signals.
    vals = np.concatenate([np.random.default_rng(2).normal(13, 6, 149), [39.0]])
    agency = findings.evaluate(defn(id="workforce_agency_rate", counted="FTE social workers", question=9),
                               rows([39.0]), comp(england=13.0), 2025, spread=findings.Spread(values=vals))
    assert [s.kind for s in agency.concerns] == ["extreme"] and "the highest of 150 councils" in agency.concerns[0].words
    assert "no interval is published" in agency.concerns[0].words
    t = Target(indicator="stability_3plus_placements", below=25, source="Scorecard")
    weak = [findings.evaluate(defn(id=f"weak{i}"), rows([30.0], [60], [200]), comp(england=20.0), 2025, target=t)
            for i in range(2)]
    assert all(len(w.concerns) == 2 for w in weak)
    concerns, _ = findings.select(weak + [agency])
    assert concerns[0].id == "workforce_agency_rate"


def test_place_among_councils_is_never_claimed_for_an_average_council():
    vals = np.random.default_rng(2).normal(13, 6, 150)
    ev = findings.evaluate(defn(counted="FTE social workers"), rows([13.0]), comp(england=13.0), 2025,
                           spread=findings.Spread(values=vals))
    assert ev.kind == ""


# ---------------------------------------------------------------- 9. artefacts stated as firm
def test_a_large_not_known_share_blocks_the_verdict_it_could_reverse():
    # Kent: 984 of 1,896 children (52%) placed 20 miles or less from home against England's 69%; DfE records no
    # distance for 458 of them (24%): 52% + 24% = 76% > 69%, so the comparison could reverse.
    ev = findings.evaluate(defn(polarity="higher_is_better"), rows([52.0], [984], [1896]), comp(england=69.0), 2025,
                           spread=findings.Spread(unknown_share=24.0))
    assert ev.verdicts["england"] == "not judged" and ev.kind == ""
    assert "not known" in ev.not_judged
    assert "DfE records 24% of this group as not known" in briefing.comparison_sentence(ev)
    # a small not-known share cannot reverse a large gap: 3% unknown
    ev = findings.evaluate(defn(polarity="higher_is_better"), rows([52.0], [984], [1896]), comp(england=69.0), 2025,
                           spread=findings.Spread(unknown_share=3.0))
    assert ev.verdicts["england"] == "lower"


def test_no_lowest_quarter_by_ties():
    # 49% of councils at 0: a council at 0 is not "in the lowest quarter".
    vals = np.array([0.0] * 74 + list(np.linspace(1, 20, 78)))
    ev = findings.evaluate(defn(counted="FTE social workers"), rows([0.0]), comp(england=5.0, q=(0.0, 1.0, 8.0), n=152),
                           2025, spread=findings.Spread(values=vals))
    assert ev.quarter is None and ev.kind == ""


# ---------------------------------------------------------------- 10. labels and symbols agree with the sentence
def test_a_label_names_the_signal_it_rests_on():
    t = Target(indicator="stability_3plus_placements", below=10, source="Scorecard")
    ev = findings.evaluate(defn(counted="FTE social workers"), rows([15.5]), comp(england=13.0), 2025, target=t)
    assert ev.verdicts["england"] == "not judged" and ev.label == "concern: target missed"
    ev = findings.evaluate(defn(), rows([30.0], [60], [200]), comp(england=20.0), 2025)
    assert ev.label == "concern: worse than England"


def test_a_rise_is_drawn_as_a_rise_whatever_it_means():
    # Absence of pupils rising from 3% to 23% of 400 (lower is better): worsening, drawn up.
    ev = findings.evaluate(defn(counted="pupils"), rows([3.0, 8.0, 12.0, 18.0, 23.0], [12, 32, 48, 72, 92], [400] * 5),
                           comp(), 2025)
    assert briefing.trend_words(ev) == "worsening" and briefing.trend_symbol(ev) == "\u2197"
    ev = findings.evaluate(defn(polarity="higher_is_better", counted="pupils"),
                           rows([3.0, 8.0, 12.0, 18.0, 23.0], [12, 32, 48, 72, 92], [400] * 5), comp(), 2025)
    assert briefing.trend_words(ev) == "improving" and briefing.trend_symbol(ev) == "\u2197"


# ---------------------------------------------------------------- 11. numbers
@pytest.mark.parametrize(("value", "unit", "printed"), [
    (6.5, "percent", "7%"), (2.5, "percent", "3%"), (11.7, "percent", "12%"), (0.5, "count", "1"),
    (12.25, "mean", "12.3"), (216989.818, "gbp", "£216,990"), (9340049499, "gbp", "£9.3bn"), (44270040, "gbp", "£44.3m"), (1234.5, "days", "1,235 days")])
def test_dfe_rounding_halves_away_from_zero(value, unit, printed):
    assert fmt(value, unit) == printed


def test_a_comparator_that_ties_gets_a_decimal_and_otherwise_none():
    ev = findings.evaluate(defn(), rows([11.7], [117], [1000]), comp(england=7.0), 2025)
    assert briefing.value_text(ev) == "12%"
    ev = findings.evaluate(defn(), rows([9.4], [94], [1000]), comp(england=9.0), 2025)
    assert briefing.value_text(ev) == "9.4%" and findings.fmt_beside(fmt, 9.4, 9.0, "percent") == "9.0%"


def test_a_scorecard_cell_uses_one_precision():
    ev = findings.evaluate(defn(), rows([9.4], [94], [1000]), comp(england=9.0, sn=13.0), 2025)
    cells = briefing.comparator_cells(ev)
    assert cells == ["9.0%", "13.0%"]


# ---------------------------------------------------------------- the method is stated
def test_how_we_judge_is_generated_from_the_settings():
    rows_ = findings.how_we_judge()
    text = " ".join(r["use"] + " " + r["level"] + " " + r["reference"] for r in rows_)
    assert f"{stats.LEVEL_KEY:.1%}" in text and "Spiegelhalter" in text and "Fingertips" in text
    assert "school sessions" in text and f"latest {stats.TREND_WINDOW} years" in text


# ---------------------------------------------------------------- targets (unchanged rule)
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


def test_neutral_measures_and_suppressed_figures_are_never_findings():
    ev = findings.evaluate(defn(polarity="neutral"), rows([30.0], [60], [200]), comp(england=20.0), 2025)
    assert ev.verdicts["england"] == "higher" and ev.kind == ""
    sup = rows([math.nan], [math.nan], [200])
    sup["symbol"] = "c"
    ev = findings.evaluate(defn(), sup, comp(england=20.0), 2025)
    assert not ev.shown and ev.kind == "" and ev.verdicts == {}


def test_comparison_uses_the_interval_without_counts_and_judges_nothing_without_either():
    # 50 (45 to 55) against 40: z = 10 / 2.55 = 3.9 > 3.09, higher; against 48: similar.
    assert findings.compare_with(50.0, 40.0, unit="mean", ci_low=45.0, ci_high=55.0) == "higher"
    assert findings.compare_with(50.0, 48.0, unit="mean", ci_low=45.0, ci_high=55.0) == "similar"
    assert findings.compare_with(50.0, 10.0, unit="percent") == "not judged"


@pytest.mark.parametrize("value,q,band", [(10.0, (10, 20, 30), 1), (20.5, (10, 20, 30), 3), (31.0, (10, 20, 30), 4)])
def test_quarter_by_value(value, q, band):
    assert findings.quarter_of(value, {"la_q1": q[0], "la_median": q[1], "la_q3": q[2], "n_councils": 150}) == band


def test_numbers_in_table_cells_never_break_in_print():
    # "£216,989,/818": table cells allowed a break anywhere; cells of figures now wrap only at spaces.
    from cpanalysis import paths

    css = (paths.PACKAGE_DIR / "templates" / "scrutiny" / "index.html.j2").read_text(encoding="utf-8")
    assert "table.cpa-table td.num, table.cpa-table td.cpa-comps { overflow-wrap: normal;" in css

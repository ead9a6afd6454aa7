"""Presentation helpers that decide what a committee reads (no kernel needed)."""

from types import SimpleNamespace

import pandas as pd

from cpanalysis import briefing, figures, findings


def ev(value=11.0, num=51, den=465, unit="percent", polarity="lower_is_better", **kw):
    e = findings.MeasureEvidence(id="m", title="Children with 3 or more placements", question=4, unit=unit,
                                 polarity=polarity, year=2025, value=value, numerator=num, denominator=den)
    for k, v in kw.items():
        setattr(e, k, v)
    return e


def test_funnel_words_hand_worked():
    """England 50%, cohort of 10, Binomial(10, 0.5) with Spiegelhalter's interpolation (r - a) / n.
    Upper 97.5%: r = 8, a = (0.98926 - 0.975) / 0.04395 = 0.3244, limit 76.8%. Upper 99.9%: r = 9,
    a = (0.99902 - 0.999) / 0.00977 = 0.0024, limit 90.0%. Lower 2.5%: r = 2, a = (0.05469 - 0.025) / 0.04395
    = 0.6756, limit 13.2%. Lower 0.1%: r = 1, a = (0.01074 - 0.001) / 0.00977 = 0.9976, limit 0.02%."""
    assert "within the 95% limits" in figures.funnel_words(ev(50.0, 5, 10), 50.0)
    assert "above the 95% limits (but within the 99.8%" in figures.funnel_words(ev(80.0, 8, 10), 50.0)
    assert "above the 99.8% limits" in figures.funnel_words(ev(100.0, 10, 10), 50.0)
    assert "below the 95% limits (but within the 99.8%" in figures.funnel_words(ev(10.0, 1, 10), 50.0)
    assert "below the 99.8% limits" in figures.funnel_words(ev(0.0, 0, 10), 50.0)


def test_funnel_caption_and_sentence_agree():
    """Telford's case from the issue: 54 of 411 (13.1%) against England near 10%. The sentence's verdict and
    the funnel caption come from the same rule, so 'higher' in one is 'above the limits' in the other."""
    for num, centre in ((54, 10.0), (54, 12.0), (30, 10.0)):
        e = ev(100 * num / 411, num, 411)
        verdict = findings.compare_with(e.value, centre, unit="percent", numerator=num, denominator=411)
        words = figures.funnel_words(e, centre)
        assert (verdict == "higher") == words.startswith("This council is above")
        assert (verdict == "similar") == ("within the 95% limits" in words)


def test_counts_and_money_are_never_drawn_against_totals():
    assert figures.is_total(SimpleNamespace(counted="children"), "count")
    assert figures.is_total(SimpleNamespace(counted="£ thousands"), "mean")
    assert figures.is_total(SimpleNamespace(), "gbp")
    assert not figures.is_total(SimpleNamespace(counted="children"), "percent")
    assert not figures.is_total(SimpleNamespace(counted="children"), "rate_per_10k")


def test_breakdown_labels_lose_their_codes():
    assert briefing.plain_label("Full care order (C2)") == "Full care order"
    assert briefing.plain_label("Placement or freeing order (D1, E1)") == "Placement or freeing order"
    assert briefing.plain_label("N1 Abuse or neglect") == "Abuse or neglect"
    assert briefing.plain_label("Age 10 to 15") == "Age 10 to 15"


def test_trend_sentence_names_the_years_and_uses_the_test():
    e = ev()
    e.trend = {"direction": "up", "n_years": 5, "years": (2021, 2025), "values": [(2021, 30.0), (2025, 93.0)]}
    s = briefing.trend_sentence(e)
    assert "worsened from 2020-21 (30%) to 2024-25 (93%)" in s and "all 5 years" in s
    e.trend = {"direction": "no clear change", "n_years": 5, "years": (2021, 2025),
               "values": [(2021, 30.0), (2025, 93.0)]}
    assert briefing.trend_sentence(e).startswith("No clear trend from 2020-21")
    e.trend = {"direction": "not enough years", "n_years": 2, "years": (2024, 2025), "values": []}
    assert briefing.trend_sentence(e) == ""


def test_comparison_sentence_follows_the_rule():
    e = ev(comparators={"england": 8.0, "sn_median": 11.0},
           comparator_names={"england": "England", "sn_median": "the statistical neighbours' median"},
           verdicts={"england": "higher", "sn_median": "similar"})
    s = briefing.comparison_sentence(e)
    assert "higher than England (8%) (worse)" in s and "similar to the statistical neighbours' median (11.0%)" in s
    e = ev(num=float("nan"), den=float("nan"), comparators={"england": 13.0}, comparator_names={"england": "England"},
           verdicts={"england": "not judged"})
    assert "not judged" in briefing.comparison_sentence(e)


def test_comparator_names_read_as_prose():
    row = {"region_name": "West Midlands", "sn_group": "DfE statistical neighbours (May 2025 model)"}
    assert findings._comparator_label("england", row) == "England"
    assert findings._comparator_label("region", row) == "the West Midlands region"
    assert findings._comparator_label("sn_median", row) == "the statistical neighbours' median"
    own = pd.Series({"region_name": "", "sn_group": "Council's own comparator group"}).to_dict()
    assert findings._comparator_label("region", own) == "the region"
    assert findings._comparator_label("sn_median", own) == "the council's own comparator group (median)"

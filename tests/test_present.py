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


def test_funnel_words_say_the_verdict_the_sentence_gives():
    """The funnel caption reads the measure's own verdict (the comparison rule), never a second test."""
    assert "within the 99.8% limits" in figures.funnel_words(ev(verdicts={"england": "similar"}), 50.0)
    assert "above the 99.8% limits" in figures.funnel_words(ev(verdicts={"england": "higher"}), 50.0)
    assert "below the 99.8% limits" in figures.funnel_words(ev(verdicts={"england": "lower"}), 50.0)
    e = ev(verdicts={"england": "not judged"}, not_judged="it counts placements, and one child can have several")
    assert "not judged: it counts placements" in figures.funnel_words(e, 50.0)


def test_funnel_caption_and_sentence_agree():
    """Telford's case: 54 of 411 (13.1%) against England near 10%. The sentence's verdict and the funnel
    caption come from the same evidence record, so 'higher' in one is 'above the limits' in the other."""
    for num, centre in ((54, 10.0), (54, 12.0), (80, 10.0)):
        e = findings.evaluate(SimpleNamespace(id="m", title="t", question=4, unit="percent", polarity="lower_is_better",
                                              counted="children"),
                              pd.DataFrame({"year": [2025], "breakdown": "Total", "value": [100 * num / 411],
                                            "numerator": [num], "denominator": [411], "ci_low": [float("nan")],
                                            "ci_high": [float("nan")], "symbol": [""]}),
                              pd.DataFrame({"year": [2025], "england": [centre]}), 2025)
        words = figures.funnel_words(e, centre)
        assert (e.verdicts["england"] == "higher") == words.startswith("This council is above")
        assert (e.verdicts["england"] == "similar") == ("within the 99.8% limits" in words)
        assert (e.verdicts["england"] == "higher") == ("higher than England" in briefing.comparison_sentence(e))


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
    e.trend = {"direction": "up", "judged": True, "n_years": 5, "years": (2021, 2025),
               "values": [(2021, 30.0), (2025, 93.0)]}
    s = briefing.trend_sentence(e)
    assert "worsened from 2020-21 (30%) to 2024-25 (93%)" in s and "those 5 years" in s and "99.8%" in s
    e.trend = {**e.trend, "judged": False}
    assert "no trend is judged better or worse" in briefing.trend_sentence(e)  # a direction only
    e.trend = {"direction": "no clear change", "n_years": 5, "years": (2021, 2025),
               "values": [(2021, 30.0), (2025, 93.0)]}
    assert briefing.trend_sentence(e).startswith("No clear trend from 2020-21")
    e.trend = {"direction": "not enough years", "n_years": 2, "years": (2024, 2025), "values": []}
    assert briefing.trend_sentence(e) == ""


def test_comparison_sentence_follows_the_rule():
    e = ev(comparators={"england": 8.0, "sn_median": 11.0},
           comparator_names={"england": "England", "sn_median": "the statistical neighbours' median"},
           verdicts={"england": "higher", "sn_median": "not judged"}, neighbour_place="within")
    s = briefing.comparison_sentence(e)
    assert "higher than England (8%), which is worse" in s
    assert "the statistical neighbours' median 11.0%" in s and "within the range of its statistical neighbours" in s
    e = ev(num=float("nan"), den=float("nan"), comparators={"england": 13.0}, comparator_names={"england": "England"},
           verdicts={"england": "not judged"}, not_judged="no counts or interval are published for it")
    assert "not judged because no counts or interval are published" in briefing.comparison_sentence(e)


def test_comparator_names_read_as_prose():
    row = {"region_name": "West Midlands", "sn_group": "DfE statistical neighbours (May 2025 model)"}
    assert findings._comparator_label("england", row) == "England"
    assert findings._comparator_label("region", row) == "the West Midlands region"
    assert findings._comparator_label("sn_median", row) == "the statistical neighbours' median"
    own = pd.Series({"region_name": "", "sn_group": "Council's own comparator group"}).to_dict()
    assert findings._comparator_label("region", own) == "the region"
    assert findings._comparator_label("sn_median", own) == "the council's own comparator group (median)"

"""Presentation helpers that decide what a committee reads (no kernel needed)."""

import numpy as np
import pandas as pd

from cpanalysis import present


def _total(value, symbol=""):
    return pd.DataFrame({"year": [2025], "value": [value], "symbol": [symbol]})


def test_breakdown_shares_of_a_count():
    # 40 children: 10 under 10, 24 aged 10 to 15, 6 aged 16+; hand-worked shares 25%, 60%, 15%
    vals = pd.Series([10.0, 24.0, 6.0])
    got = present.breakdown_shares(vals, pd.Series(["", "", ""]), _total(40.0), "count")
    assert got == ["25%", "60%", "15%"]


def test_suppressed_category_stays_suppressed_and_missing_is_x():
    vals = pd.Series([30.0, np.nan, np.nan])
    got = present.breakdown_shares(vals, pd.Series(["", "c", ""]), _total(40.0), "count")
    assert got == ["75%", "c", "x"]


def test_no_shares_when_total_hidden_small_or_not_a_count():
    vals = pd.Series([6.0, 4.0])
    syms = pd.Series(["", ""])
    assert present.breakdown_shares(vals, syms, _total(np.nan, "c"), "count") is None
    assert present.breakdown_shares(vals, syms, _total(10.0), "count") is None  # below 11 children
    assert present.breakdown_shares(vals, syms, _total(10.0), "count", min_denominator=11) is None
    assert present.breakdown_shares(vals, syms, _total(40.0), "percent") is None
    assert present.breakdown_shares(vals, syms, _total(40.0).iloc[0:0], "count") is None


def test_quartile_text_by_value():
    comp = pd.Series({"la_q1": 10.0, "la_median": 20.0, "la_q3": 30.0, "n_councils": 152})
    assert present.quartile_text(10.0, comp) == "lowest quarter of 152"   # Q1 itself is in the lowest quarter
    assert present.quartile_text(20.5, comp) == "third quarter of 152"
    assert present.quartile_text(31.0, comp) == "highest quarter of 152"
    assert present.quartile_text(np.nan, comp) == "&ndash;"
    assert present.quartile_text(15.0, None) == "&ndash;"


def test_funnel_position_hand_worked():
    """England 50%, cohort of 10, Binomial(10, 0.5) with Spiegelhalter's interpolation (r - a) / n.
    Upper 97.5%: r = 8, a = (0.98926 - 0.975) / 0.04395 = 0.3244, limit 76.8%. Upper 99.9%: r = 9,
    a = (0.99902 - 0.999) / 0.00977 = 0.0024, limit 90.0%. Lower 2.5%: r = 2, a = (0.05469 - 0.025) / 0.04395
    = 0.6756, limit 13.2%. Lower 0.1%: r = 1, a = (0.01074 - 0.001) / 0.00977 = 0.9976, limit 0.02%."""
    assert "within the 95% limits" in present.funnel_position(50.0, 10, 50.0)
    assert "above the 95% limits but within the 99.8%" in present.funnel_position(80.0, 10, 50.0)
    assert "above the 99.8% limits" in present.funnel_position(100.0, 10, 50.0)
    assert "below the 95% limits but within the 99.8%" in present.funnel_position(10.0, 10, 50.0)
    assert "below the 99.8% limits" in present.funnel_position(0.0, 10, 50.0)


def test_key_caveat_skips_the_general_note_and_keeps_it_short():
    from types import SimpleNamespace

    from cpanalysis.indicators.profile import SHORT_BREAK_CAVEAT

    d = SimpleNamespace(caveats=(SHORT_BREAK_CAVEAT, "Recording differs between councils. Compare with care."))
    assert present.key_caveat(d) == "Recording differs between councils."
    assert present.key_caveat(SimpleNamespace(caveats=(SHORT_BREAK_CAVEAT,))) == ""
    long = SimpleNamespace(caveats=("word " * 60,))
    got = present.key_caveat(long, limit=40)
    assert got.endswith("…") and len(got) <= 41


def test_comparator_names_read_as_prose():
    row = pd.Series({"region_name": "West Midlands", "sn_group": "DfE statistical neighbours (May 2025 model)"})
    assert present.comparator_name("england", row) == "England"
    assert present.comparator_name("region", row) == "the West Midlands region"
    assert present.comparator_name("sn_median", row) == "the statistical neighbours' median"
    own = pd.Series({"region_name": "", "sn_group": "Council's own comparator group"})
    assert present.comparator_name("region", own) == "the region"
    assert present.comparator_name("sn_median", own) == "the median of the council's own comparator group"

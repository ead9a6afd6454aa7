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

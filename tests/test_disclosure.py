"""Disclosure control: no count of 1 to 5 children survives, directly or by subtraction."""

import math

import numpy as np
import pandas as pd
import pytest

from cpanalysis import disclosure
from cpanalysis.indicators.registry import RESULT_COLUMNS


def row(iid="x", unit="count", value=np.nan, num=np.nan, den=np.nan, breakdown="Total", year=2025,
        source="SSDA903 Episodes", ci=(np.nan, np.nan)):
    return {"indicator_id": iid, "title": iid, "question": 4, "year": year, "breakdown": breakdown,
            "value": value, "numerator": num, "denominator": den, "ci_low": ci[0], "ci_high": ci[1],
            "unit": unit, "source": source, "status": "ok"}


def frame(*rows):
    return pd.DataFrame(list(rows), columns=RESULT_COLUMNS)


@pytest.mark.parametrize("n,suppressed", [(0, False), (1, True), (5, True), (6, False), (120, False)])
def test_counts_one_to_five_are_suppressed_zero_is_not(n, suppressed):
    out = disclosure.apply(frame(row(value=float(n), num=n)))
    assert (out.loc[0, "symbol"] == "c") is suppressed
    if suppressed:
        assert math.isnan(out.loc[0, "value"]) and math.isnan(out.loc[0, "numerator"])
    else:
        assert out.loc[0, "value"] == n


def test_percentages_with_small_numerator_complement_or_denominator():
    out = disclosure.apply(frame(
        row("a", "percent", 3 / 40 * 100, 3, 40),     # numerator 3: suppressed
        row("b", "percent", 37 / 40 * 100, 37, 40),   # complement 3: suppressed
        row("c", "percent", 5 / 10 * 100, 5, 10),     # fewer than 11 children: suppressed
        row("d", "percent", 20 / 40 * 100, 20, 40, ci=(35.0, 65.0)),  # shown
        row("e", "percent", 0.0, 0, 40),             # 0 of 40 identifies nobody: shown
    ))
    assert list(out["symbol"]) == ["c", "c", "c", "", ""]
    # One public reason for every suppressed figure; the rule that applied stays internal.
    assert out.loc[0, "suppression"] == out.loc[1, "suppression"] == out.loc[2, "suppression"]
    assert "protect children's privacy" in out.loc[0, "suppression"]
    assert out.loc[0, "suppression_rule"] == "primary: fewer than 6 children"
    assert "reveal" in out.loc[1, "suppression_rule"]
    assert out.loc[2, "suppression_rule"] == "primary: based on fewer than 11 children"
    # A suppressed row's denominator is blank unless the same count is published in a shown row: beside the
    # complement it would give the numerator back.
    assert math.isnan(out.loc[0, "denominator"]) and math.isnan(out.loc[0, "ci_low"])
    assert out.loc[3, "value"] == 50.0 and out.loc[3, "ci_low"] == 35.0


def test_small_denominator_itself_is_blanked():
    out = disclosure.apply(frame(row("a", "percent", 50.0, 2, 4)))
    assert out.loc[0, "symbol"] == "c" and math.isnan(out.loc[0, "denominator"])


def test_means_of_few_children_are_suppressed():
    out = disclosure.apply(frame(row("m", "mean", 14.2, 142.0, 10), row("n", "days", 400.0, 4400.0, 11)))
    assert list(out["symbol"]) == ["c", ""]


def test_thresholds_are_parameters():
    out = disclosure.apply(frame(row(value=7.0, num=7)), {"suppress_counts_up_to": 9, "min_denominator": 20})
    assert out.loc[0, "symbol"] == "c"
    assert out.loc[0, "suppression_rule"] == "primary: fewer than 10 children"


def test_secondary_suppression_stops_recovery_by_subtraction():
    # Moves by reason: 3 + 10 + 12 + 40 = 65. Only "A" (3) is small. If only A were hidden, 65 - 10 - 12 - 40
    # gives it back, so the next smallest cell (B, 10) is hidden as well.
    out = disclosure.apply(frame(
        row("moves", "count", 65.0, 65, breakdown="Total"),
        row("moves", "count", 3.0, 3, breakdown="A"),
        row("moves", "count", 10.0, 10, breakdown="B"),
        row("moves", "count", 12.0, 12, breakdown="C"),
        row("moves", "count", 40.0, 40, breakdown="D"),
    ))
    sym = dict(zip(out["breakdown"], out["symbol"]))
    assert sym == {"Total": "", "A": "c", "B": "c", "C": "", "D": ""}
    assert out.loc[out["breakdown"] == "B", "suppression_rule"].iloc[0].startswith("secondary")
    # What is shown can no longer give A: two unknowns remain.
    shown = out[(out["breakdown"] != "Total") & (out["symbol"] == "")]["value"].sum()
    assert 65 - shown == 13


def test_secondary_suppression_for_percentage_breakdowns_and_years_are_separate():
    rows = []
    for year, nums in ((2024, [2, 30, 68]), (2025, [20, 30, 50])):
        rows.append(row("mix", "percent", 100.0, 100, 100, year=year))
        rows += [row("mix", "percent", float(n), n, 100, breakdown=b, year=year) for n, b in zip(nums, "XYZ")]
    out = disclosure.apply(frame(*rows))
    y24 = out[out["year"] == 2024].set_index("breakdown")["symbol"].to_dict()
    y25 = out[out["year"] == 2025].set_index("breakdown")["symbol"].to_dict()
    assert y24 == {"Total": "", "X": "c", "Y": "c", "Z": ""}
    assert set(y25.values()) == {""}


def test_groups_that_do_not_add_up_are_left_alone():
    # Age bands that overlap (not a partition) cannot be differenced: only the small cell goes.
    out = disclosure.apply(frame(row("o", "count", 50.0, 50), row("o", "count", 4.0, 4, breakdown="P"),
                                 row("o", "count", 30.0, 30, breakdown="Q"), row("o", "count", 30.0, 30, breakdown="R")))
    assert list(out["symbol"]) == ["", "c", "", ""]


def test_existing_published_symbols_are_kept_and_staff_figures_are_exempt():
    df = frame(row("pub", "percent", np.nan, np.nan, np.nan),
               row("vac", "percent", 3 / 20 * 100, 3, 20, source="Local return (workforce)"))
    df["symbol"] = ["x", ""]
    out = disclosure.apply(df)
    assert list(out["symbol"]) == ["x", ""]
    assert out.loc[1, "value"] == 15.0


def test_find_disclosure_risks_spots_leaks():
    bad = [dict(row(value=3.0, num=3), symbol=""), dict(row(value=4.0, num=4), symbol="c")]
    problems = disclosure.find_disclosure_risks(bad)
    # the shown 3, and the suppressed row's leaked value and numerator
    assert len(problems) == 3
    good = disclosure.apply(frame(row(value=3.0, num=3), row(value=40.0, num=40)))
    assert disclosure.find_disclosure_risks(good.to_dict("records")) == []


def test_band_count():
    assert disclosure.band_count(0) == "0"
    assert disclosure.band_count(3) == "fewer than 6"
    assert disclosure.band_count(1234) == "1,234"

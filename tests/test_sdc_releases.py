"""A small council (the demo cut to 8% of its children, about 36 in care): DfE's own figures are kept, releases
agree, and what is hidden cannot be worked out (issue 20, items 6, 7 and 8)."""

from __future__ import annotations

import pandas as pd
import pytest
from test_disclosure_recoveries import cut

from cpanalysis import config, disclosure, linkage, paths
from cpanalysis.sources.ssda903 import load_ssda903


@pytest.fixture(scope="module")
def small():
    p = config.load(None)
    data = cut(load_ssda903(paths.resolve(p.inputs.ssda903)))
    rows, fps = linkage.compute(data, list(data.years),
                                population={int(k): float(v) for k, v in p.population.items()},
                                la_code=p.council.old_la_code,
                                postcodes=pd.read_csv(paths.resolve(p.inputs.postcodes), dtype=str))
    return p, rows, fps, disclosure.apply(rows, p.disclosure, fps)


def test_a_small_council_shows_every_headline_figure_dfe_prints(small):
    """Was: children looked after, starters and leavers 'c' in every year, though DfE prints them when 6 or more
    (Rutland 2024-25: 32, 15, 10)."""
    _, rows, _, out = small
    head = out[out["indicator_id"].isin(disclosure.DFE_PRINTS) & (out["breakdown"] == "Total")]
    raw = rows.loc[head.index]
    assert 20 <= raw.loc[(raw["indicator_id"] == "cla_at_31_march") & (raw["year"] == 2025), "value"].iloc[0] <= 60
    for (_, r), (_, o) in zip(raw.iterrows(), head.iterrows()):
        if r["value"] > 5:
            assert o["symbol"] == "" and o["value"] == r["value"], (r["indicator_id"], r["year"])
        elif r["value"] >= 1:
            assert o["symbol"] == "c"


def test_what_dfe_prints_is_known_to_the_intruder_and_nothing_hidden_follows(small):
    p, rows, fps, out = small
    assert disclosure.recoverable(rows, out, p.disclosure, fps) == []


def test_two_consecutive_releases_show_and_hide_the_same_cells(small):
    """Was: the 2023-24 release showed 16 cells that the 2024-25 release hides for the same years. Now both are
    decided over the whole history."""
    p, rows, fps, out = small
    r2025 = out  # the 2024-25 release: every year of the return
    r2024 = disclosure.release(rows, 2024, p.disclosure, fps)
    assert set(r2024["year"]) == set(rows["year"]) - {2025}
    assert disclosure.release_conflicts(r2024, r2025) == []
    # so what both publish together is the 2025 release (safe: see the test above) for their shared years
    shared = r2025[r2025["year"] <= 2024]
    assert (shared["symbol"].fillna("").to_numpy() == r2024["symbol"].fillna("").to_numpy()).all()


def test_release_conflicts_lists_a_cell_shown_in_one_release_and_hidden_in_the_other():
    a = pd.DataFrame({"indicator_id": ["x", "x"], "year": [2024, 2023], "breakdown": "Total", "symbol": ["", "c"]})
    b = pd.DataFrame({"indicator_id": ["x", "x"], "year": [2024, 2023], "breakdown": "Total", "symbol": ["c", "c"]})
    assert disclosure.release_conflicts(a, b) == ["x 2024 Total: shown in the first release, hidden in the second"]


def test_a_suppressed_row_prints_nothing_beside_it(small):
    """Was: sdq_borderline and sdq_concern printed their denominator (17) beside a 'c'."""
    _, _, _, out = small
    hidden = out[out["symbol"] == "c"]
    assert len(hidden)
    for col in ("value", "numerator", "ci_low", "ci_high"):
        assert hidden[col].isna().all(), col
    kids = hidden[hidden["unit"] != "rate_per_10k"]
    assert kids["denominator"].isna().all()


def _rows(spec):
    return pd.DataFrame([{"indicator_id": i, "year": 2025, "breakdown": b, "value": float(v), "numerator": float(n),
                          "denominator": float(d), "unit": u, "source": s} for i, b, v, n, d, u, s in spec]).assign(
        title="", question=1, ci_low=float("nan"), ci_high=float("nan"), status="ok")


def test_secondary_suppression_never_chooses_a_count_dfe_prints():
    """Children looked after by legal status: J1 = 3 is hidden; DfE prints the Total (40), so the second cell
    hidden is a breakdown row, never the Total (hiding it would be void: the intruder has DfE's table)."""
    nan = float("nan")
    raw = _rows([("cla_by_legal_status", "Total", 40, 40, nan, "count", "SSDA903"),
                 ("cla_by_legal_status", "C2", 30, 30, nan, "count", "SSDA903"),
                 ("cla_by_legal_status", "V2", 7, 7, nan, "count", "SSDA903"),
                 ("cla_by_legal_status", "J1", 3, 3, nan, "count", "SSDA903")])
    known = {("cla_by_legal_status", 2025, "Total")}
    out = disclosure.apply(raw, known=known)
    assert list(out["symbol"]) == ["", "", "c", "c"]
    assert disclosure.recoverable(raw, out, known=known) == []
    # without DfE's table the cheapest choice is the same here, but the Total is a candidate
    assert (disclosure.apply(raw)["symbol"] == "c").sum() == 2


def test_a_figure_dfe_prints_is_never_hidden_again():
    """Was: a published-only pack hid 30 of Rutland's figures that DfE prints (percentages of fewer than 11
    children, which DfE's own control had let through)."""
    nan = float("nan")
    raw = _rows([("immunisations", "Total", 100.0, 8, 8, "percent", "DfE la_conviction_health_outcome_cla.csv"),
                 ("sdq_mean", "Total", 14.2, nan, 9, "mean", "DfE la_conviction_health_outcome_cla.csv")])
    out = disclosure.apply(raw)
    assert list(out["symbol"]) == ["", ""]
    assert disclosure.find_disclosure_risks(out.to_dict("records")) == []

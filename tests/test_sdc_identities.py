"""Every identity between published figures is declared and known to disclosure control (issue 20, items 1-3).

Each recovery test gives the published figures, the identity the intruder uses and the refusal now.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from cpanalysis import disclosure, identities
from cpanalysis.definitions import Identity, Term
from cpanalysis.indicators.registry import all_indicators
from cpanalysis.sources import local

# ------------------------------------------------------------------ declarations cover every identity

_TERM = re.compile(r"([+-]?)\s*([a-z_0-9]+)")


def _rule_vector(message: str) -> dict[str, int] | None:
    """'a must equal b + c - d' -> {a: 1, b: -1, c: -1, d: 1}; None for a rule that is not an equality."""
    if " must equal " not in message:
        return None
    left, right = message.split(" must equal ")
    vec = {left.strip(): 1}
    for sign, col in _TERM.findall(right):
        vec[col] = vec.get(col, 0) + (1 if sign == "-" else -1)
    return vec


def _as_columns(terms, figures: dict) -> dict[str, int] | None:
    out: dict[str, int] = {}
    for coef, key in terms:
        if key not in figures:
            return None
        for col, a in figures[key].items():
            out[col] = out.get(col, 0) + coef * a
    return {c: a for c, a in out.items() if a}


def test_every_validation_rule_that_relates_published_figures_is_a_declared_identity():
    """A local return's equality rule, written over its columns, that is a combination of published figures
    is an identity an intruder can use: the declared identities must span it."""
    declared = identities.declared()
    checked = 0
    for table, figures in identities.FIGURE_COLUMNS.items():
        cols = sorted({c for v in figures.values() for c in v} | {c.name for c in local.RETURNS[table]})
        fig = np.array([[v.get(c, 0) for c in cols] for v in figures.values()], float)
        decl = [_as_columns([(t.coef, (t.indicator, t.role)) for t in d.terms], figures) for d in declared]
        decl = np.array([[v.get(c, 0) for c in cols] for v in decl if v is not None] or np.zeros((0, len(cols))))
        for rtable, message, _fn, _col in local.ROW_RULES:
            vec = _rule_vector(message)
            if rtable != table or vec is None:
                continue
            r = np.array([vec.get(c, 0) for c in cols], float)
            if np.linalg.matrix_rank(np.vstack([fig, r])) > np.linalg.matrix_rank(fig):
                continue  # the rule involves a column no published figure gives: no identity between figures
            assert np.linalg.matrix_rank(np.vstack([decl, r])) == np.linalg.matrix_rank(decl), (
                f"{table}: the rule '{message}' implies an identity between published figures that no "
                "definition declares")
            assert any(d.enforced_by == message for d in declared), message
            checked += 1
    assert checked >= 1


def test_a_rule_vector_outside_the_declarations_is_caught():
    """The check above can fail: without the stock-and-flow identity the households rule is not spanned."""
    figures = identities.FIGURE_COLUMNS["fostering_households"]
    cols = ["households_end", "households_start", "approved", "deregistered"]
    r = np.array([_rule_vector("households_end must equal households_start + approved - deregistered").get(c, 0)
                  for c in cols], float)
    fig = np.array([[v.get(c, 0) for c in cols] for v in figures.values()], float)
    assert np.linalg.matrix_rank(np.vstack([fig, r])) == np.linalg.matrix_rank(fig)  # implied by figures
    assert np.linalg.matrix_rank(np.vstack([np.zeros((1, 4)), r])) == 1  # and not by nothing


def test_every_window_measure_declares_it_is_the_sum_of_its_years():
    ids = {i.definition.id: i.definition for i in all_indicators()}
    for iid, d in ids.items():
        if not iid.endswith("_3yr"):
            continue
        if iid in identities.NO_SINGLE_YEARS:  # no one-year version is published: nothing to difference
            continue
        roles = {t.role for ident in d.identities for t in ident.terms if t.indicator == iid}
        assert roles >= {"den", "sum"}, f"{iid} is a 3-year window but declares no identity with its years"
        for ident in d.identities:
            assert {t.year_offset for t in ident.terms[1:]} == {0, -1, -2}
            for t in ident.terms[1:]:
                assert t.indicator in ids, t


def test_every_declared_identity_names_figures_that_exist():
    ids = {i.definition.id for i in all_indicators()} | set(local.DEFINITIONS)
    for ident in identities.declared():
        for t in ident.terms:
            assert t.indicator in ids or t.indicator.startswith("annex_rows_used:"), (ident.name, t)
            assert t.role in ("num", "den", "sum"), (ident.name, t)


@pytest.fixture(scope="module")
def demo():
    from cpanalysis import config, evidence

    return evidence.prepare(config.load(None))


def test_every_declared_identity_holds_on_the_demo_and_is_stated(demo):
    """Declared identities are true of the figures (so the intruder can use them), and each is stated in
    the cell model of the demo (built from its results and annex A's row counts)."""
    recs = disclosure._records(demo.raw_results.assign(symbol=""))
    annex = identities.annex_rows(demo.data.reconciliation)
    m = disclosure.build_model(recs + annex, None)
    for ident in identities.declared():
        assert identities.add_declared(m, recs + annex, [ident]) >= 1, f"never stated on the demo: {ident.name}"


# ------------------------------------------------------------------ item 1: fostering households


def _households(rows):
    """Local-return rows: (year, start, approved, deregistered, end)."""
    out = []
    for y, start, appr, dereg, end in rows:
        net = appr - dereg
        out += [{"indicator_id": "foster_households", "year": y, "breakdown": "Total", "value": float(end),
                 "numerator": float(end), "denominator": np.nan, "unit": "count"},
                {"indicator_id": "foster_households_net_change", "year": y, "breakdown": "Total", "value": float(net),
                 "numerator": float(net), "denominator": np.nan, "unit": "count"},
                {"indicator_id": "foster_household_deregistration_rate", "year": y, "breakdown": "Total",
                 "value": 100 * dereg / start, "numerator": float(dereg), "denominator": float(start),
                 "unit": "percent"}]
    df = pd.DataFrame(out)
    return df.assign(title="", question=6, ci_low=np.nan, ci_high=np.nan, source="Local return (fostering_households)",
                     status="ok")


def test_fostering_net_change_cannot_be_had_from_the_stocks():
    """Was: households at 31 March 130 - at 1 April 128 = net change 2 (and 133 - 129 = 4, 136 - 133 = 3)."""
    raw = _households([(2023, 128, 14, 12, 130), (2024, 129, 18, 14, 133), (2025, 133, 20, 17, 136)])
    out = disclosure.apply(raw)
    net = out[out["indicator_id"] == "foster_households_net_change"]
    assert (net["symbol"] == "c").all()
    for h in disclosure.hidden_ranges(raw, out):
        if h["indicator_id"] == "foster_households_net_change":
            assert h["protected"], h
    assert not disclosure.recoverable(raw, out)
    # and still something is shown for each year: the stock or the rate's denominator
    for y in (2023, 2024, 2025):
        shown = out[(out["year"] == y) & (out["symbol"] != "c")]
        assert len(shown) >= 1


def test_a_small_negative_net_change_is_suppressed_like_a_positive_one():
    """Was: -1 printed, so a 'c' also said 'positive'."""
    raw = _households([(2025, 130, 12, 13, 129)])
    out = disclosure.apply(raw)
    assert out.loc[out["indicator_id"] == "foster_households_net_change", "symbol"].iloc[0] == "c"
    assert not disclosure.recoverable(raw, out)


# ------------------------------------------------------------------ item 2: averages and windows


def _adoption(single: dict[int, tuple[int, float]]):
    """Single-year A1 rows {year: (children, total days)} and the 3-year window of the last year."""
    rows = []
    for y, (n, total) in single.items():
        rows.append({"indicator_id": "adoption_days_entry_to_placed", "year": y, "value": total / n,
                     "numerator": total, "denominator": float(n)})
    y = max(single)
    n = sum(single[x][0] for x in (y - 2, y - 1, y))
    t = sum(single[x][1] for x in (y - 2, y - 1, y))
    rows.append({"indicator_id": "adoption_a1_3yr", "year": y, "value": t / n, "numerator": t, "denominator": float(n)})
    return pd.DataFrame(rows).assign(title="", question=5, breakdown="Total", ci_low=np.nan, ci_high=np.nan,
                                     unit="days", source="SSDA903 AD1", status="ok")


def test_averages_are_published_at_one_decimal_place():
    raw = _adoption({2023: (12, 12 * 401.3333333), 2024: (17, 6500.0), 2025: (8, 8 * 412.25)})
    out = disclosure.apply(raw)
    shown = out[out["symbol"] != "c"]
    for v in shown["value"]:
        assert round(v, 1) == v
    assert out["numerator"].isna().all()


def test_a_hidden_single_year_average_cannot_be_had_from_the_window():
    """Was: 372.7297297 x 37 = 13,791 days, minus the shown years, gives the hidden year (412.2 days, 8
    children). The window is the sum of its years (days and children)."""
    raw = _adoption({2023: (12, 4816.0), 2024: (17, 5677.0), 2025: (8, 3298.0)})
    out = disclosure.apply(raw)
    hid = out[(out["indicator_id"] == "adoption_days_entry_to_placed") & (out["year"] == 2025)]
    assert hid["symbol"].iloc[0] == "c"  # an average of 8 children
    window = out[out["indicator_id"] == "adoption_a1_3yr"]
    if window["symbol"].iloc[0] != "c":
        v, n = window["value"].iloc[0], window["denominator"].iloc[0]
        assert v == round(v, 1) and v * n != 13791  # one decimal place: never the exact total
    for h in disclosure.hidden_ranges(raw, out):
        if h["role"] == "sum":
            assert h["protected"], h
    assert not disclosure.recoverable(raw, out)


def test_one_decimal_place_leaves_the_total_days_uncertain():
    """The CSV's average times its children is not the total: 372.7 x 37 = 13,789.9, not 13,791."""
    v = round(13791 / 37, identities.AVERAGE_DECIMALS)
    assert v == 372.7
    assert v * 37 != 13791 and abs(v * 37 - 13791) < 0.05 * 37


# ------------------------------------------------------------------ item 3: annex A's row counts


def _counts(rows):
    return pd.DataFrame([{"indicator_id": i, "year": 2025, "breakdown": "Total", "value": float(v),
                          "numerator": float(v), "denominator": np.nan, "unit": "count"} for i, v in rows]).assign(
        title="", question=1, ci_low=np.nan, ci_high=np.nan, source="SSDA903 Missing", status="ok")


def test_annex_row_counts_do_not_give_back_a_hidden_incident_count():
    """Was: Missing rows 43 - missing incidents 40 = away incidents 3. Annex A's rows of the missing table equal
    missing + away incidents; it prints them rounded ('about 40'), and disclosure control knows it."""
    raw = _counts([("missing_incidents", 40), ("away_incidents", 3)])
    annex = [{"indicator_id": identities.annex_indicator("missing"), "year": 2025, "breakdown": "Total",
              "value": 43.0, "numerator": 43.0, "denominator": np.nan, "unit": "count", "source": "SSDA903 Annex A",
              "symbol": "", "_annex": True}]
    out = disclosure.apply(raw, annex=annex)
    assert out.loc[out["indicator_id"] == "away_incidents", "symbol"].iloc[0] == "c"
    assert not disclosure.recoverable(raw, out, annex=annex)
    assert disclosure.annex_interval(43) == (35.0, 45.0)
    # without the annex's rounding (an exact 43), the same publication would give the 3 back
    m = disclosure.build_model(disclosure._records(raw.assign(symbol="")) + annex, None)
    a = m.row_cells[2]["num"]
    m.interval.pop(a)
    intr = disclosure.Intruder(m, {m.row_cells[0]["num"]}, {m.row_cells[1]["num"]}, 5)
    assert not intr.protected(m.row_cells[1]["num"])


def test_the_annex_rounds_the_tables_that_count_a_cohort():
    from cpanalysis.present import _band_row

    assert set(identities.ANNEX_COHORTS) == {"prev_perm", "oc2", "ad1", "missing"}
    assert _band_row([43, 43, 0], force=True) == ["about 40", "about 40", "0"]


def test_a_declared_identity_that_does_not_hold_is_not_used():
    raw = _counts([("missing_incidents", 40), ("away_incidents", 3)])
    recs = disclosure._records(raw.assign(symbol=""))
    m = disclosure.build_model(recs, None)
    wrong = Identity("wrong", (Term("missing_incidents", "num", 1), Term("away_incidents", "num", -1)))
    assert identities.add_declared(m, recs, [wrong]) == 0

"""Property tests for the declared identities (issue 20): random small councils' adoption averages (single
years and 3-year windows) and fostering households (stock and flow), published in two consecutive releases,
attacked by an intruder written here independently of :mod:`cpanalysis.disclosure`, who knows every declared
identity and reads both releases. No hidden count of 1 to 5 is pinned to fewer than two whole numbers, no
hidden count is recovered exactly, and no hidden average's total days is pinned more closely than the
protection (a fifth of its value)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from cpanalysis import disclosure

YEARS = (2022, 2023, 2024, 2025)
SINGLE, WINDOW = "adoption_days_entry_to_placed", "adoption_a1_3yr"

year_st = st.tuples(st.integers(0, 20), st.integers(150, 700), st.integers(0, 120))  # children, mean days, spread
households_st = st.tuples(st.integers(5, 140), st.integers(0, 22), st.integers(0, 22))  # start, approved, dereg


def _rows(adopt, homes) -> tuple[pd.DataFrame, dict]:
    """Result rows and the true values of every cell: (indicator, year, role) -> value."""
    rows, truth = [], {}
    n = {y: a[0] for y, a in zip(YEARS, adopt)}
    s = {y: float(a[0] * a[1] + (a[2] if a[0] else 0)) for y, a in zip(YEARS, adopt)}
    for y in YEARS:
        if n[y]:
            rows.append((SINGLE, y, "days", s[y] / n[y], s[y], float(n[y])))
        truth[(SINGLE, y, "den")], truth[(SINGLE, y, "sum")] = n[y], s[y]
    for y in YEARS[2:]:
        nw, sw = sum(n[x] for x in (y - 2, y - 1, y)), sum(s[x] for x in (y - 2, y - 1, y))
        if nw:
            rows.append((WINDOW, y, "days", sw / nw, sw, float(nw)))
        truth[(WINDOW, y, "den")], truth[(WINDOW, y, "sum")] = nw, sw
    for y, (start, appr, dereg) in zip(YEARS[2:], homes):
        dereg = min(dereg, start)
        end, net = start + appr - dereg, appr - dereg
        rows.append(("foster_households", y, "count", float(end), float(end), np.nan))
        rows.append(("foster_households_net_change", y, "count", float(net), float(net), np.nan))
        rows.append(("foster_household_deregistration_rate", y, "percent", 100 * dereg / start, float(dereg),
                     float(start)))
        truth.update({("foster_households", y, "num"): end, ("foster_households_net_change", y, "num"): net,
                      ("foster_household_deregistration_rate", y, "num"): dereg,
                      ("foster_household_deregistration_rate", y, "den"): start,
                      ("foster_household_deregistration_rate", y, "comp"): start - dereg})
    df = pd.DataFrame(rows, columns=["indicator_id", "year", "unit", "value", "numerator", "denominator"])
    source = np.where(df["indicator_id"].str.startswith("foster"), "Local return (fostering_households)", "SSDA903 AD1")
    return df.assign(title="", question=5, breakdown="Total", ci_low=np.nan, ci_high=np.nan, source=source,
                     status="ok"), truth


def _identities() -> list[dict]:
    out = []
    for y in YEARS[2:]:
        for role in ("den", "sum"):
            out.append({(WINDOW, y, role): 1, **{(SINGLE, x, role): -1 for x in (y - 2, y - 1, y)}})
        out.append({("foster_households", y, "num"): 1, ("foster_household_deregistration_rate", y, "den"): -1,
                    ("foster_households_net_change", y, "num"): -1})
        out.append({("foster_household_deregistration_rate", y, "den"): 1,
                    ("foster_household_deregistration_rate", y, "num"): -1,
                    ("foster_household_deregistration_rate", y, "comp"): -1})
    return out


def attack(truth: dict, releases: list[pd.DataFrame], k: int = 5) -> list[str]:
    """The intruder's LP over both releases: a list of what it pins."""
    cells = sorted(truth)
    col = {c: j for j, c in enumerate(cells)}
    lo = [0.0 if c[2] != "num" or c[0] != "foster_households_net_change" else None for c in cells]
    hi: list[float | None] = [None] * len(cells)
    known: dict = {}
    for rel in releases:
        for r in rel.itertuples(index=False):
            if r.symbol:
                continue
            iid, y = r.indicator_id, int(r.year)
            if r.unit == "days":
                n = r.denominator
                known[(iid, y, "den")] = (n, n)
                known[(iid, y, "sum")] = (n * (r.value - 0.05), n * (r.value + 0.05))
            elif r.unit == "percent":
                known[(iid, y, "num")] = (r.numerator, r.numerator)
                known[(iid, y, "den")] = (r.denominator, r.denominator)
            else:
                known[(iid, y, "num")] = (r.value, r.value)
    hidden_small = set()
    for c in cells:
        v = truth[c]
        if c in known:
            a, b = known[c]
            lo[col[c]] = a if lo[col[c]] is None else max(lo[col[c]], a)
            hi[col[c]] = b
        elif c[2] != "sum":
            if 1 <= abs(v) <= k:
                hidden_small.add(c)
                lo[col[c]], hi[col[c]] = (-k, k) if c[0] == "foster_households_net_change" else (1, k)
            elif v >= 1 and c[0] != "foster_households_net_change":
                lo[col[c]] = 1.0
    a_eq = np.array([[ident.get(c, 0) for c in cells] for ident in _identities()], float)
    out = []
    for c in cells:
        if c in known or truth[c] == 0 or (c[2] == "comp" and truth[c] > k):
            continue
        obj = np.zeros(len(cells))
        obj[col[c]] = 1
        res = [linprog(s * obj, A_eq=a_eq, b_eq=np.zeros(len(a_eq)), bounds=list(zip(lo, hi)), method="highs")
               for s in (1, -1)]
        assert all(x.status in (0, 3) for x in res), [x.message for x in res]
        if any(x.status == 3 for x in res):
            continue
        low, high = res[0].fun, -res[1].fun
        if c[2] == "sum":
            if high - low < 0.2 * truth[c] - 1e-6:
                out.append(f"{c}={truth[c]:g} in [{low:.1f}, {high:.1f}]")
        elif math.floor(high + 1e-6) - math.ceil(low - 1e-6) < 1:
            out.append(f"{c}={truth[c]:g} in [{low:g}, {high:g}]")
    return out


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(year_st, min_size=4, max_size=4), st.lists(households_st, min_size=2, max_size=2))
# found in CI: no adoptions in 2022-23, one in 2023-24 (hidden), 11 in 2024-25; the window of 12 less the 11
# shown pinned the one, because the identity with an absent year was not stated
@example(adopt=[(0, 150, 0), (0, 150, 0), (1, 150, 0), (11, 150, 0)], homes=[(5, 0, 0), (5, 0, 0)])
def test_two_releases_of_a_random_small_council_give_nothing_away(adopt, homes):
    raw, truth = _rows(adopt, homes)
    r2024 = disclosure.release(raw, 2024)
    r2025 = disclosure.release(raw, 2025)
    assert disclosure.release_conflicts(r2024, r2025) == []
    shown = pd.concat([r2024, r2025])
    shown = shown[shown["symbol"] == ""]
    assert ((shown["unit"] != "days") | (shown["value"].round(1) == shown["value"])).all()
    assert attack(truth, [r2024.fillna({"symbol": ""}), r2025.fillna({"symbol": ""})]) == []


def test_the_intruder_pins_what_an_unprotected_publication_gives_away():
    """The attack can fail: publish everything but the hidden year's average and it is pinned."""
    raw, truth = _rows([(12, 400, 16), (17, 330, 10), (8, 412, 2), (9, 380, 5)], [(128, 14, 12), (129, 18, 14)])
    naive = raw.assign(symbol=np.where((raw["indicator_id"] == SINGLE) & (raw["year"] == 2024), "c", ""))
    naive["value"] = naive["value"].round(1)
    assert any("2024, 'sum'" in p for p in attack(truth, [naive]))

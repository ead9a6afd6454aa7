"""Question 1 indicators (cpanalysis.indicators.profile) on a hand-worked council, year 2025."""

from __future__ import annotations

import pandas as pd
import pytest
from builders import check_definitions, check_reconciles, child, cla, demo_results, ep, run

HEADER = [
    child("A", "15/06/2024"),                        # age 0 at 31/03/2025 -> Under 1
    child("B", "01/04/2008"),                        # 17th birthday on 01/04/2025 -> 16 at 31 March -> 16 and over
    child("C", "31/03/2015", ETHNIC="REFU"),         # 10th birthday on 31 March -> 10 -> Age 10 to 15
    child("D", "01/01/2020", sex="2", ETHNIC="BAFR"),  # 5 -> Age 5 to 9
    child("E", "01/01/2012"),
    child("F", "01/01/2012"),
    child("G", "01/01/2012"),
    child("H", "01/04/2021", sex="F"),               # 3 -> Age 1 to 4; SEX coded M/F from 2024/25
]
EPISODES = [
    ep("A", "15/07/2024", LS="C1", HOME_POST="DM1 1", PL_POST="DM1 2"),             # start; CLA; inside
    ep("B", "01/01/2020", "01/01/2024", rec="X1", LS="V2", CIN="N4", PLACE="U4"),
    ep("B", "01/01/2024", rne="P", LS="V2", CIN="N4", PLACE="H5", PL_POST="XX9 9"),  # CLA; outside, 24.9 miles
    ep("C", "01/03/2023", LS="E1", CIN="N5", PLACE="K2", PL_POST="YY1 1"),            # CLA; outside, 6.2 miles
    ep("D", "01/01/2024", PL_POST="QQ1 1"),                                           # CLA; postcode unknown
    ep("E", "01/01/2024", "31/03/2025", rec="E11"),                                   # ceased on 31 March
    ep("F", "01/05/2024", "02/05/2024", rec="E8", LS="V3"), ep("F", "01/06/2024", LS="V4"),  # short breaks only
    ep("G", "01/04/2025"),                                                            # next year
    ep("H", "01/05/2024", "01/06/2024", rec="E4A"),                                   # start, ceased ...
    ep("H", "01/09/2024", HOME_POST=None, PL_POST="XX9 9"),                          # ... returned; home unknown
]
UASC = [
    {"CHILD": "B", "SEX": "1", "DOB": "01/04/2008", "DUC": "01/04/2026"},  # UASC at 31 March
    {"CHILD": "C", "SEX": "1", "DOB": "31/03/2015", "DUC": "31/03/2025"},  # status ceased on 31 March
    {"CHILD": "E", "SEX": "1", "DOB": "01/01/2012"},                       # UASC but not looked after at 31 March
    {"CHILD": "D", "SEX": "2", "DOB": "01/01/2020", "YEAR": 2026},         # a later return: ignored for 2025
]
LOOKUP = pd.DataFrame({"postcode": ["DM1", "XX9", "YY1"], "easting": ["400000", "440000", "410000"],
                       "northing": ["500000", "500000", "500000"], "la_code": ["E1", "E2", "E3"]})
CTX = {"la_code": "E1", "postcodes": LOOKUP}


@pytest.fixture(scope="module")
def data():
    return cla(years=(2025,), header=HEADER, episodes=EPISODES, uasc=UASC)


def total(indicator_id, data, **ctx):
    audit, rows = run(indicator_id, data, **ctx)
    return audit.set_index("CHILD"), rows


def test_counts_and_rate(data):
    # looked after at 31/03/2025: A, B, C, D, H (E ceased on 31 March, F short breaks, G starts next year)
    audit, rows = total("cla_at_31_march", data)
    assert rows["Total"]["value"] == 5
    assert set(audit.index[audit["in_numerator"]]) == {"A", "B", "C", "D", "H"}
    assert not audit.loc["F", "in_cohort"] and "short breaks only" in audit.loc["F", "reason"]
    assert "G" not in audit.index
    assert "last episode ended 31/03/2025 (REC E11)" in audit.loc["E", "reason"]
    # rate: 10,000 x 5 / 2,500 = 20
    _, rows = run("cla_rate_per_10k", data, population={2025: 2500})
    assert rows["Total"]["value"] == pytest.approx(20.0)
    _, rows = run("cla_rate_per_10k", data)
    assert rows["Total"]["status"] == "no population"


def test_starts_and_ceased(data):
    # starts: A (15/07/2024) and H (first occasion 01/05/2024, not the return on 01/09/2024) = 2
    audit, rows = total("cla_starts", data)
    assert rows["Total"]["value"] == 2
    assert "01/05/2024" in audit.loc["H", "reason"]
    # ceased: E (31/03/2025 is in the year) and H (01/06/2024, although H came back) = 2
    audit, rows = total("cla_ceased", data)
    assert rows["Total"]["value"] == 2 and set(audit.index[audit["in_numerator"]]) == {"E", "H"}
    _, rows = run("cla_starts_rate_per_10k", data, population={2025: 1000})
    assert rows["Total"]["value"] == pytest.approx(20.0)  # 10,000 x 2 / 1,000


def test_uasc(data):
    # UASC at 31 March: B only (C's status ceased on 31 March; E not looked after; D's row is from 2026) -> 1 of 5
    audit, rows = total("uasc_at_31_march", data)
    assert rows["Total"]["value"] == 1
    assert "no longer UASC (status ceased 31/03/2025)" in audit.loc["C", "reason"]
    _, rows = run("uasc_percent_at_31_march", data)
    assert (rows["Total"]["numerator"], rows["Total"]["denominator"]) == (1, 5)


def test_placed_outside_council(data):
    # known location: A inside (DM1), B outside (XX9, E2), C outside (YY1, E3), H outside (XX9); D's QQ1 unknown
    # -> 3 of 4 = 75%
    audit, rows = total("placed_outside_council", data, **CTX)
    assert (rows["Total"]["numerator"], rows["Total"]["denominator"]) == (3, 4)
    assert rows["Total"]["value"] == pytest.approx(75.0)
    assert not audit.loc["D", "in_cohort"] and "location unknown" in audit.loc["D", "reason"]
    # without a lookup every location is unknown: no cohort, and the audit says why
    audit, rows = total("placed_outside_council", data, la_code="E1")
    assert rows["Total"]["status"] == "no cohort"
    assert audit["reason"].str.contains("no postcode lookup").all()


def test_placed_over_20_miles(data):
    # distances (V's formula, metres / 1609.3): B 40,000 m = 24.9 miles; C 10,000 m = 6.2 miles; A 0 miles.
    # placed_outside_and_over_20_miles = outside AND > 20 miles: cohort A (inside), B, C (outside, distance known) = 3;
    # H is outside with an unknown home postcode, D unknown -> excluded. Numerator B -> 1 of 3.
    audit, rows = total("placed_outside_and_over_20_miles", data, **CTX)
    assert (rows["Total"]["numerator"], rows["Total"]["denominator"]) == (1, 3)
    assert "24.9 miles from home" in audit.loc["B", "reason"]
    assert not audit.loc["H", "in_cohort"] and "distance from home unknown" in audit.loc["H", "reason"]
    # any location: known distances A, B, C -> B only -> 1 of 3
    _, rows = run("placed_over_20_miles", data, **CTX)
    assert (rows["Total"]["numerator"], rows["Total"]["denominator"]) == (1, 3)


def test_exactly_20_miles_is_not_over_20():
    lookup = pd.DataFrame({"postcode": ["DM1", "XX9"], "easting": ["400000", "432186"], "northing": ["0", "0"],
                           "la_code": ["E1", "E2"]})
    d = cla(episodes=[ep("A", "01/01/2024", PL_POST="XX9 9")])  # 32,186 m / 1609.3 = 20.0 miles
    _, rows = run("placed_outside_and_over_20_miles", d, la_code="E1", postcodes=lookup)
    assert (rows["Total"]["numerator"], rows["Total"]["denominator"]) == (0, 1)


def test_breakdowns(data):
    _, rows = run("cla_by_age", data)
    assert {k: v["value"] for k, v in rows.items()} == {
        "Total": 5, "Under 1": 1, "Age 1 to 4": 1, "Age 5 to 9": 1, "Age 10 to 15": 1, "Age 16 and over": 1}
    _, rows = run("cla_by_sex", data)
    assert {k: v["value"] for k, v in rows.items()} == {"Total": 5, "Male": 3, "Female": 2}  # D "2", H "F"
    _, rows = run("cla_by_ethnicity", data)
    assert {k: v["value"] for k, v in rows.items()} == {
        "Total": 5, "White": 3, "Black, African, Caribbean or Black British": 1,
        "Refused or information not yet obtained": 1}
    _, rows = run("cla_by_legal_status", data)
    assert rows["Full care order (C2)"]["value"] == 2  # D and H
    assert rows["Interim care order (C1)"]["value"] == 1 and rows["Voluntary agreement, section 20 (V2)"]["value"] == 1
    _, rows = run("cla_by_need", data)
    assert rows["N1 Abuse or neglect"]["value"] == 3 and rows["N5 Family dysfunction"]["value"] == 1
    _, rows = run("cla_by_uasc", data)
    assert (rows["UASC"]["value"], rows["Not UASC"]["value"]) == (1, 4)


def test_definitions_and_reconciliation(data):
    inds = check_definitions("profile")
    ids = {i.id for i in inds}
    assert {"cla_at_31_march", "cla_rate_per_10k", "cla_starts", "cla_ceased", "uasc_at_31_march",
            "placed_outside_council", "placed_outside_and_over_20_miles", "cla_by_age", "cla_by_sex", "cla_by_ethnicity",
            "cla_by_legal_status", "cla_by_need"} <= ids
    for i in sorted(ids):
        check_reconciles(i, data, population={2025: 2500}, **CTX)


def test_empty_return_gives_empty_audits():
    d = cla(episodes=[])
    for i in check_definitions("profile"):
        audit, rows = run(i.id, d, **CTX)
        assert audit.empty and rows["Total"]["status"] in ("ok", "no cohort", "no population")


def test_demo_council_within_national_ranges():
    # generous bands around the range of councils in published-benchmarks.md §2 (2025)
    ranges = {"placed_outside_council": (17, 89), "placed_over_20_miles": (6, 50),
              "placed_outside_and_over_20_miles": (3, 45), "uasc_percent_at_31_march": (1, 27), "cla_rate_per_10k": (20, 200)}
    got = demo_results(list(ranges))
    if got is None:
        pytest.skip("demo 903 returns not generated")
    for k, (lo, hi) in ranges.items():
        assert lo <= got[k] <= hi, (k, got[k])

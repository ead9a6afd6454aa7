"""Hand-worked tests for the child-level and local-return measures councils' scorecards track (issue 12): taking
part in reviews, placed within 20 miles, adopted within 18 months of entering care, care leavers at 19, 20 and
21 separately, and the new local returns."""

from __future__ import annotations

import pandas as pd
import pytest

from cpanalysis import paths
from cpanalysis.sources import local
from tests.builders import check_reconciles, child, cla, ep, run

YEAR = 2025  # 1 April 2024 to 31 March 2025


# ------------------------------------------------------------------------------------ reviews
def _review(c, dob, date, code, **kw):
    return {"CHILD": c, "DOB": dob, "REVIEW": date, "REVIEW_CODE": code, **kw}


@pytest.fixture(scope="module")
def reviews_data():
    header = [child("A", "01/01/2014"), child("B", "01/01/2016"), child("C", "01/06/2022"),
              child("D", "01/01/2012"), child("E", "01/09/2020"), child("F", "01/01/2015"),
              child("G", "01/01/2013")]
    episodes = [ep("A", "01/01/2023"), ep("B", "01/01/2023"), ep("C", "01/01/2023"), ep("D", "01/01/2024"),
                ep("E", "01/01/2023"), ep("F", "01/01/2023", "01/02/2025", rec="E4A"), ep("G", "01/01/2023")]
    reviews = [
        _review("A", "01/01/2014", "10/05/2024", "PN1"), _review("A", "01/01/2014", "10/11/2024", "PN5"),
        _review("B", "01/01/2016", "10/05/2024", "PN1"), _review("B", "01/01/2016", "10/11/2024", "PN7"),
        _review("C", "01/06/2022", "10/05/2024", "PN0"), _review("C", "01/06/2022", "10/11/2024", "PN0"),
        _review("E", "01/09/2020", "10/05/2024", "PN0"), _review("E", "01/09/2020", "10/11/2024", "PN6"),
        _review("F", "01/01/2015", "10/05/2024", "PN1"),
        _review("G", "01/01/2013", "10/03/2024", "PN7"), _review("G", "01/01/2013", "10/09/2024", "PN1"),
    ]
    return cla(years=(YEAR,), header=header, episodes=episodes, reviews=reviews)


def test_review_participation_hand_worked(reviews_data):
    # A: PN1, PN5 -> views given at both reviews.       B: PN1 then PN7 -> not every review.
    # C: under 4 at both (PN0) -> not in the cohort.      D: no review in the year -> not in the cohort.
    # E: PN0 (aged 3), then PN6 (aged 4) -> counted, views given.  F: left care before 31 March -> not counted.
    # G: PN7 on 10/03/2024 belongs to the previous year; PN1 this year -> views given.
    # Cohort A B E G = 4; numerator A E G = 3 (75%).
    audit, rows = run("review_participation", reviews_data)
    assert (rows["Total"]["numerator"], rows["Total"]["denominator"]) == (3, 4)
    a = audit.set_index("CHILD")
    assert a.loc["B", "in_cohort"] and not a.loc["B", "in_numerator"]
    assert "views not conveyed" in a.loc["B", "reason"]
    assert not a.loc["C", "in_cohort"] and not a.loc["D", "in_cohort"]
    assert a.loc["E", "in_numerator"] and a.loc["G", "in_numerator"]
    assert "F" not in a.index
    check_reconciles("review_participation", reviews_data)


# ------------------------------------------------------------------------------------ distance
LOOKUP = pd.DataFrame({"postcode": ["DM1", "XX9", "YY1", "ZZ1"], "easting": ["400000", "440000", "410000", "432186"],
                       "northing": ["500000", "500000", "500000", "500000"], "la_code": ["E1", "E2", "E3", "E2"]})


def test_placed_within_20_miles_hand_worked():
    # A inside (0 miles), B 24.9 miles, C 6.2 miles, D exactly 20.0 miles (32,186 m): within; E postcode unknown.
    d = cla(episodes=[ep("A", "01/01/2024"), ep("B", "01/01/2024", PL_POST="XX9 9"),
                      ep("C", "01/01/2024", PL_POST="YY1 1"), ep("D", "01/01/2024", PL_POST="ZZ1 1"),
                      ep("E", "01/01/2024", PL_POST="QQ1 1")])
    audit, rows = run("placed_within_20_miles", d, la_code="E1", postcodes=LOOKUP)
    assert (rows["Total"]["numerator"], rows["Total"]["denominator"]) == (3, 4)  # A C D of A B C D
    _, over = run("placed_over_20_miles", d, la_code="E1", postcodes=LOOKUP)
    # the two are complements among children with a known distance
    assert over["Total"]["numerator"] + rows["Total"]["numerator"] == rows["Total"]["denominator"]
    assert not audit.set_index("CHILD").loc["E", "in_cohort"]


# ------------------------------------------------------------------------------------ adoption in 18 months
def test_adopted_within_18_months_hand_worked():
    episodes = [
        # A: entered 15/01/2023, placed for adoption 14/07/2024 (the last day under 18 months), adopted 20/02/2025
        ep("A", "15/01/2023", "14/07/2024", rec="X1", LS="E1", PLACE="U4"),
        ep("A", "14/07/2024", "20/02/2025", rne="P", rec="E11", LS="E1", PLACE="A5"),
        # B: entered 15/01/2023, placed 15/07/2024 (exactly 18 months: not under), adopted 01/03/2025
        ep("B", "15/01/2023", "15/07/2024", rec="X1", LS="E1", PLACE="U4"),
        ep("B", "15/07/2024", "01/03/2025", rne="P", rec="E12", LS="E1", PLACE="A5"),
        # C: adopted 01/12/2024 with no adoptive placement episode recorded -> date placed not known: left out
        ep("C", "01/06/2023", "01/12/2024", rec="E11", LS="E1", PLACE="U4"),
        # D: entered 01/04/2024 as a baby, placed 01/08/2024, adopted 15/03/2025 -> under 18 months
        ep("D", "01/04/2024", "01/08/2024", rec="X1", LS="E1", PLACE="U4"),
        ep("D", "01/08/2024", "15/03/2025", rne="P", rec="E11", LS="E1", PLACE="A5"),
        # E: went home: not adopted, not in the cohort
        ep("E", "01/01/2024", "01/10/2024", rec="E4A"),
    ]
    d = cla(years=(2023, 2024, 2025), episodes=episodes)
    audit, rows = run("adoption_within_18_months", d)
    assert (rows["Total"]["numerator"], rows["Total"]["denominator"]) == (2, 3)  # A D of A B D
    a = audit.set_index("CHILD")
    assert a.loc["A", "in_numerator"] and not a.loc["B", "in_numerator"] and a.loc["B", "in_cohort"]
    assert not a.loc["C", "in_cohort"] and "not known" in a.loc["C", "reason"]
    assert "E" not in a.index
    check_reconciles("adoption_within_18_months", d)


# ------------------------------------------------------------------------------------ care leavers by age
def _oc3(c, dob, touch, activ=None, accom=None):
    return {"CHILD": c, "DOB": dob, "IN_TOUCH": touch, "ACTIV": activ, "ACCOM": accom}


@pytest.fixture(scope="module")
def leavers():
    # Only 2025 supplied and no episodes: the council's OC3 list is the cohort (the audit says so).
    #  P 19th birthday 01/07/2024: F2 (education), B1 (suitable)
    #  Q 20th 01/08/2024: G5 (NEET), S2 (not suitable)        R 20th 01/09/2024: F4 (apprenticeship), C1 (suitable)
    #  S 21st 01/10/2024: not in touch, activity and accommodation not known (stays in both denominators)
    #  T 21st 01/11/2024: F1 (higher education), R1 (residence not known: out of the accommodation denominator)
    oc3 = [_oc3("P", "01/07/2005", "YES", "F2", "B1"), _oc3("Q", "01/08/2004", "YES", "G5", "S2"),
           _oc3("R", "01/09/2004", "YES", "F4", "C1"), _oc3("S", "01/10/2003", "NO", "0", "0"),
           _oc3("T", "01/11/2003", "YES", "F1", "R1")]
    header = [child(o["CHILD"], o["DOB"]) for o in oc3]
    return cla(years=(YEAR,), header=header, episodes=[], oc3=oc3)


@pytest.mark.parametrize(("ind", "expected"), [
    # EET: P R T of P Q R S T. Aged 19: P 1/1. Aged 20: R of Q R 1/2. Aged 21: T of S T 1/2.
    ("care_leavers_eet_19_21", {"Total": (3, 5), "Aged 19": (1, 1), "Aged 20": (1, 2), "Aged 21": (1, 2)}),
    # Suitable: T leaves the denominator (R1). P R of P Q R S -> 2/4; Aged 19 1/1; Aged 20 1/2; Aged 21 0/1 (S).
    ("care_leavers_suitable_accom_19_21", {"Total": (2, 4), "Aged 19": (1, 1), "Aged 20": (1, 2), "Aged 21": (0, 1)}),
])
def test_care_leavers_at_19_20_and_21_separately(leavers, ind, expected):
    _, rows = run(ind, leavers)
    got = {k: (r["numerator"], r["denominator"]) for k, r in rows.items()}
    assert got == expected
    check_reconciles(ind, leavers)


# ------------------------------------------------------------------------------------ local returns
def _write(folder, name, body):
    template = (paths.TEMPLATES_DIR / f"{name}.csv").read_text(encoding="utf-8")
    (folder / f"{name}.csv").write_text(template + body.strip() + "\n", encoding="utf-8")


def test_scorecard_local_returns_hand_worked(tmp_path):
    _write(tmp_path, "participation", "2025,160,48,22,11")
    _write(tmp_path, "placement_quality", "2025,foster_own,100,100\n2025,foster_agency,50,45\n"
                                          "2025,childrens_home,30,21\n2025,supported_accommodation,20,14")
    _write(tmp_path, "care_leavers_local", "2025,6,40,30")
    _write(tmp_path, "virtual_school", "2025,20,17,200,188,50,40")
    res = local.local_results(local.read_local(tmp_path)).set_index("indicator_id")
    assert res.loc["advocacy_take_up", "value"] == pytest.approx(30.0)           # 48 / 160
    assert res.loc["cicc_members", "value"] == 22 and res.loc["cicc_meetings", "value"] == 11
    # all settings: (100 + 45 + 21 + 14) / (100 + 50 + 30 + 20) = 180 / 200
    assert (res.loc["placements_ofsted_good", "numerator"], res.loc["placements_ofsted_good", "denominator"]) == (180, 200)
    assert res.loc["placements_ofsted_good", "value"] == pytest.approx(90.0)
    lo, hi = res.loc["placements_ofsted_good", ["ci_low", "ci_high"]]
    assert lo < 90 < hi
    assert res.loc["care_leaver_apprenticeships", "value"] == 6
    assert res.loc["care_leaver_health_reviews", "value"] == pytest.approx(75.0)  # 30 / 40
    assert res.loc["early_years_entitlement_take_up", "value"] == pytest.approx(85.0)  # 17 / 20
    assert res.loc["pep_completion", "value"] == pytest.approx(94.0)             # 188 / 200
    assert res.loc["pep_quality", "value"] == pytest.approx(80.0)                # 40 / 50
    assert pd.isna(res.loc["pep_quality", "ci_low"])                             # plans, not children


def test_scorecard_local_returns_quarantine_impossible_rows(tmp_path):
    _write(tmp_path, "participation", "2025,10,12,,")
    _write(tmp_path, "placement_quality", "2025,kinship,10,5")
    _write(tmp_path, "virtual_school", "2025,,3,,,,")
    ld = local.read_local(tmp_path)
    q = ld.quarantine.set_index("table")
    assert "children_used_advocacy cannot exceed" in q.loc["participation", "message"]
    assert "kinship" in q.loc["placement_quality", "message"]
    assert "taking_up_2_to_4 needs eligible_2_to_4" in q.loc["virtual_school", "message"]
    assert all(len(t) == 0 for t in ld.tables.values())


def test_optional_columns_may_be_left_blank(tmp_path):
    _write(tmp_path, "virtual_school", "2025,,,200,190,,")
    res = local.local_results(local.read_local(tmp_path))
    assert set(res["indicator_id"]) == {"pep_completion"}

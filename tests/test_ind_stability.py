"""Question 4 indicators (cpanalysis.indicators.stability) on hand-worked histories, year 2025.

Collection year 2025 = 01/04/2024 to 31/03/2025. Placement counting: reference §2.3.
"""

from __future__ import annotations

import pytest
from builders import check_definitions, check_reconciles, child, cla, ep, run

YEARS = (2023, 2024, 2025)
HEADER = [child(c, "01/01/2008") for c in ("A", "B", "C", "D", "E", "F", "G", "SB", "H2", "P", "Q", "R", "S")]
EPISODES = [
    # A: 1 (open on 1 April) + 1 (P 12/06) + 0 (L) + 1 (B 03/01/2025) = 3 -> numerator
    ep("A", "01/01/2024", "12/06/2024", rec="X1", REASON_PLACE_CHANGE="CARPL"),
    ep("A", "12/06/2024", "01/08/2024", rne="P", rec="X1"),
    ep("A", "01/08/2024", "03/01/2025", rne="L", rec="X1", LS="C1", REASON_PLACE_CHANGE="CREQB"),
    ep("A", "03/01/2025", rne="B", PLACE="K2"),
    # B: in care since 01/01/2023, one move -> 2 in the year, 2 in two years
    ep("B", "01/01/2023", "01/08/2024", rec="X1", REASON_PLACE_CHANGE="CHILD"), ep("B", "01/08/2024", rne="P"),
    # C: foster carer adopts: U4 since 2022, P move to U5, then T (same carer) into A5 -> 2, not 3
    ep("C", "01/01/2022", "01/06/2024", rec="X1", PLACE="U4", REASON_PLACE_CHANGE="OTHER"),
    ep("C", "01/06/2024", "01/10/2024", rne="P", rec="X1", PLACE="U5"),
    ep("C", "01/10/2024", rne="T", PLACE="A5"),
    # D: temporary placement and the return from it are not placements: 1 + 0 + 0 + 1 = 2 (naively 4)
    ep("D", "01/01/2024", "01/09/2024", rec="X1"),
    ep("D", "01/09/2024", "10/09/2024", rne="P", rec="X1", PLACE="T1"),
    ep("D", "10/09/2024", "01/12/2024", rne="P", rec="X1", REASON_PLACE_CHANGE="LAREQ"),
    ep("D", "01/12/2024", rne="P"),
    # E: leaves and returns (a new period, RNE S) then moves: 1 + 1 + 1 = 3 -> numerator
    ep("E", "01/01/2024", "01/06/2024", rec="E4A"), ep("E", "01/07/2024", "01/10/2024", rec="X1"),
    ep("E", "01/10/2024", rne="P"),
    # F: 3 placements but ceased on 31 March -> not in the cohort
    ep("F", "01/01/2024", "01/05/2024", rec="X1", REASON_PLACE_CHANGE="STAND"),
    ep("F", "01/05/2024", "01/06/2024", rne="P", rec="X1", REASON_PLACE_CHANGE="STAND"),
    ep("F", "01/06/2024", "31/03/2025", rne="P", rec="E4A"),
    # G: starts on 1 April 2024 and moves twice: 3 -> numerator
    ep("G", "01/04/2024", "01/06/2024", rec="X1", REASON_PLACE_CHANGE="CARPL"),
    ep("G", "01/06/2024", "01/07/2024", rne="P", rec="X1", REASON_PLACE_CHANGE="CARPL"),
    ep("G", "01/07/2024", rne="P"),
    # SB: short breaks only -> excluded; H2: short breaks, then full care and one move -> 2
    ep("SB", "01/05/2024", "03/05/2024", rec="E8", LS="V3"),
    ep("H2", "01/04/2024", "03/04/2024", rec="E8", LS="V3"),
    ep("H2", "01/06/2024", "01/08/2024", rec="X1", REASON_PLACE_CHANGE="CARPL"), ep("H2", "01/08/2024", rne="P"),
    # P: in care since 2022, moves 01/06/2023 and 01/06/2024 -> 3 in two years (2 in the year)
    ep("P", "01/01/2022", "01/06/2023", rec="X1"), ep("P", "01/06/2023", "01/06/2024", rne="P", rec="X1"),
    ep("P", "01/06/2024", rne="P"),
    # Q: in care since 2022, one move in 2 years -> 2; R: started 02/04/2023 (not in care for the whole 2 years)
    ep("Q", "01/01/2022", "01/06/2024", rec="X1"), ep("Q", "01/06/2024", rne="P"),
    ep("R", "02/04/2023"),
    # S: started on 01/04/2023, the first day of the 2-year window -> in the 2-year cohort, 1 placement
    ep("S", "01/04/2023"),
]
MISSING = [
    {"CHILD": "A", "MISSING": "M", "MIS_START": "01/03/2024", "YEAR": 2024},           # open at the 2024 return ...
    {"CHILD": "A", "MISSING": "M", "MIS_START": "01/03/2024", "MIS_END": "02/04/2024"},  # ... carried over: once
    {"CHILD": "A", "MISSING": "M", "MIS_START": "01/02/2025"},
    {"CHILD": "B", "MISSING": "M", "MIS_START": "01/01/2024", "MIS_END": "31/03/2024", "YEAR": 2024},  # last year
    {"CHILD": "C", "MISSING": "A", "MIS_START": "01/05/2024", "MIS_END": "01/05/2024"},
    {"CHILD": "F", "MISSING": "M", "MIS_START": "01/06/2024", "MIS_END": "03/06/2024"},
    {"CHILD": "SB", "MISSING": "M", "MIS_START": "02/05/2024", "MIS_END": "02/05/2024"},  # short breaks only
    {"CHILD": "D", "MISSING": "M", "MIS_START": "01/04/2025"},                           # next year
]
SW = [
    {"CHILD": "A", "SW_ID": "SW1", "SW_DECOM": "01/01/2024", "SW_DEC": "01/05/2024"},
    {"CHILD": "A", "SW_ID": "SW2", "SW_DECOM": "01/05/2024", "SW_DEC": "01/09/2024"},
    {"CHILD": "A", "SW_ID": "SW1", "SW_DECOM": "01/09/2024"},          # back to SW1: 2 workers
    {"CHILD": "B", "SW_ID": "SW1", "SW_DECOM": "01/01/2024", "SW_DEC": "01/05/2024"},
    {"CHILD": "B", "SW_ID": "SW2", "SW_DECOM": "01/05/2024", "SW_DEC": "01/09/2024"},
    {"CHILD": "B", "SW_ID": "SW3", "SW_DECOM": "01/09/2024"},          # 3 workers
    {"CHILD": "C", "SW_ID": "XX01", "SW_DECOM": "01/01/2024", "SW_DEC": "01/06/2024"},
    {"CHILD": "C", "SW_ID": "XX01", "SW_DECOM": "01/06/2024", "SW_DEC": "01/07/2024"},
    {"CHILD": "C", "SW_ID": "SW4", "SW_DECOM": "01/07/2024"},          # unknown workers count once each: 3
    {"CHILD": "D", "SW_ID": "SW5", "SW_DECOM": "01/01/2024", "SW_DEC": "31/03/2024"},
    {"CHILD": "D", "SW_ID": "SW6", "SW_DECOM": "31/03/2024"},          # only SW6 in the year: 1
]


@pytest.fixture(scope="module")
def data():
    return cla(years=YEARS, header=HEADER, episodes=EPISODES, missing=MISSING, sw_episodes=SW)


def numerators(audit):
    return set(audit.loc[audit["in_numerator"], "CHILD"])


def cohort(audit):
    return set(audit.loc[audit["in_cohort"], "CHILD"])


def test_three_plus_placements_in_the_year(data):
    # cohort: looked after at 31/03/2025 = A B C D E G H2 P Q R S (F ceased on 31 March; SB short breaks only)
    # numerator: A (3), E (3 across two periods), G (3 from 1 April) -> 3 of 11
    audit, rows = run("stability_3plus_placements", data)
    assert cohort(audit) == {"A", "B", "C", "D", "E", "G", "H2", "P", "Q", "R", "S"}
    assert numerators(audit) == {"A", "E", "G"}
    assert (rows["Total"]["numerator"], rows["Total"]["denominator"]) == (3, 11)
    a = audit.set_index("CHILD")
    assert "3 placements in the year (starting 01/01/2024, 12/06/2024, 03/01/2025)" in a.loc["A", "reason"]
    assert "2 placements" in a.loc["D", "reason"] and "2 placements" in a.loc["C", "reason"]
    assert "short breaks only" in a.loc["SB", "reason"]


def test_three_plus_placements_in_two_years(data):
    # window 01/04/2023 to 31/03/2025; continuously looked after: B (since 2023-01-01), C, P, Q (since 2022),
    # S (started on 01/04/2023, V's rule). R started 02/04/2023; A, D, E, G, H2 started later.
    # placements in 2 years: B 2, C 2 (U4, U5; the T into A5 is not a move), P 3, Q 2, S 1 -> 1 of 5
    audit, rows = run("stability_3plus_placements_2yr", data)
    assert cohort(audit) == {"B", "C", "P", "Q", "S"}
    assert numerators(audit) == {"P"}
    assert rows["Total"]["value"] == pytest.approx(20.0)
    assert "not looked after on 01/04/2023" in audit.set_index("CHILD").loc["R", "reason"]


def test_two_year_measures_from_one_return_when_the_return_shows_the_history():
    """One return whose episode started before both windows shows the child's whole history there
    (more cases in test_history.py)."""
    from cpanalysis.indicators.registry import compute

    d = cla(years=(2025,), episodes=[ep("A", "01/01/2020")])
    res = compute(d, ids=["stability_3plus_placements_2yr", "stability_long_term"]).set_index("indicator_id")
    assert set(res["status"]) == {"ok"}
    assert res.loc["stability_long_term", "value"] == 100.0 and res.loc["stability_3plus_placements_2yr", "value"] == 0


LT_HEADER = [child("same", "01/01/2015"), child("carer_adopts", "01/01/2015"), child("new_adopters", "01/01/2018"),
             child("moved", "01/01/2015"), child("exactly2", "01/01/2015"), child("age16", "31/03/2009"),
             child("age15", "01/04/2009"), child("late", "01/01/2015"), child("ontime", "01/01/2015"),
             child("hospital", "01/01/2015")]
LT_EPISODES = [
    ep("same", "01/01/2021"),                                                           # same placement: yes
    ep("carer_adopts", "01/01/2022", "01/10/2024", rec="X1", PLACE="U4"),
    ep("carer_adopts", "01/10/2024", rne="T", PLACE="A5"),                              # same carer: yes
    ep("new_adopters", "01/01/2022", "01/02/2025", rec="X1", PLACE="U4"),
    ep("new_adopters", "01/02/2025", rne="P", PLACE="A4"),                              # adoption + previous: yes
    ep("moved", "01/01/2022", "01/06/2023", rec="X1"), ep("moved", "01/06/2023", rne="P"),  # since 01/06/2023: no
    ep("exactly2", "01/01/2022", "31/03/2023", rec="X1"), ep("exactly2", "31/03/2023", rne="P"),  # 2 years: yes
    ep("age16", "01/01/2021"),                                                          # 16 on 31 March: out
    ep("age15", "01/01/2021"),                                                          # 16 on 1 April: in, yes
    ep("late", "01/10/2022"),                                                           # after 30/09/2022: out
    ep("ontime", "30/09/2022"),                                                         # 2.5 years exactly: in, yes
    ep("hospital", "01/01/2021", "01/06/2024", rec="X1"),
    ep("hospital", "01/06/2024", "10/06/2024", rne="P", rec="X1", PLACE="T2"),
    ep("hospital", "10/06/2024", rne="P"),                                              # back from hospital: yes
]


def test_long_term_stability():
    # cohort: under 16 at 31/03/2025 and looked after continuously from 30/09/2022 (31 March minus 30 months):
    # all but age16 (16 on its birthday, 31 March) and late (started 01/10/2022) -> 8 children.
    # same placement since on or before 31/03/2023: same, carer_adopts (T is not a move), exactly2, age15, ontime,
    # hospital (return from T2 is not a move); new_adopters by the adoption rule (U4 from 2022 + A4) -> 7 of 8;
    # moved (since 01/06/2023) is not.
    d = cla(years=YEARS, header=LT_HEADER, episodes=LT_EPISODES)
    audit, rows = run("stability_long_term", d)
    assert cohort(audit) == {"same", "carer_adopts", "new_adopters", "moved", "exactly2", "age15", "ontime",
                             "hospital"}
    assert numerators(audit) == cohort(audit) - {"moved"}
    assert (rows["Total"]["numerator"], rows["Total"]["denominator"]) == (7, 8)
    a = audit.set_index("CHILD")
    assert "aged 16" in a.loc["age16", "reason"] and "placed for adoption" in a.loc["new_adopters", "reason"]
    assert "not looked after on 30/09/2022" in a.loc["late", "reason"]


def test_moves_by_reason(data):
    # moves (RNE P or B counted as new placements, 01/04/2024 to 31/03/2025), reason on the episode that ended:
    # A 12/06 CARPL, 03/01 CREQB; B 01/08 CHILD; C 01/06 OTHER (the T into A5 is no move); D 01/12 LAREQ (the T1
    # and the return are not moves); E 01/10 not recorded (the return with RNE S is a new period); F 01/05 STAND,
    # 01/06 STAND; G 01/06 CARPL, 01/07 CARPL; H2 01/08 CARPL; P 01/06/2024 (reason blank); Q 01/06/2024 (blank)
    audit, rows = run("placement_moves_by_reason", data)
    assert rows["Total"]["value"] == 13
    got = {k: v["value"] for k, v in rows.items() if k != "Total"}
    assert got == {"CARPL: change to or implementation of the care plan": 4,
                   "CREQB: carer requests placement end due to child's behaviour": 1,
                   "CHILD: child requests placement end": 1, "OTHER: other": 1,
                   "LAREQ: responsible authority requests placement end": 1,
                   "STAND: standards of care concern": 2, "Not recorded": 3}
    assert (audit["CHILD"] == "A").sum() == 2 and len(audit) == 13


def test_missing_and_away(data):
    # cohort: looked after during the year, not short breaks only: A B C D E F G H2 P Q R S = 12
    # missing: A (carried over from 01/03/2024, and 01/02/2025) and F -> 2 of 12; incidents A 2 + F 1 = 3
    audit, rows = run("missing_children", data)
    assert len(cohort(audit)) == 12 and numerators(audit) == {"A", "F"}
    assert "2 missing episode(s) in the year, first starting 01/03/2024" in audit.set_index("CHILD").loc["A", "reason"]
    audit, rows = run("missing_incidents", data)
    assert rows["Total"]["value"] == 3
    assert not audit.loc[audit["CHILD"] == "SB", "in_cohort"].any()  # short breaks only: listed, excluded
    _, rows = run("away_children", data)
    assert (rows["Total"]["numerator"], rows["Total"]["denominator"]) == (1, 12)  # C
    _, rows = run("away_incidents", data)
    assert rows["Total"]["value"] == 1


def test_social_worker_changes(data):
    # cohort: looked after at 31 March (11). 3+ different workers in the year: B (SW1-3), C (two unknown XX
    # episodes + SW4); A went back to SW1 (2 workers); D had SW5 until 31/03/2024 and SW6 (1) -> 2 of 11
    audit, rows = run("sw_changes_3plus", data)
    assert numerators(audit) == {"B", "C"}
    assert (rows["Total"]["numerator"], rows["Total"]["denominator"]) == (2, 11)
    # no SWEpisodes returned for 2024 -> no cohort
    audit, rows = run("sw_changes_3plus", data, year=2024)
    assert rows["Total"]["status"] == "no cohort"
    assert audit["reason"].str.contains("no SWEpisodes table returned for 2024").all()


def test_definitions_and_reconciliation(data):
    inds = check_definitions("stability")
    assert {"stability_3plus_placements", "stability_3plus_placements_2yr", "stability_long_term",
            "placement_moves_by_reason", "missing_children", "missing_incidents", "away_children", "away_incidents",
            "sw_changes_3plus"} <= {i.id for i in inds}
    for i in inds:
        check_reconciles(i.id, data)
        check_reconciles(i.id, cla(years=YEARS, header=LT_HEADER, episodes=LT_EPISODES))


def test_demo_council_within_national_ranges():
    # generous bands around the range of councils in published-benchmarks.md §2 and the national figures (2025)
    ranges = {"stability_3plus_placements": (0, 20), "stability_3plus_placements_2yr": (5, 40),
              "stability_long_term": (50, 100), "sw_changes_3plus": (0, 67), "missing_children": (2, 25)}
    from builders import demo_results

    got = demo_results(list(ranges))
    if got is None:
        pytest.skip("demo 903 returns not generated")
    for k, (lo, hi) in ranges.items():
        assert lo <= got[k] <= hi, (k, got[k])

"""The episode toolkit (cpanalysis.episodes) and the test builders, on hand-worked histories.

Collection year 2025 runs from 01/04/2024 to 31/03/2025 throughout.
"""

from __future__ import annotations

import pandas as pd
import pytest
from builders import child, cla, ep

from cpanalysis import episodes as E
from cpanalysis.model import DATE_COLUMNS, INT_COLUMNS, TABLES

T = pd.Timestamp


def ids(frame: pd.DataFrame) -> set[str]:
    return set(frame["CHILD"])


# --------------------------------------------------------------------------- builders
def test_builders_follow_the_model_contract():
    d = cla(episodes=[ep("A", "01/01/2024", "02/02/2024", rec="x1"), ep("A", "02/02/2024", rne="p")],
            oc2=[{"CHILD": "A", "DOB": "01/01/2015", "SDQ_SCORE": 12, "CONVICTED": "0"}])
    eps = d.episodes
    assert list(eps.columns[:len(TABLES["episodes"])]) == TABLES["episodes"]
    for key, df in d.tables.items():
        for c in df.columns:
            if c in DATE_COLUMNS:
                assert df[c].dtype == "datetime64[ns]", (key, c)
            elif c in INT_COLUMNS or c in ("YEAR", "SOURCE_ROW"):
                assert df[c].dtype == "Int64", (key, c)
            else:
                assert df[c].dtype == "string", (key, c)
    assert eps["REC"].tolist()[0] == "X1" and eps["RNE"].tolist()[1] == "P"  # codes upper-cased
    assert eps["DEC"].isna().tolist() == [False, True]
    assert eps["REASON_PLACE_CHANGE"].isna().all()  # unspecified -> blank (NA), never the text "NAN"
    assert eps["SOURCE_ROW"].tolist() == [2, 3] and set(eps["SOURCE_FILE"]) == {"test"}
    assert eps["LS"].tolist() == ["C2", "C2"] and eps["PL_POST"].tolist() == ["DM1 2"] * 2
    assert d.header["CHILD"].tolist() == ["A"] and d.header["SEX"].tolist() == ["1"]  # header made from episodes
    assert d.tables["oc2"]["SDQ_SCORE"].tolist() == [12]
    assert d.tables["reviews"].empty  # tables not given are empty, with the contract's columns


def test_builders_blank_provider_for_temporary_placements_and_reject_unknown_columns():
    d = cla(episodes=[ep("A", "01/01/2024", PLACE="T1")])
    assert d.episodes["PLACE_PROVIDER"].isna().all()
    with pytest.raises(ValueError, match="unknown columns"):
        cla(episodes=[ep("A", "01/01/2024", PLACEMENT="U1")])
    with pytest.raises(ValueError, match="unknown tables"):
        cla(episodes=[], absences=[])


# --------------------------------------------------------------------------- 31 March and the year
BOUNDARY = [
    ep("ends31", "01/01/2024", "31/03/2025", rec="E4A"),        # ceased on 31 March: not looked after that night
    ep("ends0104", "01/01/2024", "01/04/2025", rec="E4A"),      # ceased the next day: looked after at 31 March
    ep("starts0104", "01/04/2025"),                             # starts in the next year
    ep("starts31", "31/03/2025"),                               # started on 31 March: looked after
    ep("x1", "01/01/2024", "31/03/2025", rec="X1"),             # episode change on 31 March ...
    ep("x1", "31/03/2025", rne="P"),                            # ... continues with a new episode that day
    ep("sb", "01/01/2025", LS="V3"),                            # short breaks only
    ep("gone", "01/01/2023", "01/04/2024", rec="E13"),          # left on 1 April 2024: during the year, not at 31 March
    ep("old", "01/01/2023", "31/03/2024", rec="E13"),           # left on 31 March 2024: not in the 2025 year
]


def test_cla_at_31_march_boundaries():
    d = cla(episodes=BOUNDARY)
    # worked: open at the end of 31/03/2025 = DECOM <= 31/03/2025 and (DEC blank or DEC > 31/03/2025)
    assert ids(E.cla_at_31_march(d, 2025)) == {"ends0104", "starts31", "x1"}
    one = E.cla_at_31_march(d, 2025)
    assert one.loc[one["CHILD"] == "x1", "RNE"].item() == "P"  # the episode open that night
    assert ids(E.open_on(d, "2025-03-31", exclude_short_breaks=False)) == {"ends0104", "starts31", "x1", "sb"}


def test_looked_after_during_the_year():
    d = cla(episodes=BOUNDARY)
    # every child except 'starts0104' (next year), 'old' (ended 31/03/2024) and 'sb' (short breaks)
    assert ids(E.looked_after_during(d, 2025)) == {"ends31", "ends0104", "starts31", "x1", "gone"}


def test_starts_first_occasion_only_and_year_boundaries():
    d = cla(episodes=[
        ep("twice", "01/05/2024", "01/06/2024", rec="E4A"), ep("twice", "01/09/2024"),  # first start counts
        ep("apr1", "01/04/2024"),                                    # 1 April is in the year
        ep("mar31", "31/03/2024"),                                   # 31 March 2024 is last year
        ep("sb_then_care", "01/05/2024", "01/07/2024", rec="X1", LS="V3"),
        ep("sb_then_care", "01/07/2024", rne="L"),                   # full care after short breaks, RNE L
        ep("move", "01/01/2024", "01/08/2024", rec="X1"), ep("move", "01/08/2024", rne="P"),  # a move, not a start
    ])
    st = E.starts(d, 2025).set_index("CHILD")
    assert set(st.index) == {"twice", "apr1", "sb_then_care"}
    assert st.loc["twice", "DECOM"] == T("2024-05-01")


def test_ceased_last_occasion_and_x1_is_not_ceasing():
    d = cla(episodes=[
        ep("twice", "01/01/2024", "01/06/2024", rec="E4A"), ep("twice", "01/07/2024", "01/09/2024", rec="E13"),
        ep("x1", "01/01/2024", "01/06/2024", rec="X1"), ep("x1", "01/06/2024", rne="P"),
        ep("mar31", "01/01/2024", "31/03/2025", rec="E11"),           # 31 March is in the year
        ep("apr1", "01/01/2024", "01/04/2025", rec="E11"),            # next year
    ])
    ce = E.ceased(d, 2025).set_index("CHILD")
    assert set(ce.index) == {"twice", "mar31"}
    assert ce.loc["twice", "REC"] == "E13"  # the last occasion


def test_age_at_birthday_cohorts():
    dob = pd.Series(pd.to_datetime(["2008-04-01", "2008-03-31", "2024-04-01", "2008-02-29", None]))
    # 17th birthday on 1 April 2025 -> still 16 on 31 March; 17th birthday on 31 March -> 17
    assert E.age_at(dob, "2025-03-31").tolist()[:4] == [16, 17, 0, 17]
    assert E.age_at(dob, "2025-03-31").isna().tolist()[4]
    assert E.age_at(dob, T("2025-04-01")).tolist()[:2] == [17, 17]
    # leap-year birthday: age_at counts the birthday from 1 March in non-leap years (still 14 on 28/02/2023);
    # birthday() puts it on 28 February in non-leap years (the 17th on 28/02/2025)
    assert E.age_at(dob, "2023-02-28").tolist()[3] == 14
    assert E.birthday(dob, 16).tolist()[3] == T("2024-02-29")
    assert E.birthday(dob, 17).tolist()[3] == T("2025-02-28")


# --------------------------------------------------------------------------- OC2 cohort
def test_oc2_cohort_follows_the_validator_rule():
    d = cla(episodes=[
        ep("whole", "01/01/2023"),                                              # in
        ep("from_apr1", "01/04/2024"),                                          # starts 1 April: in (V's rule)
        ep("from_apr2", "02/04/2024"),                                          # starts 2 April: out
        ep("moves", "01/01/2023", "01/06/2024", rec="X1"), ep("moves", "01/06/2024", rne="P"),  # in
        ep("returns", "01/01/2023", "01/06/2024", rec="E4A"), ep("returns", "01/07/2024"),      # out: ceased
        ep("sb", "01/01/2023"), ep("sb", "01/05/2024", "03/05/2024", rec="E8", LS="V3"),        # out: short break
        ep("ends31", "01/01/2023", "31/03/2025", rec="E4A"),                    # out: not looked after at 31 March
    ])
    oc = E.oc2_cohort(d, 2025).set_index("CHILD")
    assert set(oc.index[oc["in_cohort"]]) == {"whole", "from_apr1", "moves"}
    assert "started a new period of care on 01/07/2024" in oc.loc["returns", "reason"]
    assert "short breaks" in oc.loc["sb", "reason"]
    assert "not looked after at 31/03/2025" in oc.loc["ends31", "reason"]
    assert "not looked after on 01/04/2024" in oc.loc["from_apr2", "reason"]
    assert oc.loc["moves", "since"] == T("2023-01-01")


# --------------------------------------------------------------------------- placement counting
def test_placement_count_hand_worked():
    d = cla(episodes=[
        # child A, year 2025. Worked: 1 (open on 1 April) + 1 (P on 12/06) + 0 (L) + 0 (T1 temporary)
        # + 0 (return from T1) + 0 (T: same carer) + 1 (B on 03/01/2025) = 3
        ep("A", "01/01/2024", "12/06/2024", rec="X1", REASON_PLACE_CHANGE="CARPL"),
        ep("A", "12/06/2024", "01/08/2024", rne="P", rec="X1"),
        ep("A", "01/08/2024", "01/09/2024", rne="L", rec="X1", LS="C1"),
        ep("A", "01/09/2024", "10/09/2024", rne="P", rec="X1", PLACE="T1"),
        ep("A", "10/09/2024", "01/11/2024", rne="P", rec="X1"),
        ep("A", "01/11/2024", "03/01/2025", rne="T", rec="X1", PLACE="U5"),
        ep("A", "03/01/2025", rne="B", PLACE="K2"),
        # child B: placement ending on 1 April spent no time in the year; the next one is the first
        ep("B", "01/01/2024", "01/04/2024", rec="X1"), ep("B", "01/04/2024", rne="P"),
        # child C: left and came back (a new period, RNE S) -> 2; a short break in between is ignored
        ep("C", "01/01/2024", "01/06/2024", rec="E4A"), ep("C", "10/06/2024", "12/06/2024", rec="E8", LS="V3"),
        ep("C", "01/07/2024"),
        # child D: foster carer adopts (RNE T into A5) -> still 1
        ep("D", "01/01/2022", "01/10/2024", rec="X1", PLACE="U4"), ep("D", "01/10/2024", rne="T", PLACE="A5"),
        # child E: a same-day episode (less than 24 hours) before the real placement -> 1
        ep("E", "01/05/2024", "01/05/2024", rec="X1"), ep("E", "01/05/2024", rne="P"),
    ])
    pc = E.placement_count(d, "2024-04-01", "2025-03-31").set_index("CHILD")
    assert pc["placements"].to_dict() == {"A": 3, "B": 1, "C": 2, "D": 1, "E": 1}
    assert pc.loc["A", "placement_starts"] == "01/01/2024, 12/06/2024, 03/01/2025"
    assert pc.loc["B", "placement_starts"] == "01/04/2024"


def test_placement_count_first_placement_after_a_temporary_one_open_on_1_april():
    d = cla(episodes=[
        ep("A", "01/01/2024", "20/03/2024", rec="X1"),
        ep("A", "20/03/2024", "05/04/2024", rne="P", rec="X1", PLACE="T2"),     # in hospital on 1 April
        ep("A", "05/04/2024", rne="P"),                                          # return: the first placement
    ])
    pc = E.placement_count(d, "2024-04-01", "2025-03-31").set_index("CHILD")
    assert pc.loc["A", "placements"] == 1
    pe = E.placement_episodes(d, "2024-04-01", "2025-03-31")
    assert pe["temporary"].tolist() == [True, True] and pe["counts"].tolist() == [False, True]


# --------------------------------------------------------------------------- care leavers
def test_care_leaver_relevant_as_validator_rule_1001():
    # DOB 01/01/2000: 14th birthday 01/01/2014, 16th 01/01/2016 (cases from V rule 1001's own test)
    header = [child(c, "01/01/2000") for c in ("ok", "short", "before14", "sb", "adopted")]
    d = cla(years=(2017,), header=header, episodes=[
        # 30 + 119 days after 14, 31 after 16 -> relevant
        ep("ok", "01/01/2014", "01/02/2014", rec="E8"), ep("ok", "01/02/2015", "01/06/2015", rec="E8"),
        ep("ok", "01/01/2016", "01/02/2016", rec="E8"),
        # 31 + 38 = 69 days after 14 -> not relevant
        ep("short", "01/01/2010", "01/02/2014", rec="E8"), ep("short", "25/12/2015", "01/02/2016", rec="E8"),
        # most care before the 14th birthday: 59 + 10 days -> not relevant
        ep("before14", "01/01/2010", "01/03/2014", rec="E8"), ep("before14", "25/12/2015", "04/01/2016", rec="E8"),
        # enough days only with a V3 episode -> not relevant
        ep("sb", "01/01/2013", "01/03/2014", rec="E8"), ep("sb", "01/01/2015", "01/03/2015", rec="E8", LS="V3"),
        ep("sb", "25/12/2015", "04/01/2016", rec="E8"),
        # enough days, but the last episode ended in adoption -> not relevant
        ep("adopted", "01/02/2015", "01/08/2015", rec="E8"), ep("adopted", "01/03/2016", "01/05/2016", rec="E11"),
    ])
    r = E.care_leaver_relevant(d, ["ok", "short", "before14", "sb", "adopted", "unknown"], "2017-10-01")
    r = r.set_index("CHILD")
    assert r["relevant"].to_dict() == {"ok": True, "short": False, "before14": False, "sb": False, "adopted": False,
                                       "unknown": False}
    assert r.loc["ok", "days_since_14"] == 31 + 120 + 31
    assert r.loc["short", "days_since_14"] == 31 + 38
    assert "adopted" in r.loc["adopted", "reason"]


# --------------------------------------------------------------------------- location
def test_placement_location_and_distance():
    lookup = pd.DataFrame({"postcode": ["DM1", "DM2 3", "XX9 9ZZ"], "easting": ["400000", "400000", "432186"],
                           "northing": ["500000", "516093", "500000"], "la_code": ["E1", "E1", "E2"]})
    eps = pd.DataFrame({"HOME_POST": ["DM1 1", "DM1 1", "DM1 1", None],
                        "PL_POST": ["DM2 3AB", "XX99ZZ", "QQ1 1", "XX9 9ZZ"]}, dtype="string")
    loc = E.placement_location(eps, lookup, "e1")
    # worked: DM1 (district) -> DM2 3 (sector) = 16,093 m north = 10.0 miles; DM1 -> XX9 9ZZ = 32,186 m = 20.0 miles
    assert loc["outside"].tolist()[:3] == [False, True, pd.NA]
    assert loc["distance"].tolist()[:2] == [10.0, 20.0]
    assert pd.isna(loc["distance"].iloc[2]) and pd.isna(loc["distance"].iloc[3])  # unknown postcodes
    assert loc["outside"].iloc[3]  # placement known although the home is not
    assert "not in the lookup" in loc["location"].iloc[2]
    none = E.placement_location(eps, None, "E1")
    assert none["outside"].isna().all() and none["location"].str.contains("no postcode lookup").all()


def test_history_is_cached_but_callers_cannot_change_it():
    d = cla(episodes=[ep("A", "01/01/2024")])
    h = E.history(d)
    h["extra"] = 1
    assert "extra" not in E.history(d).columns
    assert E.history(d)["END"].iloc[0] == E.OPEN_END

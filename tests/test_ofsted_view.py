"""Ofsted on the scorecard (cpanalysis/ofsted_view.py): the latest ILACS judgements beside the neighbours' and
England's counts of councils by grade, hand-worked against the cells of Ofsted's file; question 7's note that no
published data rates the homes a council uses."""

from __future__ import annotations

import argparse
from types import SimpleNamespace

import pandas as pd
import pytest

from cpanalysis import briefing, ofsted_view, paths, render
from cpanalysis.sources import ofsted

OFSTED_DIR = paths.SHARED_DATA_DIR / "ofsted"
REAL = OFSTED_DIR / "LA_Inspection_Outcomes_as_at_31_March_2025.ods"
RI = "Requires improvement to be good"
shared = pytest.mark.shared


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A published folder of two DfE tables, DfE's neighbour model and Ofsted's file (links to the shared data)."""
    if not REAL.exists():
        pytest.skip("Ofsted's file is not in ../shared/data")
    pub = tmp_path_factory.mktemp("ofsted_view") / "published"
    (pub / "ees").mkdir(parents=True)
    for name in ("cla_number_and_rate_per_10k_children.csv", "sn_model_2025_wide.csv"):
        (pub / "ees" / name).symlink_to(paths.SHARED_DATA_DIR / "ees" / name)
    (pub / "ofsted").symlink_to(OFSTED_DIR, target_is_directory=True)
    return pub


def _prepared(folder, council):
    from cpanalysis import cli, evidence

    args = argparse.Namespace(params=None, council=council, published=folder, ssda903=None, local=None,
                              evidence=None, year=2025)
    return evidence.prepare(cli.load_params(args))


def _ctx(data, name, code, year=2025, topics=(1, 8, 9)):
    """The little of a pack's context the rows read (no neighbour model: no neighbours' column)."""
    council = SimpleNamespace(name=name, new_la_code=code, old_la_code="")
    return SimpleNamespace(params=SimpleNamespace(council=council, year=year, topics=list(topics)), ofsted=data,
                           ofsted_note="")


def _cells():
    """Ofsted's two sheets read straight from the file (header on the third row), for checking by hand."""
    latest = pd.read_excel(REAL, engine="odf", sheet_name="Inspections_as_at_31_March", header=2)
    hist = pd.read_excel(REAL, engine="odf", sheet_name="ILACS_inspection_history", header=2)
    return latest, hist


# ------------------------------------------------------------------------------------ two councils by hand
@shared
def test_rutlands_scorecard_rows_match_the_files_cells(folder):
    latest, hist = _cells()
    # Rutland, spreadsheet row 108 (pandas row 108 - 4): Good overall, children in care and care leavers
    me = latest.iloc[108 - 4]
    assert me["Local authority area code"] == "E06000017" and me["Overall effectiveness"] == "Good"
    # its ten DfE neighbours (sn_model_2025_wide.csv, row 857) and their overall judgements, by spreadsheet row:
    # Wiltshire 150, North Yorkshire 93, Hampshire 53, Leicestershire 75: Outstanding; Shropshire 113,
    # Central Bedfordshire 26, West Berkshire 144, East Riding 43: Good; Gloucestershire 48: RI; Cheshire East 27:
    # Inadequate -> 4 / 4 / 1 / 1; against Rutland's Good: 4 better, 4 the same, 2 worse
    rows = {"Outstanding": (150, 93, 53, 75), "Good": (113, 26, 144, 43), RI: (48,), "Inadequate": (27,)}
    for grade, at in rows.items():
        assert all(latest.iloc[r - 4]["Overall effectiveness"] == grade for r in at)
    # the inspection before: 2 March 2020 in the history sheet, overall RI
    before = hist[(hist["Local authority area code"] == "E06000017")]
    assert [str(d)[:10] for d in before["Inspection date"]] == ["2020-03-02", "2024-04-15"]
    assert before["Overall effectiveness"].iloc[0] == RI

    ctx = _prepared(folder, "Rutland")
    card = ofsted_view.scorecard_rows(ctx)
    assert [r["title"] for r in card] == ["Ofsted: overall effectiveness", "Ofsted: children in care",
                                          "Ofsted: care leavers"]
    overall = card[0]
    assert overall["value"] == "Good" and overall["when"] == "inspected 15 April 2024"
    assert overall["comparators"] == [
        {"name": "Neighbours", "value": f"4 Outstanding, 4 Good, 1 {RI}, 1 Inadequate"},
        {"name": "England", "value": f"36 Outstanding, 67 Good, 31 {RI}, 19 Inadequate"}]
    assert overall["reading"] == "Of its 10 statistical neighbours: 4 graded better, 4 the same, 2 worse"
    assert overall["trend"] == f"Improved from {RI} at the inspection of 2 March 2020"
    assert "never averaged" in overall["label"] and overall["href"] == "q1-ofsted"
    # care leavers: three neighbours were inspected before the judgement began, and say so
    cl = card[2]
    assert cl["href"] == "q8-ofsted" and cl["value"] == "Good"
    assert cl["comparators"][0]["value"].endswith("3 not judged (inspected before 2023)")
    assert cl["trend"] == "The first separate judgement of care leavers (it began in 2023)"
    # no number is made of a grade: nothing is averaged or scored
    text = " ".join(str(v) for r in card for v in r.values())
    assert "average " not in text and "mean" not in text

    # in the printed scorecard, first, with the pack's other rows
    html = render.render("front.html.j2", rules=briefing.rule_text(), **briefing.front(ctx))
    card_html = html[html.index('id="scorecard"'):]
    assert card_html.index("Ofsted: overall effectiveness") < card_html.index("Children looked after")
    assert 'href="#q1-ofsted"' in card_html and f"4 Outstanding, 4 Good, 1 {RI}, 1 Inadequate" in card_html


@shared
def test_kents_scorecard_rows_match_the_files_cells(folder):
    latest, hist = _cells()
    me = latest.iloc[66 - 4]  # Kent, spreadsheet row 66: Outstanding, inspected 9 May 2022, no care-leavers cell
    assert me["Local authority area code"] == "E10000016" and me["Overall effectiveness"] == "Outstanding"
    assert pd.isna(me["The experiences and progress of care leavers"])
    # neighbours (row 886): Essex 46 and Bexley 9 Outstanding; East Sussex 44, Norfolk 87, Nottinghamshire 96,
    # Bedford 8, Somerset 116 Good; Suffolk 127 and West Sussex 146 RI; Devon 37 Inadequate -> 2 / 5 / 2 / 1
    for grade, at in {"Outstanding": (46, 9), "Good": (44, 87, 96, 8, 116), RI: (127, 146),
                      "Inadequate": (37,)}.items():
        assert all(latest.iloc[r - 4]["Overall effectiveness"] == grade for r in at)
    assert (hist["Local authority area code"] == "E10000016").sum() == 1  # one ILACS inspection since 2018

    card = ofsted_view.scorecard_rows(_prepared(folder, "Kent"))
    overall, cic, cl = card
    assert overall["value"] == "Outstanding" and overall["when"] == "inspected 9 May 2022"
    assert overall["comparators"][0]["value"] == f"2 Outstanding, 5 Good, 2 {RI}, 1 Inadequate"
    assert overall["reading"] == "Of its 10 statistical neighbours: 0 graded better, 2 the same, 8 worse"
    assert overall["trend"] == "No earlier ILACS inspection since 2018"
    assert "more than 3 years" not in overall["label"]  # 9 May 2022 is within three years of 31 March 2025
    assert cl["value"] == "not judged (inspected before 2023)"
    assert cl["reading"] == "judged with children in care (Outstanding)" and cl["label"] == ""


# ------------------------------------------------------------------------------------ plain words
@shared
def test_an_inspection_more_than_three_years_old_is_said_so():
    data = ofsted.load(REAL)
    # Bath and North East Somerset: inspected 28 February 2022, more than three years before 31 March 2025
    old = ofsted_view.scorecard_rows(_ctx(data, "Bath and North East Somerset", "E06000022"))
    assert old[0]["when"] == "inspected 28 February 2022"
    assert all("inspected more than 3 years before 31 March 2025" in r["label"] + r["reading"] for r in old)
    assert not any("more than 3 years" in r["label"] + r["reading"]
                   for r in ofsted_view.scorecard_rows(_ctx(data, "Bath and North East Somerset", "E06000022",
                                                            year=2024)))


@shared
def test_a_council_with_no_judgement_is_said_plainly_on_the_scorecard():
    data = ofsted.load(REAL)
    rows = ofsted_view.scorecard_rows(_ctx(data, "Newtown", "E06000999"))
    assert len(rows) == 1 and rows[0]["value"] == "no judgement"
    assert "give no ILACS judgement for Newtown" in rows[0]["reading"] and "not yet inspected" in rows[0]["reading"]
    assert rows[0]["comparators"] == [{"name": "England (153 councils)",
                                       "value": f"36 Outstanding, 67 Good, 31 {RI}, 19 Inadequate"}]


def test_no_ofsted_file_gives_no_scorecard_row_and_question_1_says_so():
    none = SimpleNamespace(params=_ctx(None, "X", "").params, ofsted=None,
                           ofsted_note="No Ofsted inspection outcomes file was found under the folder.")
    assert ofsted_view.scorecard_rows(none) == []
    assert briefing.ofsted_brief(none, 1)["lede"].startswith("No Ofsted inspection outcomes file was found")


def test_standing_compares_grades_in_order_and_never_averages():
    counts = {"Outstanding": 2, "Good": 3, RI: 4, "Inadequate": 1, "": 2}
    assert ofsted_view.standing("Good", counts) == {"better": 2, "same": 3, "worse": 5, "none": 2}
    assert ofsted_view.standing("Outstanding", counts) == {"better": 0, "same": 2, "worse": 8, "none": 2}
    assert ofsted_view.standing("Inadequate", counts) == {"better": 9, "same": 1, "worse": 0, "none": 2}


# ------------------------------------------------------------------------------------ question 7
@shared
def test_question_7_says_no_published_data_rates_the_homes_used_and_asks_officers(folder):
    from cpanalysis import present

    # Ofsted's file holds ILACS judgements of councils only: no sheet rates children's homes or providers
    book = pd.read_excel(REAL, engine="odf", sheet_name=None, header=None)
    assert set(book) == {"Cover", "Contents", "Notes", "Inspections_as_at_31_March", "In-year_inspections",
                         "ILACS_inspection_history"}
    ctx = _prepared(folder, "Rutland")
    b = briefing.question_brief(ctx, 7)
    note = b["ofsted"]
    assert note["heading"] == "Ofsted's ratings of the residential care used" and note["rows"] == []
    assert "homes located in Rutland's area" in note["lede"]
    assert "not by the council that placed the child" in note["lede"]
    sub = next(s for s in b["sub_questions"] if s["text"].startswith("Who provides the residential placements"))
    assert sub["status"] == "Ask officers"
    assert "not by the council that places children there" in sub["ask"]
    sink: list[str] = []
    present.SINK = sink
    try:
        present.topic(ctx, 7)
    finally:
        present.SINK = None
    assert 'id="q7-ofsted"' in sink[0] and "Ofsted&#39;s ratings of the residential care used" in sink[0]
    assert "placement records" in sink[0] and "<table class=\"cpa-table cpa-ofsted-table\"" not in sink[0]
    assert ofsted_view.homes_note(ctx, 1) == {} and briefing.question_brief(ctx, 1)["ofsted"]["rows"]

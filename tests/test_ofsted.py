"""Ofsted's ILACS judgements (cpanalysis/sources/ofsted.py) and their place in the pack (questions 1, 8, 9 and the
annex): read from Ofsted's own .ods by sheet and column words, matched by ONS area code, counted never averaged."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from cpanalysis import briefing, paths, render
from cpanalysis.sources import ofsted

OFSTED_DIR = paths.SHARED_DATA_DIR / "ofsted"
REAL = OFSTED_DIR / "LA_Inspection_Outcomes_as_at_31_March_2025.ods"

shared = pytest.mark.shared
RI = "Requires improvement to be good"


def _ctx(data, name: str, code: str, year: int = 2025):
    """The little of a pack's context that the Ofsted section reads (no neighbours: no comparator model)."""
    params = SimpleNamespace(council=SimpleNamespace(name=name, new_la_code=code, old_la_code=""), year=year)
    return SimpleNamespace(params=params, ofsted=data, ofsted_note="")


# ------------------------------------------------------------------------------------ the real file's cells
@shared
@pytest.mark.parametrize("code, row, date, grades", [
    # ONS code, spreadsheet row in Inspections_as_at_31_March, inspection date, the five judgements as the cells read
    ("E06000020", 133, "2024-04-29", ("Outstanding", "Outstanding", "Good", "Outstanding", "Outstanding")),
    ("E06000049", 27, "2024-02-26", ("Inadequate", RI, RI, RI, "Inadequate")),
    ("E06000061", 90, "2022-10-03", (RI, RI, RI, RI, "")),  # North Northamptonshire: before the care-leavers judgement
])
def test_judgements_of_three_councils_match_the_files_cells(code, row, date, grades):
    data = ofsted.load(ofsted.find_file(paths.SHARED_DATA_DIR))
    assert data.as_at == "31 March 2025"
    r = ofsted.council_row(data, code)
    assert r["row"] == row
    assert pd.Timestamp(r["inspection_date"]) == pd.Timestamp(date)
    assert tuple(r[k] for k, *_ in ofsted.JUDGEMENTS) == grades
    # the same cells, read straight from the sheet with Ofsted's header on its third row
    raw = pd.read_excel(REAL, engine="odf", sheet_name="Inspections_as_at_31_March", header=2)
    cell = raw.iloc[row - 4]
    assert cell["Local authority area code"] == code
    assert cell["Overall effectiveness"] == grades[0]
    assert (cell["The experiences and progress of care leavers"] if isinstance(
        cell["The experiences and progress of care leavers"], str) else "") == grades[4]


@shared
def test_england_distribution_counts_every_council_by_grade():
    data = ofsted.load(REAL)
    d = ofsted.distribution(data, None, "overall")
    assert d == {"Outstanding": 36, "Good": 67, RI: 31, "Inadequate": 19, "": 0}
    assert sum(d.values()) == 153
    cl = ofsted.distribution(data, None, "care_leavers")
    assert cl[""] == 50  # inspected before 1 January 2023: no care-leavers judgement, counted as such
    # neighbours: a council not in the file counts as "no judgement"
    assert ofsted.distribution(data, ["E06000020", "E06000049", "E06000999"], "overall") == {
        "Outstanding": 1, "Good": 0, RI: 0, "Inadequate": 1, "": 1}


@shared
def test_question_words_for_two_councils_and_a_stale_inspection():
    data = ofsted.load(REAL)
    q1 = briefing.ofsted_brief(_ctx(data, "Cheshire East", "E06000049"), 1)
    assert "26 February 2024" in q1["lede"] and "overall effectiveness Inadequate" in q1["lede"]
    assert [r["grade"] for r in q1["rows"]] == ["Inadequate", RI, RI, RI, "Inadequate"]
    assert q1["rows"][0]["england"] == ["Outstanding: 36", "Good: 67", f"{RI}: 31", "Inadequate: 19"]
    assert "average" not in " ".join(q1["rows"][0]["england"])
    assert q1["notes"] == []  # inspected within three years of 31 March 2025
    q8 = briefing.ofsted_brief(_ctx(data, "Telford and Wrekin", "E06000020"), 8)
    assert "care leavers: Outstanding" in q8["lede"] and len(q8["rows"]) == 1
    q9 = briefing.ofsted_brief(_ctx(data, "Telford and Wrekin", "E06000020"), 9)
    assert "impact of leaders on social work practice with children and families: Outstanding" in q9["lede"]
    assert briefing.ofsted_brief(_ctx(data, "Telford and Wrekin", "E06000020"), 4) == {}
    # Bath and North East Somerset, inspected 28 February 2022: more than three years before 31 March 2025
    old = briefing.ofsted_brief(_ctx(data, "Bath and North East Somerset", "E06000022"), 1)
    assert any("more than 3 years before 31 March 2025" in n for n in old["notes"])
    assert not briefing.ofsted_brief(_ctx(data, "Bath and North East Somerset", "E06000022", year=2024), 1)["notes"]
    # North Northamptonshire's care leavers: judged with children in care, said so
    nn = briefing.ofsted_brief(_ctx(data, "North Northamptonshire", "E06000061"), 8)
    assert "came before the separate judgement of care leavers" in nn["lede"] and RI in nn["lede"]
    assert nn["rows"][0]["grade"] == "not judged (inspected before 2023)"
    hist = briefing.ofsted_history(_ctx(data, "Cheshire East", "E06000049"))
    assert [r["date"] for r in hist["rows"]] == ["18 November 2019", "26 February 2024"]
    assert [r["grades"][0] for r in hist["rows"]] == [RI, "Inadequate"]


@shared
def test_a_council_with_no_judgement_is_said_plainly():
    data = ofsted.load(REAL)
    b = briefing.ofsted_brief(_ctx(data, "Newtown", "E06000999"), 1)
    assert b["rows"] == []
    assert "give no ILACS judgement for Newtown (ONS code E06000999)" in b["lede"]
    assert "new, or not yet inspected" in b["lede"]
    h = briefing.ofsted_history(_ctx(data, "Newtown", "E06000999"))
    assert h["rows"] == [] and "lists no short or standard ILACS inspection of Newtown" in h["lede"]
    html = render.render("ofsted.html.j2", ofsted=b)
    assert "give no ILACS judgement for Newtown" in html and "<table" not in html
    # no Ofsted file at all: the section says so and how to add it
    none = briefing.ofsted_brief(SimpleNamespace(params=_ctx(None, "X", "").params, ofsted=None,
                                                 ofsted_note="No Ofsted inspection outcomes file was found"), 1)
    assert none["lede"].startswith("No Ofsted inspection outcomes file was found")


# ------------------------------------------------------------------------------------ next year's layout
def _write_ods(path: Path, header_row: int, columns: list[str], rows: list[list], sheet: str) -> None:
    """An .ods in Ofsted's shape: a title, blank rows, then the header on ``header_row`` (1-based)."""
    top = [["Local authority inspection judgements as at 31 March 2026"] + [""] * (len(columns) - 1)]
    top += [[""] * len(columns)] * (header_row - 2)
    frame = pd.DataFrame(top + [columns] + rows)
    with pd.ExcelWriter(path, engine="odf") as w:
        pd.DataFrame([["Cover"]]).to_excel(w, sheet_name="Cover", header=False, index=False)
        frame.to_excel(w, sheet_name=sheet, header=False, index=False)


def test_renamed_columns_and_sheet_are_found_by_their_words(tmp_path):
    cols = ["Web link", "LA name", "ONS local authority area code", "Date of inspection", "Overall effectiveness grade",
            "Care leavers: experiences and progress", "Impact of leaders on practice",
            "Children who need help and protection: experiences and progress",
            "Children in care: experiences and progress"]
    rows = [["x", "Telford & Wrekin", "E06000020", "2025-06-02", "Good", "Outstanding", "Good", RI, "Good"],
            ["x", "Newshire", "E06000099", "", "", "", "", "", ""]]
    d = tmp_path / "pub" / "ofsted" / "2026"
    d.mkdir(parents=True)
    _write_ods(d / "LA_Inspection_Outcomes_as_at_31_March_2026.ods", 5, cols, rows,
               "Inspections as at 31 March 2026")
    f = ofsted.find_file(tmp_path / "pub")  # found recursively, by the words of its name
    assert f is not None and f.name.endswith("2026.ods")
    data = ofsted.load(f)
    assert data.latest.found["overall"] == "Overall effectiveness grade"
    assert data.latest.found["care_leavers"] == "Care leavers: experiences and progress"
    assert data.latest.found["children_in_care"] == "Children in care: experiences and progress"
    assert data.as_at == "31 March 2026" and data.history is None
    r = ofsted.council_row(data, "e06000020")
    assert (r["overall"], r["leaders"], r["help_protection"], r["children_in_care"], r["care_leavers"]) == (
        "Good", "Good", RI, "Good", "Outstanding")
    assert r["row"] == 6  # header on row 5
    # a listed council with blank judgements: no judgement, said plainly
    b = briefing.ofsted_brief(_ctx(data, "Newshire", "E06000099", year=2026), 1)
    assert b["rows"] == [] and "no ILACS judgement for Newshire" in b["lede"]
    # an inspection after the pack's year is said to be after it
    late = briefing.ofsted_brief(_ctx(data, "Telford and Wrekin", "E06000020", year=2025), 1)
    assert any("after 31 March 2025" in n for n in late["notes"])


def test_a_file_without_the_needed_column_names_what_is_missing(tmp_path):
    p = tmp_path / "LA_Inspection_Outcomes_as_at_31_March_2026.ods"
    _write_ods(p, 3, ["Local authority area code", "Inspection date", "Grade"], [["E06000020", "2025-01-01", "Good"]],
               "Inspections_as_at_31_March")
    with pytest.raises(ofsted.OfstedDataError, match=r"overall \(a name with the words 'overall effectiveness'\)"):
        ofsted.load(p)


def test_grades_are_ofsteds_words_whatever_the_case():
    assert ofsted.grade("requires improvement to be good") == RI
    assert ofsted.grade("Requires Improvement") == RI
    assert ofsted.grade(" OUTSTANDING ") == "Outstanding"
    assert ofsted.grade(float("nan")) == "" and ofsted.grade("") == ""


# ------------------------------------------------------------------------------------ in a built pack
@shared
def test_ofsted_section_in_a_published_only_councils_pack(tmp_path):
    """Telford and Wrekin from a folder of a few DfE tables plus Ofsted's file: the section in questions 1, 8 and 9
    and the history in the annex, as the pack's notebooks render them (the library, without kernels)."""
    import argparse

    from cpanalysis import cli, evidence, present

    pub = tmp_path / "published"
    (pub / "ees").mkdir(parents=True)
    for name in ("cla_number_and_rate_per_10k_children.csv", "sn_model_2025_wide.csv", "la_care_leavers_activity.csv",
                 "csww_indicators_2017_to_2025.csv"):
        (pub / "ees" / name).symlink_to(paths.SHARED_DATA_DIR / "ees" / name)
    (pub / "ofsted").symlink_to(OFSTED_DIR, target_is_directory=True)
    args = argparse.Namespace(params=None, council="Telford and Wrekin", published=pub, ssda903=None, local=None,
                              evidence=None, year=2025)
    ctx = evidence.prepare(cli.load_params(args))
    assert ctx.source_kind == "published" and ctx.ofsted is not None
    sink: list[str] = []
    present.SINK = sink
    try:
        for n in (1, 8, 9):
            present.topic(ctx, n)
        present.annex_methods(ctx)
    finally:
        present.SINK = None
    q1, q8, q9, annex = sink
    assert 'id="q1-ofsted"' in q1 and "It judged overall effectiveness Outstanding" in q1
    assert "Its 10 statistical neighbours" in q1 and "England (153 councils)" in q1
    assert "Outstanding: 36; Good: 67" in q1
    assert 'id="q8-ofsted"' in q8 and "care leavers: Outstanding" in q8
    assert 'id="q9-ofsted"' in q9 and "impact of leaders" in q9
    assert 'id="annex-ofsted"' in annex and "20 January 2020" in annex and "ILACS Short Inspection" in annex
    # a folder without Ofsted's file: the section says so, and no history
    (pub / "ofsted").unlink()
    ctx2 = evidence.prepare(cli.load_params(args))
    b = briefing.ofsted_brief(ctx2, 1)
    assert b["rows"] == [] and b["lede"].startswith("No Ofsted inspection outcomes file was found")
    assert briefing.ofsted_history(ctx2) == {}


def test_data_download_fetches_ofsteds_file_and_checks_it_is_a_spreadsheet(tmp_path):
    from cpanalysis import download

    assert any(f.path == "ofsted/LA_Inspection_Outcomes_as_at_31_March_2025.ods" and f.url
               for f in download.MANIFEST)
    ods = tmp_path / "a.ods"
    _write_ods(ods, 3, ["Local authority area code", "Inspection date", "Overall effectiveness"],
               [["E06000020", "2024-04-29", "Good"]], "Inspections_as_at_31_March")
    assert download._looks_published(ods, "ofsted/a.ods")
    html = tmp_path / "b.ods"
    html.write_bytes(b"<html>Not found</html>")
    assert not download._looks_published(html, "ofsted/b.ods")

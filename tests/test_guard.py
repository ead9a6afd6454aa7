"""The export guard: a pack or CSV that would carry a child's identifier is never written."""

from __future__ import annotations

import base64

import pandas as pd
import pytest

from cpanalysis import guard, pack, paths
from cpanalysis.model import CLAData


def data() -> CLAData:
    header = pd.DataFrame({"CHILD": ["AB12345", "777000111"], "UPN": ["K999519457590", None],
                           "DOB": pd.to_datetime(["2010-06-04", "2012-01-31"])})
    episodes = pd.DataFrame({"CHILD": ["AB12345"], "HOME_POST": ["DM8 1"], "PL_POST": ["QD1 1"]})
    sw = pd.DataFrame({"CHILD": ["AB12345"], "SW_ID": ["SW10407"]})
    return CLAData(tables={"header": header, "episodes": episodes, "sw_episodes": sw}, years=[2025])


@pytest.mark.parametrize("text,kind", [
    ("<td>AB12345</td>", "child identifier"), ("id 777000111.", "child identifier"),
    ("UPN K999519457590", "unique pupil number"), ("born 04/06/2010", "date of birth"),
    ("2012-01-31", "date of birth"), ("placed in QD1 1 today", "postcode"), ("worker SW10407", "social worker id"),
    ("<th>CHILD</th><th>in_cohort</th><th>in_numerator</th>", "cohort audit"),
])
def test_scan_finds_each_kind_and_never_prints_the_value(text, kind):
    found = guard.scan_text(text, guard.terms_from(data()))
    assert found and kind in " ".join(found)
    assert "AB12345" not in " ".join(found) and "04/06/2010" not in " ".join(found)


def test_scan_reads_inside_svg_charts_and_ignores_ordinary_text():
    svg = base64.b64encode(b"<svg><text>AB12345</text></svg>").decode()
    assert guard.scan_text(f'<img src="data:image/svg+xml;base64,{svg}">', guard.terms_from(data()))
    clean = "465 children (31 March 2025); 1,234 rows; AB1234 5; QD1 12; 2025-03-31"
    assert guard.scan_text(clean, guard.terms_from(data())) == []


def test_csv_export_is_guarded(tmp_path, monkeypatch):
    from cpanalysis import config, export

    real = export._frame_and_context

    def leaky(params, public):
        df, ctx = real(params, public)
        df.loc[0, "title"] = "child " + str(ctx.data.header["CHILD"].iloc[0])
        return df, ctx
    monkeypatch.setattr(export, "_frame_and_context", leaky)
    out = tmp_path / "x.csv"
    with pytest.raises(guard.IdentifyingOutputError, match="1 child identifier"):
        export.export_indicators(config.load(None), out, public=True)
    assert not out.exists()


@pytest.mark.notebook
def test_a_cohort_audit_left_in_a_notebook_fails_the_build(tmp_path, monkeypatch):
    from builders import stability_notebook_with

    from cpanalysis import config

    stability_notebook_with(monkeypatch, tmp_path, "ctx.audit('stability_3plus_placements').head(3)")
    out = tmp_path / "out"
    params = config.load(paths.DEFAULT_PARAMS, {"output_dir": str(out), "topics": [4]})
    with pytest.raises(guard.IdentifyingOutputError) as err:
        pack.build_pack(params, workers=1, summary=False)
    msg = str(err.value)
    assert "evidence-pack.html" in msg and "child identifier" in msg and "cohort audit" in msg
    assert "notebooks/04_stability.ipynb (cell" in msg
    assert not out.exists()  # nothing written, and nothing left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["04_extended.ipynb"]


# ------------------------------------------------------------------ child-level output by its shape (issue 20, item 5)
def _frame_html(df: pd.DataFrame) -> str:
    return df.to_html()  # what a notebook shows for a frame: <table class="dataframe">


def test_a_printed_frame_with_a_reason_or_child_id_column_is_found_whatever_its_values():
    reasons = pd.DataFrame({"reason": ["in cohort: episode from 04/05/2023", "excluded: short breaks"]})
    for text in (_frame_html(reasons), _frame_html(pd.DataFrame({"child_id": ["x1", "x2"], "n": [7, 8]}))):
        found = guard.scan_text(text, guard.Terms())
        assert any("child-level table" in f for f in found), found
    assert guard.scan_plain(reasons.to_string(), guard.Terms())
    assert guard.scan_plain(str(reasons["reason"]), guard.Terms())  # a series: "Name: reason"


def test_unsuppressed_rows_and_small_counts_in_an_analysts_table_are_found():
    raw = pd.DataFrame({"indicator_id": ["a", "b"], "year": [2025, 2025], "value": [1.0, 12.0],
                        "numerator": [1, 12], "denominator": [None, None], "unit": ["count", "count"]})
    found = guard.scan_text(_frame_html(raw), guard.Terms())
    assert any("unsuppressed figures" in f and "1 row" in f for f in found), found
    small = pd.DataFrame({"setting": ["foster", "residential"], "children": [40, 3]})
    assert any("counts of 1 to 5" in f for f in guard.scan_text(_frame_html(small), guard.Terms()))
    fine = pd.DataFrame({"question": [1, 2, 3], "children": [40, 12, 0], "percent": [2.0, 3.0, 4.5]})
    assert guard.scan_text(_frame_html(fine), guard.Terms()) == []


@pytest.mark.parametrize("written", ["4 June 2010", "4th June 2010", "04 Jun 2010", "June 4, 2010", "4/6/2010",
                                     "04.06.2010", "2010-06-04", "2010/06/04", "04-06-2010"])
def test_dates_of_birth_in_any_written_form_are_found_in_a_printed_table(written):
    terms = guard.terms_from(data())
    df = pd.DataFrame({"born": [written], "sex": ["M"]})
    found = guard.scan_text(_frame_html(df), terms)
    assert any("date of birth" in f for f in found), found
    assert written not in " ".join(found)
    assert guard.scan_plain(df.to_string(), terms)


def test_the_packs_own_prose_with_dates_is_not_taken_for_a_date_of_birth():
    terms = guard.terms_from(data())  # a child born 4 June 2010
    prose = "<p>A child entering on 4 June 2010 counts if placed by 3 December 2011.</p><table class='cpa-table'>" \
            "<tr><th>Made on</th><td>4 June 2010</td></tr></table>"
    assert guard.scan_text(prose, terms) == []


LEAKS = {
    "audit reasons": "ctx.audit('stability_3plus_placements')[['reason']].head(5)",
    "raw results": ("r = ctx.raw_results\nr[(r['unit'] == 'count') & (r['numerator'] == 1)]"
                    "[['indicator_id', 'year', 'breakdown', 'value', 'numerator', 'unit']].head(5)"),
    "dates of birth": ("h = ctx.data.header[['DOB', 'SEX']].head(5).copy()\n"
                       "h['DOB'] = [f'{d.day} {d:%B %Y}' for d in h['DOB']]\nh.rename(columns={'DOB': 'born'})"),
}


@pytest.mark.notebook
@pytest.mark.parametrize("kind", list(LEAKS))
def test_an_analysts_cell_publishing_child_level_output_fails_the_build(tmp_path, monkeypatch, kind):
    """The three cells an audit published into a pack (issue 20): each is refused, and nothing is written."""
    from builders import stability_notebook_with

    from cpanalysis import config

    stability_notebook_with(monkeypatch, tmp_path, LEAKS[kind])
    out = tmp_path / "out"
    params = config.load(paths.DEFAULT_PARAMS, {"output_dir": str(out), "topics": [4]})
    with pytest.raises(guard.IdentifyingOutputError) as err:
        pack.build_pack(params, workers=1, summary=False)
    msg = str(err.value)
    assert "notebooks/04_stability.ipynb (cell" in msg
    want = {"audit reasons": "child-level table (column 'reason')", "raw results": "unsuppressed figures",
            "dates of birth": "of birth"}[kind]
    assert want in msg, msg
    assert not out.exists()

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

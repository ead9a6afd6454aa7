"""Local returns: templates, validation with file/row/column messages, and hand-worked indicators."""

from __future__ import annotations

import pytest

from cpanalysis import paths
from cpanalysis.errors import FatalError
from cpanalysis.sources import local


def write(folder, name, body, comments=True):
    text = (paths.TEMPLATES_DIR / f"{name}.csv").read_text() if comments else ""
    header = [line for line in text.splitlines() if line.startswith("#")]
    (folder / f"{name}.csv").write_text("\n".join(header + [body.strip()]) + "\n")
    return folder / f"{name}.csv"


def test_every_template_documents_every_column():
    for name, spec in local.RETURNS.items():
        text = (paths.TEMPLATES_DIR / f"{name}.csv").read_text()
        header = [line for line in text.splitlines() if not line.startswith("#")][0]
        assert header.split(",") == [c.name for c in spec]
        for col in spec:
            assert f"# {col.name}:" in text, f"{name}.csv does not explain {col.name}"


def test_demo_local_returns_are_clean_and_reproducible(tmp_path):
    ld = local.read_local(paths.DEMO_LOCAL_DIR)
    assert set(ld.tables) == set(local.RETURNS)
    assert ld.quarantine.empty
    assert (ld.reconciliation["rows_read"] == ld.reconciliation["rows_used"]).all()
    local.write_demo_local(tmp_path)
    for f in paths.DEMO_LOCAL_DIR.glob("*.csv"):
        assert (tmp_path / f.name).read_bytes() == f.read_bytes()


def test_hand_worked_fostering_and_homes(tmp_path):
    write(tmp_path, "fostering_households", """
year,households_start,approved,deregistered,households_end,kinship_households,places
2025,100,12,20,92,25,150
""")
    write(tmp_path, "children_homes", """
year,home_ref,provider_type,in_area,ofsted_rating,children_placed
2025,A,own,Y,good,3
2025,B,private,N,requires_improvement,4
2025,C,private,N,outstanding,5
""")
    res = local.local_results(local.read_local(tmp_path)).set_index("indicator_id")
    assert res.loc["foster_households", "value"] == 92
    assert res.loc["foster_households_net_change", "value"] == -8  # 12 approved - 20 left
    assert res.loc["foster_household_deregistration_rate", "value"] == pytest.approx(20.0)  # 20 / 100
    # 12 children in homes: good or outstanding 3 + 5 = 8 -> 66.7%; outside the area 4 + 5 = 9 -> 75%
    assert res.loc["children_homes_ofsted_good", "value"] == pytest.approx(800 / 12)
    assert res.loc["children_homes_out_of_area", "numerator"] == 9
    assert res.loc["children_homes_out_of_area", "denominator"] == 12
    lo, hi = res.loc["children_homes_out_of_area", ["ci_low", "ci_high"]]
    assert lo < 75 < hi


def test_bad_rows_are_quarantined_with_file_row_column(tmp_path):
    path = write(tmp_path, "member_training", """
year,members_total,members_trained,board_meetings,board_meetings_with_children
2024,54,40,6,3
2025,54,sixty,6,3
2023,54,60,6,3

""")
    ld = local.read_local(tmp_path)
    assert len(ld.tables["member_training"]) == 1
    q = ld.quarantine.set_index("column")
    comment_lines = sum(1 for line in path.read_text().splitlines() if line.startswith("#"))
    # row numbers as a spreadsheet shows them: comments, then the header, then data rows
    assert q.loc["members_trained"].shape[0] == 2
    msgs = " | ".join(ld.quarantine["message"])
    assert f"row {comment_lines + 3} of member_training.csv" in msgs and "should be a number, found 'sixty'" in msgs
    assert f"row {comment_lines + 4}" in msgs and "members_trained cannot exceed members_total" in msgs
    rec = ld.reconciliation.iloc[0]
    assert (rec["rows_read"], rec["rows_used"], rec["rows_quarantined"]) == (3, 1, 2)


def test_unknown_code_and_blank_required(tmp_path):
    write(tmp_path, "children_homes", """
year,home_ref,provider_type,in_area,ofsted_rating,children_placed
2025,A,council,Y,good,3
2025,,own,maybe,good,3
""")
    ld = local.read_local(tmp_path)
    msgs = list(ld.quarantine["message"])
    assert any("provider_type 'council' is not one of: own, private, voluntary, other_la" in m for m in msgs)
    assert any("home_ref is blank but required" in m for m in msgs)
    assert any("in_area should be Y or N, found 'maybe'" in m for m in msgs)
    assert ld.tables["children_homes"].empty


def test_missing_column_is_fatal_and_says_the_fix(tmp_path):
    (tmp_path / "workforce.csv").write_text("year,sw_fte\n2025,30\n")
    with pytest.raises(FatalError) as err:
        local.read_local(tmp_path)
    assert "workforce.csv" in str(err.value) and "vacancies_fte" in str(err.value)
    assert "data/templates/workforce.csv" in str(err.value)


def test_empty_file_is_fatal(tmp_path):
    (tmp_path / "spend.csv").write_text("")
    with pytest.raises(FatalError, match="the file is empty"):
        local.read_local(tmp_path)


def test_missing_folder_and_missing_returns(tmp_path):
    with pytest.raises(FatalError, match="does not exist"):
        local.read_local(tmp_path / "nope")
    assert local.read_local(tmp_path).tables == {}  # no returns: nothing to show, no crash

"""SSDA903 validation: the malformed corpus (tests/malformed), each giving its expected fatal error, quarantined row
or warning, never an unexplained exception; encodings and Excel made in tmp_path; the CLI exit codes."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from cpanalysis.config import from_dict
from cpanalysis.sources.ssda903 import load_ssda903, parse_dates
from cpanalysis.validation import RULES, FatalInputError, cli_validate, report_text, validate

MAL = Path(__file__).parent / "malformed"
BASE = MAL / "base" / "2025"


def build(tmp_path: Path, case: str | None = None, standalone: bool = False) -> Path:
    """Copy the clean base return, then overlay the case's files (or use the case alone)."""
    dest = tmp_path / "ret"
    (dest / "2025").mkdir(parents=True)
    if not standalone:
        for f in BASE.iterdir():
            shutil.copy(f, dest / "2025" / f.name)
    if case:
        for f in (MAL / case / "2025").iterdir():
            shutil.copy(f, dest / "2025" / f.name)
    return dest


def rules_hit(data) -> set[str]:
    return set(data.issues["rule_id"])


def test_base_is_clean(tmp_path):
    data = load_ssda903(build(tmp_path))
    assert data.years == [2025]
    assert len(data.quarantine) == 0
    assert (data.issues["severity"] != "error").all()
    assert len(data.episodes) == 4 and len(data.header) == 3


# ------------------------------------------------------------------------------------------------- fatal
@pytest.mark.parametrize("case, standalone, rule_id, words", [
    ("wrong_columns", False, "FATAL-UNKNOWN-TABLE", ["notes.csv", "Name"]),
    ("missing_column", False, "FATAL-MISSING-COLUMNS", ["episodes.csv", "DECOM", "Episodes"]),
    ("no_header", True, "FATAL-NO-HEADER", ["Header", "Episodes"]),
    ("broken_xml", True, "FATAL-UNREADABLE", ["return.xml", "line"]),
])
def test_fatal_cases(tmp_path, case, standalone, rule_id, words):
    path = build(tmp_path, case, standalone)
    with pytest.raises(FatalInputError) as exc:
        load_ssda903(path)
    assert exc.value.rule_id == rule_id
    for w in words:
        assert w in str(exc.value)
    rep = validate(path)  # validate never raises: it reports the fatal problem
    assert rep.exit_code == 2 and rep.fatal
    assert "FATAL" in rep.text()


def test_missing_folder_is_fatal(tmp_path):
    with pytest.raises(FatalInputError, match="not found"):
        load_ssda903(tmp_path / "nowhere")


# -------------------------------------------------------------------------------------------- quarantine
def _q(data, rule_id):
    return data.quarantine[data.quarantine["rule_id"] == rule_id]


def test_bad_date_quarantined_with_file_row_column(tmp_path):
    data = load_ssda903(build(tmp_path, "bad_dates"))
    q = _q(data, "TYPE-DATE")
    # 31/02/2023 is C2's DECOM, the third data line: spreadsheet row 4
    assert q[["source_file", "source_row", "column", "child"]].values.tolist() == [["episodes.csv", 4, "DECOM", "C2"]]
    assert "31/02/2023" in q["message"].iloc[0]
    assert "C2" not in set(data.episodes["CHILD"])
    assert validate(data).exit_code == 1


def test_unknown_codes(tmp_path):
    data = load_ssda903(build(tmp_path, "unknown_codes"))
    # PLACE is essential: the row is quarantined
    q = _q(data, "CODE-PLACE")
    assert q[["source_row", "child"]].values.tolist() == [[5, "C3"]]
    assert "ZZ" in q["message"].iloc[0] and "K3" not in q["message"].iloc[0]  # K3 only valid from 2026
    # ETHNIC is not: warning, value blanked, row kept
    w = data.issues[data.issues["rule_id"] == "CODE-ETHNIC"]
    assert w["severity"].tolist() == ["warning"]
    c1 = data.header[data.header["CHILD"] == "C1"]
    assert len(c1) == 1 and pd.isna(c1["ETHNIC"].iloc[0])


def test_overlapping_episodes(tmp_path):
    data = load_ssda903(build(tmp_path, "overlapping"))
    q = _q(data, "EP-OVERLAP")
    # C1's first episode ends 15/09/2024 but the next starts 10/09/2024; it is row 2
    assert q[["source_row", "column"]].values.tolist() == [[2, "DEC"]]
    assert "10/09/2024" in q["message"].iloc[0]
    # the X1 no longer meets the next start either
    assert "EP-X1-NEXT" in set(data.quarantine["rule_id"])


def test_duplicate_children(tmp_path):
    data = load_ssda903(build(tmp_path, "duplicate_children"))
    q = _q(data, "HDR-DUPLICATE")
    assert q["source_row"].tolist() == [2]  # the first copy is quarantined, the last (row 5) used
    assert data.header["CHILD"].tolist().count("C1") == 1
    assert data.header.loc[data.header["CHILD"] == "C1", "SOURCE_ROW"].tolist() == [5]


def test_empty_and_header_only_files(tmp_path):
    data = load_ssda903(build(tmp_path, "empty_file"))
    hit = data.issues[data.issues["rule_id"] == "FILE-EMPTY"]
    assert hit["source_file"].tolist() == ["missing.csv"]
    assert len(data.tables["reviews"]) == 0
    rec = data.reconciliation.set_index("table")
    assert rec.loc["reviews", "rows_read"] == 0
    assert validate(data).exit_code == 0


def test_iso_and_excel_serial_dates_accepted_and_noted(tmp_path):
    data = load_ssda903(build(tmp_path, "iso_serial_dates"))
    c1 = data.episodes[data.episodes["CHILD"] == "C1"].sort_values("DECOM")
    # 2024-05-01 is ISO; 45545 is an Excel serial: 45545 days after 30/12/1899 is 10/09/2024
    assert c1["DECOM"].tolist() == [pd.Timestamp("2024-05-01"), pd.Timestamp("2024-09-10")]
    assert c1["DEC"].iloc[0] == pd.Timestamp("2024-09-10")
    text = " ".join(data.notes)
    assert "ISO" in text and "Excel serial" in text
    assert len(data.quarantine) == 0
    assert "ISO" in report_text(data)


def test_tolerant_columns(tmp_path):
    """Lower case, spaces, shuffled order, an extra column, trailing blank columns and rows."""
    data = load_ssda903(build(tmp_path, "tolerant_columns"))
    assert list(data.header.columns[:7]) == ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
    assert sorted(data.header["CHILD"]) == ["C1", "C2", "C3"]
    assert data.header.loc[data.header["CHILD"] == "C1", "SEX"].iloc[0] == "M"  # upper-cased
    extra = data.issues[data.issues["rule_id"] == "FILE-EXTRA-COLUMNS"]
    assert extra["column"].tolist() == ["TEAM"]
    assert data.reconciliation.set_index("table").loc["header", "rows_read"] == 3  # blank rows ignored
    assert len(data.quarantine) == 0


def test_xml_submission(tmp_path):
    data = load_ssda903(build(tmp_path, "xml", standalone=True))
    assert sorted(data.header["CHILD"]) == ["X1", "X2"]
    assert len(data.tables["reviews"]) == 2
    assert data.tables["uasc"]["CHILD"].tolist() == ["X2"]
    # PL QQ is not a placement code: X2's episode is quarantined, X1's used
    q = _q(data, "CODE-PLACE")
    assert q["child"].tolist() == ["X2"] and q["source_file"].tolist() == ["return.xml"]
    assert data.episodes["CHILD"].tolist() == ["X1"]


def test_bom_and_cp1252(tmp_path):
    path = build(tmp_path)
    hdr = path / "2025" / "header.csv"
    hdr.write_bytes(b"\xef\xbb\xbf" + hdr.read_bytes())
    ep = path / "2025" / "episodes.csv"
    text = ep.read_text().splitlines()
    text[0] += ",Notes"
    text[1] += ",caf\u00e9 visit"
    ep.write_bytes(("\r\n".join(text) + "\r\n").encode("cp1252"))
    data = load_ssda903(path)
    assert sorted(data.header["CHILD"]) == ["C1", "C2", "C3"]  # BOM did not spoil the CHILD heading
    assert any("Windows-1252" in n for n in data.notes)
    assert len(data.quarantine) == 0 and len(data.episodes) == 4


def test_excel_workbook(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Header"
    ws.append(["child", "sex", "dob", "ethnic", "upn", "mother", "mc_dob"])
    ws.append(["C1", "M", datetime(2012, 6, 15), "WBRI", "UN1", None, None])
    ws.append([2, "F", "01/02/2010", "BAFR", "UN4", None, None])  # a numeric CHILD
    ws.append([None] * 7)
    e = wb.create_sheet("Episodes")
    e.append(["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
              "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"])
    e.append(["C1", datetime(2024, 5, 1), "S", "C2", "N1", "U4", "PR1", None, None, None, None, None, None])
    e.append(["2", 45474, "S", "V2", "N4", "K2", "PR4", "bad date", "E4A", None, None, None, None])
    d = tmp_path / "2025"
    d.mkdir()
    wb.save(d / "return.xlsx")
    data = load_ssda903(tmp_path)
    assert sorted(data.header["CHILD"]) == ["2", "C1"]
    assert data.header.loc[data.header["CHILD"] == "C1", "DOB"].iloc[0] == pd.Timestamp("2012-06-15")
    assert data.episodes["DECOM"].tolist() == [pd.Timestamp("2024-05-01")]
    q = _q(data, "TYPE-DATE")
    # the bad DEC is on the third row of the Episodes sheet
    assert q[["source_file", "source_row", "column"]].values.tolist() == [["return.xlsx#Episodes", 3, "DEC"]]


def test_parse_dates_unit():
    s = pd.Series(["31/03/2025", "2025-03-31", "45747", "31-03-2025", "31/03/2025 00:00:00", "next week", None],
                  dtype="string")
    out, bad, other = parse_dates(s)
    # 45747 days after 30/12/1899 is 31/03/2025
    assert out.iloc[:5].tolist() == [pd.Timestamp("2025-03-31")] * 5
    assert bad.tolist() == [False, False, False, False, False, True, False]
    assert set(other) == {"ISO (yyyy-mm-dd)", "Excel serial numbers", "dd-mm-yyyy", "with a time of day"}


# ------------------------------------------------------------------------------------------- rule logic
def _episodes_case(tmp_path, rows: list[str], header_extra: str = "") -> object:
    path = build(tmp_path)
    ep = path / "2025" / "episodes.csv"
    ep.write_text(ep.read_text().splitlines()[0] + "\n" + "\n".join(rows) + "\n")
    return load_ssda903(path)


def test_rne_rules(tmp_path):
    data = _episodes_case(tmp_path, [
        # C1: S, then X1 join with RNE S (wrong: care did not start again)
        "C1,01/05/2024,S,C2,N1,U4,PR1,10/09/2024,X1,CARPL,AB1 2CD,AB3 4EF,",
        "C1,10/09/2024,S,C2,N1,U5,PR4,,,,AB1 2CD,AB5 6GH,",
        # C2: period starts in the year with RNE P (wrong)
        "C2,01/06/2024,P,V2,N4,K2,PR4,,,,AB1 2CD,AB7 8IJ,SC1",
        # C3: L (legal status change) but the placement changed and LS did not: RNE-CHANGE warning
        "C3,01/01/2022,S,C2,N1,U6,PR1,01/07/2024,X1,,AB1 2CD,AB9 1KL,",
        "C3,01/07/2024,L,C2,N1,U4,PR1,,,,AB1 2CD,AB9 9ZZ,",
    ])
    q = data.quarantine
    assert q.loc[q["rule_id"] == "EP-RNE-S-MIDPERIOD", "source_row"].tolist() == [3]
    assert q.loc[q["rule_id"] == "EP-RNE-NOT-S", "source_row"].tolist() == [4]
    w = data.issues[data.issues["rule_id"] == "EP-RNE-CHANGE"]
    assert w["source_row"].tolist() == [6] and w["severity"].tolist() == ["warning"]


def test_temporary_placement_rules(tmp_path):
    data = _episodes_case(tmp_path, [
        # C1: U4, temporary T1, then a different placement U5 (rule 383)
        "C1,01/05/2024,S,C2,N1,U4,PR1,01/06/2024,X1,,AB1 2CD,AB3 4EF,",
        "C1,01/06/2024,P,C2,N1,T1,,08/06/2024,X1,,AB1 2CD,AB3 4EF,",
        "C1,08/06/2024,P,C2,N1,U5,PR4,,,,AB1 2CD,AB5 6GH,",
        # C2: a period starting with a temporary placement under a short-break legal status (380, 382)
        "C2,01/06/2024,S,V3,N4,T2,,03/06/2024,E4A,,AB1 2CD,AB7 8IJ,",
    ])
    w = data.issues
    assert w.loc[w["rule_id"] == "EP-TEMP-RETURN", "source_row"].tolist() == [3]
    assert w.loc[w["rule_id"] == "EP-TEMP-START", "source_row"].tolist() == [5]
    assert w.loc[w["rule_id"] == "EP-TEMP-SHORTBREAK", "source_row"].tolist() == [5]
    assert w.loc[w["rule_id"] == "EP-TEMP-END", "source_row"].tolist() == [5]


def test_year_dependent_codes(tmp_path):
    """SEX 1/2 is valid to 2024 and M/F/U from 2025; P2 is invalid for DECOM from 28/10/2023."""
    path = build(tmp_path)
    hdr = path / "2025" / "header.csv"
    hdr.write_text(hdr.read_text().replace("C2,F,", "C2,2,"))
    ep = path / "2025" / "episodes.csv"
    ep.write_text(ep.read_text().replace("C2,15/01/2023,S,V2,N4,K2,PR4,20/12/2024,E4A",
                                         "C2,15/01/2024,S,V2,N4,P2,PR4,20/12/2024,E4A"))
    data = load_ssda903(path)
    q = data.quarantine
    assert q.loc[q["rule_id"] == "CODE-SEX", "child"].tolist() == ["C2"]
    assert q.loc[q["rule_id"] == "PLACE-P2-2023", "child"].tolist() == ["C2"]
    # the same codes in a 2024 folder (SEX 1/2 valid) give no CODE-SEX
    shutil.move(path / "2025", path / "2024")
    for f in (path / "2024").iterdir():
        f.write_text(f.read_text().replace("/2024", "/2023").replace(",M,", ",1,").replace(",F,", ",2,"))
    data = load_ssda903(path)
    assert "CODE-SEX" not in set(data.issues["rule_id"])


def test_cross_table_and_oc2_cohort(tmp_path):
    path = build(tmp_path)
    oc2 = path / "2025" / "oc2.csv"
    # C1 entered care on 01/05/2024: not looked after for 12 months; C9 is not in the Header
    oc2.write_text(oc2.read_text() + "C1,15/06/2012,,SDQ1,0,0,1,1,1,0,,\nC9,15/06/2012,,SDQ1,0,0,1,1,1,0,,\n")
    data = load_ssda903(path)
    q = data.quarantine
    # C9 has no episodes at all, so it is outside the cohort too
    assert q.loc[q["rule_id"] == "OC2-COHORT", "child"].tolist() == ["C1", "C9"]
    assert "C9" in q.loc[q["rule_id"] == "XT-NOT-IN-HEADER", "child"].tolist()
    assert data.tables["oc2"]["CHILD"].tolist() == ["C3"]


def test_every_rule_has_plain_message():
    for r in RULES.values():
        assert r.severity in ("fatal", "error", "warning")
        assert len(r.message) > 40 and r.message[0].isupper()


# --------------------------------------------------------------------------------------------------- CLI
def _params(tmp_path, ssda903):
    inputs = {"ssda903": str(ssda903)} if ssda903 else {"published": str(tmp_path)}
    return from_dict({"council": {"name": "Test"}, "year": 2025, "inputs": inputs})


def test_cli_exit_codes(tmp_path, capsys):
    assert cli_validate(_params(tmp_path, build(tmp_path / "a"))) == 0
    assert "RESULT: no errors" in capsys.readouterr().out
    assert cli_validate(_params(tmp_path, build(tmp_path / "b", "bad_dates"))) == 1
    out = capsys.readouterr().out
    assert "TYPE-DATE" in out and "episodes.csv, row 4, column DECOM" in out
    assert cli_validate(_params(tmp_path, build(tmp_path / "c", "wrong_columns"))) == 2
    assert "notes.csv" in capsys.readouterr().err
    # a published-only council whose folder holds no DfE table at all: validate now checks the folder (issue 23)
    assert cli_validate(_params(tmp_path, None)) == 2
    captured = capsys.readouterr()
    assert "No SSDA903 return" in captured.out and "no DfE published CSV files found" in captured.out + captured.err


def test_excel_one_file_per_table(tmp_path):
    """Each table in its own workbook, on a sheet named anything: recognised by its columns."""
    openpyxl = pytest.importorskip("openpyxl")
    d = tmp_path / "2025"
    d.mkdir()
    for name, rows in (
        ("children.xlsx", [["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
                           ["C1", "M", "15/06/2012", "WBRI", "UN1", None, None]]),
        ("placements.xlsx", [["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                              "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"],
                             ["C1", "01/05/2024", "S", "C2", "N1", "U4", "PR1", None, None, None, None, None,
                              None]])):
        wb = openpyxl.Workbook()
        wb.active.title = "Sheet1"
        for r in rows:
            wb.active.append(r)
        wb.save(d / name)
    data = load_ssda903(tmp_path)
    assert data.header["CHILD"].tolist() == ["C1"]
    assert data.episodes[["CHILD", "PLACE"]].values.tolist() == [["C1", "U4"]]
    assert set(data.episodes["SOURCE_FILE"]) == {"placements.xlsx"}  # one sheet: the file names it

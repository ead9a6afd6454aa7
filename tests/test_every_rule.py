"""Every SSDA903 validation rule has a test (issue: "Each rule has an id, a message written for a non-specialist,
and a test").

One case per rule id in ``RULES``. Each case copies the clean base return (``tests/malformed/base/2025``: three
children, collection year 2025 = 01/04/2024 to 31/03/2025) into ``tmp_path/ret/2025`` and applies one small
mutation; the test then checks that the rule fires with its catalogue severity and, for row-level rules, that
the finding points at the cell that was broken (file, spreadsheet row with the heading line as row 1, column,
child). Error rules must quarantine the row; warnings keep it (and blank the value when the rule's action is
``blank``). Fatal rules must raise :class:`FatalInputError` carrying the rule id.

``test_every_rule_has_a_case`` fails when a rule is added to ``RULES`` without a case here.

The base, for reference (spreadsheet rows in brackets)::

    header.csv    CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB
      [2] C1,M,15/06/2012,WBRI,UN1,,        [3] C2,F,01/02/2010,BAFR,UN4,,      [4] C3,F,03/03/2008,WBRI,UN2,0,
    episodes.csv  CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN
      [2] C1,01/05/2024,S,C2,N1,U4,PR1,10/09/2024,X1,CARPL,...    C1 enters care; X1 to the next episode
      [3] C1,10/09/2024,P,C2,N1,U5,PR4,,,,...                     C1's open placement change
      [4] C2,15/01/2023,S,V2,N4,K2,PR4,20/12/2024,E4A,,...,SC123456   C2 leaves care in the year
      [5] C3,01/01/2022,S,C2,N1,U6,PR1,,,,...                     C3 in care throughout (the OC2 cohort)
    oc2.csv       [2] C3,03/03/2008,12,,0,0,1,1,1,0,,
"""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from cpanalysis.model import INT_COLUMNS, TABLES
from cpanalysis.sources.ssda903 import REQUIRED_COLUMNS, load_ssda903
from cpanalysis.spec import code_lists
from cpanalysis.validation import RULES, FatalInputError

BASE = Path(__file__).parent / "malformed" / "base" / "2025"

#: a mutation gets the return folder (tmp_path/ret) and may return another path to load instead
Mutation = Callable[[Path], "Path | None"]
#: where a finding must point: (source_file, source_row, column, child); row and child are None for a file
Where = tuple[str, "int | None", str, "str | None"]


# ============================================================================================ mutations
def _year(ret: Path) -> Path:
    return ret / "2025"


def _read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [row for row in csv.reader(fh)]


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def edit(file: str, row: int, column: str, value: str) -> Mutation:
    """Set one cell; ``row`` is the spreadsheet row (heading = 1, first data row = 2)."""
    def apply(ret: Path) -> None:
        rows = _read(_year(ret) / file)
        rows[row - 1][rows[0].index(column)] = value
        _write(_year(ret) / file, rows)
    return apply


def append(file: str, *lines: str) -> Mutation:
    """Add data lines (CSV text) at the end of a file."""
    def apply(ret: Path) -> None:
        with (_year(ret) / file).open("a", encoding="utf-8") as fh:
            fh.write("".join(line + "\n" for line in lines))
    return apply


def new_table(key: str, *lines: str, file: str | None = None) -> Mutation:
    """Add a file for another table, with the DfE column headings of ``TABLES[key]``."""
    def apply(ret: Path) -> None:
        text = ",".join(TABLES[key]) + "\n" + "".join(line + "\n" for line in lines)
        (_year(ret) / (file or f"{key}.csv")).write_text(text, encoding="utf-8")
    return apply


def write(file: str, text: str) -> Mutation:
    """Add a file holding exactly ``text`` (which need not be a table)."""
    def apply(ret: Path) -> None:
        (_year(ret) / file).write_text(text, encoding="utf-8")
    return apply


def replace_text(file: str, old: str, new: str) -> Mutation:
    """Edit the raw text (for breaks the csv module would quote away)."""
    def apply(ret: Path) -> None:
        text = (_year(ret) / file).read_text(encoding="utf-8")
        assert old in text
        (_year(ret) / file).write_text(text.replace(old, new), encoding="utf-8")
    return apply


def drop_column(file: str, column: str) -> Mutation:
    def apply(ret: Path) -> None:
        rows = _read(_year(ret) / file)
        i = rows[0].index(column)
        _write(_year(ret) / file, [r[:i] + r[i + 1:] for r in rows])
    return apply


def add_column(file: str, column: str, value: str) -> Mutation:
    def apply(ret: Path) -> None:
        rows = _read(_year(ret) / file)
        _write(_year(ret) / file, [rows[0] + [column]] + [r + [value] for r in rows[1:]])
    return apply


def delete(*files: str) -> Mutation:
    def apply(ret: Path) -> None:
        for f in files:
            (_year(ret) / f).unlink()
    return apply


def steps(*mutations: Mutation) -> Mutation:
    def apply(ret: Path) -> Path | None:
        out = None
        for m in mutations:
            out = m(ret) or out
        return out
    return apply


def remove_return(ret: Path) -> None:
    shutil.rmtree(ret)


def rename_year_folder(ret: Path) -> None:
    _year(ret).rename(ret / "return")


def flat_folder_without_dates(ret: Path) -> Path:
    for f in _year(ret).iterdir():
        f.write_text(re.sub(r"\d{2}/\d{2}/\d{4}", "", f.read_text(encoding="utf-8")), encoding="utf-8")
    return _year(ret)


#: one clean row (C3, in care since 2022, DOB 03/03/2008) for each table the base does not have
CLEAN_ROW = {
    "reviews": "C3,03/03/2008,15/07/2024,PN1",
    "uasc": "C3,F,03/03/2008,03/03/2026",
    "oc3": "C3,03/03/2008,YES,F2,B1",
    "ad1": "C3,03/03/2008,10/05/2024,15/08/2024,0,2,MF,L11",
    "placed_adoption": "C3,03/03/2008,01/06/2024,01/09/2024,RD1",
    "prev_perm": "C3,03/03/2008,Z1,,",
    "missing": "C3,03/03/2008,M,10/06/2024,12/06/2024",
    "sw_episodes": "C3,03/03/2008,SW123456,01/04/2024,01/10/2024,LEFTRL",
}


# ================================================================================================ cases
@dataclass(frozen=True)
class Case:
    rule: str
    mutate: Mutation
    #: every finding of the rule, exactly (row-level: file, row, column, child; file-level: row/child None).
    #: For a fatal rule: one entry whose source_file the error must name.
    where: list[Where] = field(default_factory=list)
    xfail: str | None = None


CASES: list[Case] = [
    # ------------------------------------------------------------------------------------------- fatal
    # the return folder does not exist at all
    Case("FATAL-NO-FOLDER", remove_return, [("ret", None, "", None)]),
    # the year folder is renamed to a non-year name, so no data file is found where files are looked for
    Case("FATAL-NO-FILES", rename_year_folder, [("ret", None, "", None)]),
    # header.csv is removed: the return has Episodes and OC2 but no Header
    Case("FATAL-NO-HEADER", delete("header.csv"), [("ret", None, "", None)]),
    # C2's header line has two unquoted commas too many, so the CSV cannot be parsed
    Case("FATAL-UNREADABLE", replace_text("header.csv", "C2,F,01/02/2010,BAFR,UN4,,", "C2,F,01/02/2010,BAFR,UN4,,,x,y"),
         [("header.csv", 3, "", None)]),
    # notes.csv has headings (Name, Comment) that match no SSDA903 table
    Case("FATAL-UNKNOWN-TABLE", write("notes.csv", "Name,Comment\nSam,call back\n"),
         [("notes.csv", None, "", None)]),
    # episodes.csv lost its DECOM column, which every episode needs
    Case("FATAL-MISSING-COLUMNS", drop_column("episodes.csv", "DECOM"), [("episodes.csv", None, "", None)]),
    # the files are given loose (no year folder) and every date is blank, so no year can be inferred
    Case("FATAL-NO-YEAR", flat_folder_without_dates, [("2025", None, "", None)]),
    # ------------------------------------------------------------------------------------------ files
    # header.csv has a TEAM column that is not in the specification
    Case("FILE-EXTRA-COLUMNS", add_column("header.csv", "TEAM", "North"), [("header.csv", None, "TEAM", None)]),
    # header.csv lacks the optional MC_DOB column
    Case("FILE-MISSING-COLUMNS", drop_column("header.csv", "MC_DOB"), [("header.csv", None, "MC_DOB", None)]),
    # reviews.csv is a zero-byte file
    Case("FILE-EMPTY", write("reviews.csv", ""), [("reviews.csv", None, "", None)]),
    # the reporting year's Episodes file has only its heading row while the Header lists three children
    Case("FILE-EMPTY-TABLE", write("episodes.csv", ",".join(TABLES["episodes"]) + "\n"),
         [("episodes.csv", None, "", None)]),
    # reviews.csv holds the next year's reviews: all 5 REVIEW dates are after 31/03/2025
    Case("FILE-YEAR-MISMATCH",
         new_table("reviews", *(f"C3,03/03/2008,{d}/05/2025,PN1" for d in ("01", "05", "10", "15", "20"))),
         [("reviews.csv", None, "REVIEW", None)]),
    # ------------------------------------------------------------------------------------------ types
    # C2's DEC is 31/02/2024, a day that does not exist
    Case("TYPE-DATE", edit("episodes.csv", 4, "DEC", "31/02/2024"), [("episodes.csv", 4, "DEC", "C2")]),
    # C3's mother's child's date of birth (optional) is not a date
    Case("TYPE-DATE-OPTIONAL", edit("header.csv", 4, "MC_DOB", "spring 2024"), [("header.csv", 4, "MC_DOB", "C3")]),
    # C3's CONVICTED is "yes", not a whole number
    Case("TYPE-NUMBER", edit("oc2.csv", 2, "CONVICTED", "yes"), [("oc2.csv", 2, "CONVICTED", "C3")]),
    # C3's episode has no legal status (LS), a field every episode needs
    Case("MANDATORY", edit("episodes.csv", 5, "LS", ""), [("episodes.csv", 5, "LS", "C3")]),
    # ----------------------------------------------------------------------------- codes (not code lists)
    # C3's SDQ score is 41; scores run 0 to 40
    Case("CODE-SDQ_SCORE", edit("oc2.csv", 2, "SDQ_SCORE", "41"), [("oc2.csv", 2, "SDQ_SCORE", "C3")]),
    # C2's UPN "ZZ" is neither a letter and 12 characters nor UN1 to UN5
    Case("CODE-UPN", edit("header.csv", 3, "UPN", "ZZ"), [("header.csv", 3, "UPN", "C2")]),
    # C3's social worker id does not start with SW or XX
    Case("CODE-SW_ID", steps(new_table("sw_episodes", CLEAN_ROW["sw_episodes"]),
                             edit("sw_episodes.csv", 2, "SW_ID", "AB123456")),
         [("sw_episodes.csv", 2, "SW_ID", "C3")]),
    # C2's SEX is U (allowed from 2025 but DfE asks for a reason)
    Case("SEX-U", edit("header.csv", 3, "SEX", "U"), [("header.csv", 3, "SEX", "C2")]),
    # ------------------------------------------------------------------------------------------ dates
    # C2's episode ends 10/01/2023, five days before it starts (15/01/2023)
    Case("DATE-DEC-BEFORE-DECOM", edit("episodes.csv", 4, "DEC", "10/01/2023"), [("episodes.csv", 4, "DEC", "C2")]),
    # C2's episode starts 15/01/2009, before C2's date of birth (01/02/2010)
    Case("DATE-DECOM-BEFORE-DOB", edit("episodes.csv", 4, "DECOM", "15/01/2009"),
         [("episodes.csv", 4, "DECOM", "C2")]),
    # C2 is born 01/04/2025, the day after the collection year ends
    Case("DATE-DOB-FUTURE", edit("header.csv", 3, "DOB", "01/04/2025"), [("header.csv", 3, "DOB", "C2")]),
    # C3's missing episode ends (05/06/2024) before it starts (10/06/2024)
    Case("DATE-END-BEFORE-START", new_table("missing", "C3,03/03/2008,M,10/06/2024,05/06/2024"),
         [("missing.csv", 2, "MIS_END", "C3")]),
    # C2's episode ends 20/04/2025, after 31/03/2025
    Case("YEAR-AFTER-END", edit("episodes.csv", 4, "DEC", "20/04/2025"), [("episodes.csv", 4, "DEC", "C2")]),
    # C2's episode ends 20/12/2023, before 01/04/2024
    Case("YEAR-BEFORE-START", edit("episodes.csv", 4, "DEC", "20/12/2023"), [("episodes.csv", 4, "DEC", "C2")]),
    # ---------------------------------------------------------------------------------------- episodes
    # a second C3 episode starting 01/01/2022 (the same DECOM): the earlier line is the one not used
    Case("EP-DUPLICATE", append("episodes.csv", "C3,01/01/2022,S,C2,N1,U4,PR1,,,,AB1 2CD,AB9 1KL,"),
         [("episodes.csv", 5, "DECOM", "C3")]),
    # C1's first episode ends 15/09/2024, after the next one starts (10/09/2024)
    Case("EP-OVERLAP", edit("episodes.csv", 2, "DEC", "15/09/2024"), [("episodes.csv", 2, "DEC", "C1")]),
    # C2's episode ends with X1 but no C2 episode starts on 20/12/2024
    Case("EP-X1-NEXT", edit("episodes.csv", 4, "REC", "X1"), [("episodes.csv", 4, "REC", "C2")]),
    # C2's episode has DEC but REC is blank
    Case("EP-DEC-REC", edit("episodes.csv", 4, "REC", ""), [("episodes.csv", 4, "REC", "C2")]),
    # C1's second episode has RNE S though it follows an X1 on the same day
    Case("EP-RNE-S-MIDPERIOD", edit("episodes.csv", 3, "RNE", "S"), [("episodes.csv", 3, "RNE", "C1")]),
    # C1's care starts in the year (01/05/2024) with RNE P instead of S
    Case("EP-RNE-NOT-S", edit("episodes.csv", 2, "RNE", "P"), [("episodes.csv", 2, "RNE", "C1")]),
    # C1's second episode says L (legal status only) but LS is unchanged and the placement changed
    Case("EP-RNE-CHANGE", edit("episodes.csv", 3, "RNE", "L"), [("episodes.csv", 3, "RNE", "C1")]),
    # C3's period of care (RNE S) starts in a temporary placement T1
    Case("EP-TEMP-START", steps(edit("episodes.csv", 5, "PLACE", "T1"), edit("episodes.csv", 5, "PLACE_PROVIDER", "")),
         [("episodes.csv", 5, "PLACE", "C3")]),
    # C1's care ends (REC E4A) from a temporary placement T1 reached by an X1 change
    Case("EP-TEMP-END", steps(edit("episodes.csv", 3, "PLACE", "T1"), edit("episodes.csv", 3, "PLACE_PROVIDER", ""),
                              edit("episodes.csv", 3, "DEC", "20/09/2024"), edit("episodes.csv", 3, "REC", "E4A")),
         [("episodes.csv", 3, "PLACE", "C1")]),
    # C2's short-break episode (LS V3) is a temporary placement T1
    Case("EP-TEMP-SHORTBREAK", steps(edit("episodes.csv", 4, "LS", "V3"), edit("episodes.csv", 4, "PLACE", "T1"),
                                     edit("episodes.csv", 4, "PLACE_PROVIDER", "")),
         [("episodes.csv", 4, "PLACE", "C2")]),
    # C1 goes U4 -> temporary T1 -> U5: after the temporary placement C1 does not return to U4
    Case("EP-TEMP-RETURN", steps(edit("episodes.csv", 3, "PLACE", "T1"), edit("episodes.csv", 3, "PLACE_PROVIDER", ""),
                                 edit("episodes.csv", 3, "DEC", "20/09/2024"), edit("episodes.csv", 3, "REC", "X1"),
                                 append("episodes.csv", "C1,20/09/2024,P,C2,N1,U5,PR4,,,,AB1 2CD,AB5 6GH,")),
         [("episodes.csv", 3, "PLACE", "C1")]),
    # C3's open episode gives a reason for a placement change (CARPL)
    Case("EP-RPC-OPEN", edit("episodes.csv", 5, "REASON_PLACE_CHANGE", "CARPL"),
         [("episodes.csv", 5, "REASON_PLACE_CHANGE", "C3")]),
    # C3's placement becomes Z1 (other) but keeps provider PR1
    Case("EP-PROVIDER-BLANK", edit("episodes.csv", 5, "PLACE", "Z1"), [("episodes.csv", 5, "PLACE_PROVIDER", "C3")]),
    # C1's placement from 10/09/2024 is P2 (independent living), not allowed after 28/10/2023
    Case("PLACE-P2-2023", edit("episodes.csv", 3, "PLACE", "P2"), [("episodes.csv", 3, "PLACE", "C1")]),
    # C1's placement from 10/09/2024 is H5 (semi-independent) without an Ofsted URN
    Case("PLACE-H5-URN", edit("episodes.csv", 3, "PLACE", "H5"), [("episodes.csv", 3, "URN", "C1")]),
    # ---------------------------------------------------------------------------- duplicates and tables
    # C2 appears twice in the Header: the first line (row 3) is the one not used
    Case("HDR-DUPLICATE", append("header.csv", "C2,F,01/02/2010,BAFR,UN4,,"), [("header.csv", 3, "CHILD", "C2")]),
    # C3 has two OC2 rows: the first (row 2) is the one not used
    Case("DUP-CHILD", append("oc2.csv", "C3,03/03/2008,14,,0,0,1,1,1,0,,"), [("oc2.csv", 2, "CHILD", "C3")]),
    # the same review is listed twice: the copy (row 3) is not used
    Case("DUP-ROW", new_table("reviews", CLEAN_ROW["reviews"], CLEAN_ROW["reviews"]),
         [("reviews.csv", 3, "CHILD", "C3")]),
    # an episode for C9, who is not in the Header
    Case("XT-NOT-IN-HEADER", append("episodes.csv", "C9,01/06/2024,S,V2,N4,K2,PR4,,,,AB1 2CD,AB7 8IJ,SC123456"),
         [("episodes.csv", 6, "CHILD", "C9")]),
    # C4 is added to the Header but has no episode
    Case("XT-NO-EPISODES", append("header.csv", "C4,M,01/01/2015,WBRI,UN3,,"), [("header.csv", 5, "CHILD", "C4")]),
    # C3's DOB in OC2 (04/03/2008) differs from the Header's (03/03/2008)
    Case("XT-DOB-MISMATCH", edit("oc2.csv", 2, "DOB", "04/03/2008"), [("oc2.csv", 2, "DOB", "C3")]),
    # an OC2 row for C1, who came into care on 01/05/2024 (not looked after for 12 months)
    Case("OC2-COHORT", append("oc2.csv", "C1,15/06/2012,,SDQ1,0,0,1,1,1,0,,"), [("oc2.csv", 3, "CHILD", "C1")]),
    # an OC3 (care leaver) row for C1, who is 12 on 31/03/2025 (17 to 21 expected)
    Case("OC3-AGE", new_table("oc3", "C1,15/06/2012,YES,F2,B1"), [("oc3.csv", 2, "DOB", "C1")]),
]


# --------------------------------------------------------------------------------- code-list rules
#: where each table's coded fields are broken: (file, spreadsheet row, child)
CODE_ROW = {"header": ("header.csv", 3, "C2"), "episodes": ("episodes.csv", 4, "C2"), "oc2": ("oc2.csv", 2, "C3")}


def _code_case(fld: str, spec: dict) -> Case:
    """A code that is on no list: "ZZ", or 7 for a 0/1 or count field (text there is TYPE-NUMBER instead)."""
    key = spec["tables"][0]
    value = "7" if fld in INT_COLUMNS else "ZZ"
    if key in CODE_ROW:
        file, row, child = CODE_ROW[key]
        mutate = edit(file, row, fld, value)
    else:  # a table the base lacks: add its file with one clean row, then break the field
        file, row, child = f"{key}.csv", 2, "C3"
        mutate = steps(new_table(key, CLEAN_ROW[key]), edit(file, row, fld, value))
    return Case(f"CODE-{fld}", mutate, [(file, row, fld, child)])


CASES += [_code_case(fld, spec) for fld, spec in code_lists().items()]
CASE_BY_RULE = {c.rule: c for c in CASES}


# ================================================================================================ tests
def build(tmp_path: Path, mutate: Mutation) -> Path:
    """Copy the clean base return into tmp_path/ret/2025, apply the mutation, return the path to load."""
    ret = tmp_path / "ret"
    shutil.copytree(BASE, ret / "2025")
    return mutate(ret) or ret


def _na(v):
    return None if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) else v


def _where(df: pd.DataFrame) -> list[Where]:
    return sorted((str(r.source_file), _na(r.source_row) and int(r.source_row), str(_na(r.column) or ""),
                   _na(r.child)) for r in df.itertuples(index=False))


def _row(table: pd.DataFrame, file: str, row: int) -> pd.DataFrame:
    return table[(table["SOURCE_FILE"] == file) & (table["SOURCE_ROW"] == row)]


def test_every_rule_has_a_case():
    assert len(CASES) == len(CASE_BY_RULE), "two cases for one rule"
    assert set(CASE_BY_RULE) == set(RULES), (
        f"rules without a case: {sorted(set(RULES) - set(CASE_BY_RULE))}; "
        f"cases without a rule: {sorted(set(CASE_BY_RULE) - set(RULES))}")


def test_base_and_clean_extra_tables_have_no_findings(tmp_path):
    """The clean rows used to build the cases are clean: any finding in a case comes from its mutation."""
    data = load_ssda903(build(tmp_path, steps(*(new_table(k, row) for k, row in CLEAN_ROW.items()))))
    assert data.issues.empty, data.issues[["rule_id", "source_file", "source_row", "column"]]
    assert all(len(data.tables[k]) == 1 for k in CLEAN_ROW)


def _params() -> list:
    return [pytest.param(c, id=c.rule, marks=[pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else [])
            for c in CASES]


@pytest.mark.parametrize("case", _params())
def test_rule_fires(tmp_path, case: Case):
    rule = RULES[case.rule]
    path = build(tmp_path, case.mutate)

    if rule.severity == "fatal":
        with pytest.raises(FatalInputError) as exc:
            load_ssda903(path)
        assert exc.value.rule_id == case.rule, str(exc.value)
        ((file, row, _, _),) = case.where
        assert exc.value.file is not None and Path(exc.value.file).name == file
        if row is not None:
            assert f"row {row}" in str(exc.value)
        return

    data = load_ssda903(path)
    hits = data.issues[data.issues["rule_id"] == case.rule]
    assert len(hits), f"{case.rule} did not fire; findings: {sorted(set(data.issues['rule_id']))}"
    assert set(hits["severity"]) == {rule.severity}
    assert hits["message"].str.startswith(rule.message).all()
    assert _where(hits) == sorted(case.where)

    for file, row, column, _child in case.where:
        if row is None:  # a file-level finding: nothing is quarantined because of it
            assert case.rule not in set(data.quarantine["rule_id"])
            continue
        table = hits.loc[(hits["source_file"] == file) & (hits["source_row"] == row), "table"].iloc[0]
        used = _row(data.tables[table], file, row)
        q = data.quarantine[data.quarantine["rule_id"] == case.rule]
        if rule.severity == "error":
            # quarantined with the rule and the same cell, and left out of the table every figure uses
            assert (file, row, column) in set(zip(q["source_file"], q["source_row"], q["column"]))
            assert used.empty, f"{file} row {row} is quarantined but still used"
        else:
            assert q.empty and len(used) == 1, f"{file} row {row} should be kept"
            if rule.action == "blank":  # the bad value is treated as blank, the rest of the row kept
                assert pd.isna(used[column].iloc[0])


# ======================================================================= found while writing the cases
# Two defects this file found, now fixed and pinned: a file holding only a table's required columns was refused
# (or taken for another table), and YEAR-BEFORE-START on an open Missing episode pointed at its blank MIS_END.


def _only_required_columns(key: str) -> Mutation:
    """Rewrite (or add) the table's file with only the columns REQUIRED_COLUMNS says must be present."""
    def apply(ret: Path) -> None:
        file = _year(ret) / f"{key}.csv"
        if not file.exists():
            new_table(key, CLEAN_ROW[key])(ret)
        rows = _read(file)
        keep = [rows[0].index(c) for c in REQUIRED_COLUMNS[key]]
        _write(file, [[r[i] for i in keep] for r in rows])
    return apply


@pytest.mark.parametrize("key", list(TABLES))
def test_file_with_only_required_columns_warns(tmp_path, key):
    """REQUIRED_COLUMNS: "others may be absent: blank"; FILE-MISSING-COLUMNS (warning) says so for each."""
    data = load_ssda903(build(tmp_path, _only_required_columns(key)))
    hits = data.issues[data.issues["rule_id"] == "FILE-MISSING-COLUMNS"]
    assert sorted(hits["column"]) == sorted(set(TABLES[key]) - set(REQUIRED_COLUMNS[key]))
    assert len(data.tables[key]) >= 1


def test_year_before_start_on_open_missing_episode_points_at_the_date_used(tmp_path):
    # C3 went missing on 20/03/2024 (before the year) and MIS_END is blank
    data = load_ssda903(build(tmp_path, new_table("missing", "C3,03/03/2008,M,20/03/2024,")))
    # still missing on 1 April: the episode belongs in this year's return, so nothing is flagged
    assert "YEAR-BEFORE-START" not in set(data.issues["rule_id"])
    assert len(data.tables["missing"]) == 1


def test_year_before_start_on_ended_missing_episode_points_at_mis_end(tmp_path):
    # C3 was missing from 20/03/2024 to 25/03/2024, wholly before the year that starts 01/04/2024
    data = load_ssda903(build(tmp_path, new_table("missing", "C3,03/03/2008,M,20/03/2024,25/03/2024")))
    hits = data.issues[data.issues["rule_id"] == "YEAR-BEFORE-START"]
    assert hits[["source_row", "column", "child"]].values.tolist() == [[2, "MIS_END", "C3"]]


def test_every_mandatory_field_is_a_required_column():
    """A column whose blank cell quarantines the row must be required of the file: a file without it is refused
    with FATAL-MISSING-COLUMNS naming it, not read with every row quarantined."""
    from cpanalysis.validation.rules import MANDATORY_FIELDS

    for key, cols in MANDATORY_FIELDS.items():
        assert set(cols) <= set(REQUIRED_COLUMNS[key]), key

"""Local returns: what neither the SSDA903 nor DfE's published tables cover.

Each return is a CSV file whose template, with a header comment explaining every column, is in
``data/templates/``. A return is recognised by its file name (``fostering_households.csv`` …), read
with comment lines skipped, and validated row by row: a bad row is quarantined with the file, row,
column and the fix, never dropped silently. Figures from local returns are aggregate (households,
homes, posts, members), so they carry no cohort audit; each still has a :class:`Definition`.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cpanalysis import paths
from cpanalysis.definitions import RESULT_COLUMNS, Definition, Identity, Term
from cpanalysis.errors import FatalError, plain, read_small_file


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "int", "float", "str", "code", "yn"
    required: bool = True
    codes: tuple[str, ...] = ()
    minimum: float | None = 0


RETURNS: dict[str, list[Column]] = {
    "fostering_households": [Column("year", "int", minimum=2000), Column("households_start", "int"),
                             Column("approved", "int"), Column("deregistered", "int"),
                             Column("households_end", "int"), Column("kinship_households", "int", False),
                             Column("places", "int", False)],
    "children_homes": [Column("year", "int", minimum=2000), Column("home_ref", "str"),
                       Column("provider_type", "code", codes=("own", "private", "voluntary", "other_la")),
                       Column("in_area", "yn"),
                       Column("ofsted_rating", "code", codes=("outstanding", "good", "requires_improvement",
                                                              "inadequate", "not_yet_inspected")),
                       Column("children_placed", "int")],
    "spend": [Column("year", "int", minimum=2000),
              Column("category", "code", codes=("residential", "fostering", "other_placements", "leaving_care", "other")),
              Column("gross_spend_k", "float"), Column("out_of_area_k", "float", False)],
    "workforce": [Column("year", "int", minimum=2000), Column("sw_fte", "float"), Column("vacancies_fte", "float"),
                  Column("agency_fte", "float"), Column("leavers_fte", "float"),
                  Column("newly_qualified_fte", "float", False), Column("average_caseload", "float", False),
                  Column("iro_average_caseload", "float", False)],
    "member_training": [Column("year", "int", minimum=2000), Column("members_total", "int"),
                        Column("members_trained", "int"), Column("board_meetings", "int", False),
                        Column("board_meetings_with_children", "int", False)],
    "children_views": [Column("year", "int", minimum=2000), Column("question", "int", minimum=1),
                       Column("survey", "str"), Column("statement", "str"), Column("respondents", "int"),
                       Column("agreed", "int")],
    # measures of councils' scorecards that only the council holds (Cheshire East, Telford and Wrekin: seeds)
    "participation": [Column("year", "int", minimum=2000), Column("children_eligible_advocacy", "int"),
                      Column("children_used_advocacy", "int"), Column("cicc_members", "int", False),
                      Column("cicc_meetings", "int", False)],
    "placement_quality": [Column("year", "int", minimum=2000),
                          Column("setting", "code", codes=("foster_own", "foster_agency", "childrens_home",
                                                           "supported_accommodation", "residential_school",
                                                           "other")),
                          Column("children_placed", "int"), Column("children_good_or_outstanding", "int")],
    "care_leavers_local": [Column("year", "int", minimum=2000), Column("apprenticeships_in_place", "int"),
                           Column("care_leavers_16_18", "int", False), Column("health_reviews_16_18", "int", False)],
    "virtual_school": [Column("year", "int", minimum=2000), Column("eligible_2_to_4", "int", False),
                       Column("taking_up_2_to_4", "int", False), Column("pep_required", "int", False),
                       Column("pep_in_date", "int", False), Column("peps_audited", "int", False),
                       Column("peps_good", "int", False)],
}

#: checks across columns of one row: (return, description, function(row) -> bool ok, column blamed)
ROW_RULES = [
    ("fostering_households", "households_end must equal households_start + approved - deregistered",
     lambda r: r["households_end"] == r["households_start"] + r["approved"] - r["deregistered"], "households_end"),
    ("fostering_households", "kinship_households cannot exceed households_end",
     lambda r: pd.isna(r["kinship_households"]) or r["kinship_households"] <= r["households_end"], "kinship_households"),
    ("member_training", "members_trained cannot exceed members_total",
     lambda r: r["members_trained"] <= r["members_total"], "members_trained"),
    ("children_views", "agreed cannot exceed respondents", lambda r: r["agreed"] <= r["respondents"], "agreed"),
    ("children_views", "question must be an LGA question number from 1 to 10", lambda r: 1 <= r["question"] <= 10,
     "question"),
    ("participation", "children_used_advocacy cannot exceed children_eligible_advocacy",
     lambda r: r["children_used_advocacy"] <= r["children_eligible_advocacy"], "children_used_advocacy"),
    ("placement_quality", "children_good_or_outstanding cannot exceed children_placed",
     lambda r: r["children_good_or_outstanding"] <= r["children_placed"], "children_good_or_outstanding"),
    ("care_leavers_local", "health_reviews_16_18 needs care_leavers_16_18 and cannot exceed it",
     lambda r: pd.isna(r["health_reviews_16_18"]) or (pd.notna(r["care_leavers_16_18"])
                                                      and r["health_reviews_16_18"] <= r["care_leavers_16_18"]),
     "health_reviews_16_18"),
    ("virtual_school", "taking_up_2_to_4 needs eligible_2_to_4 and cannot exceed it",
     lambda r: pd.isna(r["taking_up_2_to_4"]) or (pd.notna(r["eligible_2_to_4"])
                                                  and r["taking_up_2_to_4"] <= r["eligible_2_to_4"]), "taking_up_2_to_4"),
    ("virtual_school", "pep_in_date needs pep_required and cannot exceed it",
     lambda r: pd.isna(r["pep_in_date"]) or (pd.notna(r["pep_required"]) and r["pep_in_date"] <= r["pep_required"]),
     "pep_in_date"),
    ("virtual_school", "peps_good needs peps_audited and cannot exceed it",
     lambda r: pd.isna(r["peps_good"]) or (pd.notna(r["peps_audited"]) and r["peps_good"] <= r["peps_audited"]),
     "peps_good"),
    ("spend", "out_of_area_k cannot exceed gross_spend_k",
     lambda r: pd.isna(r["out_of_area_k"]) or r["out_of_area_k"] <= r["gross_spend_k"], "out_of_area_k"),
]


@dataclass
class LocalData:
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    quarantine: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["table", "year", "source_file", "source_row", "column", "rule_id", "severity", "message", "child"]))
    reconciliation: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["table", "year", "rows_read", "rows_used", "rows_quarantined"]))


def _coerce(value: str, col: Column) -> tuple[object, str | None]:
    """Parse one cell; return (value, problem or None)."""
    v = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()
    if v == "":
        return (pd.NA, f"{col.name} is blank but required") if col.required else (pd.NA, None)
    if col.kind in ("int", "float"):
        try:
            num = float(v.replace(",", ""))
        except ValueError:
            return pd.NA, f"{col.name} should be a number, found {v!r}"
        if not math.isfinite(num):  # "nan", "inf", "1e400": Python reads them as numbers, a return cannot hold them
            return pd.NA, f"{col.name} should be a number, found {v!r}"
        if col.kind == "int" and num != int(num):
            return pd.NA, f"{col.name} should be a whole number, found {v!r}"
        if col.minimum is not None and num < col.minimum:
            return pd.NA, f"{col.name} should be at least {col.minimum:g}, found {v!r}"
        return (int(num) if col.kind == "int" else num), None
    if col.kind == "code":
        code = v.lower().replace(" ", "_")
        if code not in col.codes:
            return pd.NA, f"{col.name} {v!r} is not one of: {', '.join(col.codes)}"
        return code, None
    if col.kind == "yn":
        if v.upper() not in ("Y", "N"):
            return pd.NA, f"{col.name} should be Y or N, found {v!r}"
        return v.upper(), None
    return v, None


def read_return(path: Path, name: str) -> tuple[pd.DataFrame, list[dict]]:
    """Read one local return: (valid rows, quarantine records)."""
    spec = RETURNS[name]
    text, _ = read_text_file(path, what="local return", fix=f"Save it from Excel as 'CSV UTF-8' with the header "
                             f"row of data/templates/{name}.csv")
    try:
        raw = pd.read_csv(io.StringIO(text), comment="#", dtype=str, keep_default_na=False, skip_blank_lines=True)
    except pd.errors.EmptyDataError:
        raise FatalError(f"{path}: the file is empty. Copy the header row from data/templates/{name}.csv "
                         "and add one row per year.") from None
    except (pd.errors.ParserError, ValueError) as err:
        raise FatalError(f"{path}: cannot be read as CSV ({plain(str(err))}). A row probably has more cells than "
                         f"the header row; compare it with data/templates/{name}.csv.") from None
    raw.columns = [c.strip().lower() for c in raw.columns]
    raw = raw.loc[:, [c for c in raw.columns if c and not c.startswith("unnamed:")]]
    missing = [c.name for c in spec if c.required and c.name not in raw.columns]
    if missing:
        raise FatalError(f"{path}: column(s) {', '.join(missing)} missing. The header row should be: "
                         f"{','.join(c.name for c in spec)} (see data/templates/{name}.csv).")
    # Data rows are numbered as a spreadsheet shows them: comment lines and the header count.
    comment_lines = sum(1 for line in text.splitlines() if line.startswith("#"))
    rows, problems = [], []
    for i, rec in enumerate(raw.to_dict("records")):
        if not any(str(v).strip() for v in rec.values()):
            continue  # trailing blank rows
        row_no = comment_lines + 2 + i
        parsed, errs = {}, []
        for col in spec:
            val, err = _coerce(rec.get(col.name, ""), col)
            parsed[col.name] = val
            if err:
                errs.append((col.name, err))
        if not errs:
            for rname, desc, ok, column in ROW_RULES:
                if rname == name and not ok(parsed):
                    errs.append((column, desc))
        if errs:
            for column, err in errs:
                problems.append({"table": name, "year": parsed.get("year"), "source_file": str(path),
                                 "source_row": row_no, "column": column, "rule_id": f"LOCAL-{name}",
                                 "severity": "error",
                                 "message": f"{err}. Correct row {row_no} of {path.name} and run again.",
                                 "child": pd.NA})
        else:
            rows.append({**parsed, "source_file": str(path), "source_row": row_no})
    df = pd.DataFrame(rows, columns=[c.name for c in spec] + ["source_file", "source_row"])
    return df, problems


# ------------------------------------------------------------------------------------- text files
#: evidence and local returns are short texts; a larger file is almost certainly the wrong file
MAX_TEXT_BYTES = 5_000_000
WINDOWS_1252 = "Windows-1252"


def read_text_file(path: Path, what: str, fix: str) -> tuple[str, str]:
    """Read a text file written by a person: UTF-8 (with or without BOM), else Windows-1252 (what Word and Excel
    save on English Windows). Returns (text, encoding name). Raises :class:`FatalError` naming the file for a
    folder, a binary file, a file too large or bytes that are neither."""
    data = read_small_file(path, what, MAX_TEXT_BYTES, fix)
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), WINDOWS_1252
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise FatalError(f"{path}: line {line} holds bytes that are neither UTF-8 nor Windows-1252 text. {fix}.") \
            from None


EVIDENCE_FIX = "Save it as plain text in UTF-8 (in Word: Save As, Plain Text, Unicode (UTF-8)) with the name q04.md"


def evidence_file(folder: str | Path, n: int) -> Path | None:
    """The evidence file for question ``n`` in ``folder`` (q04.md, q4.md or 04_stability.md), or None.
    Raises :class:`FatalError` for a symbolic link (or any path) that leads outside the evidence folder."""
    from cpanalysis.config import TOPICS

    d = paths.resolve(folder)
    if not d.exists():
        return None  # an optional source: each section says no evidence was supplied; validate reports it
    if not d.is_dir():
        raise FatalError(f"{d}: the written-evidence folder is a file, not a folder. Fix inputs.evidence in "
                         "the parameters file, or remove it if there is no written evidence.")
    root = d.resolve()
    for name in (f"q{n:02d}.md", f"q{n}.md", f"{n:02d}_{TOPICS[n]}.md"):
        f = d / name
        if not (f.exists() or f.is_symlink()):
            continue
        target = f.resolve()
        if f.is_symlink() and root not in target.parents:
            raise FatalError(f"{f}: is a link to {target}, outside the evidence folder {root}; evidence must be "
                             "files in the folder itself. Copy the text into the folder instead of linking to it.")
        if root not in target.parents:
            raise FatalError(f"{f}: leads outside the evidence folder {root}; put the file in the folder itself.")
        return f
    return None


def read_evidence(folder: str | Path | None, n: int) -> tuple[str | None, str]:
    """Officers' written evidence for question ``n``: (Markdown text or None, a note on how it was read).

    UTF-8 (with or without BOM) or Windows-1252, and the note says which; a link out of the folder, a binary
    file, a folder or undecodable bytes raise :class:`FatalError` naming the file."""
    if not folder:
        return None, ""
    f = evidence_file(folder, n)
    if f is None:
        return None, ""
    text, encoding = read_text_file(f, "written-evidence file", EVIDENCE_FIX)
    note = f"{f.name} was read as {encoding} text."
    if encoding == WINDOWS_1252:
        note += " (It was saved as Windows-1252, as Word does; save it as UTF-8 to be sure every character is right.)"
    return text, note


def check_evidence(params) -> list[str]:
    """Read every evidence file the pack would show; returns one note per file. Raises :class:`FatalError`."""
    from cpanalysis.config import TOPICS

    folder = params.inputs.evidence
    if not folder:
        return []
    if not paths.resolve(folder).exists():
        return [f"{paths.resolve(folder)}: the written-evidence folder does not exist, so every question will say "
                "that no written evidence was supplied. Fix inputs.evidence in the parameters file if that is wrong."]
    notes = []
    for n in TOPICS:
        text, note = read_evidence(folder, n)
        if text is not None:
            notes.append(note)
    return notes


def read_local(folder: str | Path | None) -> LocalData:
    """Every local return found in ``folder`` (missing returns are simply absent: the pack says so)."""
    out = LocalData()
    if not folder:
        return out
    folder = paths.resolve(folder)
    if not folder.exists():
        raise FatalError(f"{folder}: the local returns folder does not exist. Fix inputs.local in the "
                         "parameters file, or remove it if you have no local returns.")
    quarantine, recon = [], []
    for name in RETURNS:
        path = folder / f"{name}.csv"
        if not path.exists():
            continue
        df, problems = read_return(path, name)
        out.tables[name] = df
        quarantine.extend(problems)
        bad_rows = {p["source_row"] for p in problems}
        recon.append({"table": f"local: {name}", "year": pd.NA, "rows_read": len(df) + len(bad_rows),
                      "rows_used": len(df), "rows_quarantined": len(bad_rows)})
    if quarantine:
        out.quarantine = pd.DataFrame(quarantine)
    if recon:
        out.reconciliation = pd.DataFrame(recon)
    return out


# ------------------------------------------------------------------------------------- indicators
#: For councillors: what each local figure counts (``Definition.counted``) and one plain sentence (``plain``).
TEXT: dict[str, tuple[str, str]] = {
    "foster_households": ("fostering households",
                          "The number of fostering households the council had approved on 31 March."),
    "foster_households_net_change": ("fostering households",
                                     "How many more fostering households the council approved in the year than "
                                     "stopped fostering for it."),
    "foster_household_deregistration_rate": ("fostering households",
                                             "The share of the council's fostering households that stopped "
                                             "fostering during the year."),
    "children_homes_ofsted_good": ("children", "The share of children placed in children's homes whose home was "
                                               "rated good or outstanding by Ofsted."),
    "children_homes_out_of_area": ("children", "The share of children placed in children's homes whose home was "
                                               "outside the council's area."),
    "spend_residential_share": ("£ thousands", "The share of the council's spending on children in care that went "
                                               "on children's homes and other residential care."),
    "spend_out_of_area_share": ("£ thousands", "The share of the council's spending on children's placements that "
                                               "went on placements outside its area."),
    "cla_team_vacancy_rate": ("FTE social work posts", "The share of social work posts in the children in care and "
                                                       "care leavers teams that were vacant."),
    "cla_team_agency_rate": ("FTE social workers", "The share of social workers in the children in care and care "
                                                   "leavers teams who were agency staff."),
    "cla_team_turnover": ("FTE social workers", "The share of social workers in the children in care and care "
                                                "leavers teams who left during the year."),
    "cla_team_caseload": ("case-holding social workers", "The average number of children each social worker for "
                                                         "children in care was responsible for."),
    "iro_caseload": ("independent reviewing officers", "The average number of children each independent "
                                                       "reviewing officer was responsible for."),
    "member_training": ("councillors", "The share of councillors who completed training on being a corporate "
                                       "parent in the last two years."),
    "board_meetings_with_children": ("board meetings", "The share of corporate parenting board meetings that "
                                                       "members of the children in care council attended."),
    "advocacy_take_up": ("children", "The share of children in care who could have an independent advocate who "
                                     "used one during the year."),
    "cicc_members": ("children and young people", "How many children and young people were members of the "
                                                  "children in care council or care leavers' council."),
    "cicc_meetings": ("meetings", "How many times the children in care council met during the year."),
    "placements_ofsted_good": ("children", "The share of children in care on 31 March whose placement provider "
                                           "(fostering service, children's home or other setting) was rated good or "
                                           "outstanding by Ofsted."),
    "care_leaver_apprenticeships": ("care leavers", "How many care leavers were in an apprenticeship the council "
                                                    "offers (its own rolling programme) on 31 March."),
    "care_leaver_health_reviews": ("care leavers aged 16 to 18", "The share of young people aged 16 to 18 leaving "
                                                                 "care who took part in a health review in the year."),
    "early_years_entitlement_take_up": ("children", "The share of children in care aged 2 to 4 entitled to funded "
                                                    "early education who were taking it up."),
    "pep_completion": ("children", "The share of children in care of school age (and in funded early education) "
                                   "with an up-to-date personal education plan."),
    "pep_quality": ("personal education plans", "The share of personal education plans audited by the virtual "
                                                "school that were rated good or better."),
}


def _d(id, title, q, sub, cohort, num, den, unit, pol, method, caveats=(), identities=()) -> Definition:
    counted, plain = TEXT[id]
    return Definition(id=id, title=title, question=q, sub_question=sub, cohort=cohort, numerator=num,
                      denominator=den, unit=unit, polarity=pol, source=f"Local return ({method})",
                      methodology=f"Taken from the council's local return {method}.csv; see data/templates/{method}.csv "
                                  "for each column's meaning.", caveats=tuple(caveats), counted=counted, plain=plain,
                      identities=tuple(identities))


#: the stock and flow of fostering households, which ROW_RULES enforces: at 31 March (foster_households) minus
#: at 1 April (the deregistration rate's denominator) is the net change
FOSTER_STOCK_FLOW = Identity(
    "fostering households: at 31 March - at 1 April = net change",
    (Term("foster_households", "num", 1), Term("foster_household_deregistration_rate", "den", -1),
     Term("foster_households_net_change", "num", -1)),
    enforced_by="households_end must equal households_start + approved - deregistered")


DEFINITIONS: dict[str, Definition] = {d.id: d for d in [
    _d("foster_households", "Council fostering households at 31 March", 6,
       "q6.foster_pool", "The council's own approved fostering "
       "households", "Households approved at 31 March", "None (a count)", "count", "higher_is_better",
       "fostering_households"),
    _d("foster_households_net_change", "Net change in fostering households during the year", 6,
       "q6.carer_turnover",
       "The council's own fostering households", "Households approved minus households that stopped fostering",
       "None (a count)", "count", "higher_is_better", "fostering_households",
       ["A negative figure means the council lost more households than it approved."],
       identities=(FOSTER_STOCK_FLOW,)),
    _d("foster_household_deregistration_rate", "Fostering households that stopped fostering", 6,
       "q6.carer_turnover",
       "Households approved at 1 April", "Households that resigned or were deregistered during the year",
       "Households at 1 April", "percent", "lower_is_better", "fostering_households"),
    _d("children_homes_ofsted_good", "Children in homes rated good or outstanding by Ofsted", 7,
       "q7.providers",
       "Children placed by the council in children's homes at 31 March",
       "Children in homes whose latest Ofsted rating is good or outstanding", "Children placed in children's homes",
       "percent", "higher_is_better", "children_homes", ["Children in homes not yet inspected are included in the total."]),
    _d("children_homes_out_of_area", "Children in children's homes outside the council's area", 7,
       "q7.out_of_area_monitoring",
       "Children placed by the council in children's homes at 31 March", "Children in homes outside the boundary",
       "Children placed in children's homes", "percent", "lower_is_better", "children_homes"),
    _d("spend_residential_share", "Share of spending on children in care that goes on residential care", 1,
       "q1.residential_cost",
       "Gross spending on children looked after in the financial year", "Gross spending on residential care",
       "All gross spending on children looked after", "percent", "neutral", "spend",
       ["A share of money, not of children: no interval is shown."]),
    _d("spend_out_of_area_share", "Share of placement spending outside the council's area", 1,
       "q1.out_of_area_spend",
       "Gross spending on children looked after where the out-of-area part is known",
       "Spending on placements outside the area", "Gross spending where the out-of-area part is known",
       "percent", "lower_is_better", "spend", ["A share of money, not of children: no interval is shown."]),
    _d("cla_team_vacancy_rate", "Social work vacancy rate (children in care and care leavers teams)", 9,
       "q9.workforce",
       "Social work posts at 30 September", "Vacant posts (FTE)", "Vacant posts plus social workers in post (FTE)",
       "percent", "lower_is_better", "workforce", ["Full-time equivalents, not people: no interval is shown."]),
    _d("cla_team_agency_rate", "Agency social workers (children in care and care leavers teams)", 9,
       "q9.workforce",
       "Social workers in post at 30 September", "Agency social workers (FTE)", "Social workers in post (FTE)",
       "percent", "lower_is_better", "workforce", ["Full-time equivalents, not people: no interval is shown."]),
    _d("cla_team_turnover", "Social worker turnover (children in care and care leavers teams)", 9,
       "q9.workforce",
       "Social workers in post at 30 September", "Leavers in the 12 months to 30 September (FTE)",
       "Social workers in post (FTE)", "percent", "lower_is_better", "workforce",
       ["Full-time equivalents, not people: no interval is shown."]),
    _d("cla_team_caseload", "Average caseload of social workers for children in care", 9,
       "q9.continuity",
       "Case-holding social workers at 30 September", "Children allocated", "Case-holding social workers", "mean",
       "lower_is_better", "workforce", ["Reported as an average by the council; no interval is shown."]),
    _d("iro_caseload", "Average caseload of independent reviewing officers", 9,
       "q9.iro_report",
       "Independent reviewing officers", "Children per IRO", "IROs", "mean", "lower_is_better", "workforce",
       ["The IRO handbook suggests 50 to 70 children per full-time IRO."]),
    _d("member_training", "Councillors trained in corporate parenting", 10,
       "q10.member_training",
       "Elected members of the council", "Members who completed corporate parenting training in the last two years",
       "All elected members", "percent", "higher_is_better", "member_training"),
    _d("advocacy_take_up", "Children in care who used an independent advocate", 1,
       "q1.commissioning_outcomes", "Children looked after in the year who were eligible for advocacy",
       "Children who used an advocate in the year", "Eligible children", "percent", "higher_is_better",
       "participation", ["Not every child needs an advocate, so a higher share is not always better."]),
    _d("cicc_members", "Members of the children in care council", 10,
       "q10.cicc", "Children in care and care leavers", "Members during the year", "None (a count)", "count",
       "higher_is_better", "participation"),
    _d("cicc_meetings", "Meetings of the children in care council", 10,
       "q10.cicc", "Children in care council meetings", "Meetings held in the year", "None (a count)", "count",
       "higher_is_better", "participation"),
    _d("placements_ofsted_good", "Children in placements rated good or outstanding by Ofsted (all settings)", 7,
       "q7.providers",
       "Children looked after at 31 March in a setting Ofsted inspects (foster care, children's homes, supported "
       "accommodation, residential schools)", "Children whose provider's latest Ofsted judgement is good or "
       "outstanding", "Children placed in those settings", "percent", "higher_is_better", "placement_quality",
       ["Foster placements are judged by the rating of the fostering service (the council's or the agency's), not "
        "of each carer."]),
    _d("care_leaver_apprenticeships", "Care leavers in the council's apprenticeships", 8,
       "q8.support", "Care leavers",
       "Care leavers in a council apprenticeship on 31 March", "None (a count)", "count", "higher_is_better",
       "care_leavers_local"),
    _d("care_leaver_health_reviews", "Care leavers aged 16 to 18 who had a health review", 3,
       "q3.health_reports",
       "Relevant and former relevant young people aged 16 to 18", "Those who took part in a health review in the "
       "year", "Care leavers aged 16 to 18", "percent", "higher_is_better", "care_leavers_local"),
    _d("early_years_entitlement_take_up", "Children in care aged 2 to 4 taking up funded early education", 2,
       "q2.support_to_achieve",
       "Children looked after aged 2 to 4 entitled to funded early education", "Children taking up their "
       "entitlement", "Entitled children", "percent", "higher_is_better", "virtual_school"),
    _d("pep_completion", "Children in care with an up-to-date personal education plan", 2,
       "q2.pep",
       "Children looked after who need a personal education plan", "Children whose plan was reviewed in the last "
       "term (or within the time the council sets)", "Children needing a plan", "percent", "higher_is_better",
       "virtual_school"),
    _d("pep_quality", "Personal education plans rated good or better when audited", 2,
       "q2.pep",
       "Personal education plans audited by the virtual school in the year", "Plans rated good or better",
       "Plans audited", "percent", "higher_is_better", "virtual_school",
       ["Plans, not children: no interval is shown."]),
    _d("board_meetings_with_children", "Corporate parenting meetings attended by children in care", 10,
       "q10.governance",
       "Corporate parenting board or committee meetings in the year", "Meetings attended by members of the "
       "children in care council", "All board meetings", "percent", "higher_is_better", "member_training",
       ["Meetings, not children: no interval is shown."]),
]}


#: the sub-question (key of cpanalysis/questions.yaml) the children's survey answers in each question, where it is
#: not ``q<n>.views``
VIEWS_SUB_QUESTIONS = {1: "q1.feedback", 10: "q10.know_corporate_parents"}


def views_definition(q: int) -> Definition:
    return Definition(
        id=f"children_views_q{q}", title="What children and young people say", question=q,
        sub_question=VIEWS_SUB_QUESTIONS.get(q, f"q{q}.views"),
        cohort="Children who answered the council's survey", numerator="Children who agreed with the statement",
        denominator="Children who answered", unit="percent", polarity="higher_is_better",
        source="Local return (children_views)",
        methodology="Taken from the council's children_views.csv: one row per survey statement.",
        caveats=("Survey respondents choose to answer, so they may not represent every child in care.",),
        counted="children who answered",
        plain="The share of children who answered the council's survey who agreed with each statement.")


def definition_for(indicator_id: str) -> Definition:
    if indicator_id in DEFINITIONS:
        return DEFINITIONS[indicator_id]
    if indicator_id.startswith("children_views_q"):
        return views_definition(int(indicator_id.removeprefix("children_views_q")))
    raise KeyError(indicator_id)


def _row(defn: Definition, year: int, value, num, den, breakdown: str = "Total", ci: tuple = (np.nan, np.nan),
         status: str = "ok") -> dict:
    return {"indicator_id": defn.id, "title": defn.title, "question": defn.question, "year": int(year),
            "breakdown": breakdown, "value": value, "numerator": num, "denominator": den, "ci_low": ci[0],
            "ci_high": ci[1], "unit": defn.unit, "source": defn.source, "status": status}


def _pct(num, den):
    return (100.0 * num / den) if den else np.nan


def local_results(local: LocalData) -> pd.DataFrame:
    """Indicator rows (RESULT_COLUMNS) from the local returns present."""
    from cpanalysis.stats import wilson_interval

    D, rows = DEFINITIONS, []
    t = local.tables
    if "fostering_households" in t:
        for r in t["fostering_households"].to_dict("records"):
            y = r["year"]
            rows.append(_row(D["foster_households"], y, float(r["households_end"]), r["households_end"], np.nan))
            net = r["approved"] - r["deregistered"]
            rows.append(_row(D["foster_households_net_change"], y, float(net), net, np.nan))
            den = r["households_start"]
            ci = tuple(100 * x for x in wilson_interval(r["deregistered"], den)) if den else (np.nan, np.nan)
            rows.append(_row(D["foster_household_deregistration_rate"], y, _pct(r["deregistered"], den),
                             r["deregistered"], den, ci=ci))
    if "children_homes" in t:
        for y, g in t["children_homes"].groupby("year"):
            den = int(g["children_placed"].sum())
            good = int(g.loc[g["ofsted_rating"].isin(["good", "outstanding"]), "children_placed"].sum())
            out = int(g.loc[g["in_area"] == "N", "children_placed"].sum())
            for key, num in (("children_homes_ofsted_good", good), ("children_homes_out_of_area", out)):
                ci = tuple(100 * x for x in wilson_interval(num, den)) if den else (np.nan, np.nan)
                rows.append(_row(D[key], y, _pct(num, den), num, den, ci=ci))
    if "spend" in t:
        for y, g in t["spend"].groupby("year"):
            total = float(g["gross_spend_k"].sum())
            resid = float(g.loc[g["category"] == "residential", "gross_spend_k"].sum())
            rows.append(_row(D["spend_residential_share"], y, _pct(resid, total), np.nan, np.nan))
            known = g[g["out_of_area_k"].notna()]
            if len(known):
                rows.append(_row(D["spend_out_of_area_share"], y,
                                 _pct(float(known["out_of_area_k"].sum()), float(known["gross_spend_k"].sum())),
                                 np.nan, np.nan))
    if "workforce" in t:
        for r in t["workforce"].to_dict("records"):
            y = r["year"]
            rows.append(_row(D["cla_team_vacancy_rate"], y, _pct(r["vacancies_fte"], r["vacancies_fte"] + r["sw_fte"]),
                             np.nan, np.nan))
            rows.append(_row(D["cla_team_agency_rate"], y, _pct(r["agency_fte"], r["sw_fte"]), np.nan, np.nan))
            rows.append(_row(D["cla_team_turnover"], y, _pct(r["leavers_fte"], r["sw_fte"]), np.nan, np.nan))
            if pd.notna(r["average_caseload"]):
                rows.append(_row(D["cla_team_caseload"], y, float(r["average_caseload"]), np.nan, np.nan))
            if pd.notna(r["iro_average_caseload"]):
                rows.append(_row(D["iro_caseload"], y, float(r["iro_average_caseload"]), np.nan, np.nan))
    if "member_training" in t:
        for r in t["member_training"].to_dict("records"):
            y = r["year"]
            rows.append(_row(D["member_training"], y, _pct(r["members_trained"], r["members_total"]), np.nan, np.nan))
            if pd.notna(r["board_meetings"]) and pd.notna(r["board_meetings_with_children"]) and r["board_meetings"]:
                rows.append(_row(D["board_meetings_with_children"], y,
                                 _pct(r["board_meetings_with_children"], r["board_meetings"]), np.nan, np.nan))
    def share(key, y, num, den, interval=True):
        if pd.isna(num) or pd.isna(den) or not den:
            return
        num, den = int(num), int(den)
        ci = tuple(100 * x for x in wilson_interval(num, den)) if interval else (np.nan, np.nan)
        rows.append(_row(D[key], y, _pct(num, den), num, den, ci=ci))

    if "participation" in t:
        for r in t["participation"].to_dict("records"):
            y = r["year"]
            share("advocacy_take_up", y, r["children_used_advocacy"], r["children_eligible_advocacy"])
            for key in ("cicc_members", "cicc_meetings"):
                if pd.notna(r[key]):
                    rows.append(_row(D[key], y, float(r[key]), r[key], np.nan))
    if "placement_quality" in t:
        for y, g in t["placement_quality"].groupby("year"):
            share("placements_ofsted_good", y, g["children_good_or_outstanding"].sum(), g["children_placed"].sum())
    if "care_leavers_local" in t:
        for r in t["care_leavers_local"].to_dict("records"):
            y = r["year"]
            rows.append(_row(D["care_leaver_apprenticeships"], y, float(r["apprenticeships_in_place"]),
                             r["apprenticeships_in_place"], np.nan))
            share("care_leaver_health_reviews", y, r["health_reviews_16_18"], r["care_leavers_16_18"])
    if "virtual_school" in t:
        for r in t["virtual_school"].to_dict("records"):
            y = r["year"]
            share("early_years_entitlement_take_up", y, r["taking_up_2_to_4"], r["eligible_2_to_4"])
            share("pep_completion", y, r["pep_in_date"], r["pep_required"])
            share("pep_quality", y, r["peps_good"], r["peps_audited"], interval=False)
    if "children_views" in t:
        for (y, q), g in t["children_views"].groupby(["year", "question"]):
            defn = views_definition(int(q))
            for r in g.to_dict("records"):
                ci = tuple(100 * x for x in wilson_interval(r["agreed"], r["respondents"])) if r["respondents"] \
                    else (np.nan, np.nan)
                rows.append(_row(defn, y, _pct(r["agreed"], r["respondents"]), r["agreed"], r["respondents"],
                                 breakdown=f"{r['survey']}: {r['statement']}", ci=ci))
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


# ------------------------------------------------------------------------------------ demo returns
def write_demo_local(dest: Path = paths.DEMO_LOCAL_DIR, years: range = range(2021, 2026), seed: int = 20250331) -> list[Path]:
    """Deterministic, fictional local returns for the demonstration council, with the template comments."""
    rng = np.random.default_rng(seed)
    dest.mkdir(parents=True, exist_ok=True)
    data: dict[str, list[dict]] = {k: [] for k in RETURNS}
    households = 128
    for y in years:
        approved, dereg = int(rng.integers(12, 22)), int(rng.integers(12, 24))
        end = households + approved - dereg
        data["fostering_households"].append({"year": y, "households_start": households, "approved": approved,
                                             "deregistered": dereg, "households_end": end,
                                             "kinship_households": int(end * 0.27), "places": int(end * 1.6)})
        households = end
        for h in range(1, 15):
            data["children_homes"].append({
                "year": y, "home_ref": f"H{h:02d}",
                "provider_type": "own" if h <= 3 else ("private" if h <= 12 else "voluntary"),
                "in_area": "Y" if (h <= 3 or h % 3 == 0) else "N",
                "ofsted_rating": ["outstanding", "good", "good", "good", "requires_improvement", "good",
                                  "not_yet_inspected"][int(rng.integers(0, 7))],
                "children_placed": int(rng.integers(1, 6))})
        base = 30000 * (1.06 ** (y - 2021))
        for cat, share, ooa in (("residential", 0.45, 0.62), ("fostering", 0.28, 0.2),
                                ("other_placements", 0.12, 0.3), ("leaving_care", 0.07, None), ("other", 0.08, None)):
            gross = round(base * share * float(rng.uniform(0.95, 1.05)))
            data["spend"].append({"year": y, "category": cat, "gross_spend_k": gross,
                                  "out_of_area_k": round(gross * ooa) if ooa else ""})
        sw = round(float(rng.uniform(28, 34)), 1)
        data["workforce"].append({"year": y, "sw_fte": sw, "vacancies_fte": round(float(rng.uniform(2, 6)), 1),
                                  "agency_fte": round(float(rng.uniform(2, 6)), 1),
                                  "leavers_fte": round(float(rng.uniform(3, 6)), 1),
                                  "newly_qualified_fte": round(float(rng.uniform(3, 6)), 1),
                                  "average_caseload": round(float(rng.uniform(13, 17)), 1),
                                  "iro_average_caseload": round(float(rng.uniform(55, 75)), 1)})
        total = 54
        data["member_training"].append({"year": y, "members_total": total,
                                        "members_trained": int(rng.integers(30, 50)), "board_meetings": 6,
                                        "board_meetings_with_children": int(rng.integers(3, 7))})
        for q, statement in ((4, "I feel settled where I live"), (3, "I get help with my health when I need it"),
                             (8, "I know who to contact for help after leaving care"),
                             (10, "I know who my corporate parents are")):
            resp = int(rng.integers(60, 110))
            data["children_views"].append({"year": y, "question": q, "survey": "Your Life, Your Care (fictional)",
                                           "statement": statement, "respondents": resp,
                                           "agreed": int(resp * float(rng.uniform(0.55, 0.85)))})
    extra = np.random.default_rng(seed + 12)  # its own stream: the returns above keep their figures
    for y in years:
        eligible = int(extra.integers(150, 190))
        data["participation"].append({"year": y, "children_eligible_advocacy": eligible,
                                      "children_used_advocacy": int(eligible * float(extra.uniform(0.25, 0.45))),
                                      "cicc_members": int(extra.integers(12, 30)), "cicc_meetings": int(extra.integers(8, 13))})
        for setting, lo, hi, good in (("foster_own", 80, 110, 1.0), ("foster_agency", 40, 70, 0.92),
                                      ("childrens_home", 20, 35, 0.8), ("supported_accommodation", 10, 25, 0.7),
                                      ("residential_school", 0, 5, 1.0)):
            placed = int(extra.integers(lo, hi + 1))
            data["placement_quality"].append({"year": y, "setting": setting, "children_placed": placed,
                                              "children_good_or_outstanding": int(placed * good)})
        leavers = int(extra.integers(40, 60))
        data["care_leavers_local"].append({"year": y, "apprenticeships_in_place": int(extra.integers(2, 8)),
                                           "care_leavers_16_18": leavers,
                                           "health_reviews_16_18": int(leavers * float(extra.uniform(0.6, 0.85)))})
        eligible, need, audited = int(extra.integers(20, 35)), int(extra.integers(180, 230)), int(extra.integers(40, 80))
        data["virtual_school"].append({"year": y, "eligible_2_to_4": eligible,
                                       "taking_up_2_to_4": int(eligible * float(extra.uniform(0.7, 0.95))),
                                       "pep_required": need, "pep_in_date": int(need * float(extra.uniform(0.85, 0.98))),
                                       "peps_audited": audited, "peps_good": int(audited * float(extra.uniform(0.6, 0.85)))})
    written = []
    for name, rows in data.items():
        template = (paths.TEMPLATES_DIR / f"{name}.csv").read_text(encoding="utf-8")
        comments = "".join(line + "\n" for line in template.splitlines() if line.startswith("#"))
        body = pd.DataFrame(rows, columns=[c.name for c in RETURNS[name]]).to_csv(index=False, lineterminator="\n")
        path = dest / f"{name}.csv"
        path.write_text("# DEMONSTRATION DATA: fictional figures for the synthetic council Demoshire.\n"
                        + comments + body, encoding="utf-8")
        written.append(path)
    return written

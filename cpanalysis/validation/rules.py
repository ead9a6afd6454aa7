"""The SSDA903 rule set: every check the ingestion applies, with a plain-English message.

Each :class:`Rule` has an ``id`` (``EP-OVERLAP``), a ``severity`` and an ``action``:

* ``fatal``: the return cannot be read (raised as :class:`FatalInputError` by the loader; exit code 2);
* ``error``: the row is quarantined (not used by any figure) and listed with the rule that rejected it;
* ``warning``: the row is kept and the problem reported; for action ``blank`` the offending value is treated
  as blank (so one bad optional code does not lose the rest of the row).

Checks are vectorised over a whole table (all years at once; rules that depend on the year use the ``YEAR``
column). They run on the typed tables *before* anything is quarantined, so one bad row cannot hide another
problem. The numbers in brackets are the DfE validator rules the check follows
(``shared/reference/ssda903-indicators-peers.md`` section 1.3); where a rule is our own reading it says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from cpanalysis import fastkeys
from cpanalysis.model import TABLE_TITLES, collection_end, collection_start
from cpanalysis.spec import code_lists, valid_codes

Severity = Literal["fatal", "error", "warning"]
Action = Literal["stop", "quarantine", "blank", "keep"]

TEMP_PLACES = ("T0", "T1", "T2", "T3", "T4")
SHORT_BREAKS = ("V3", "V4")
SUPPORTED_ACCOM_DATE = pd.Timestamp("2023-10-28")


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    message: str
    action: Action = "quarantine"

    def __post_init__(self) -> None:
        if self.severity == "fatal":
            object.__setattr__(self, "action", "stop")
        elif self.severity == "error":
            object.__setattr__(self, "action", "quarantine")
        elif self.action == "quarantine":
            object.__setattr__(self, "action", "keep")


RULES: dict[str, Rule] = {}


def register(rule_id: str, severity: Severity, message: str, action: Action = "quarantine") -> Rule:
    r = Rule(rule_id, severity, message, action)
    RULES[rule_id] = r
    return r


# --------------------------------------------------------------------------------------------------- fatal
register("FATAL-NO-FOLDER", "fatal", "The folder or file given for the SSDA903 return does not exist. Check the "
         "path in the parameters file (inputs.ssda903) or the --ssda903 option.")
register("FATAL-NO-FILES", "fatal", "No SSDA903 files (CSV, XLSX or XML) were found. Put the return's files in "
         "the folder, one subfolder per collection year (for example 2025/) or all files of one year together.")
register("FATAL-NO-HEADER", "fatal", "No Header table was found. Every return needs its Header file (CHILD, SEX, "
         "DOB, ETHNIC, UPN, MOTHER, MC_DOB): export it from the case management system and add it.")
register("FATAL-UNREADABLE", "fatal", "A file could not be read. Open it in a spreadsheet program, save it as CSV "
         "(UTF-8) and try again.")
register("FATAL-UNKNOWN-TABLE", "fatal", "A file's column headings do not match any SSDA903 table. Check that the "
         "first row holds the DfE column names (for example CHILD, DECOM, RNE for Episodes), or move the file "
         "out of the folder.")
register("FATAL-MISSING-COLUMNS", "fatal", "A file looks like an SSDA903 table but lacks columns that are needed. "
         "Re-export it with every column in the DfE specification.")
register("FATAL-NO-YEAR", "fatal", "The collection year could not be worked out. Put the files in a subfolder "
         "named by the year the collection ends (2025 for 2024-25) or give --year.")

# ----------------------------------------------------------------------------------------------- file level
register("FILE-EXTRA-COLUMNS", "warning", "The file has columns that are not in the SSDA903 specification, or a "
         "heading repeated; they were ignored. Nothing to fix unless a heading is misspelt or repeated.")
register("FILE-MISSING-COLUMNS", "warning", "The file lacks optional columns; they were treated as blank. Re-export "
         "with every column if you want figures that use them.")
register("FILE-EMPTY", "warning", "The file is empty and was skipped. If it should hold data, export it again.")
register("FILE-EMPTY-TABLE", "error", "The Episodes table for this collection year has no row that can be used "
         "(it is empty, has only its heading row, is missing or every row is quarantined), so no figure about "
         "children's care (starts, endings, placements, adoptions) can be computed for the year: each would be a "
         "false zero. Export the return again with its rows, or correct the quarantined rows, and run again.")
register("FILE-YEAR-MISMATCH", "warning", "Most dates in this file fall outside the collection year its folder "
         "names. Check that the folder is named by the year the collection ENDS (2025 for 2024-25).")

# -------------------------------------------------------------------------------------------------- types
register("TYPE-DATE", "error", "This date could not be read, so the row cannot be used. Dates must be written "
         "day/month/year, for example 31/03/2025. Correct it in the case management system and re-export.")
register("TYPE-DATE-OPTIONAL", "warning", "This date could not be read and was treated as blank. Dates must be "
         "written day/month/year, for example 31/03/2025.", "blank")
register("TYPE-NUMBER", "warning", "This field should hold a whole number but does not; it was treated as blank. "
         "Correct the value (for example 0 or 1) and re-export.", "blank")
register("MANDATORY", "error", "A field that every row needs is blank, so the row cannot be used. Fill it in "
         "in the case management system and re-export.")

# -------------------------------------------------------------------------------------------------- codes
for _field, _spec in code_lists().items():
    if _spec["essential"]:
        register(f"CODE-{_field}", "error", f"{_field} holds a code that is not valid for this collection year, so "
                 "the row cannot be used. Replace it with a code from the DfE SSDA903 guidance for that year.")
    else:
        register(f"CODE-{_field}", "warning", f"{_field} holds a code that is not valid for this collection year; "
                 "it was treated as blank. Replace it with a code from the DfE SSDA903 guidance for that year.",
                 "blank")
register("CODE-SDQ_SCORE", "warning", "SDQ_SCORE must be a whole number from 0 to 40 (rule 180); the value was "
         "treated as blank. Correct the score or leave it blank and give SDQ_REASON.", "blank")
register("CODE-UPN", "warning", "UPN is not a valid unique pupil number (a letter then 12 digits, or 11 digits "
         "and a letter) nor UN1 to UN5 (rule 168); it was treated as blank.", "blank")
register("CODE-SW_ID", "warning", "SW_ID must start with SW or XX (rule SW02); check the social worker "
         "identifier.", "keep")
register("SEX-U", "warning", "SEX is U (not known or not stated). This is allowed but DfE asks for a reason "
         "(rule 232); check whether the sex can be recorded.", "keep")

# ----------------------------------------------------------------------------------------------- dates
register("DATE-DEC-BEFORE-DECOM", "error", "The episode ends (DEC) before it starts (DECOM). Correct one of the "
         "two dates.")
register("DATE-DECOM-BEFORE-DOB", "error", "The episode starts (DECOM) before the child's date of birth in the "
         "Header. Correct the episode start or the date of birth.")
register("DATE-DOB-FUTURE", "error", "The date of birth is after the end of the collection year (31 March). "
         "Correct the date of birth.")
register("DATE-END-BEFORE-START", "error", "The end date is before the start date (missing episode, social "
         "worker episode or adoption decision). Correct one of the two dates.")
register("YEAR-AFTER-END", "error", "This date is after 31 March, the end of the collection year, so the row "
         "belongs to a later return. Correct the date or move the row to the right year's return.")
register("YEAR-BEFORE-START", "warning", "This event ended or happened before 1 April, the start of the "
         "collection year, so it should not be in this year's return. It was kept; check it.", "keep")

# ------------------------------------------------------------------------------------------------ episodes
register("EP-DUPLICATE", "error", "The child has two episodes starting on the same day (DECOM) in this return; "
         "only the last one is used. Delete the duplicate episode.")
register("EP-OVERLAP", "error", "This episode overlaps the child's next episode: it is open or ends (DEC) after "
         "the next episode starts. Set DEC to the next episode's start date, or correct the dates.")
register("EP-X1-NEXT", "error", "The episode ends with REC X1 (a new episode starts the same day) but no episode "
         "for the child starts on that day. Add the missing episode, correct its start date, or correct REC.")
register("EP-DEC-REC", "error", "DEC and REC must both be filled in (a closed episode) or both be blank (an open "
         "episode). Fill in the missing one or clear the other.")
register("EP-RNE-S-MIDPERIOD", "error", "RNE is S (started to be looked after) but the previous episode ended "
         "with X1 on the same day, so care did not start here. Use L, P, T, B or U, or correct the previous "
         "episode's REC.")
register("EP-RNE-NOT-S", "error", "This is the first episode of a period of care starting in the year but RNE "
         "is not S (started to be looked after). Set RNE to S, or add the episode that comes before it.")
register("EP-RNE-CHANGE", "warning", "RNE does not match what changed since the previous episode: L means legal "
         "status changed only; P and T mean the placement changed but not legal status; B and U mean both "
         "(rule 435 and our reading of the guidance). Check RNE, LS and the placement fields.", "keep")
register("EP-TEMP-START", "warning", "A period of care starts with a temporary placement (T0 to T4), which is "
         "not allowed (rule 380). Check PLACE.", "keep")
register("EP-TEMP-END", "warning", "A period of care ends with a temporary placement (T0 to T4), which is not "
         "allowed (rule 381). Check PLACE and REC.", "keep")
register("EP-TEMP-SHORTBREAK", "warning", "A short-break episode (LS V3 or V4) cannot be a temporary placement "
         "(rule 382). Check PLACE and LS.", "keep")
register("EP-TEMP-RETURN", "warning", "After a temporary placement the child should return to the placement "
         "they had before it (rule 383). Check PLACE of the episodes either side.", "keep")
register("EP-RPC-OPEN", "warning", "REASON_PLACE_CHANGE is filled in on an open episode (DEC blank); it must be "
         "blank (rule 233). The value was treated as blank.", "blank")
register("EP-PROVIDER-BLANK", "warning", "PLACE_PROVIDER must be blank for temporary (T0 to T4) and 'other' "
         "(Z1, Z11 to Z14) placements (rules 178, 213). The value was treated as blank.", "blank")
register("PLACE-P2-2023", "error", "PLACE P2 (independent living) cannot be used for placements starting on or "
         "after 28 October 2023, when supported accommodation had to be Ofsted-registered (rule 217). Use the "
         "current code (H5 with a URN, or K3 from 2025-26).")
register("PLACE-H5-URN", "warning", "A semi-independent (H5) placement starting on or after 28 October 2023 "
         "needs the provider's Ofsted URN (rule 230). Add the URN.", "keep")

# ------------------------------------------------------------------------------------ duplicates and tables
register("HDR-DUPLICATE", "error", "The child appears more than once in this year's Header; only the last row "
         "is used. Remove the duplicate record.")
register("DUP-CHILD", "error", "The child appears more than once in this table for the same year, where one row "
         "per child is expected; only the last row is used. Remove the duplicate.")
register("DUP-ROW", "error", "This row repeats an earlier row exactly; the copy is not used. Remove the "
         "duplicate.")
register("XT-NOT-IN-HEADER", "error", "The child is not in this year's Header, so the row cannot be linked to a "
         "child. Add the child to the Header or correct the CHILD identifier.")
register("XT-NO-EPISODES", "warning", "The child is in the Header but has no episodes in this return. Check "
         "whether episodes are missing or the child should not be in the return.", "keep")
register("XT-DOB-MISMATCH", "warning", "The date of birth differs from the one in the Header for the same child. "
         "Correct whichever is wrong.", "keep")
register("OC2-COHORT", "error", "An OC2 (health and offending) row is given for a child who was not looked "
         "after continuously for the 12 months to 31 March, so the row is not used. "
         "Remove it, or correct the child's episodes.")
register("OC3-AGE", "warning", "An OC3 (care leaver) row is given for a young person whose 17th to 21st "
         "birthday does not fall in the collection year (rule 391). Check the date of birth.", "keep")


# ================================================================================================ engine
@dataclass
class Findings:
    """Rule hits collected while checking. Each part: table, row positions, column, rule id, optional detail."""

    parts: list[tuple[str, np.ndarray, str, str, np.ndarray | None]] = field(default_factory=list)
    file_level: list[dict] = field(default_factory=list)

    def flag(self, rule_id: str, table: str, rows, column: str, detail=None) -> int:
        if rule_id not in RULES:
            raise KeyError(rule_id)
        if isinstance(rows, pd.Series) and rows.dtype == bool:
            mask = rows.to_numpy()
            idx = rows.index.to_numpy()[mask]
            if callable(detail):  # built only for the flagged rows (most checks flag few of a million)
                detail = detail(rows) if len(idx) else None
            if detail is not None:
                detail = np.asarray(detail, dtype=object)
                detail = detail[mask] if len(detail) == len(mask) else detail
        else:
            idx = np.asarray(rows.index if isinstance(rows, pd.Series | pd.DataFrame | pd.Index) and
                             not isinstance(rows, pd.Index) else rows)
            if callable(detail):
                raise TypeError(f"{rule_id}: a lazily built detail needs a boolean mask of rows")
            if detail is not None:
                detail = np.asarray(detail, dtype=object)
        if len(idx):
            self.parts.append((table, idx.astype(np.int64), column, rule_id, detail))
        return len(idx)

    def file_issue(self, rule_id: str, table: str, year: int | None, source_file: str, column: str = "",
                   detail: str = "") -> None:
        self.file_level.append({"table": table, "year": year, "source_file": source_file, "column": column,
                                "rule_id": rule_id, "detail": detail})


@dataclass
class CheckContext:
    tables: dict[str, pd.DataFrame]  # typed, all years, RangeIndex, with YEAR/SOURCE_FILE/SOURCE_ROW
    findings: Findings
    years: list[int]

    def start(self, df: pd.DataFrame) -> pd.Series:
        return df["YEAR"].map({y: collection_start(y) for y in self.years}).astype("datetime64[ns]")

    def end(self, df: pd.DataFrame) -> pd.Series:
        return df["YEAR"].map({y: collection_end(y) for y in self.years}).astype("datetime64[ns]")


CHECKS: list[Callable[[CheckContext], None]] = []


def check(fn: Callable[[CheckContext], None]) -> Callable[[CheckContext], None]:
    CHECKS.append(fn)
    return fn


def run_checks(ctx: CheckContext) -> None:
    for fn in CHECKS:
        fn(ctx)


# ---------------------------------------------------------------------------------------------- helpers
def _b(s: pd.Series) -> pd.Series:
    """NA-safe boolean (NA -> False)."""
    return s.fillna(False).astype(bool)


def _ne(a: pd.Series, b: pd.Series) -> pd.Series:
    """Values differ, treating two blanks as equal."""
    return _b(a.ne(b)) & ~(a.isna() & b.isna()) | (a.isna() ^ b.isna())


def _key(df: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([df["YEAR"].to_numpy(), df["CHILD"].astype(object).to_numpy()])


def _found(values: pd.Series) -> Callable[[pd.Series], np.ndarray]:
    """Detail "Found: 'X'." for the flagged rows only (see :meth:`Findings.flag`)."""
    return lambda mask: ("Found: '" + values[mask.to_numpy()].astype("string").fillna("") + "'.").to_numpy(dtype=object)


def _date_text(prefix: str, dates: pd.Series) -> Callable[[pd.Series], np.ndarray]:
    """Detail "<prefix> dd/mm/yyyy." for the flagged rows only."""
    return lambda mask: (prefix + fastkeys.date_labels(dates[mask.to_numpy()]) + ".").to_numpy(dtype=object)


# ======================================================================================== the checks
MANDATORY_FIELDS: dict[str, list[str]] = {
    "header": ["CHILD", "SEX", "DOB"],
    "episodes": ["CHILD", "DECOM", "RNE", "LS", "PLACE"],
    "reviews": ["CHILD", "REVIEW"],
    "uasc": ["CHILD"],
    "oc2": ["CHILD"],
    "oc3": ["CHILD", "DOB", "IN_TOUCH"],
    "ad1": ["CHILD", "DATE_INT"],
    "placed_adoption": ["CHILD", "DATE_PLACED"],
    "prev_perm": ["CHILD", "PREV_PERM"],
    "missing": ["CHILD", "MISSING", "MIS_START"],
    "sw_episodes": ["CHILD", "SW_ID", "SW_DECOM"],
}


@check
def mandatory(ctx: CheckContext) -> None:
    for key, cols in MANDATORY_FIELDS.items():
        df = ctx.tables.get(key)
        if df is None or df.empty:
            continue
        for col in cols:
            # a date that failed to parse is reported by TYPE-DATE, not here
            bad = df[col].isna() & ~df.get(f"__bad_{col}", pd.Series(False, index=df.index))
            ctx.findings.flag("MANDATORY", key, bad, col)


@check
def codes(ctx: CheckContext) -> None:
    for fld, spec in code_lists().items():
        for key in spec["tables"]:
            df = ctx.tables.get(key)
            if df is None or df.empty or fld not in df.columns:
                continue
            values = df[fld].astype("string")
            bad = pd.Series(False, index=df.index)
            details = pd.Series("", index=df.index, dtype=object)
            for year, grp in values.groupby(df["YEAR"], sort=True):
                allowed = valid_codes(fld, int(year))
                b = grp.notna() & ~grp.isin(list(allowed))
                b = _b(b)
                if b.any():
                    bad.loc[b[b].index] = True
                    hint = ", ".join(sorted(allowed)) if len(allowed) <= 16 else "see the DfE guidance"
                    details.loc[b[b].index] = ("Found: '" + grp[b].fillna("") + f"'. Valid in {int(year)}: {hint}.")
            ctx.findings.flag(f"CODE-{fld}", key, bad, fld, details.to_numpy())
    oc2 = ctx.tables.get("oc2")
    if oc2 is not None and not oc2.empty:
        s = oc2["SDQ_SCORE"]
        ctx.findings.flag("CODE-SDQ_SCORE", "oc2", _b((s < 0) | (s > 40)), "SDQ_SCORE", _found(s))
    hdr = ctx.tables.get("header")
    if hdr is not None and not hdr.empty:
        upn = hdr["UPN"].astype("string")
        ok = upn.str.fullmatch(r"[A-HJ-NP-RT-Z](\d{12}|\d{11}[A-Z])|UN[1-5]")
        ctx.findings.flag("CODE-UPN", "header", upn.notna() & ~_b(ok), "UPN", _found(upn))
        ctx.findings.flag("SEX-U", "header", _b((hdr["SEX"] == "U") & (hdr["YEAR"] >= 2025)), "SEX")
    sw = ctx.tables.get("sw_episodes")
    if sw is not None and not sw.empty:
        sid = sw["SW_ID"].astype("string")
        ctx.findings.flag("CODE-SW_ID", "sw_episodes", sid.notna() & ~_b(sid.str.match(r"(SW|XX)")), "SW_ID",
                          _found(sid))


def _date_after_end(ctx: CheckContext, key: str, cols: list[str]) -> None:
    df = ctx.tables.get(key)
    if df is None or df.empty:
        return
    end = ctx.end(df)
    for col in cols:
        ctx.findings.flag("YEAR-AFTER-END", key, _b(df[col] > end), col,
                          _date_text("Found: ", df[col]))


def _end_before_start(ctx: CheckContext, key: str, start: str, end: str) -> None:
    df = ctx.tables.get(key)
    if df is None or df.empty:
        return
    ctx.findings.flag("DATE-END-BEFORE-START", key, _b(df[end] < df[start]), end)


@check
def dates(ctx: CheckContext) -> None:
    hdr = ctx.tables.get("header")
    if hdr is not None and not hdr.empty:
        ctx.findings.flag("DATE-DOB-FUTURE", "header", _b(hdr["DOB"] > ctx.end(hdr)), "DOB")
    ep = ctx.tables.get("episodes")
    if ep is not None and not ep.empty:
        ctx.findings.flag("DATE-DEC-BEFORE-DECOM", "episodes", _b(ep["DEC"] < ep["DECOM"]), "DEC")
        _date_after_end(ctx, "episodes", ["DECOM", "DEC"])
        ctx.findings.flag("YEAR-BEFORE-START", "episodes", _b(ep["DEC"] < ctx.start(ep)), "DEC")
    _date_after_end(ctx, "reviews", ["REVIEW"])
    rv = ctx.tables.get("reviews")
    if rv is not None and not rv.empty:
        ctx.findings.flag("YEAR-BEFORE-START", "reviews", _b(rv["REVIEW"] < ctx.start(rv)), "REVIEW")
    _date_after_end(ctx, "missing", ["MIS_START", "MIS_END"])
    _end_before_start(ctx, "missing", "MIS_START", "MIS_END")
    ms = ctx.tables.get("missing")
    if ms is not None and not ms.empty:
        # Only an episode that ended before 1 April is out of the year (an open one started earlier and still
        # going belongs in it), as for Episodes; the finding points at the MIS_END that shows it.
        ctx.findings.flag("YEAR-BEFORE-START", "missing", _b(ms["MIS_END"] < ctx.start(ms)), "MIS_END")
    _date_after_end(ctx, "sw_episodes", ["SW_DECOM", "SW_DEC"])
    _end_before_start(ctx, "sw_episodes", "SW_DECOM", "SW_DEC")
    _date_after_end(ctx, "placed_adoption", ["DATE_PLACED", "DATE_PLACED_CEASED"])
    _end_before_start(ctx, "placed_adoption", "DATE_PLACED", "DATE_PLACED_CEASED")
    _date_after_end(ctx, "ad1", ["DATE_INT", "DATE_MATCH"])


@check
def duplicates(ctx: CheckContext) -> None:
    hdr = ctx.tables.get("header")
    if hdr is not None and not hdr.empty:
        d = hdr["CHILD"].notna() & hdr.duplicated(["YEAR", "CHILD"], keep="last")
        ctx.findings.flag("HDR-DUPLICATE", "header", d, "CHILD")
    for key in ("uasc", "oc2", "oc3", "ad1", "prev_perm"):
        df = ctx.tables.get(key)
        if df is not None and not df.empty:
            ctx.findings.flag("DUP-CHILD", key, df["CHILD"].notna() & df.duplicated(["YEAR", "CHILD"], keep="last"),
                              "CHILD")
    from cpanalysis.model import TABLES
    for key in ("reviews", "missing", "sw_episodes", "placed_adoption"):
        df = ctx.tables.get(key)
        if df is not None and not df.empty:
            ctx.findings.flag("DUP-ROW", key, df.duplicated(["YEAR"] + TABLES[key], keep="first"), "CHILD")


@check
def cross_table(ctx: CheckContext) -> None:
    hdr = ctx.tables.get("header")
    if hdr is None or hdr.empty:
        return
    hdr = hdr[hdr["CHILD"].notna()]
    hkey = _key(hdr)
    header_years = set(hdr["YEAR"].unique().tolist())
    any_child = set(hdr["CHILD"].astype(object))
    dob = pd.Series(hdr["DOB"].to_numpy(), index=hkey)
    dob = dob[~dob.index.duplicated(keep="last")]
    for key, df in ctx.tables.items():
        if key == "header" or df is None or df.empty:
            continue
        ok = df["CHILD"].isna()  # blank CHILD is reported by MANDATORY
        k = _key(df)
        in_year = pd.Series(k.isin(hkey), index=df.index)
        no_hdr_year = ~df["YEAR"].isin(list(header_years))
        in_any = df["CHILD"].astype(object).isin(any_child)
        good = ok | in_year | (no_hdr_year & in_any)
        ctx.findings.flag("XT-NOT-IN-HEADER", key, ~good, "CHILD", _found(df["CHILD"]))
        if "DOB" in df.columns:
            hd = pd.Series(dob.reindex(k).to_numpy(), index=df.index)
            ctx.findings.flag("XT-DOB-MISMATCH", key, _b(hd.notna() & df["DOB"].notna() & (hd != df["DOB"])), "DOB",
                              _date_text("Header has ", hd))
    ep = ctx.tables.get("episodes")
    if ep is not None and not ep.empty:
        ep_years = set(ep["YEAR"].unique().tolist())
        has_ep = pd.Series(hkey.isin(_key(ep[ep["CHILD"].notna()])), index=hdr.index)
        # care leavers (OC3) are in the Header without episodes
        oc3 = ctx.tables.get("oc3")
        if oc3 is not None and not oc3.empty:
            has_ep = has_ep | pd.Series(hkey.isin(_key(oc3[oc3["CHILD"].notna()])), index=hdr.index)
        ctx.findings.flag("XT-NO-EPISODES", "header", ~has_ep & hdr["YEAR"].isin(list(ep_years)), "CHILD")
        # DECOM before the child's date of birth (Header of the same year)
        hd = pd.Series(dob.reindex(_key(ep)).to_numpy(), index=ep.index)
        ctx.findings.flag("DATE-DECOM-BEFORE-DOB", "episodes", _b(ep["DECOM"] < hd), "DECOM")


def _episode_frame(ep: pd.DataFrame) -> pd.DataFrame:
    """Episodes that can be sequenced (CHILD and DECOM known), one per (YEAR, CHILD, DECOM), in order."""
    e = ep[ep["CHILD"].notna() & ep["DECOM"].notna()]
    e = e.sort_values(["YEAR", "CHILD", "DECOM", "SOURCE_ROW"], kind="stable")
    return e


@check
def episode_logic(ctx: CheckContext) -> None:
    ep = ctx.tables.get("episodes")
    if ep is None or ep.empty:
        return
    f = ctx.findings
    # DEC and REC together
    f.flag("EP-DEC-REC", "episodes", ep["DEC"].notna() & ep["REC"].isna() & ~ep["__bad_DEC"], "REC")
    f.flag("EP-DEC-REC", "episodes", ep["DEC"].isna() & ep["REC"].notna() & ~ep["__bad_DEC"], "DEC")
    f.flag("EP-RPC-OPEN", "episodes", ep["DEC"].isna() & ep["REASON_PLACE_CHANGE"].notna() & ~ep["__bad_DEC"],
           "REASON_PLACE_CHANGE")
    z_places = list(TEMP_PLACES) + ["Z1", "Z11", "Z12", "Z13", "Z14"]
    f.flag("EP-PROVIDER-BLANK", "episodes", ep["PLACE"].isin(z_places) & ep["PLACE_PROVIDER"].notna(),
           "PLACE_PROVIDER", _found(ep["PLACE_PROVIDER"]))
    f.flag("PLACE-P2-2023", "episodes", _b((ep["PLACE"] == "P2") & (ep["DECOM"] >= SUPPORTED_ACCOM_DATE)), "PLACE")
    f.flag("PLACE-H5-URN", "episodes",
           _b((ep["PLACE"] == "H5") & ep["URN"].isna() & (ep["DECOM"] >= SUPPORTED_ACCOM_DATE)), "URN")

    e = _episode_frame(ep)
    dup = e.duplicated(["YEAR", "CHILD", "DECOM"], keep="last")
    f.flag("EP-DUPLICATE", "episodes", dup, "DECOM")
    e = e[~dup]
    if e.empty:
        return
    child = e["CHILD"].astype(object)
    year = e["YEAR"]
    same_next = (child.shift(-1) == child) & (year.shift(-1) == year)
    same_prev = (child.shift(1) == child) & (year.shift(1) == year)
    nxt_decom = e["DECOM"].shift(-1).where(same_next)
    f.flag("EP-OVERLAP", "episodes", same_next & (e["DEC"].isna() | _b(e["DEC"] > nxt_decom)), "DEC",
           _date_text("Next episode starts ", nxt_decom))
    is_x1 = _b(e["REC"] == "X1")
    f.flag("EP-X1-NEXT", "episodes", is_x1 & e["DEC"].notna() & ~_b(same_next & (nxt_decom == e["DEC"])), "REC")

    prev_dec = e["DEC"].shift(1).where(same_prev)
    prev_rec = e["REC"].shift(1).where(same_prev)
    joined = same_prev & _b(prev_rec == "X1") & _b(prev_dec == e["DECOM"])
    rne = e["RNE"]
    f.flag("EP-RNE-S-MIDPERIOD", "episodes", joined & _b(rne == "S"), "RNE")
    starts_in_year = e["DECOM"] >= ctx.start(e)
    not_s = rne.notna() & _b(rne != "S") & ~joined & (same_prev | starts_in_year) & ~(same_prev & _b(prev_rec == "X1"))
    f.flag("EP-RNE-NOT-S", "episodes", not_s, "RNE", _found(rne))

    ls_changed = _ne(e["LS"], e["LS"].shift(1))
    pl_changed = pd.Series(False, index=e.index)
    for col in ("PLACE", "URN", "PL_POST", "PLACE_PROVIDER"):
        pl_changed = pl_changed | _ne(e[col], e[col].shift(1))
    expected_ok = ((_b(rne == "L") & ls_changed & ~pl_changed)
                   | (_b(rne.isin(["P", "T"])) & ~ls_changed & pl_changed)
                   | (_b(rne.isin(["B", "U"])) & ls_changed & pl_changed))
    f.flag("EP-RNE-CHANGE", "episodes", joined & rne.isin(["L", "P", "T", "B", "U"]) & ~expected_ok, "RNE",
           ("RNE " + rne.fillna("") + "; legal status " + np.where(ls_changed, "changed", "unchanged")
            + ", placement " + np.where(pl_changed, "changed", "unchanged") + ".").to_numpy(dtype=object))

    temp = e["PLACE"].isin(list(TEMP_PLACES))
    # a period starts here: RNE S, or not joined to the previous episode in the return
    f.flag("EP-TEMP-START", "episodes", temp & (_b(rne == "S") | (same_prev & ~joined)), "PLACE")
    f.flag("EP-TEMP-END", "episodes", temp & e["REC"].notna() & ~is_x1, "PLACE")
    f.flag("EP-TEMP-SHORTBREAK", "episodes", temp & e["LS"].isin(list(SHORT_BREAKS)), "PLACE")
    nxt_joined = same_next & is_x1 & _b(nxt_decom == e["DEC"])
    before = e["PLACE"].shift(1).where(joined)
    after = e["PLACE"].shift(-1).where(nxt_joined)
    f.flag("EP-TEMP-RETURN", "episodes", temp & joined & nxt_joined & _b(before != after), "PLACE")


def continuous_12_months(episodes: pd.DataFrame, years: list[int]) -> pd.MultiIndex:
    """(YEAR, CHILD) of children looked after continuously for 12 months at 31 March (the OC2 cohort).

    Our implementation of reference section 2.1.3 (the DfE validator's rule): in care on 1 April, and not
    (an RNE S episode starting after 1 April and by 31 March; an episode ending, REC not X1, on or after 1 April
    and before 31 March; any V3/V4 short-break episode overlapping the year). DEC on 31 March is not leaving."""
    e = episodes[episodes["CHILD"].notna() & episodes["DECOM"].notna()]
    start = e["YEAR"].map({y: collection_start(y) for y in years}).astype("datetime64[ns]")
    end = e["YEAR"].map({y: collection_end(y) for y in years}).astype("datetime64[ns]")
    dec = e["DEC"]
    at_start = (e["DECOM"] <= start) & (dec.isna() | _b(dec >= start))
    s_in = _b(e["RNE"] == "S") & (e["DECOM"] > start) & (e["DECOM"] <= end)
    left = e["REC"].notna() & _b(e["REC"] != "X1") & _b(dec >= start) & _b(dec < end)
    v34 = e["LS"].isin(list(SHORT_BREAKS)) & (e["DECOM"] <= end) & (dec.isna() | _b(dec >= start))
    flags = pd.DataFrame({"YEAR": e["YEAR"].to_numpy(), "CHILD": e["CHILD"].astype(object).to_numpy(),
                          "at_start": _b(at_start).to_numpy(), "bad": _b(s_in | left | v34).to_numpy()})
    g = flags.groupby(["YEAR", "CHILD"], sort=False)[["at_start", "bad"]].any()
    g = g[g["at_start"] & ~g["bad"]]
    return g.index


@check
def cohorts(ctx: CheckContext) -> None:
    ep = ctx.tables.get("episodes")
    oc2 = ctx.tables.get("oc2")
    if ep is not None and not ep.empty and oc2 is not None and not oc2.empty:
        cohort = continuous_12_months(ep, ctx.years)
        ep_years = list(set(ep["YEAR"].unique().tolist()))
        inside = pd.Series(_key(oc2).isin(cohort), index=oc2.index)
        ctx.findings.flag("OC2-COHORT", "oc2", oc2["CHILD"].notna() & oc2["YEAR"].isin(ep_years) & ~inside, "CHILD")
    oc3 = ctx.tables.get("oc3")
    if oc3 is not None and not oc3.empty:
        end = ctx.end(oc3)
        dob = oc3["DOB"]
        before_bday = (end.dt.month < dob.dt.month) | ((end.dt.month == dob.dt.month) & (end.dt.day < dob.dt.day))
        age = end.dt.year - dob.dt.year - before_bday.astype("Int64")
        ctx.findings.flag("OC3-AGE", "oc3", _b((age < 17) | (age > 21)), "DOB")


def rule_table() -> pd.DataFrame:
    """The catalogue, for documentation and the report."""
    return pd.DataFrame([{"rule_id": r.id, "severity": r.severity, "action": r.action, "message": r.message}
                         for r in RULES.values()])


__all__ = ["RULES", "Rule", "Findings", "CheckContext", "run_checks", "rule_table", "continuous_12_months",
           "TABLE_TITLES", "MANDATORY_FIELDS"]

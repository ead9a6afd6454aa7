"""Read a council's SSDA903 return (CSV, XLSX or XML; one or many years), validate it and lose nothing.

``load_ssda903(path, year=None, *, repair="latest") -> CLAData``

The files are found and read into raw tables by :mod:`cpanalysis.sources.ssda903_files`; this module types,
checks and merges them.

**Layouts.** ``path`` is

* a folder with one subfolder per collection year, named by the year the collection ends (``2025/``; also
  ``2024-25`` or ``2024_25``), each holding that year's files; or
* a flat folder holding one year's files (``year`` names the year; if it is not given the year is inferred from
  the latest episode start or other event date, and a note says so); or
* a single file: an XLSX workbook (one sheet per table), a 903 XML submission, or one CSV table.

**Files.** CSV in UTF-8, UTF-8 with BOM, UTF-16 (with BOM) or Windows-1252 (detected; the fallback is noted),
separated by commas (or, noted, by tabs, semicolons or vertical bars when the heading row has no comma);
XLSX (``.xlsx``/``.xlsm``; one sheet per table or one file per table; hidden sheets, merged cells and formulas
with no saved value are named in the notes); XML in the DfE layout (root ``EXPSSDA903``, one ``CHILD`` per child
with a ``HEADER`` and repeated ``EPISODE``; ``CHILDID`` is CHILD and ``PL`` is PLACE). XML elements are found by
name in any case and namespace, and ``CHILD`` records at any depth (inside a container element, noted); a file
with no ``CHILD`` record is refused naming the elements it holds. A heading repeated in a file is reported with its
column positions and the first is used. A table is recognised by its columns, never by its file name: headings are matched ignoring
case, surrounding spaces and order; extra columns are reported and ignored; optional columns that are absent
are reported and treated as blank; trailing blank rows and columns are ignored. A Deprivation of Liberty
(DoLo, 2026-27) file is recognised and noted but not used yet. Other files in the folder (README, .txt) are
listed in the notes and skipped.

**Values.** Cells are read as text, stripped; blanks become missing; codes are upper-cased. Dates are
``dd/mm/yyyy``; ISO dates (``2025-03-31``), Excel serial day numbers (``45747``), ``dd-mm-yyyy`` and dates with a
midnight time part are accepted and recorded in ``CLAData.notes``. Anything else fails rule TYPE-DATE.

**Provenance.** Every row keeps ``YEAR`` (collection year), ``SOURCE_FILE`` (file name, with ``#Sheet`` for a
workbook sheet) and ``SOURCE_ROW``: the row a spreadsheet user sees (header = row 1, first data row = 2). For
XML, ``SOURCE_ROW`` is the record's number in its table counted the same way (first record = 2); the ``child``
column of the quarantine identifies the ``CHILD`` element.

**Validation.** The rules in :mod:`cpanalysis.validation.rules` run on each year's rows with that year's code
lists. Rows failing an ``error`` rule are quarantined (``CLAData.quarantine``, one line per row and rule);
``warning`` findings keep the row (some blank the bad value) and are listed in ``CLAData.issues`` (an extra
attribute holding every finding, all severities). A collection year with no usable Episodes row (empty,
headings only, absent, or every row quarantined) is the error FILE-EMPTY-TABLE, which stops a pack or an export
for that reporting year (:func:`cpanalysis.validation.blocking_findings`): its figures would be false zeros. ``CLAData.reconciliation`` counts rows read, used and
quarantined by table and year (read = used + quarantined), plus ``rows_superseded``: used rows replaced by a
later return's copy of the same record in the multi-year merge below.

**Multi-year merge.** Header: one row per child, the latest year's row wins. Other tables except Episodes keep
one set of rows per year (filter on ``YEAR``). Episodes from successive returns are combined into one history
per child and repaired:

``repair="latest"`` (default; the approach of the DfE-sponsored demand model, DM ``datacontainer.py``):

1. for each (CHILD, DECOM) keep the copy with the latest non-blank DEC (a blank DEC counts as earliest; ties go
   to the latest return), so an episode open in one return and closed in the next is taken as closed;
2. for each (CHILD, DEC) with DEC known keep only the first episode (earliest DECOM): two episodes cannot end
   on the same day;
3. truncate overlaps: an episode still open, or ending after the child's next episode starts, is ended on the
   next episode's DECOM. Its REC, if blank, becomes ``X1`` when the next episode continues the period (RNE not
   S) and ``E99`` (ended, reason not known; the code LIIA uses) otherwise.

``repair="liia"`` (the spirit of the London LIIA episodes fix, L ``lds_ssda903_episodes_fix``), which differs in
two ways: (1) for each (CHILD, DECOM) the copy from the latest return wins even if its DEC is blank (the latest
return is taken as the truth), and (4) an episode left open in a return, for a child who does not appear in any
later return's Episodes although later returns were loaded, is closed at the end of that return's collection
year (31 March) with REC ``E99``. Steps 2 and 3 are as above.

``repair="none"`` concatenates the years without repair (for auditing).

Every repair is counted in ``CLAData.notes``. Fatal problems raise :class:`FatalInputError` (exit code 2) with the
file, row and column and what to do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from cpanalysis.model import (
    DATE_COLUMNS,
    INT_COLUMNS,
    META_COLUMNS,
    TABLE_TITLES,
    TABLES,
    CLAData,
    collection_end,
    collection_start,
    empty_table,
)
from cpanalysis.sources.ssda903_files import (  # noqa: F401 - REQUIRED_COLUMNS, _year_of_dir: imported from here
    DATA_SUFFIXES,
    NUMERIC_CODES,
    OPTIONAL_DATES,
    REQUIRED_COLUMNS,
    UNKNOWN_END,
    RawTable,
    _discover,
    _read_any,
    _year_of_dir,
)
from cpanalysis.validation.errors import FatalInputError
from cpanalysis.validation.rules import RULES, CheckContext, Findings, run_checks

Repair = Literal["latest", "liia", "none"]

DATE_KINDS = ("ISO (yyyy-mm-dd)", "Excel serial numbers", "dd-mm-yyyy", "with a time of day")


def parse_dates(s: pd.Series) -> tuple[pd.Series, pd.Series, dict[str, int]]:
    """Parse dd/mm/yyyy, accepting ISO, Excel serial numbers, dd-mm-yyyy and midnight times.

    Returns (datetime64[ns] series, bad mask, counts of accepted non-standard formats). Each distinct text
    is parsed once (a return repeats the same dates many times: dates of birth in every year's Header)."""
    s = s.astype("string")
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    parsed, kinds = _parse_distinct(pd.Series(np.asarray(uniq, dtype=object), dtype="string"))
    take = np.where(codes >= 0, codes, 0)
    missing = codes < 0
    if len(parsed):
        values = parsed.to_numpy(dtype="datetime64[ns]")[take]
        values[missing] = np.datetime64("NaT")
        row_kinds = kinds[take]
        row_kinds[missing] = ""
    else:
        values = np.full(len(s), np.datetime64("NaT"), dtype="datetime64[ns]")
        row_kinds = np.full(len(s), "", dtype=object)
    out = pd.Series(values, index=s.index, dtype="datetime64[ns]")
    other = {k: int((row_kinds == k).sum()) for k in DATE_KINDS}
    other = {k: n for k, n in other.items() if n}
    bad = s.notna() & out.isna()
    return out, _b(bad), other


#: dates pandas can hold (nanosecond timestamps: 1677 to 2262); anything outside is a TYPE-DATE finding, e.g. the
#: "no end date" placeholder 31/12/9999 or a typing slip such as 12/05/3012
DATE_MIN, DATE_MAX = pd.Timestamp("1678-01-01"), pd.Timestamp("2261-12-31")


def _in_range(parsed: pd.Series) -> pd.Series:
    """Parsed dates (any unit) as datetime64[ns], with dates outside DATE_MIN..DATE_MAX set to NaT."""
    if parsed.dtype != "datetime64[ns]":
        parsed = parsed.where((parsed >= DATE_MIN) & (parsed <= DATE_MAX))
    return parsed.astype("datetime64[ns]")


def _parse_distinct(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse distinct date texts: (datetime64[ns] series, the non-standard format of each, or "")."""
    out = _in_range(pd.to_datetime(s, format="%d/%m/%Y", errors="coerce"))
    kinds = np.full(len(s), "", dtype=object)
    todo = s.notna() & out.isna()
    if todo.any():
        sub = s[todo]
        res = pd.Series(pd.NaT, index=sub.index, dtype="datetime64[ns]")
        iso_ok = _b(sub.str.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}(?:[ T]00:00(?::00(?:\.0+)?)?)?"))
        if iso_ok.any():
            res[iso_ok] = _in_range(pd.to_datetime(sub[iso_ok].str.slice(0, 10), format="%Y-%m-%d", errors="coerce"))
        num = pd.to_numeric(sub.where(~iso_ok), errors="coerce")
        ser_ok = _b(num.notna() & (num >= 1) & (num < 100000) & (num == np.floor(num)))
        if ser_ok.any():
            res[ser_ok] = pd.Timestamp("1899-12-30") + pd.to_timedelta(num[ser_ok].astype("int64"), unit="D")
        rest = ~iso_ok & ~ser_ok
        dash = rest & _b(sub.str.fullmatch(r"\d{1,2}[-.]\d{1,2}[-.]\d{4}"))
        if dash.any():
            res[dash] = _in_range(pd.to_datetime(sub[dash].str.replace(r"[-.]", "/", regex=True),
                                                 format="%d/%m/%Y", errors="coerce"))
        tm = rest & ~dash & _b(sub.str.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}[ T]00:00(?::00)?"))
        if tm.any():
            res[tm] = _in_range(pd.to_datetime(sub[tm].str.slice(0, 10).str.strip(), format="%d/%m/%Y",
                                               errors="coerce"))
        pos = np.flatnonzero(todo.to_numpy())
        for label, m in zip(DATE_KINDS, (iso_ok, ser_ok, dash, tm)):
            kinds[pos[(m & res.notna()).to_numpy()]] = label
        out[todo] = res
    return out, kinds


def _b(s: pd.Series) -> pd.Series:
    return s.fillna(False).astype(bool)


def _type_table(key: str, df: pd.DataFrame, findings: Findings, notes: list[str]) -> pd.DataFrame:
    """String frame (all years) -> typed frame with __bad_<date> helper columns."""
    out = pd.DataFrame(index=df.index)
    for c in TABLES[key]:
        s = df[c].astype("string")
        s = s.mask(s == "")
        if c in DATE_COLUMNS:
            parsed, bad, other = parse_dates(s)
            if bad.any():
                rule = "TYPE-DATE-OPTIONAL" if c in OPTIONAL_DATES else "TYPE-DATE"
                yr = pd.to_numeric(s.str.extract(r"(\d{4,})\s*$", expand=False), errors="coerce")
                far = _b((yr < DATE_MIN.year) | (yr > DATE_MAX.year))
                hint = pd.Series("", index=s.index, dtype=object).mask(
                    far, f" A year outside {DATE_MIN.year}-{DATE_MAX.year} cannot be a real date: leave a date "
                    "that is not known (such as a placeholder 31/12/9999 for 'no end date') blank.")
                findings.flag(rule, key, bad, c, ("Found: '" + s.fillna("") + "'." + hint).to_numpy(dtype=object))
            for label, n in other.items():
                used = s.notna() & ~bad & ~_b(s.str.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}"))
                files = sorted(df.loc[used, "SOURCE_FILE"].unique().tolist())
                notes.append(f"{TABLE_TITLES[key]} {c}: {n} date(s) written as {label} were accepted "
                             f"({', '.join(files[:5])}). The DfE format is dd/mm/yyyy.")
            out[c] = parsed
            out[f"__bad_{c}"] = bad
        elif c in INT_COLUMNS:
            num = pd.to_numeric(s, errors="coerce")
            bad = s.notna() & (num.isna() | _b(num != np.floor(num)))
            findings.flag("TYPE-NUMBER", key, _b(bad), c, ("Found: '" + s.fillna("") + "'.").to_numpy(dtype=object))
            out[c] = num.where(~_b(bad)).round().astype("Int64")
        elif c == "CHILD":
            out[c] = s
        else:
            s = s.str.upper()
            if c in NUMERIC_CODES:
                s = s.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
            out[c] = s
    out["YEAR"] = df["YEAR"].astype("int64")
    out["SOURCE_FILE"] = df["SOURCE_FILE"].astype("string")
    out["SOURCE_ROW"] = df["SOURCE_ROW"].astype("Int64")
    return out


# ================================================================================================== merge
def _merge_episodes(ep: pd.DataFrame, repair: Repair, years: list[int], notes: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """Combine used episode rows from all returns into one history per child. Returns the merged frame and a
    boolean Series (index of ``ep``) of rows superseded by another return's copy."""
    superseded = pd.Series(False, index=ep.index)
    if repair == "none" or ep.empty:
        return ep, superseded
    e = ep.copy()
    n0 = len(e)
    # 1. one copy per (CHILD, DECOM)
    if repair == "latest":
        e = e.sort_values(["CHILD", "DECOM", "DEC", "YEAR", "SOURCE_ROW"], na_position="first", kind="stable")
    else:
        e = e.sort_values(["CHILD", "DECOM", "YEAR", "SOURCE_ROW"], kind="stable")
    d1 = e.duplicated(["CHILD", "DECOM"], keep="last")
    superseded[d1[d1].index] = True
    e = e[~d1]
    # 2. one episode per (CHILD, DEC) when DEC is known: keep the earliest DECOM
    e = e.sort_values(["CHILD", "DECOM"], kind="stable")
    d2 = e["DEC"].notna() & e.duplicated(["CHILD", "DEC"], keep="first")
    superseded[d2[d2].index] = True
    e = e[~d2]
    # 4 (liia only). close episodes left open by a child missing from every later return
    n_closed = 0
    if repair == "liia" and len(years) > 1:
        last_year = e.groupby("CHILD", sort=False)["YEAR"].transform("max")
        latest_any = max(years)
        child_last = ep.groupby("CHILD", sort=False)["YEAR"].max()
        seen_last = e["CHILD"].map(child_last).astype("int64")
        is_last = e.groupby("CHILD", sort=False)["DECOM"].transform("max") == e["DECOM"]
        close = e["DEC"].isna() & is_last & (seen_last < latest_any) & (last_year == e["YEAR"])
        if close.any():
            ends = e.loc[close, "YEAR"].map(lambda y: collection_end(int(y)))
            e.loc[close, "DEC"] = ends.astype("datetime64[ns]")
            e.loc[close, "REC"] = UNKNOWN_END
            n_closed = int(close.sum())
    # 3. truncate overlaps to the next DECOM
    same_next = e["CHILD"].shift(-1) == e["CHILD"]
    nxt = e["DECOM"].shift(-1).where(same_next)
    nxt_rne = e["RNE"].shift(-1).where(same_next)
    over = _b(same_next & (e["DEC"].isna() | _b(e["DEC"] > nxt)))
    n_trunc = int(over.sum())
    if n_trunc:
        e.loc[over, "DEC"] = nxt[over]
        fill = over & e["REC"].isna()
        e.loc[fill, "REC"] = np.where(_b(nxt_rne[fill] == "S"), UNKNOWN_END, "X1")
    if repair != "none" and len(years) > 1 or n0 != len(e):
        notes.append(f"Episodes merged across {len(years)} return(s) with repair='{repair}': {int(d1.sum())} "
                     f"duplicate (CHILD, DECOM) copies and {int(d2.sum())} duplicate (CHILD, DEC) episodes "
                     f"replaced, {n_trunc} overlapping or open episodes ended at the next episode's start"
                     + (f", {n_closed} open episodes of children absent from later returns closed at 31 March "
                        f"with REC {UNKNOWN_END}" if repair == "liia" else "") + ".")
    return e.sort_values(["CHILD", "DECOM"], kind="stable"), superseded


# =================================================================================================== main
def _infer_year(raws: list[RawTable], name: str) -> int:
    best = None
    for col_key, col in (("episodes", "DECOM"), ("episodes", "DEC"), ("reviews", "REVIEW"),
                         ("missing", "MIS_START"), ("header", "DOB")):
        for rt in raws:
            if rt.key == col_key and len(rt.frame):
                d, _, _ = parse_dates(rt.frame[col].mask(rt.frame[col] == ""))
                m = d.max()
                if pd.notna(m):
                    y = m.year + 1 if m.month >= 4 else m.year
                    best = y if best is None else max(best, y)
        if best is not None and col_key != "header":
            return best
    if best is None:
        raise FatalInputError(f"{name}: {RULES['FATAL-NO-YEAR'].message}", "FATAL-NO-YEAR", name)
    return best


def _issues_frame(findings: Findings, typed: dict[str, pd.DataFrame]) -> pd.DataFrame:
    cols = ["table", "year", "source_file", "source_row", "column", "rule_id", "severity", "action", "message",
            "child", "row_id"]
    parts = []
    for key, idx, column, rule_id, detail in findings.parts:
        df = typed[key]
        rule = RULES[rule_id]
        sub = df.loc[idx, ["YEAR", "SOURCE_FILE", "SOURCE_ROW", "CHILD"]]
        msg = pd.Series(rule.message, index=sub.index, dtype=object)
        if detail is not None and len(detail) == len(idx):
            det = pd.Series(detail, index=sub.index, dtype=object).fillna("")
            msg = msg.where(det == "", msg + " " + det.astype(str))
        parts.append(pd.DataFrame({
            "table": key, "year": sub["YEAR"].to_numpy(), "source_file": sub["SOURCE_FILE"].to_numpy(),
            "source_row": sub["SOURCE_ROW"].to_numpy(), "column": column, "rule_id": rule_id,
            "severity": rule.severity, "action": rule.action, "message": msg.to_numpy(),
            "child": sub["CHILD"].to_numpy(), "row_id": idx}))
    for fi in findings.file_level:
        rule = RULES[fi["rule_id"]]
        parts.append(pd.DataFrame([{
            "table": fi["table"], "year": fi["year"], "source_file": fi["source_file"], "source_row": pd.NA,
            "column": fi["column"], "rule_id": fi["rule_id"], "severity": rule.severity, "action": rule.action,
            "message": rule.message + (f" Column: {fi['column']}." if fi["column"] else "")
            + (f" {fi['detail']}" if fi["detail"] else ""), "child": pd.NA,
            "row_id": -1}]))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    out = pd.concat(parts, ignore_index=True)
    out["source_row"] = out["source_row"].astype("Int64")
    out["year"] = out["year"].astype("Int64")
    out["row_id"] = out["row_id"].astype("int64")
    for c in ("table", "source_file", "column", "rule_id", "severity", "action", "message", "child"):
        out[c] = out[c].astype("string")
    return out[cols]


def load_ssda903(path: str | Path, year: int | None = None, *, repair: Repair = "latest") -> CLAData:
    """Read, validate and merge an SSDA903 return. See the module docstring."""
    if repair not in ("latest", "liia", "none"):
        raise ValueError(f"repair must be 'latest', 'liia' or 'none', not {repair!r}")
    path = Path(path)
    notes: list[str] = []
    findings = Findings()
    files = _discover(path, year, notes)
    raws: list[RawTable] = []
    for y, f in files:
        try:
            raws += _read_any(y, f, findings, notes)
        except FatalInputError as err:
            raise _naming_folder(err, f, path) from None
        except (OSError, UnicodeError, ValueError, KeyError) as err:
            raise _naming_folder(FatalInputError(
                f"{f.name}: {RULES['FATAL-UNREADABLE'].message} ({type(err).__name__}: {err})", "FATAL-UNREADABLE",
                f.name), f, path) from None
    if any(rt.year is None for rt in raws):
        inferred = _infer_year([rt for rt in raws if rt.year is None], str(path))
        for rt in raws:
            if rt.year is None:
                rt.year = inferred
        notes.append(f"Collection year {inferred} ({inferred - 1}-{str(inferred)[2:]}) was inferred from the latest "
                     "date in the files; give --year or use a year folder to set it.")
    if not any(rt.key == "header" for rt in raws):
        found = ", ".join(sorted({TABLE_TITLES[rt.key] for rt in raws})) or "none"
        raise FatalInputError(f"{path}: {RULES['FATAL-NO-HEADER'].message} Tables found: {found}.",
                              "FATAL-NO-HEADER", str(path))
    _fix_folder_years(raws, notes)
    years = sorted({int(rt.year) for rt in raws})
    for rt in raws:
        _check_year_fit(rt, findings)
    _note_split_tables(raws, notes)

    # one string frame per table (all years), then types
    typed: dict[str, pd.DataFrame] = {}
    read_counts: dict[tuple[str, int], int] = {}
    for key in TABLES:
        parts = []
        for rt in raws:
            if rt.key != key:
                continue
            fr = rt.frame.copy()
            fr["YEAR"] = int(rt.year)
            fr["SOURCE_FILE"] = rt.source_file
            parts.append(fr)
            read_counts[(key, int(rt.year))] = read_counts.get((key, int(rt.year)), 0) + len(fr)
        if not parts:
            continue
        df = pd.concat(parts, ignore_index=True)
        typed[key] = _type_table(key, df, findings, notes)

    run_checks(CheckContext(typed, findings, years))
    issues = _issues_frame(findings, typed)

    # apply actions: blank cells, quarantine rows
    blank = issues[(issues["action"] == "blank") & (issues["row_id"] >= 0)]
    for (key, col), grp in blank.groupby(["table", "column"]):
        df = typed[key]
        df.loc[grp["row_id"].to_numpy(), col] = pd.NA
    errs = issues[(issues["severity"] == "error") & (issues["row_id"] >= 0)]
    quarantine = errs[["table", "year", "source_file", "source_row", "column", "rule_id", "severity", "message",
                       "child"]].reset_index(drop=True)
    bad_rows = {k: set(g["row_id"].tolist()) for k, g in errs.groupby("table")}
    unusable = Findings()
    _check_empty_episodes(typed, raws, years, findings, bad_rows.get("episodes", set()), unusable)
    if unusable.file_level:
        issues = pd.concat([issues, _issues_frame(unusable, typed)], ignore_index=True)

    tables: dict[str, pd.DataFrame] = {}
    used: dict[str, pd.DataFrame] = {}
    for key, df in typed.items():
        q = df.index.isin(list(bad_rows.get(key, ())))
        used[key] = df.loc[~q, TABLES[key] + META_COLUMNS]

    superseded: dict[str, pd.Series] = {}
    if "episodes" in used:
        merged, sup = _merge_episodes(used["episodes"], repair, years, notes)
        tables["episodes"] = merged
        superseded["episodes"] = sup
    if "header" in used:
        h = used["header"].sort_values(["CHILD", "YEAR", "SOURCE_ROW"], kind="stable")
        d = h.duplicated("CHILD", keep="last")
        superseded["header"] = pd.Series(d.to_numpy(), index=h.index)
        tables["header"] = h[~d]
        if len(years) > 1:
            notes.append(f"Header: one row per child from the latest return that includes the child "
                         f"({int(d.sum())} earlier-year rows replaced).")
    for key in used:
        if key not in tables:
            tables[key] = used[key]
    for key in list(tables):
        tables[key] = _finalise(key, tables[key])

    # reconciliation
    rec_rows = []
    for (key, y), n in sorted(read_counts.items()):
        df = typed[key]
        in_year = (df["YEAR"] == y).to_numpy()
        nq = int((df.index.isin(list(bad_rows.get(key, ()))) & in_year).sum())
        sup = superseded.get(key)
        ns = int(sup[sup].index.isin(df.index[in_year]).sum()) if sup is not None else 0
        rec_rows.append({"table": key, "year": y, "rows_read": n, "rows_used": n - nq, "rows_quarantined": nq,
                         "rows_superseded": ns})
    reconciliation = pd.DataFrame(rec_rows, columns=["table", "year", "rows_read", "rows_used", "rows_quarantined",
                                                     "rows_superseded"])
    data = CLAData(tables=tables, years=years, quarantine=quarantine, reconciliation=reconciliation, notes=notes)
    #: (collection year, file name) -> path under the return folder, so a finding names the year folder too
    data.source_paths = {(y, f.name): (f.relative_to(path).as_posix() if path.is_dir() else f.name)
                         for y, f in files if y is not None}
    for rt in raws:
        base = rt.source_file.split("#")[0]
        for (y, name), rel in list(data.source_paths.items()):
            if name == base and y != rt.year:
                data.source_paths.setdefault((int(rt.year), name), rel)
    data.issues = issues.drop(columns=["row_id"])  # every finding, all severities (see module docstring)
    data.source = str(path)
    data.repair = repair
    return data


def _naming_folder(err: FatalInputError, f: Path, path: Path) -> FatalInputError:
    """The same fatal error, naming the file by its path under the return folder (``2025/episodes.csv``), so a
    user with several year folders knows which year's file to fix."""
    if not path.is_dir():
        return err
    rel = f.relative_to(path).as_posix()
    msg = str(err)
    if rel == f.name:
        return err
    msg = rel + msg[len(f.name):] if msg.startswith(f.name) else f"{rel}: {msg}"
    return FatalInputError(msg, err.rule_id, rel)


def _check_empty_episodes(typed: dict[str, pd.DataFrame], raws: list[RawTable], years: list[int],
                          findings: Findings, quarantined: set, out: Findings) -> None:
    """A collection year with no usable Episodes row is an error (added to ``out``): its Episodes table is empty,
    has only its heading row, is absent (the whole year may have been exported with headings only), or every row
    is quarantined. Without it every figure of the year (starts, endings, placements, adoptions) would be a false
    zero."""
    hdr = typed.get("header")
    eps = typed.get("episodes")
    empty_files = {(fi["year"], fi["source_file"]) for fi in findings.file_level if fi["rule_id"] == "FILE-EMPTY"}
    for y in years:
        n_children = int((hdr["YEAR"] == y).sum()) if hdr is not None else 0
        in_year = (eps["YEAR"] == y).to_numpy() if eps is not None else np.zeros(0, bool)
        n_eps = int(in_year.sum())
        n_bad = int(eps.index[in_year].isin(list(quarantined)).sum()) if n_eps else 0
        if n_eps and n_bad < n_eps:
            continue
        named = [rt.source_file for rt in raws if rt.key == "episodes" and int(rt.year) == y]
        named += [f for yy, f in sorted(empty_files) if yy == y and "episode" in f.lower()]
        if n_eps:
            how = f"has {n_eps:,} row(s), every one quarantined (see the errors for this table)"
        elif any(rt.key == "episodes" and int(rt.year) == y for rt in raws):
            how = "has only its heading row"
        else:
            how = "is empty" if named else "is missing"
        if n_children:
            who = f"while the Header for {y} lists {n_children:,} children."
        else:
            mine = [rt for rt in raws if int(rt.year) == y]
            others = sorted({TABLE_TITLES[rt.key] for rt in mine if rt.key != "episodes"})
            who = ("and no table of the year has a data row (" + ", ".join(others) + ": headings only), so the "
                   "whole year looks exported with headings only." if others and not any(len(rt.frame) for rt in mine)
                   else "and the Header lists no child.")
        out.file_issue("FILE-EMPTY-TABLE", "episodes", y, named[0] if named else "(no Episodes file)", "",
                       f"The Episodes table for {y} {how} {who}")


def _late_share(rt: RawTable) -> tuple[float, pd.Timestamp | None]:
    """Share of episode starts (or reviews) after 31 March of the table's year, and the latest date."""
    col = {"episodes": "DECOM", "reviews": "REVIEW"}.get(rt.key)
    if col is None or len(rt.frame) < 5:
        return 0.0, None
    d, _, _ = parse_dates(rt.frame[col].mask(rt.frame[col] == ""))
    d = d.dropna()
    if len(d) < 5:
        return 0.0, None
    return float((d > collection_end(int(rt.year))).mean()), d.max()


def _fix_folder_years(raws: list[RawTable], notes: list[str]) -> None:
    """A folder named by the year its collection STARTS (the demand model's samples do this) is read as the
    following year, with a note, when its episodes clearly belong there: most episode starts fall after
    31 March of the folder's year, none after 31 March of the next, and no other folder has that year."""
    years = sorted({int(rt.year) for rt in raws})
    shift = {}
    for y in years:
        eps = [rt for rt in raws if int(rt.year) == y and rt.key == "episodes"]
        if not eps:
            continue
        share, latest = _late_share(eps[0])
        if share > 0.5 and latest is not None and latest <= collection_end(y + 1):
            shift[y] = y + 1
    if not shift:
        return
    new_years = [shift.get(y, y) for y in years]
    if len(set(new_years)) != len(new_years):
        return  # would collide with another folder: leave as named; FILE-YEAR-MISMATCH reports it
    for y, ny in sorted(shift.items()):
        notes.append(f"Folder {y}: most episodes start after 31 March {y} and none after 31 March {ny}, so it "
                     f"holds the {y}-{str(ny)[2:]} return and was read as collection year {ny}. Rename the folder "
                     f"to {ny} (folders are named by the year the collection ends).")
    for rt in raws:
        rt.year = shift.get(int(rt.year), int(rt.year))


def _note_split_tables(raws: list[RawTable], notes: list[str]) -> None:
    seen: dict[tuple[str, int], list[str]] = {}
    for rt in raws:
        seen.setdefault((rt.key, int(rt.year)), []).append(rt.source_file)
    for (key, y), names in sorted(seen.items()):
        if len(names) > 1:
            notes.append(f"{TABLE_TITLES[key]} {y} comes from {len(names)} files ({', '.join(names)}); their rows "
                         "were combined. If one is a copy of another (for example CSV and XML exports of the same "
                         "return), keep only one.")


def _check_year_fit(rt: RawTable, findings: Findings) -> None:
    """Warn when most episode starts or reviews fall outside the year the folder names (e.g. a folder named by
    the year the collection starts)."""
    col = {"episodes": "DECOM", "reviews": "REVIEW"}.get(rt.key)
    if col is None or not len(rt.frame):
        return
    d, _, _ = parse_dates(rt.frame[col].mask(rt.frame[col] == ""))
    d = d.dropna()
    if len(d) < 5:
        return
    y = int(rt.year)
    after = (d > collection_end(y)).mean()
    if after > 0.5:
        findings.file_issue("FILE-YEAR-MISMATCH", rt.key, y, rt.source_file, col,
                            f"{after:.0%} of {col} dates are after 31 March {y}.")


def _finalise(key: str, df: pd.DataFrame) -> pd.DataFrame:
    """Contract dtypes and column order (model.empty_table), fresh RangeIndex."""
    proto = empty_table(key)
    out = pd.DataFrame(index=range(len(df)))
    for c in proto.columns:
        s = df[c].reset_index(drop=True) if c in df.columns else pd.Series(pd.NA, index=out.index)
        if c in DATE_COLUMNS:
            out[c] = s.astype("datetime64[ns]")
        elif c in INT_COLUMNS or c in ("YEAR", "SOURCE_ROW"):
            out[c] = s.astype("Int64")
        else:
            out[c] = s.astype("string")
    return out


# a convenience for tests and notebooks
def collection_window(year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    return collection_start(year), collection_end(year)

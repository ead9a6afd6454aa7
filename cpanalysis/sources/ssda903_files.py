"""Reading an SSDA903 return's files into raw tables: finding the files and their years, decoding CSV, Excel and
XML, recognising each table by its columns (:func:`cpanalysis.sources.ssda903.load_ssda903` then types, checks and
merges them)."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cpanalysis.model import INT_COLUMNS, TABLE_TITLES, TABLES
from cpanalysis.validation.errors import FatalInputError
from cpanalysis.validation.rules import RULES, Findings

DATA_SUFFIXES = {".csv", ".xlsx", ".xlsm", ".xml"}
COLUMN_ALIASES = {"CHILDID": "CHILD", "PL": "PLACE"}
#: tables recognised but not (yet) part of the model
UNUSED_TABLES = {"dolo": ["CHILD", "DOB", "DOLO_START", "DOLO_END"]}
#: columns that must be present for a file to be accepted as that table (others may be absent: blank)
REQUIRED_COLUMNS = {
    "dolo": ["CHILD", "DOLO_START"],
    "header": ["CHILD", "SEX", "DOB"],
    "episodes": ["CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REC"],
    "reviews": ["CHILD", "REVIEW"],
    "uasc": ["CHILD", "DUC"],
    "oc2": ["CHILD", "SDQ_SCORE"],
    "oc3": ["CHILD", "DOB", "IN_TOUCH"],
    "ad1": ["CHILD", "DATE_INT"],
    "placed_adoption": ["CHILD", "DATE_PLACED"],
    "prev_perm": ["CHILD", "PREV_PERM"],
    "missing": ["CHILD", "MISSING", "MIS_START"],
    "sw_episodes": ["CHILD", "SW_ID", "SW_DECOM"],
}
#: dates whose failure blanks the value rather than quarantining the row
OPTIONAL_DATES = {"MC_DOB", "DATE_PERM", "DUC"}
#: code columns normalised from "1.0" to "1" (spreadsheets turn codes into numbers)
NUMERIC_CODES = {"SEX"} | INT_COLUMNS
YEAR_DIR = re.compile(r"^(?:(\d{4})|(\d{4})[-_ ]?(\d{2}))$")
UNKNOWN_END = "E99"


@dataclass
class RawTable:
    key: str
    year: int | None
    source_file: str
    frame: pd.DataFrame  # spec columns (string) + SOURCE_ROW
    extra: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


# =============================================================================================== discovery
def _year_of_dir(name: str) -> int | None:
    m = YEAR_DIR.match(name.strip())
    if not m:
        return None
    if m.group(1):
        return int(m.group(1))
    return int(m.group(2)) + 1  # 2024-25 -> 2025


def _discover(path: Path, year: int | None, notes: list[str]) -> list[tuple[int | None, Path]]:
    if not path.exists():
        raise FatalInputError(f"{path}: not found. {RULES['FATAL-NO-FOLDER'].message}", "FATAL-NO-FOLDER", str(path))
    if path.is_file():
        return [(year, path)]
    if not path.is_dir():
        raise FatalInputError(f"{path}: is not a file or a folder (a named pipe, device or socket), so it cannot hold "
                              "a return. Give the folder of the SSDA903 files.", "FATAL-NO-FOLDER", str(path))
    subdirs = {p: _year_of_dir(p.name) for p in sorted(path.iterdir()) if p.is_dir() and not p.name.startswith(".")}
    year_dirs = [(y, p) for p, y in subdirs.items() if y is not None]
    latest_possible = pd.Timestamp.today().year + 1  # a collection year ends on 31 March of its year
    future = [(y, p) for y, p in year_dirs if y > latest_possible or y < 1990]
    if future:
        notes.append("Folders named for a collection year that cannot hold a return were not read: "
                     + ", ".join(f"{p.name}/" for _, p in future) + ". Folders are named by the year the collection "
                     "ends (2025 for 2024-25); rename or remove them.")
        year_dirs = [(y, p) for y, p in year_dirs if (y, p) not in future]
    other = [p.name for p, y in subdirs.items() if y is None]
    if year_dirs and other:
        notes.append("Folders not named by a collection year were not read: " + ", ".join(f"{n}/" for n in other)
                     + ". Name a folder by the year the collection ends (2025 for 2024-25) if it holds a return.")
    out: list[tuple[int | None, Path]] = []
    if year_dirs:
        for y, d in sorted(year_dirs):
            files = sorted(f for f in d.iterdir() if f.is_file())
            out += [(y, f) for f in files]
        loose = [f.name for f in path.iterdir() if f.is_file() and f.suffix.lower() in DATA_SUFFIXES]
        if loose:
            notes.append(f"{path}: files beside the year folders were not read ({', '.join(sorted(loose))}); "
                         "move them into the folder of their collection year.")
        if year is not None and year not in {y for y, _ in year_dirs}:
            notes.append(f"The reporting year {year} has no folder in {path}; years found: "
                         f"{', '.join(str(y) for y, _ in sorted(year_dirs))}.")
    else:
        out = [(year, f) for f in sorted(path.iterdir()) if f.is_file()]
        if other:
            notes.append("Subfolders not named by a collection year were not read: " + ", ".join(f"{n}/" for n in other)
                         + ". Name each year's folder by the year the collection ends (2025 for 2024-25).")
    skipped = [f.name for _, f in out if f.suffix.lower() not in DATA_SUFFIXES and not f.name.startswith(".")]
    if skipped:
        notes.append(f"Files that are not CSV, XLSX or XML were skipped: {', '.join(sorted(set(skipped)))}.")
    out = [(y, f) for y, f in out if f.suffix.lower() in DATA_SUFFIXES and not f.name.startswith(("~$", "."))]
    if not out:
        ignored = [f"{p.name}/" for _, p in future] + [f"{n}/" for n in other]
        why = (f" The subfolders {', '.join(ignored)} were not read: a return's folder is named by the year its "
               "collection ends (2025 for 2024-25), for example 2025/ or 2024-25/." if ignored else "")
        raise FatalInputError(f"{path}: {RULES['FATAL-NO-FILES'].message}{why}", "FATAL-NO-FILES", str(path))
    return out


# ================================================================================================= readers
def _decode(raw: bytes, name: str, notes: list[str]) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict") if _utf8_ok(raw[3:]) else raw[3:].decode("cp1252", "replace")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        notes.append(f"{name}: read as UTF-16 text.")
        return raw.decode("utf-16")
    if _utf8_ok(raw):
        return raw.decode("utf-8")
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    notes.append(f"{name}: not UTF-8; read as Windows-1252 (Excel's usual 'CSV' encoding). Save as 'CSV UTF-8' "
                 "to avoid this.")
    return text


def _utf8_ok(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _read_csv(path: Path, notes: list[str]) -> list[tuple[str, pd.DataFrame, np.ndarray]]:
    raw = path.read_bytes()
    if not raw.strip(b"\xef\xbb\xbf \r\n\t,"):
        return []
    text = _decode(raw, path.name, notes)
    sep = _separator(text, path.name, notes)
    try:
        # header=None: pandas would rename a repeated heading (DEC, DEC.1), hiding that the file repeats it
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=False,
                         header=None, engine="c")
        df = df.iloc[1:].set_axis([str(c) for c in df.iloc[0].tolist()], axis=1).reset_index(drop=True)
    except pd.errors.ParserError as err:
        m = re.search(r"line (\d+)", str(err))
        where = f" at row {m.group(1)}" if m else ""
        raise FatalInputError(f"{path.name}{where}: the CSV structure is broken ({err}). A row has more cells "
                              "than the heading row, usually an unquoted comma inside a value. Fix that row or "
                              "re-export the file.", "FATAL-UNREADABLE", path.name) from None
    except (ValueError, UnicodeError) as err:
        raise FatalInputError(f"{path.name}: {RULES['FATAL-UNREADABLE'].message} ({err})", "FATAL-UNREADABLE",
                              path.name) from None
    rows = np.arange(len(df), dtype=np.int64) + 2
    return [(path.name, df, rows)]


_SEPARATORS = (("\t", "tabs"), (";", "semicolons"), ("|", "vertical bars"))


def _separator(text: str, name: str, notes: list[str]) -> str:
    """The cell separator: a comma, unless the heading row has none and is split by tabs, semicolons (Excel's
    "CSV" where the decimal mark is a comma) or vertical bars; then that is used and a note says so."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    if "," in first:
        return ","
    for sep, what in _SEPARATORS:
        if first.count(sep) >= 2:
            notes.append(f"{name}: cells are separated by {what}, not commas; read as such. Save it as "
                         "'CSV (Comma delimited)' to avoid this.")
            return sep
    return ","


def _read_xlsx(path: Path, notes: list[str]) -> list[tuple[str, pd.DataFrame, np.ndarray]]:
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=str, engine="openpyxl")
    except Exception as err:  # openpyxl raises many types for damaged workbooks
        raise FatalInputError(f"{path.name}: the workbook could not be opened ({type(err).__name__}: {err}). "
                              "Open it in Excel and save it again as .xlsx, or export each table as CSV.",
                              "FATAL-UNREADABLE", path.name) from None
    try:
        quirks = _xlsx_quirks(path)
    except Exception:  # noqa: BLE001 - the inspection is only for the notes; pandas read the workbook
        quirks = {}
    out = []
    for sheet, df in sheets.items():
        _note_quirks(path.name if len(sheets) == 1 else f"{path.name}#{sheet}", df, quirks.get(sheet), notes)
        df = df.fillna("")
        nonblank = (df != "").any(axis=1).to_numpy()
        if not nonblank.any():
            continue
        h = int(np.argmax(nonblank))  # first non-blank row is the heading row
        body = df.iloc[h + 1:].reset_index(drop=True)
        body.columns = [str(c) for c in df.iloc[h].tolist()]
        rows = np.arange(len(body), dtype=np.int64) + h + 2
        name = path.name if len(sheets) == 1 else f"{path.name}#{sheet}"
        out.append((name, body, rows))
    return out


_CELL = re.compile(rb"<c\b([^>]*?)(/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_MERGE = re.compile(rb'<mergeCell\b[^>]*\bref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')


def _xlsx_quirks(path: Path) -> dict[str, dict]:
    """What the values pandas reads do not show, read from the workbook's XML: per sheet name, ``hidden`` (the
    sheet is hidden or very hidden), ``merged`` (merged ranges, e.g. ``A3:A5``) and ``uncached`` (cells holding a
    formula with no saved value, which read as blank)."""
    import zipfile

    def attr(tag: bytes, name: bytes) -> str | None:
        m = re.search(rb'\b' + name + rb'="([^"]*)"', tag)
        return m.group(1).decode("utf-8", "replace") if m else None

    out: dict[str, dict] = {}
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml")
        rels = z.read("xl/_rels/workbook.xml.rels")
        targets = {attr(t, b"Id"): attr(t, b"Target") for t in re.findall(rb"<Relationship\b[^>]*>", rels)}
        for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", book):
            name = attr(tag, b"name")
            target = targets.get(attr(tag, b"r:id") or "") or ""
            member = target.lstrip("/") if target.startswith("/") else "xl/" + target
            if name is None:
                continue
            name = name.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            info = {"hidden": (attr(tag, b"state") or "visible") != "visible", "merged": [], "uncached": []}
            try:
                xml = z.read(member)
            except KeyError:
                out[name] = info
                continue
            info["merged"] = [m.decode() for m in _MERGE.findall(xml)]
            if b"<f" in xml:
                for m in _CELL.finditer(xml):
                    body = m.group(3) or b""
                    if b"<f" in body and not re.search(rb"<v>[^<]+</v>", body):
                        ref = _REF.search(m.group(1))
                        if ref:
                            info["uncached"].append((ref.group(1) + ref.group(2)).decode())
            out[name] = info
    return out


def _note_quirks(name: str, df: pd.DataFrame, info: dict | None, notes: list[str]) -> None:
    if not info:
        return
    if info["hidden"]:
        notes.append(f"{name}: the sheet is hidden in the workbook; it was read like the others. Unhide it to check "
                     "it, or delete it if it is not part of the return.")
    if info["merged"]:
        heading = ""
        nonblank = df.fillna("").astype(str).ne("").any(axis=1).to_numpy()
        if nonblank.any():
            row = df.iloc[int(np.argmax(nonblank))].fillna("").astype(str).str.strip().str.upper().tolist()
            if "CHILD" in row or "CHILDID" in row:
                heading = _letter((row.index("CHILD") if "CHILD" in row else row.index("CHILDID")) + 1)
        child = [r for r in info["merged"] if heading and re.fullmatch(rf"{heading}\d+(?::{heading}\d+)?", r)]
        shown = ", ".join(info["merged"][:6]) + (" ..." if len(info["merged"]) > 6 else "")
        notes.append(f"{name}: {len(info['merged'])} merged cell range(s) ({shown}); only the first cell of a merged "
                     "range holds its value, so the others read as blank"
                     + (f", including the CHILD column ({', '.join(child[:6])}): those rows have no child id and "
                        "are quarantined" if child else "")
                     + ". Unmerge the cells and fill the value in on every row.")
    if info["uncached"]:
        cells = info["uncached"]
        notes.append(f"{name}: {len(cells)} cell(s) hold a formula with no saved value ({', '.join(cells[:6])}"
                     + (" ..." if len(cells) > 6 else "") + "), so they read as blank: the workbook was written by a "
                     "program that does not calculate formulas. Open it in Excel and save it, or paste the values.")


# XML layout (reference 1.1 and the DfE validator's reader): groups under HEADER and their tables.
_XML_GROUPS = {"AREVIEW": "reviews", "AMISSING": "missing", "OC2": "oc2", "PERMANENCE": "prev_perm",
               "AD_PLACED": "placed_adoption"}


def _local(node) -> str:
    """An element's name without its namespace (``{uri}CHILD`` -> ``CHILD``)."""
    tag = node.tag if isinstance(node.tag, str) else ""
    return tag.rsplit("}", 1)[-1]


def _tag(node) -> str:
    """An element's name without namespace, upper-cased: XML exports differ in case (``<child>``, ``<Child>``)."""
    return _local(node).strip().upper()


def _xml_children(root) -> tuple[list, list[str]]:
    """Every ``CHILD`` element (any case, any namespace) that holds other elements, found at any depth, and the
    names of the container elements they were found in (other than the root)."""
    found: list = []
    containers: dict[str, None] = {}

    stack = [(sub, ()) for sub in reversed(root)]  # depth first, in document order, without recursion
    while stack:
        sub, parents = stack.pop()
        if _tag(sub) == "CHILD" and len(sub):
            found.append(sub)
            if parents:
                containers["/".join(parents)] = None
        elif len(sub):
            stack += [(s, (*parents, _local(sub))) for s in reversed(sub)]
    return found, list(containers)


def _xml_tag_counts(root) -> dict[str, int]:
    counts: dict[str, int] = {}
    for sub in root:
        counts[_local(sub)] = counts.get(_local(sub), 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1])[:8])


def _read_xml(path: Path, notes: list[str]) -> dict[str, pd.DataFrame]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as err:
        line, col = getattr(err, "position", (None, None))
        raise FatalInputError(f"{path.name}: not well-formed XML at line {line}, column {col} ({err}). Check the "
                              "export from the case management system.", "FATAL-UNREADABLE", path.name) from None
    if _tag(root) != "EXPSSDA903":
        raise FatalInputError(f"{path.name}: the XML root element is <{_local(root)}>, not <EXPSSDA903>; this is not "
                              "an SSDA903 submission file.", "FATAL-UNKNOWN-TABLE", path.name)
    if "}" in root.tag:
        notes.append(f"{path.name}: the XML uses the namespace {root.tag[1:root.tag.index('}')]!r}; elements were "
                     "read by name.")
    rows: dict[str, list[dict]] = {k: [] for k in TABLES}

    def leaves(node) -> dict[str, str | None]:
        return {COLUMN_ALIASES.get(t, t): n.text for n in node.iter() if len(n) == 0 for t in (_tag(n),)}

    children, containers = _xml_children(root)
    if not children and len(root):
        found = ", ".join(f"<{t}> ({n:,})" for t, n in _xml_tag_counts(root).items())
        raise FatalInputError(
            f"{path.name}: no <CHILD> element was found, so no child's record could be read. The root <EXPSSDA903> "
            f"holds {found}. In an SSDA903 submission each child is a <CHILD> element holding a <HEADER> and one "
            "<EPISODE> per episode; export the return again from the case management system.",
            "FATAL-UNKNOWN-TABLE", path.name)
    if containers:
        notes.append(f"{path.name}: the <CHILD> records sit inside {', '.join(f'<{c}>' for c in containers)} rather "
                     "than directly under <EXPSSDA903>; they were found by name and read.")
    for child in children:
        all_data = leaves(child)
        rows["header"].append(all_data)
        if (all_data.get("UASC") or "").strip() not in ("", "0") or all_data.get("DUC"):
            rows["uasc"].append(all_data)
        if all_data.get("IN_TOUCH") is not None:
            rows["oc3"].append(all_data)
        if all_data.get("DATE_INT") is not None:
            rows["ad1"].append(all_data)
        for part in child:
            tag = _tag(part)
            if tag == "EPISODE":
                rows["episodes"].append({**all_data, **leaves(part)})
            elif tag == "HEADER":
                for grp in part:
                    key = _XML_GROUPS.get(_tag(grp))
                    if key:
                        rows[key].append({**all_data, **leaves(grp)})
            elif tag in ("SWEPISODE", "SW_EPISODE"):
                rows["sw_episodes"].append({**all_data, **leaves(part)})
    out = {}
    for key, recs in rows.items():
        cols = TABLES[key]
        df = pd.DataFrame([{c: r.get(c) for c in cols} for r in recs], columns=cols, dtype=object)
        out[key] = df.fillna("").astype(str)
    notes.append(f"{path.name}: XML submission; SOURCE_ROW is the record's number within each table "
                 "(first record = row 2).")
    return out


# ============================================================================================ recognition
def _norm_col(c) -> str:
    s = str(c).replace("\ufeff", "").strip().upper()
    s = re.sub(r"\s+", "_", s)
    return COLUMN_ALIASES.get(s, s)


def _recognise(columns: list[str], name: str, original: list[str] | None = None
               ) -> tuple[str | None, list[str], list[str]]:
    """-> (table key or None for a recognised-but-unused table, missing optional columns, extra columns)."""
    cols = [c for c in columns if c and not c.startswith("UNNAMED:")]
    colset = set(cols)
    best, best_score, best_ok = None, -1.0, False
    candidates = {**TABLES, **UNUSED_TABLES}
    for key, spec in candidates.items():
        present = colset & set(spec)
        if not present:
            continue
        # An exact match beats a table whose required columns are all there, which beats a partial match
        # (so a Header of only CHILD, SEX and DOB is a Header, not a UASC table lacking DUC); then the
        # share of the table's columns present; then the larger table (Header beats UASC when both fit).
        has_required = set(REQUIRED_COLUMNS.get(key, spec)) <= colset
        coverage = len(present) / len(spec)
        score = (2.0 if present == set(spec) else 0.0) + (1.0 if has_required else 0.0) + coverage + len(spec) / 1000
        if score > best_score:
            best, best_score, best_ok = key, score, has_required or coverage >= 0.5
    if best is None or "CHILD" not in colset or not best_ok:
        orig = [str(c).strip() for c in (original or cols) if str(c).strip() and not str(c).startswith("Unnamed:")]
        shown = ", ".join(orig[:12]) or "(none)"
        raise FatalInputError(f"{name}: {RULES['FATAL-UNKNOWN-TABLE'].message} Headings found in row 1: {shown}.",
                              "FATAL-UNKNOWN-TABLE", name)
    spec = candidates[best]
    extra = [c for c in cols if c not in spec]
    if best in UNUSED_TABLES:
        return None, [], extra
    missing = [c for c in spec if c not in colset]
    need = [c for c in REQUIRED_COLUMNS[best] if c in missing]
    if need:
        raise FatalInputError(f"{name}: looks like the {TABLE_TITLES[best]} table but has no column(s) "
                              f"{', '.join(need)}. {RULES['FATAL-MISSING-COLUMNS'].message} Expected columns: "
                              f"{', '.join(spec)}.", "FATAL-MISSING-COLUMNS", name)
    return best, missing, extra


def _to_raw(name: str, df: pd.DataFrame, rows: np.ndarray, year: int | None, findings: Findings,
            notes: list[str]) -> RawTable | None:
    df = df.copy()
    original = [str(c) for c in df.columns]
    df.columns = [_norm_col(c) for c in df.columns]
    # drop blank trailing/unnamed columns with no values
    keep = [i for i, c in enumerate(df.columns)
            if not ((c == "" or c.startswith("UNNAMED:")) and (df.iloc[:, i].astype(str).str.strip() == "").all())]
    df = df.iloc[:, keep]
    repeated: dict[str, list[int]] = {}
    if df.columns.duplicated().any():
        for c in sorted(set(df.columns[df.columns.duplicated()])):
            repeated[c] = [keep[i] + 1 for i, n in enumerate(df.columns) if n == c]  # 1-based, as in a spreadsheet
        df = df.loc[:, ~df.columns.duplicated()]
    headings = {c: sorted({original[i - 1].strip() for i in pos}) for c, pos in repeated.items()}
    key, missing, extra = _recognise(list(df.columns), name, original)
    if key is None:
        notes.append(f"{name}: a Deprivation of Liberty (DoLo) table with {len(df)} rows; recognised but not used "
                     "by this version.")
        return None
    spec = TABLES[key]
    out = pd.DataFrame(index=df.index)
    for c in spec:
        s = df[c] if c in df.columns else pd.Series("", index=df.index)
        out[c] = s.astype("string").fillna("").str.strip()
    blank = (out == "").all(axis=1).to_numpy()
    out = out.loc[~blank].reset_index(drop=True)
    out["SOURCE_ROW"] = pd.array(rows[~blank], dtype="Int64")
    for c in missing:
        findings.file_issue("FILE-MISSING-COLUMNS", key, year, name, c)
    for c in extra:
        if c and not c.startswith("UNNAMED:"):
            findings.file_issue("FILE-EXTRA-COLUMNS", key, year, name, c)
    for c, pos in repeated.items():
        where = " and ".join(f"{n} ({_letter(n)})" for n in pos)
        given = " / ".join(f"'{h}'" for h in headings[c])
        findings.file_issue("FILE-EXTRA-COLUMNS", key, year, name, c,
                            f"The heading {given} appears {len(pos)} times, in columns {where}: the first (column "
                            f"{pos[0]}) is used and the others are ignored. Remove or rename the repeated column.")
    return RawTable(key, year, name, out, extra, missing)


def _letter(n: int) -> str:
    """A spreadsheet column letter: 1 -> A, 27 -> AA."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _read_any(year: int | None, path: Path, findings: Findings, notes: list[str]) -> list[RawTable]:
    suffix = path.suffix.lower()
    name = path.name
    if path.stat().st_size == 0:
        findings.file_issue("FILE-EMPTY", "", year, name)
        return []
    if suffix == ".xml":
        out = []
        for key, df in _read_xml(path, notes).items():
            rt = _to_raw(f"{name}", df, np.arange(len(df), dtype=np.int64) + 2, year, findings, notes)
            if rt is not None and (len(rt.frame) or key in ("header", "episodes")):
                rt.key = key
                out.append(rt)
        return out
    parts = _read_xlsx(path, notes) if suffix in (".xlsx", ".xlsm") else _read_csv(path, notes)
    if not parts:
        findings.file_issue("FILE-EMPTY", "", year, name)
        return []
    out = []
    for sheet_name, df, rows in parts:
        rt = _to_raw(sheet_name, df, rows, year, findings, notes)
        if rt is not None:
            out.append(rt)
    return out


# ================================================================================================ parsing

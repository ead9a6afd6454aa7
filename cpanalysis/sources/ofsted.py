"""Ofsted's inspection judgements of councils' children's services (ILACS), read from Ofsted's official statistics.

Ofsted publishes *Local authority inspection outcomes as at 31 March YYYY* each year as an OpenDocument
spreadsheet (``LA_Inspection_Outcomes_as_at_31_March_2025.ods``). Its sheets hold every council's latest ILACS
judgement (``Inspections_as_at_31_March``) and every short and standard inspection since 2018
(``ILACS_inspection_history``), each with a title and a note above the header row.

Everything is found by its words, never by position, so that next year's file (a renamed sheet, a column
called "Overall effectiveness grade", a header on another row) still reads: sheets by the words of their
names (:data:`SHEETS`), the header row as the first row that names an area code, and columns by the words they
must contain and must not contain (:data:`COLUMNS`). Councils are matched by ONS area code (``E06000020``),
never by name (Ofsted writes "Telford & Wrekin").

Judgements are ordinal words (:data:`GRADES`): they are counted, never averaged.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from cpanalysis.errors import FatalError

#: Ofsted's four grades, best first (ordinal: counted, never averaged)
GRADES = ("Outstanding", "Good", "Requires improvement to be good", "Inadequate")

#: the five ILACS judgements: key, words a column's name must contain, words it must not, and the plain name
JUDGEMENTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...], str], ...] = (
    ("overall", ("overall", "effectiveness"), (), "Overall effectiveness"),
    ("leaders", ("leaders",), (), "The impact of leaders on social work practice with children and families"),
    ("help_protection", ("help", "protection"), (), "The experiences and progress of children who need help and "
                                                    "protection"),
    ("children_in_care", ("children", "in", "care"), (), "The experiences and progress of children in care"),
    ("care_leavers", ("care", "leavers"), ("children in care",), "The experiences and progress of care leavers"),
)
JUDGEMENT_NAMES = {k: name for k, _, _, name in JUDGEMENTS}

#: other columns: key, words it must contain, words it must not
COLUMNS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("code", ("area", "code"), ()),
    ("name", ("authority", "name"), ()),
    ("status", ("status",), ()),
    ("inspection_date", ("inspection", "date"), ()),
    ("publication_date", ("publication", "date"), ()),
    ("inspection_type", ("inspection", "type"), ()),
) + tuple((k, must, not_) for k, must, not_, _ in JUDGEMENTS)

#: sheets: key, words the sheet's name must contain, words it must not
SHEETS = {"latest": (("inspections", "as", "at"), ("in year",)), "history": (("history",), ())}
#: columns without which a sheet cannot be used
REQUIRED = ("code", "inspection_date", "overall")

#: how old an inspection may be, before the pack's date, before the pack says so
STALE_YEARS = 3

#: the file's name, in words (any year)
FILE_WORDS = ("inspection", "outcomes")


class OfstedDataError(FatalError):
    """Ofsted's file could not be read; the message names the file, the sheet and what is missing."""


def _words(text) -> str:
    """A name as lower-case words: 'ILACS_inspection-history' -> 'ilacs inspection history'."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", str(text).lower()).split())


def _has(name: str, must: tuple[str, ...], not_: tuple[str, ...]) -> bool:
    w = f" {_words(name)} "
    return all(f" {m} " in w for m in must) and not any(f" {n} " in w for n in not_)


def grade(text) -> str:
    """Ofsted's grade in its own words, whatever the capitals or spacing ('requires improvement' is the third);
    '' for a blank cell (no judgement)."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    w = _words(text)
    if not w:
        return ""
    for g in GRADES:
        if w == _words(g) or (g.startswith("Requires") and w.startswith("requires improvement")):
            return g
    return str(text).strip()


def find_file(folder: str | Path | None) -> Path | None:
    """The newest Ofsted inspection-outcomes file under ``folder`` (searched recursively, like the DfE files):
    an ``.ods`` (or ``.xlsx``) whose name has the words "inspection outcomes"; the latest "as at" year wins.
    Linked folders are followed (a folder of links to shared copies)."""
    if not folder:
        return None
    folder = Path(folder)
    if not folder.is_dir():
        return None
    import os

    hits = [Path(root) / f for root, _, files in os.walk(folder, followlinks=True) for f in files
            if Path(f).suffix.lower() in (".ods", ".xlsx") and _has(Path(f).stem, FILE_WORDS, ())]

    def year(p: Path) -> tuple[int, str]:
        ys = re.findall(r"(?:19|20)\d\d", p.stem)
        return (int(ys[-1]) if ys else 0, str(p))
    return max(hits, key=year) if hits else None


@dataclass
class Sheet:
    """One sheet's table, with columns renamed to their keys (see :data:`COLUMNS`), and where it came from."""

    name: str
    frame: pd.DataFrame  # keyed columns plus "row" (the spreadsheet's row number)
    found: dict[str, str]  # key -> the column's name in the file


@dataclass
class OfstedData:
    path: Path
    as_at: str  # "31 March 2025"
    latest: Sheet
    history: Sheet | None = None
    notes: list[str] = field(default_factory=list)


def _table(raw: pd.DataFrame, sheet: str, path: Path) -> Sheet:
    """The header is the first row with an 'area code' cell; columns are found by their words."""
    head = None
    for i in range(min(len(raw), 30)):
        if any(_has(v, ("area", "code"), ()) for v in raw.iloc[i].tolist() if isinstance(v, str)):
            head = i
            break
    if head is None:
        raise OfstedDataError(f"{path}: sheet {sheet!r} has no header row naming the local authority area code "
                              "(ONS code) in its first 30 rows; is this Ofsted's inspection outcomes file?")
    names = [str(v).strip() if isinstance(v, str) else "" for v in raw.iloc[head].tolist()]
    found: dict[str, str] = {}
    cols: dict[str, int] = {}
    for key, must, not_ in COLUMNS:
        for j, n in enumerate(names):
            if n and j not in cols.values() and _has(n, must, not_):
                found[key], cols[key] = n, j
                break
    missing = [k for k in REQUIRED if k not in cols]
    if missing:
        want = {k: " ".join(m) for k, m, _ in COLUMNS}
        raise OfstedDataError(f"{path}: sheet {sheet!r} (header on row {head + 1}) has no column for "
                              + ", ".join(f"{k.replace('_', ' ')} (a name with the words '{want[k]}')"
                                          for k in missing)
                              + f"; found {', '.join(n for n in names if n)}.")
    body = raw.iloc[head + 1:]
    df = pd.DataFrame({k: body.iloc[:, j].to_numpy() for k, j in cols.items()})
    df["row"] = range(head + 2, head + 2 + len(df))
    df["code"] = df["code"].map(lambda v: str(v).strip().upper() if isinstance(v, str) else "")
    df = df[df["code"].str.match(r"^E\d{8}$")].copy()
    for k in ("inspection_date", "publication_date"):
        if k in df:
            df[k] = df[k].map(_date).astype("datetime64[us]")
    for k in JUDGEMENT_NAMES:
        df[k] = df[k].map(grade) if k in df else ""
    for k in ("name", "status", "inspection_type"):
        if k in df:
            df[k] = df[k].map(lambda v: str(v).strip() if isinstance(v, str) else "")
    return Sheet(sheet, df.reset_index(drop=True), found)


def _date(v) -> pd.Timestamp:
    """A date cell: a spreadsheet date as it is, ISO text (2025-06-02) as written, other text day first (UK)."""
    if isinstance(v, (dt.date, pd.Timestamp)):
        return pd.Timestamp(v)
    text = str(v).strip() if isinstance(v, str) else ""
    if not text:
        return pd.NaT
    iso = re.match(r"^\d{4}-\d{2}-\d{2}", text)
    return pd.to_datetime(text[:10] if iso else text, errors="coerce", dayfirst=not iso, format="ISO8601" if iso
                          else None)


def _as_at(raw: pd.DataFrame, path: Path) -> str:
    for v in list(raw.iloc[:3, 0]) + [path.stem.replace("_", " ")]:
        m = re.search(r"as at (\d{1,2}) ([A-Za-z]+) ((?:19|20)\d\d)", str(v), re.I)
        if m:
            return f"{int(m.group(1))} {m.group(2).capitalize()} {m.group(3)}"
    return ""


@lru_cache(maxsize=4)
def _read(path: str, mtime: float, size: int) -> OfstedData:  # noqa: ARG001 - mtime and size key the cache
    p = Path(path)
    engine = "odf" if p.suffix.lower() == ".ods" else None
    try:
        book = pd.read_excel(p, engine=engine, sheet_name=None, header=None)
    except ImportError as err:
        raise OfstedDataError(f"{p}: reading .ods files needs the odfpy package ({err}); run `make venv` or "
                              "`pip install odfpy`.") from None
    except Exception as err:  # noqa: BLE001 - odfpy and zipfile raise several types for a damaged file
        raise OfstedDataError(f"{p}: cannot be read as a spreadsheet ({type(err).__name__}: {err}); download "
                              "Ofsted's file again.") from None
    picked: dict[str, str] = {}
    for key, (must, not_) in SHEETS.items():
        name = next((s for s in book if _has(s, must, not_)), None)
        if name is not None:
            picked[key] = name
    if "latest" not in picked:
        raise OfstedDataError(f"{p}: no sheet of the latest inspections (a sheet named with the words "
                              f"'inspections as at'); found sheets {', '.join(book)}.")
    latest = _table(book[picked["latest"]], picked["latest"], p)
    history = _table(book[picked["history"]], picked["history"], p) if "history" in picked else None
    notes = [] if history is not None else [f"{p.name} has no inspection-history sheet; the annex shows no history."]
    return OfstedData(p, _as_at(book[picked["latest"]], p), latest, history, notes)


def load(path: str | Path) -> OfstedData:
    """Ofsted's file, read once per process (keyed on its path, modification time and size)."""
    p = Path(path).resolve()
    st = p.stat()
    return _read(str(p), st.st_mtime, st.st_size)


# ------------------------------------------------------------------------------------ for the pack
def council_row(data: OfstedData, code: str) -> dict | None:
    """The council's latest judgements (a dict of the sheet's keyed cells) by ONS area code, or None."""
    hit = data.latest.frame[data.latest.frame["code"] == str(code or "").strip().upper()]
    return None if hit.empty else hit.iloc[0].to_dict()


def history(data: OfstedData, code: str, since: int = 2018) -> list[dict]:
    """Every short and standard inspection of the council since ``since``, oldest first."""
    if data.history is None:
        return []
    h = data.history.frame
    h = h[(h["code"] == str(code or "").strip().upper())]
    h = h[h["inspection_date"].dt.year >= since]
    return h.sort_values("inspection_date").to_dict("records")


def distribution(data: OfstedData, codes: list[str] | None, key: str) -> dict[str, int]:
    """Councils by grade of one judgement ('' counts those with no judgement), among ``codes`` (None: every
    council in the file)."""
    f = data.latest.frame
    if codes is not None:
        want = {str(c).strip().upper() for c in codes if c}
        f = f[f["code"].isin(want)]
        absent = len(want - set(f["code"]))
    else:
        absent = 0
    col = f[key] if key in f else pd.Series("", index=f.index)
    out = {g: int((col == g).sum()) for g in GRADES}
    out[""] = int((~col.isin(GRADES)).sum()) + absent
    return out


def is_stale(inspected: dt.date | pd.Timestamp | None, year: int) -> bool:
    """More than :data:`STALE_YEARS` years before the pack's date, 31 March of the reporting year."""
    if inspected is None or pd.isna(inspected):
        return False
    pack = pd.Timestamp(year=year, month=3, day=31)
    return pd.Timestamp(inspected) < pack - pd.DateOffset(years=STALE_YEARS)


__all__ = ["GRADES", "JUDGEMENTS", "JUDGEMENT_NAMES", "OfstedData", "OfstedDataError", "council_row",
           "distribution", "find_file", "grade", "history", "is_stale", "load"]


def from_folder(folder: Path) -> tuple[pd.DataFrame | None, str]:
    """Ofsted's inspection outcomes found under the published folder, or None and the reason in words."""
    path = find_file(folder)
    if path is None:
        return None, ("No Ofsted inspection outcomes file was found in the published-data folder, so Ofsted's "
                      "judgements are not shown. Put Ofsted's “Local authority inspection outcomes” "
                      "spreadsheet (.ods) in that folder (for example in ofsted/; `cpanalysis data download` "
                      "fetches it) to show them.")
    try:
        return load(path), ""
    except OfstedDataError as err:
        import sys

        print(f"cpanalysis: warning: {err}", file=sys.stderr)
        return None, f"Ofsted's judgements are not shown: {err}"

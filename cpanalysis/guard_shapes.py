"""The export guard's second half: child-level output recognised by its shape, not only its literal form.

:mod:`cpanalysis.guard` looks for the values the build read (ids, dates of birth, postcodes). An analyst's cell can
print child-level data without any of them literally: a cohort audit's ``reason`` column alone, figures from
``ctx.raw_results`` (before disclosure control) with counts of 1 to 5, or dates of birth written another way. Such
output is a *table an analyst printed*: pandas renders a frame as ``<table class="dataframe">`` (the pack's own
tables come from its templates and never carry that class), and as a text repr in plain-text outputs. In those
tables this module looks for

* a child-level column: the audit's ``CHILD``, ``reason``, ``in_cohort``, ``in_numerator`` or the return's
  identifiers, dates of birth and postcodes (:data:`CHILD_LEVEL_COLUMNS`), in any case;
* counts of 1 to 5: a cell of 1 to 5 in a counting column (numerator, denominator, count, children, ...; a
  ``value`` whose unit is ``count``), as ``ctx.raw_results`` rows print them;
* dates of birth in any written form ("3 March 2000", "3rd Mar 2000", "March 3, 2000", "03/03/2000",
  "3.3.2000", "2000-03-03"), matched as days against the return's dates of birth.

The pack's own prose (methodology notes with worked dates, say) is not searched for long-form dates: a council's
dates of birth cover most days of recent years, so any date in prose would match one.
"""

from __future__ import annotations

import datetime as dt
import html
import re

#: column names that make a printed table child-level (compared without case)
CHILD_LEVEL_COLUMNS = frozenset({"child", "child_id", "childid", "upn", "sw_id", "reason", "in_cohort", "in_numerator",
                                 "dob", "mc_dob", "home_post", "pl_post", "mother"})
#: counting columns: a cell of 1 to 5 in one of these is a small count
COUNT_COLUMNS = frozenset({"numerator", "denominator", "count", "counts", "n", "children", "number", "num", "den",
                           "size", "frequency", "freq", "num_n", "den_n"})
_DATAFRAME = re.compile(r"<table\b[^>]*\bclass\s*=\s*[\"'][^\"']*\bdataframe\b[^\"']*[\"'][^>]*>(.*?)</table>",
                        re.S | re.I)
_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S | re.I)
_CELL = re.compile(r"<(th|td)\b[^>]*>(.*?)</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"), start=1)}
_MONTH = r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|" \
         r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?[\s-]+{_MONTH}\.?,?[\s-]+(\d{{4}})\b", re.I)
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_NUMERIC_DMY = re.compile(r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\b")
_NUMERIC_YMD = re.compile(r"\b(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})\b")
_NUMBER = re.compile(r"^[−-]?\d[\d,]*(?:\.\d+)?$")


def _day(y, m, d) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except (TypeError, ValueError):
        return None


def dates_in(text: str) -> set[dt.date]:
    """Every date written in ``text`` in any of the usual forms (day before month when numeric, as in England)."""
    out: set[dt.date] = set()
    for d, mon, y in _DAY_MONTH_YEAR.findall(text):
        out.add(_day(y, _MONTHS[mon[:3].lower()], d))
    for mon, d, y in _MONTH_DAY_YEAR.findall(text):
        out.add(_day(y, _MONTHS[mon[:3].lower()], d))
    for d, m, y in _NUMERIC_DMY.findall(text):
        out.add(_day(y, m, d))
    for y, m, d in _NUMERIC_YMD.findall(text):
        out.add(_day(y, m, d))
    out.discard(None)
    return out


def _text(cell: str) -> str:
    return html.unescape(_TAG.sub("", cell)).strip()


def dataframe_tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """The pandas-rendered tables in ``text``: (column names, rows of cell texts), the index as the first cell."""
    out = []
    for body in _DATAFRAME.findall(text):
        rows = [[_text(c) for _, c in _CELL.findall(r)] for r in _ROW.findall(body)]
        head_end = body.lower().find("</thead>")
        n_head = len(_ROW.findall(body[:head_end])) if head_end >= 0 else 1
        header = rows[n_head - 1] if rows and n_head else []
        out.append((header, rows[n_head:]))
    return out


def _small_count(v: str) -> bool:
    v = v.replace(",", "").replace("−", "-")
    if not _NUMBER.match(v):
        return False
    x = float(v)
    return x == int(x) and 1 <= x <= 5


def table_problems(header: list[str], rows: list[list[str]], dob_days: set[dt.date]) -> list[str]:
    """What makes one printed table child-level (kinds and column names, never the values)."""
    found = []
    names = [h.strip().lower() for h in header]
    child = sorted({h.strip() for h in header if h.strip().lower() in CHILD_LEVEL_COLUMNS})
    if child:
        found.append("a child-level table (column " + ", ".join(repr(c) for c in child) + ")")
    counting = [i for i, n in enumerate(names) if n in COUNT_COLUMNS or n.endswith("_count") or n.startswith("n_")]
    unit = names.index("unit") if "unit" in names else None
    value = names.index("value") if "value" in names else None
    small = 0
    for r in rows:
        cells = r[:len(names)] if len(r) >= len(names) else r
        cols = list(counting)
        if value is not None and unit is not None and unit < len(cells) and cells[unit].strip().lower() == "count":
            cols.append(value)
        if any(i < len(cells) and _small_count(cells[i]) for i in cols):
            small += 1
    if small:
        what = "unsuppressed figures (ctx.raw_results: use ctx.results)" if "indicator_id" in names else "a table"
        found.append(f"{what} with counts of 1 to 5 in {small} row{'s' if small > 1 else ''}")
    if dob_days:
        hits = set().union(*(dates_in(c) for r in rows for c in r)) & dob_days if rows else set()
        if hits:
            found.append(f"{len(hits)} date{'s' if len(hits) > 1 else ''} of birth (in a printed table)")
    return found


def html_problems(text: str, dob_days: set[dt.date]) -> list[str]:
    """Problems in every pandas-rendered table of an HTML text."""
    found: list[str] = []
    for header, rows in dataframe_tables(text):
        for f in table_problems(header, rows, dob_days):
            if f not in found:
                found.append(f)
    return found


_IDENT_LINE = re.compile(r"^\s*[A-Za-z_][\w ]*$")
_SERIES_NAME = re.compile(r"^Name:\s*([A-Za-z_]\w*)\s*,\s*(?:dtype|Length)", re.M)
_ROW_LINE = re.compile(r"^\s*\S+\s+\S")


def plain_problems(text: str, dob_days: set[dt.date]) -> list[str]:
    """Problems in a plain-text output (a frame's or a series' text repr, printed or displayed): a child-level
    column in a header line or a series' ``Name:``, and dates of birth in any written form."""
    found = []
    lines = text.splitlines()
    cols: set[str] = set()
    for i, line in enumerate(lines[:-1]):
        if _IDENT_LINE.match(line) and _ROW_LINE.match(lines[i + 1]):
            cols |= {t for t in line.split() if t.lower() in CHILD_LEVEL_COLUMNS}
    cols |= {m for m in _SERIES_NAME.findall(text) if m.lower() in CHILD_LEVEL_COLUMNS}
    if cols:
        found.append("a child-level table (column " + ", ".join(repr(c) for c in sorted(cols)) + ")")
    hits = dates_in(text) & dob_days if dob_days else set()
    if hits:
        found.append(f"{len(hits)} date{'s' if len(hits) > 1 else ''} of birth (in a printed output)")
    return found

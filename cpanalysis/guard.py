"""The export guard: nothing that identifies a child leaves the build.

Disclosure control (:mod:`cpanalysis.disclosure`) decides which *figures* may be published. This guard
checks the *output* itself, whatever produced it: before a pack, its sidecars and executed notebooks, or a
CSV export is written where a user will find it, its text is scanned (SVG charts inside data URIs are
decoded and scanned too) for

* every child identifier (``CHILD``), unique pupil number (``UPN``) and social-worker id (``SW_ID``) in the
  SSDA903 tables the build read;
* every date of birth (``DOB``, ``MC_DOB``), as dd/mm/yyyy or as yyyy-mm-dd;
* every home and placement postcode (``HOME_POST``, ``PL_POST``);
* a cohort audit (``ctx.audit(...)``) printed as a table: its columns ``in_cohort`` and ``in_numerator``;
* child-level output by its shape (:mod:`cpanalysis.guard_shapes`): a printed frame with a child-id or ``reason``
  column, ``ctx.raw_results`` rows or any analyst's table with counts of 1 to 5, and dates of birth in any written
  form ("3 March 2000", "03/03/2000", "2000-03-03") in a printed table or plain-text output.

If any is found the build fails with :class:`IdentifyingOutputError`, naming what was found (the kind and how
many, never the value itself) and where (file, and notebook cell). Identifiers shorter than
:data:`MIN_ID_LENGTH` characters are not searched: they cannot be told from ordinary numbers and codes in the
text (the audit-frame check still catches a printed audit).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cpanalysis import guard_shapes
from cpanalysis.errors import PackBuildError

MIN_ID_LENGTH = 5
AUDIT_MARKERS = ("in_cohort", "in_numerator")
_SVG_URI = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_DATE = re.compile(r"\b(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})\b")


class IdentifyingOutputError(PackBuildError):
    """An output would identify a child; it was not written (or the pack was not replaced)."""


@dataclass
class Terms:
    """What must never appear in an output, by kind."""

    ids: dict[str, set[str]] = field(default_factory=dict)  # kind -> identifiers (alphanumeric tokens)
    odd_ids: dict[str, set[str]] = field(default_factory=dict)  # kind -> identifiers with other characters
    dates: set[str] = field(default_factory=set)
    postcodes: set[str] = field(default_factory=set)
    #: the dates of birth as days, found in any written form in printed tables (:mod:`cpanalysis.guard_shapes`)
    dob_days: set[dt.date] = field(default_factory=set)
    _postcode_re: re.Pattern | None = None

    def postcode_re(self) -> re.Pattern | None:
        if self._postcode_re is None and self.postcodes:
            alts = "|".join(re.escape(p) for p in sorted(self.postcodes, key=len, reverse=True))
            self._postcode_re = re.compile(rf"(?<![A-Za-z0-9])(?:{alts})(?![A-Za-z0-9])")
        return self._postcode_re


def _values(data, table: str, col: str) -> set[str]:
    try:
        df = data.tables[table]
    except (AttributeError, KeyError):
        return set()
    if col not in df.columns:
        return set()
    s = df[col].dropna()
    if pd.api.types.is_datetime64_any_dtype(s):
        return {d.strftime("%d/%m/%Y") for d in s} | {d.strftime("%Y-%m-%d") for d in s}
    return {str(v).strip() for v in s if str(v).strip()}


def terms_from(data) -> Terms:
    """The identifiers, dates of birth and postcodes in a :class:`cpanalysis.model.CLAData` (None: nothing)."""
    t = Terms()
    if data is None:
        return t
    kinds = {"child identifier": [(tb, "CHILD") for tb in data.tables],
             "unique pupil number": [("header", "UPN")],
             "social worker id": [("sw_episodes", "SW_ID")]}
    for kind, where in kinds.items():
        vals = set().union(*(_values(data, tb, c) for tb, c in where))
        vals = {v for v in vals if len(v) >= MIN_ID_LENGTH}
        t.ids[kind] = {v for v in vals if v.isalnum()}
        t.odd_ids[kind] = vals - t.ids[kind]
    for tb in data.tables:
        for c in ("DOB", "MC_DOB"):
            t.dates |= _values(data, tb, c)
    t.dob_days = {dt.datetime.strptime(d, "%d/%m/%Y").date() for d in t.dates if "/" in d} \
        | {dt.datetime.strptime(d, "%Y-%m-%d").date() for d in t.dates if "-" in d and d[:4].isdigit()}
    t.postcodes = {p for c in ("HOME_POST", "PL_POST") for p in _values(data, "episodes", c) if len(p) >= 3}
    return t


def decode_svgs(text: str) -> str:
    """The text with every SVG data URI replaced by the SVG itself (charts carry their words as text)."""
    def dec(m: re.Match) -> str:
        try:
            return base64.b64decode(m.group(1)).decode("utf-8", "replace")
        except ValueError:
            return m.group(0)
    return _SVG_URI.sub(dec, text)


def scan_text(text: str, terms: Terms) -> list[str]:
    """What ``text`` contains that it must not: kinds and counts, never the values."""
    text = decode_svgs(text)
    found: list[str] = []
    tokens = set(_TOKEN.findall(text))
    for kind, ids in terms.ids.items():
        hits = tokens & ids
        hits |= {v for v in terms.odd_ids.get(kind, ()) if v in text}
        if hits:
            found.append(f"{len(hits)} {kind}{'s' if len(hits) > 1 else ''}")
    dates = set(_DATE.findall(text)) & terms.dates
    if dates:
        found.append(f"{len(dates)} date{'s' if len(dates) > 1 else ''} of birth")
    rx = terms.postcode_re()
    if rx is not None:
        pcs = set(rx.findall(text))
        if pcs:
            found.append(f"{len(pcs)} postcode{'s' if len(pcs) > 1 else ''}")
    if all(m in text for m in AUDIT_MARKERS):
        found.append("a cohort audit (a table with in_cohort and in_numerator columns)")
    found += [f for f in guard_shapes.html_problems(text, terms.dob_days) if f not in found]
    return found


def scan_plain(text: str, terms: Terms) -> list[str]:
    """What a plain-text output (a printed frame, a series, ``print(...)``) shows by its shape."""
    days = {d for d in terms.dob_days if (d.month, d.day) not in _PROSE_DAYS}
    return guard_shapes.plain_problems(text, days)


#: days the package itself prints in its messages (the collection year runs 1 April to 31 March): a date of birth
#: on one of them is not looked for in plain-text output, where it would match the package's own words
_PROSE_DAYS = {(4, 1), (3, 31)}


def _joined(v) -> str:
    return "".join(v) if isinstance(v, list) else str(v)


def _notebook_outputs(path: Path) -> list[tuple[str, str, str]]:
    """(place, text, plain text) for every output of an executed notebook (its inputs are code, not output): the
    text is every output as stored; the plain text is what prints as text (``text/plain``, streams, errors)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for i, cell in enumerate(nb.get("cells", []), start=1):
        parts, plain = [], []
        for o in cell.get("outputs", []) or []:
            data = o.get("data", {}) if isinstance(o.get("data"), dict) else {}
            parts.append(json.dumps(data) if data else "")
            parts += [_joined(v) for k, v in data.items() if k.startswith("text/") and k != "text/plain"]
            plain.append(_joined(data.get("text/plain", "")))
            plain.append(_joined(o.get("text", "")))
            plain.append(str(o.get("evalue", "")))
        if any(parts) or any(plain):
            out.append((f"cell {i}", "\n".join(parts + plain), "\n".join(plain)))
    return out


def scan_files(root: Path, terms: Terms) -> list[str]:
    """Scan every HTML, JSON, CSV and notebook file under ``root``; one line per file with a problem."""
    problems = []
    for path in sorted(Path(root).rglob("*")):
        if not path.is_file() or path.suffix.lower() not in (".html", ".json", ".csv", ".ipynb", ".txt", ".md"):
            continue
        rel = path.relative_to(root)
        if path.suffix.lower() == ".ipynb":
            for place, text, plain in _notebook_outputs(path):
                found = scan_text(text, terms)
                found += [f for f in scan_plain(plain, terms) if f not in found]
                if found:
                    problems.append(f"{rel} ({place}): {', '.join(found)}")
            continue
        found = scan_text(path.read_text(encoding="utf-8", errors="replace"), terms)
        if found:
            problems.append(f"{rel}: {', '.join(found)}")
    return problems


def check(problems: list[str], what: str) -> None:
    if problems:
        raise IdentifyingOutputError(
            f"{what} was not written: it would identify children. Found " + "; ".join(problems) + ". Remove the "
            "cell or output that prints child-level data (for example a ctx.audit(...) cell left in a notebook, or "
            "ctx.raw_results, whose counts are not disclosure-controlled: show ctx.results instead); cohort audits "
            "and child-level tables are for analysts and never enter the pack.")

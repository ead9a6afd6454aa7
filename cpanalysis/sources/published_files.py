"""Reading DfE's published files, one at a time: GSS symbols, values, years, the EES CSV layout and
DfE's LAIT long table (see :mod:`cpanalysis.sources.published` for the layout and how the figures are used).

:func:`read_table` reads one EES-layout file by column name; :func:`read_lait` reads LAIT's parquet table into
the same shape; :func:`find_files` lists the published files under a folder. Loading a whole folder, the cache
and the measures the pack draws from the tables stay in :mod:`cpanalysis.sources.published`.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cpanalysis.errors import FatalError

#: GSS symbols (DfE analysts' guide, "Data symbols") and the reason shown for each.
SYMBOLS: dict[str, str] = {
    "c": "suppressed (c)",
    "x": "not available (x)",
    "z": "not applicable (z)",
    "k": "rounds to zero (k)",
    "low": "rounds to zero (low)",
    "u": "low reliability (u)",
    ":": "not available (:)",
}
#: Other spellings seen in government files, mapped to the GSS symbol.
SYMBOL_ALIASES = {"[c]": "c", "[x]": "x", "[z]": "z", "[k]": "k", "[low]": "low", "[u]": "u", "..": "x", ".": "z",
                  "-": "k", "~": "k"}

TIME_COLUMNS = ["time_period", "time_identifier"]
GEO_COLUMNS = ["geographic_level", "country_code", "country_name", "region_code", "region_name",
               "old_la_code", "new_la_code", "la_name"]
#: Column names of newer EES datasets and of DfE's dashboard copies, mapped to the classic names.
COLUMN_ALIASES = {"la_code": "old_la_code", "la_number": "old_la_code", "geo_level": "geographic_level"}
#: Files in the shared data that are not EES tables of figures (loaded by cpanalysis.councils).
NOT_TABLES = ("sn_model", "new_statistical_neighbour", "lait_data_dictionary")

FIGURE_COLUMNS = ["measure_id", "indicator_id", "title", "unit", "polarity", "question", "time_period",
                  "time_identifier", "year", "geographic_level", "old_la_code", "new_la_code", "la_name",
                  "region_code", "region_name", "breakdown", "value", "symbol", "numerator", "denominator",
                  "source_file", "source_row", "source_column", "source"]


class PublishedDataError(FatalError):
    """A published file could not be read; the message names the file and what is wrong."""


# ------------------------------------------------------------------------------------ values
_YYMM = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_values(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers and symbols from published text cells: (value as float, symbol or "").

    A symbol becomes NaN with its symbol kept; a blank cell is NaN with symbol ""; ``YY:MM`` durations
    (adoption stage times) become months. Anything else unreadable gets symbol "?".
    """
    s = raw.fillna("").astype(str).str.strip()
    value = pd.to_numeric(s.str.replace(",", "", regex=False), errors="coerce").astype(float)
    sym = pd.Series("", index=s.index, dtype=object)
    bad = value.isna() & (s != "")
    if bad.any():
        low = s[bad].str.lower().map(lambda v: SYMBOL_ALIASES.get(v, v))
        known = low.isin(SYMBOLS.keys())
        sym.loc[low.index[known]] = low[known]
        rest = low[~known]
        if len(rest):
            m = rest.str.extract(_YYMM)
            ok = m[0].notna()
            value.loc[rest.index[ok]] = m.loc[ok, 0].astype(float) * 12 + m.loc[ok, 1].astype(float)
            sym.loc[rest.index[~ok]] = "?"
    return value, sym


def status_for(symbol: str) -> str:
    return SYMBOLS.get(symbol, "ok" if not symbol else f"unreadable ({symbol})")


def year_from_period(period: str, identifier: str = "") -> tuple[int | None, str]:
    """Reporting year and time identifier from a published ``time_period``."""
    p = str(period).strip()
    if re.fullmatch(r"\d{4}", p):
        return int(p), identifier or "Reporting year"
    if re.fullmatch(r"\d{6}", p):
        return int(p[:4]) + 1, identifier or "Academic year"
    m = re.fullmatch(r"(\d{4})[/-](\d{2}|\d{4})", p)
    if m:
        return int(m.group(1)) + 1, identifier or "Financial year"
    return None, identifier


# ------------------------------------------------------------------------------------ tables
@dataclass
class Table:
    """One published file, wide as published, with normalised geography and time columns."""

    name: str  # file stem, e.g. "la_cla_placement_stability"
    path: Path
    frame: pd.DataFrame  # text cells; plus _row (line number), year, time_identifier
    filter_columns: list[str]
    indicator_columns: list[str]
    notes: list[str] = field(default_factory=list)

    def values(self, column: str) -> tuple[pd.Series, pd.Series]:
        """(value, symbol) of one indicator column, parsed once and cached."""
        cache = self.__dict__.setdefault("_parsed", {})
        if column not in cache:
            cache[column] = parse_values(self.frame[column])
        return cache[column]


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".csv.gz", ".csv"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def find_files(folder: Path) -> list[Path]:
    """Published files under a folder (recursively): EES CSVs (also gzipped) and LAIT parquet tables,
    excluding statistical-neighbour models and the LAIT data dictionary."""
    files = sorted(p for p in folder.rglob("*") if p.is_file()
                   and p.name.lower().endswith((".csv", ".csv.gz", ".parquet")))
    return [p for p in files if not _stem(p).lower().startswith(NOT_TABLES)]


# ------------------------------------------------------------------------------------ LAIT long table
LAIT_COLUMNS = {"Short Desc": "lait_measure", "Data item": "lait_item", "Years": "time_period",
                "LA and Regions": "place", "Values": "lait_value", "LA Number": "lait_number", "Region": "lait_region"}
#: LAIT's region spellings (and its London halves, on councils' rows) as the EES files spell them
LAIT_REGION_NAMES = {"Yorkshire and the Humber": "Yorkshire and The Humber", "Inner London": "London",
                     "Outer London": "London"}
#: LAIT numbers of England (970) and the regions (980 to 990; 987 and 988 are Inner and Outer London)
LAIT_ENGLAND, LAIT_SUB_REGIONS = 970, {987, 988}
#: a revised or final figure replaces the first one published for the same measure, place and period
LAIT_VERSION_RANK = {"Final": 3, "Rev": 2, "": 1, "OT": 1, "prov": 0}
_LAIT_SUFFIX = re.compile(r"^(.*?)\s*\((OT|Rev|Final|prov)\)$")


def lait_period(period: str) -> tuple[int | None, str, int]:
    """(reporting year, time identifier, version rank) of a LAIT ``Years`` label.

    "2025" is the year ending 31 March 2025; "2024-25" or "2024/25" (also with "(OT)", outturn) is that
    financial or academic year, aligned to 2025 as in the EES files; "2014-16" and "2021/22-23/24" are
    three-year periods, aligned to their last year. "(Rev)", "(Final)" and "(prov)" mark versions.
    """
    p = str(period).strip()
    tag = ""
    m = _LAIT_SUFFIX.match(p)
    if m:
        p, tag = m.group(1), m.group(2)
    words = {"OT": " (outturn)", "Rev": " (revised)", "Final": " (final)", "prov": " (provisional)", "": ""}[tag]
    rank = LAIT_VERSION_RANK[tag]
    if re.fullmatch(r"\d{4}", p):
        return int(p), "LAIT: year ending 31 March" + words, rank
    m = re.fullmatch(r"(\d{4})[-/](\d{2})", p)
    if m:
        first, last = int(m.group(1)), int(m.group(2))
        if (first + 1) % 100 == last:
            return first + 1, "LAIT: financial or academic year" + words, rank
        return first // 100 * 100 + last, "LAIT: three-year period" + words, rank
    m = re.fullmatch(r"(\d{4})/(\d{2})-(\d{2})/(\d{2})", p)
    if m:
        return int(m.group(1)) // 100 * 100 + int(m.group(4)), "LAIT: three-year period" + words, rank
    return None, "LAIT: period not recognised" + words, rank


def read_lait(path: Path) -> Table:
    """Read DfE's LAIT long table (parquet) into the EES shape. Raises :class:`PublishedDataError` when the
    file is not one. LAIT's "-" (no figure) is read as ``x``; where a measure has several versions for the
    same place and period (first, revised, final), the latest version is kept and the others are noted."""
    try:
        raw = pd.read_parquet(path)
    except Exception as err:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise PublishedDataError(f"{path}: cannot be read as a parquet file ({type(err).__name__}: {err})") from None
    missing = [c for c in LAIT_COLUMNS if c not in raw.columns]
    if missing:
        raise PublishedDataError(f"{path}: not a LAIT long table (no column(s) {', '.join(missing)}; found "
                                 f"{', '.join(map(str, raw.columns[:8]))})")
    notes: list[str] = []
    df = raw[list(LAIT_COLUMNS)].rename(columns=LAIT_COLUMNS)
    df.insert(0, "_row", np.arange(1, len(df) + 1))
    for c in ("lait_measure", "lait_item", "time_period", "place", "lait_region", "lait_value"):
        # work on each distinct text once (a long table repeats them): categories, stripped, blanks for missing
        cat = df[c].astype("category")
        cat = cat.cat.rename_categories([str(x).strip() for x in cat.cat.categories])
        df[c] = cat.astype(object).where(cat.notna(), "")
    # LAIT names a measure's data item on its first year only: carry it to the measure's other rows.
    blank = df["lait_item"] == ""
    if blank.any():
        first = df[~blank].drop_duplicates("lait_measure").set_index("lait_measure")["lait_item"]
        df.loc[blank, "lait_item"] = df.loc[blank, "lait_measure"].map(first).fillna("")
    number = pd.to_numeric(df["lait_number"], errors="coerce")
    national = number == LAIT_ENGLAND
    sub_region = number.isin(LAIT_SUB_REGIONS)
    regional = number.between(980, 990) & ~sub_region
    df["geographic_level"] = np.select([national, regional, sub_region], ["National", "Regional", "Sub-regional"],
                                       "Local authority")
    la = df["geographic_level"] == "Local authority"
    df["la_name"] = np.where(la, df["place"], "")
    df["old_la_code"] = np.where(la, number.astype("Int64").astype(str).replace("<NA>", ""), "")
    df["region_name"] = np.where(la, df["lait_region"], np.where(regional, df["place"], ""))
    df["region_name"] = df["region_name"].replace(LAIT_REGION_NAMES)
    df["country_name"] = "England"
    for c in ("country_code", "region_code", "new_la_code"):
        df[c] = ""
    periods = {p: lait_period(p) for p in df["time_period"].unique()}
    df["year"] = df["time_period"].map({p: v[0] for p, v in periods.items()}).astype("Int64")
    df["time_identifier"] = df["time_period"].map({p: v[1] for p, v in periods.items()})
    rank = df["time_period"].map({p: v[2] for p, v in periods.items()})
    no_year = df["year"].isna()
    if no_year.any():
        notes.append(f"{int(no_year.sum())} rows with a period that is not a year ("
                     + ", ".join(sorted(df.loc[no_year, "time_period"].unique())[:5]) + ") skipped")
    # several versions of one figure: keep the latest (final, then revised, then first or provisional)
    key = ["lait_measure", "geographic_level", "place", "year"]
    order = df.assign(_rank=rank).sort_values(key + ["_rank"], kind="stable")
    superseded = order.duplicated(key, keep="last") & order["year"].notna()
    if superseded.any():
        notes.append(f"{int(superseded.sum())} earlier versions of revised or final figures skipped "
                     "(the latest version is kept)")
    keep = ~no_year & ~df.index.isin(order.index[superseded])
    df = df[keep]
    df["lait_value"] = df["lait_value"].where(df["lait_value"] != "-", "x")
    cols = ["_row", "time_period", "time_identifier", "year"] + GEO_COLUMNS + ["lait_measure", "lait_item",
                                                                                "lait_value"]
    frame = df[cols].reset_index(drop=True)
    for c in ("time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
              "region_name", "new_la_code", "la_name", "old_la_code", "lait_measure", "lait_item"):
        frame[c] = frame[c].astype("category")  # a long table repeats these: categories keep the cache small
    notes.append("LAIT '-' (no figure) read as x (not available)")
    return Table(path.stem, path, frame, ["lait_measure", "lait_item"], ["lait_value"], notes)


def _header(path: Path) -> str:
    import gzip

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", errors="replace") as fh:
            return fh.readline(100_000)
    except (OSError, EOFError, zlib.error) as err:
        raise PublishedDataError(f"{path}: cannot be read ({type(err).__name__}: {err}); the file is damaged or "
                                 "was not downloaded completely. Download it again.") from None


def read_table(path: Path) -> Table:
    """Read one EES-layout file by column name. Raises :class:`PublishedDataError` when it is not one."""
    head = [c.strip().strip('"') for c in _header(path).split(",")]
    if "time_period" not in head or "geographic_level" not in head:
        raise PublishedDataError(f"{path}: not an Explore Education Statistics table (needs columns time_period "
                                 f"and geographic_level; found {', '.join(head[:6])}...)")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", low_memory=False)
    except UnicodeDecodeError:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="cp1252", low_memory=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError, EOFError, ValueError, zlib.error) as err:
        raise PublishedDataError(f"{path}: cannot be read as CSV ({type(err).__name__}: {err}); the file is "
                                 "damaged or incomplete. Download it again.") from None
    notes: list[str] = []
    df.columns = [COLUMN_ALIASES.get(c.strip().lstrip("\ufeff"), c.strip().lstrip("\ufeff")) for c in df.columns]
    if "time_period" not in df.columns or "geographic_level" not in df.columns:
        raise PublishedDataError(f"{path}: not an Explore Education Statistics table (needs columns time_period "
                                 f"and geographic_level; found {', '.join(df.columns[:8])}...)")
    df["_row"] = np.arange(2, len(df) + 2)
    # DfE's dashboard copies name the place in geo_breakdown and carry their own neighbour medians.
    sn = df["geographic_level"].str.startswith("Statistical neighbour")
    if sn.any():
        notes.append(f"{int(sn.sum())} rows of DfE's own statistical-neighbour medians skipped (we compute ours)")
        df = df[~sn]
    if "geo_breakdown" in df.columns:
        la = df["geographic_level"] == "Local authority"
        reg = df["geographic_level"] == "Regional"
        if "la_name" not in df.columns:
            df["la_name"] = np.where(la, df["geo_breakdown"], "")
        if "region_name" not in df.columns:
            df["region_name"] = np.where(reg, df["geo_breakdown"], "")
        df = df.drop(columns=["geo_breakdown"])
    for c in GEO_COLUMNS + ["time_identifier"]:
        if c not in df.columns:
            df[c] = ""
    df["old_la_code"] = df["old_la_code"].str.replace(r"\.0$", "", regex=True)
    periods = df["time_period"].astype(str).str.strip()
    uniq = {p: year_from_period(p) for p in periods.unique()}
    df["year"] = periods.map(lambda p: uniq[p][0]).astype("Int64")
    blank_id = df["time_identifier"].str.strip() == ""
    if blank_id.any():
        df.loc[blank_id, "time_identifier"] = periods[blank_id].map(lambda p: uniq[p][1])
    reserved = set(GEO_COLUMNS + TIME_COLUMNS + ["_row", "year"])
    filters, indicators = [], []
    for c in df.columns:
        if c in reserved:
            continue
        _, sym = parse_values(df[c])
        nonblank = df[c].str.strip() != ""
        if nonblank.any() and not (sym[nonblank] == "?").any():
            indicators.append(c)
        else:
            filters.append(c)
    value_cols = df[indicators].apply(lambda s: s.str.strip()) if indicators else df[[]]
    empty = (value_cols == "").all(axis=1) if indicators else pd.Series(False, index=df.index)
    if empty.any():
        notes.append(f"{int(empty.sum())} rows with no figures skipped")
        df = df[~empty]
    dup = df.duplicated(subset=[c for c in df.columns if c != "_row"], keep="first")
    if dup.any():
        notes.append(f"{int(dup.sum())} exact duplicate rows skipped (the first is kept as the source)")
        df = df[~dup]
    return Table(_stem(path), path, df.reset_index(drop=True), filters, indicators, notes)

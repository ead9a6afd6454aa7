"""DfE published statistics: the Explore Education Statistics (EES) CSV layout, read by column name.

:func:`load_published` searches a folder recursively for the published files, reads each one by
column name (the UTF-8 byte-order mark is stripped; column order is never assumed), keeps
``time_period`` with its ``time_identifier``, maps the GSS symbols to missing values with a reason
(a suppressed figure is never shown as zero), and remembers the file, row and column of every figure.
The measure catalogue (``cpanalysis/catalogue.yaml``) then picks the figures the pack uses and ties each
one to an indicator id of the registry, so a published figure and a child-level figure for the same
measure sit side by side.

Years: ``year`` is the reporting year ending 31 March. A 4-digit ``time_period`` is that year. An academic
year ``202425`` is aligned to reporting year 2025 (the 31 March inside the academic year, when the
"looked after for 12 months at 31 March" cohort is taken). A financial year ``2024/25`` is 2025. The
workforce census (``csww_*``) is at 30 September of its year and keeps that year.

``source_row`` is the line number in the file as a spreadsheet shows it (the header is row 1).

DfE's LAIT long table (``bds_long_*.parquet``, columns ``Short Desc, Data item, Years, LA and Regions,
Values, LA Number, Region``) is read by :func:`read_lait` into the same shape (one filter column per
LAIT measure code and item, one value column), so the catalogue can draw on measures the EES files lack.
Its ``source_row`` is the record number in the parquet file (the first record is 1).

Reading one file (symbols, years, the EES and LAIT layouts) lives in :mod:`cpanalysis.sources.published_files`;
its names are imported here too. This module loads a folder, caches it and picks the catalogue's figures.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cpanalysis import cache as store
from cpanalysis import paths
from cpanalysis.sources.catalogue import (  # noqa: F401 - the catalogue's names, long imported from here
    CATALOGUE_FILE,
    Measure,
    catalogue,
    catalogue_frame,
    definition_for,
)
from cpanalysis.sources.published_files import (  # noqa: F401 - long imported from here
    COLUMN_ALIASES,
    FIGURE_COLUMNS,
    GEO_COLUMNS,
    LAIT_COLUMNS,
    LAIT_REGION_NAMES,
    LAIT_VERSION_RANK,
    NOT_TABLES,
    SYMBOL_ALIASES,
    SYMBOLS,
    TIME_COLUMNS,
    PublishedDataError,
    Table,
    find_files,
    lait_period,
    parse_values,
    read_lait,
    read_table,
    status_for,
    year_from_period,
)


# ------------------------------------------------------------------------------------ the data
@dataclass
class PublishedData:
    """Every published file found in a folder, and the catalogue's figures from them.

    ``figures`` has one row per measure, year and place (England, regions, councils) with
    :data:`FIGURE_COLUMNS`; ``tables`` keeps each file wide as published, for any other question.
    """

    folder: Path
    tables: dict[str, Table]
    figures: pd.DataFrame
    files: pd.DataFrame  # one row per file: file, rows, columns, layout, notes
    seconds: float = 0.0
    _cells: pd.DataFrame | None = None
    #: what was said about the files while reading them (a table in two releases, damaged or skipped files); kept
    #: with the cached copy, so it is said on every run, and shown in the pack's data-quality annex
    warnings: list[str] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.figures["year"].dropna().unique())

    def table(self, name: str) -> Table:
        for stem, t in self.tables.items():
            if stem == name or stem.startswith(name):
                return t
        raise KeyError(f"no published file {name!r} under {self.folder}; found: {', '.join(sorted(self.tables))}")

    def cell(self, file: str, row: int, column: str) -> tuple[float, str]:
        """(value, symbol) of one published cell, addressed as a spreadsheet would (header = row 1)."""
        t = self.table(file)
        hit = t.frame.index[t.frame["_row"] == row]
        if not len(hit):
            raise KeyError(f"{file}: row {row} was not kept (blank, duplicate or a DfE neighbour-median row)")
        v, s = t.values(column)
        return float(v.loc[hit[0]]), str(s.loc[hit[0]])

    def cells(self) -> pd.DataFrame:
        """Every figure of every file in long form (one row per cell), with its source."""
        if self._cells is None:
            parts = []
            for t in self.tables.values():
                f = t.frame
                keep = ["_row", "time_period", "time_identifier", "year", "geographic_level", "old_la_code",
                        "new_la_code", "la_name", "region_name"]
                filt = ""
                for i, c in enumerate(t.filter_columns):  # column-wise: row-wise joins are slow on long tables
                    filt = f[c].astype(str) if i == 0 else filt + " | " + f[c].astype(str)
                for c in t.indicator_columns:
                    v, s = t.values(c)
                    part = f[keep].rename(columns={"_row": "source_row"})
                    part = part.assign(breakdown=filt, value=v.to_numpy(), symbol=s.to_numpy(),
                                       source_file=t.path.name, source_column=c)
                    parts.append(part)
            self._cells = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        return self._cells

    def measure(self, measure_id: str) -> pd.DataFrame:
        return self.figures[self.figures["measure_id"] == measure_id]


def _select(t: Table, filters: dict[str, str]) -> pd.Series:
    mask = pd.Series(True, index=t.frame.index)
    for col, val in filters.items():
        if col not in t.frame.columns:
            return pd.Series(False, index=t.frame.index)
        mask &= t.frame[col].str.strip() == val
    return mask


def _measure_figures(m: Measure, t: Table) -> pd.DataFrame:
    if m.value not in t.frame.columns:
        return pd.DataFrame(columns=FIGURE_COLUMNS)
    mask = _select(t, m.filters)
    f = t.frame[mask]
    if f.empty:
        return pd.DataFrame(columns=FIGURE_COLUMNS)
    v, s = t.values(m.value)
    out = pd.DataFrame({
        "measure_id": m.id, "indicator_id": m.indicator_id, "title": m.title, "unit": m.unit,
        "polarity": m.polarity, "question": m.question,
        "time_period": f["time_period"], "time_identifier": f["time_identifier"], "year": f["year"],
        "geographic_level": f["geographic_level"], "old_la_code": f["old_la_code"],
        "new_la_code": f["new_la_code"], "la_name": f["la_name"], "region_code": f["region_code"],
        "region_name": f["region_name"], "breakdown": "Total",
        "value": v[mask], "symbol": s[mask], "numerator": np.nan, "denominator": np.nan,
        "source_file": t.path.name, "source_row": f["_row"], "source_column": m.value})
    if m.transform == "yymm_to_days":
        out["value"] = out["value"] * 365.25 / 12
    if m.numerator and m.numerator in t.frame.columns:
        out["numerator"] = t.values(m.numerator)[0][mask]
    if isinstance(m.denominator, str) and m.denominator in t.frame.columns:
        out["denominator"] = t.values(m.denominator)[0][mask]
    elif isinstance(m.denominator, dict) and m.denominator["column"] in t.frame.columns:
        # The denominator sits on a sibling row: same time, place and other filters, some overridden.
        over = {k: str(v) for k, v in m.denominator["filters"].items()}
        sib_filters = {**m.filters, **over}
        smask = _select(t, sib_filters)
        key = ["time_period", "geographic_level", "old_la_code", "new_la_code", "la_name", "region_name"]
        key += [c for c in t.filter_columns if c not in sib_filters]
        dv = t.values(m.denominator["column"])[0]
        sib = t.frame.loc[smask, key].assign(_den=dv[smask]).drop_duplicates(subset=key)
        joined = t.frame.loc[mask, key].merge(sib, on=key, how="left")
        out["denominator"] = joined["_den"].to_numpy()
    where = ", record " if t.path.name.lower().endswith(".parquet") else ", row "
    out["source"] = ("DfE " + out["source_file"] + where + out["source_row"].astype(str) + ", column "
                     + m.value + ("" if not m.filters else " (" + ", ".join(f"{v}" for v in m.filters.values()) + ")"
                                  if where == ", record " else ""))
    return out[FIGURE_COLUMNS]


#: the cache's machinery (:mod:`cpanalysis.cache`), long reached from here
cache_dir = store.cache_dir
cache_entries = store.cache_entries
cache_limit_bytes = store.cache_limit_bytes
clear_cache = store.clear_cache
enforce_cache_limit = store.enforce_cache_limit
_file_hash = store.file_hash
_warn = store.warn
#: bump when the cache layout changes
CACHE_FORMAT = 4  # 4: the reading's warnings are kept in the manifest


def _cache_key(folder: Path, files: list[Path] | None = None) -> str:
    """A hash of the content of every published file (and of the catalogue and this loader): any edit to any
    file, whatever its size or modification time, gives a new key."""
    import hashlib

    h = hashlib.sha256(f"format {CACHE_FORMAT}\n".encode())
    for extra in (Path(__file__), CATALOGUE_FILE):
        h.update(extra.read_bytes())
    for p in files if files is not None else find_files(folder):
        h.update(f"{p.relative_to(folder).as_posix()}\0{store.file_hash(p)}\n".encode())
    return h.hexdigest()[:32]


def _save_cache(pub: PublishedData, d: Path, key: str) -> None:
    """Parsed tables as Parquet plus a JSON manifest (column roles, notes, a hash of each Parquet file) signed
    with the user's cache key (:mod:`cpanalysis.cache`). Nothing in it can run code when read."""
    names = list(pub.tables)
    frames = {f"table-{i}": pub.tables[n].frame for i, n in enumerate(names)}
    frames.update(figures=pub.figures, files=pub.files.copy())
    tables = [{"name": n, "path": str(t.path), "filter_columns": list(t.filter_columns),
               "indicator_columns": list(t.indicator_columns), "notes": list(t.notes), "frame": f"table-{i}"}
              for i, (n, t) in enumerate(pub.tables.items())]
    store.write_entry(d, "published", key, frames, {"folder": str(pub.folder), "tables": tables,
                                                    "warnings": list(pub.warnings)}, CACHE_FORMAT)


def _load_cache(d: Path, key: str, folder: Path) -> PublishedData | None:
    """The cached result for ``key``, or None when absent; a cache whose manifest signature or file hashes do not
    match (edited, replaced or damaged) is reported, removed and not used."""
    got = store.read_entry(d, "published", key, CACHE_FORMAT, "copy of the published files")
    if got is None:
        return None
    frames, meta = got
    tables = {t["name"]: Table(t["name"], Path(t["path"]), frames[t["frame"]], list(t["filter_columns"]),
                               list(t["indicator_columns"]), list(t["notes"])) for t in meta["tables"]}
    warnings = [str(w) for w in meta.get("warnings", [])]
    for w in warnings:  # said on every run, not only the one that read the files
        _warn(w)
    return PublishedData(folder=folder, tables=tables, figures=frames["figures"], files=frames["files"],
                         warnings=warnings)


def load_published_captured(folder: str | Path) -> tuple[PublishedData, str]:
    """:func:`load_published` in another process (the pack builder's helper): the data, and what it said on
    standard error, for the builder to say (:func:`say_captured`)."""
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stderr(buf):
        pub = load_published(folder)
    return pub, buf.getvalue()


def say_captured(text: str) -> None:
    """Say in this process what :func:`load_published_captured` captured (each cache message once)."""
    import sys

    for line in text.splitlines():
        if line.startswith("cpanalysis: "):
            _warn(line[len("cpanalysis: "):])
        elif line:
            print(line, file=sys.stderr)


def load_published(folder: str | Path, cache: bool = True) -> PublishedData:
    """Read every published file under ``folder`` and extract the catalogue's figures.

    Raises :class:`PublishedDataError` when the folder does not exist or holds no published file.
    A file that cannot be read is listed in ``files`` with the reason and skipped (and reported). The parsed
    result is cached (see :func:`cache_dir`) as Parquet files and a signed JSON manifest, never as a pickle,
    keyed on a hash of every file's content plus the catalogue and this module, so a second pack from the same
    files skips the parsing; a cache that fails its integrity check is discarded, and a cache folder that others
    can write is not used.
    """
    start = time.perf_counter()
    folder = Path(folder)
    if not folder.exists():
        raise PublishedDataError(f"{folder}: published-data folder not found. Give --published with a folder of "
                                 "DfE files (e.g. ../shared/data) or run `cpanalysis data download --dest DIR`.")
    if cache and cache_limit_bytes() > 0:
        d = store.private_cache_dir()
        if d is not None:
            key = _cache_key(folder)
            pub = _load_cache(d, key, folder)
            if pub is not None:
                pub.seconds = time.perf_counter() - start
                return pub
            pub = load_published(folder, cache=False)
            try:
                _save_cache(pub, d, key)
            except Exception as err:  # noqa: BLE001 - a cache that cannot be written is not needed
                _warn(f"the parsed published files could not be cached in {d} ({type(err).__name__}: {err}).")
            return pub
    tables: dict[str, Table] = {}
    info: dict[str, dict] = {}
    not_tables: list[Path] = []
    warnings: list[str] = []

    def say(message: str) -> None:
        warnings.append(message)
        store.warn(message)
    for p in find_files(folder):
        try:
            t = read_lait(p) if p.name.lower().endswith(".parquet") else read_table(p)
        except PublishedDataError as err:
            info[str(p)] = {"file": str(p), "rows": 0, "columns": 0, "layout": "skipped", "notes": str(err)}
            if "not an Explore Education Statistics table" in str(err):
                not_tables.append(p)  # other files in the folder (a 903 return, say): one line for them all
            else:
                say(f"skipped a published file: {err}")
            continue
        info[str(p)] = {"file": str(p), "rows": len(t.frame), "columns": len(t.indicator_columns),
                        "layout": "LAIT long" if p.name.lower().endswith(".parquet") else "EES",
                        "notes": "; ".join(t.notes)}
        name = t.name
        if name in tables:  # the same table twice (e.g. two releases in sub-folders): keep the newer, and say so
            keep, drop = _newer(tables[name], t)
            why = (f"the same table is in {keep.path} and {drop.path}; using {keep.path} because "
                   f"{_release_reason(keep, drop)}")
            info[str(drop.path)].update(layout="duplicate", notes=f"{why}; this copy was not used")
            info[str(keep.path)]["notes"] = "; ".join(filter(None, [info[str(keep.path)]["notes"], why]))
            say(why + ".")
            tables[name] = keep
            continue
        tables[name] = t
    # Files that are not DfE tables (903 samples in a subfolder, say) are listed once, by `cpanalysis validate`
    # (:func:`table_report`), not on every build: they are in ``files`` with layout "skipped".
    info = list(info.values())
    if not tables:
        raise PublishedDataError(f"{folder}: no DfE published CSV files found (looked for *.csv and *.csv.gz).")
    frames = []
    for m in catalogue().values():
        t = table_for(tables, m.file)
        if t is not None:
            frames.append(_measure_figures(m, t))
    frames = [f for f in frames if not f.empty]
    figures = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=FIGURE_COLUMNS)
    figures = _fill_regions(figures)
    pub = PublishedData(folder=folder, tables=tables, figures=figures, files=pd.DataFrame(info), warnings=warnings)
    pub.seconds = time.perf_counter() - start
    return pub


def table_for(tables: dict[str, Table], file: str) -> Table | None:
    """The table a catalogue ``file:`` key names (its exact stem, or a stem that starts with it)."""
    return next((tables[n] for n in sorted(tables) if n == file or n.startswith(file)), None)


def needed_tables() -> dict[str, list[Measure]]:
    """Every DfE table the catalogue's measures need (its ``file:`` key), with the measures it gives."""
    out: dict[str, list[Measure]] = {}
    for m in catalogue().values():
        out.setdefault(m.file, []).append(m)
    return out


def missing_tables(pub: PublishedData) -> dict[str, list[Measure]]:
    """The tables the catalogue needs that are not in the published folder, with the measures each would give."""
    return {f: ms for f, ms in needed_tables().items() if table_for(pub.tables, f) is None}


def table_report(pub: PublishedData) -> dict[str, list[dict]]:
    """What was found in the published folder, for ``cpanalysis validate``: the tables the catalogue needs that were
    found (with their years and file) and missing (with the measures each would give), and the files skipped
    (not DfE tables, damaged, or a second copy of a table) with the reason."""
    from cpanalysis.config import year_label

    found, missing = [], []
    for f, ms in needed_tables().items():
        t = table_for(pub.tables, f)
        if t is None:
            missing.append({"table": f, "measures": [m.title for m in ms]})
            continue
        years = sorted({int(y) for y in t.frame["year"].dropna().unique()}) if "year" in t.frame.columns else []
        rel = t.path.relative_to(pub.folder) if t.path.is_relative_to(pub.folder) else t.path
        found.append({"table": f, "file": str(rel), "measures": len(ms),
                      "years": f"{year_label(years[0])} to {year_label(years[-1])}" if years else "no years"})
    skipped = []
    files = pub.files if isinstance(pub.files, pd.DataFrame) else pd.DataFrame()
    if not files.empty and "layout" in files.columns:
        for r in files[files["layout"].isin(["skipped", "duplicate"])].itertuples(index=False):
            p = Path(str(r.file))
            rel = p.relative_to(pub.folder) if p.is_relative_to(pub.folder) else p
            skipped.append({"file": str(rel), "why": "not a DfE published table" if "not an Explore Education "
                            "Statistics table" in str(r.notes) else str(r.notes)})
    return {"found": found, "missing": missing, "skipped": skipped}


def _latest_year(t: Table) -> int:
    y = t.frame["year"].dropna() if "year" in t.frame.columns else pd.Series(dtype=float)
    return int(y.max()) if len(y) else -1


def _newer(a: Table, b: Table) -> tuple[Table, Table]:
    """(kept, dropped) of two copies of one table: the one with the later data, then the larger, then the one
    in the later folder (release folders sort by date)."""
    ka = (_latest_year(a), len(a.frame), str(a.path))
    kb = (_latest_year(b), len(b.frame), str(b.path))
    return (a, b) if ka >= kb else (b, a)


def _release_reason(keep: Table, drop: Table) -> str:
    yk, yd = _latest_year(keep), _latest_year(drop)
    if yk != yd:
        return f"its figures run to {yk} (the other copy's to {yd})"
    if len(keep.frame) != len(drop.frame):
        return f"it has more rows ({len(keep.frame):,} against {len(drop.frame):,})"
    return "its folder sorts later (taken as the later release)"


def _fill_regions(fig: pd.DataFrame) -> pd.DataFrame:
    """Dashboard files omit the region of a council's row: take it from the EES files."""
    la = fig[(fig["geographic_level"] == "Local authority") & (fig["region_name"] != "")]
    if la.empty:
        return fig
    lookup = la.drop_duplicates("old_la_code", keep="last").set_index("old_la_code")["region_name"]
    need = (fig["geographic_level"] == "Local authority") & (fig["region_name"].fillna("") == "")
    fig.loc[need, "region_name"] = fig.loc[need, "old_la_code"].map(lookup).fillna("")
    return fig


# ------------------------------------------------------------------------------------ for the pack
def council_rows(pub: PublishedData, council) -> pd.DataFrame:
    """The council's own rows (matched by old code, new code, then name)."""
    f = pub.figures
    la = f["geographic_level"] == "Local authority"
    own = f.iloc[0:0]
    for col, val in (("old_la_code", council.old_la_code), ("new_la_code", council.new_la_code),
                     ("la_name", council.name)):
        if val:
            hit = f[la & (f[col] == str(val))]
            if not hit.empty:
                own = hit
                break
    joint = joint_rows(pub, council)
    if joint.empty:
        return own
    # a figure DfE publishes jointly fills only the measures and years the council has no figure of its own for
    have = set(zip(own["measure_id"], own["year"]))
    joint = joint[[(m, y) not in have for m, y in zip(joint["measure_id"], joint["year"])]]
    return pd.concat([own.assign(joint_with=""), joint], ignore_index=True) if not joint.empty else own


#: the status of a figure DfE publishes for the council together with another (then the other's name)
JOINT_STATUS = "published jointly with "

#: how DfE writes one row for two councils: "940 / 941", "E06000061 / E06000062", "North ... / West ..."
JOINT_SEPARATOR = " / "


def joint_rows(pub: PublishedData, council) -> pd.DataFrame:
    """Rows DfE publishes jointly for the council and another ("940 / 941": North and West Northamptonshire's
    workforce), each with ``joint_with``, the other council's name. Empty when there are none."""
    f = pub.figures
    codes = f["old_la_code"].astype(str)
    cand = f[(f["geographic_level"] == "Local authority") & codes.str.contains(JOINT_SEPARATOR, regex=False)]
    if cand.empty:
        return cand.assign(joint_with="")
    keep, others = [], []
    for i, r in cand.iterrows():
        olds = [c.strip() for c in str(r["old_la_code"]).split("/")]
        news = [c.strip() for c in str(r["new_la_code"]).split("/")]
        names = [c.strip() for c in str(r["la_name"]).split(" / ")]
        at = next((k for k, c in enumerate(olds) if council.old_la_code and c == str(council.old_la_code)), None)
        if at is None:
            at = next((k for k, c in enumerate(news) if council.new_la_code and c == str(council.new_la_code)), None)
        if at is None:
            continue
        keep.append(i)
        others.append(" and ".join(n for k, n in enumerate(names) if k != at) or "another council")
    return cand.loc[keep].assign(joint_with=others)


def published_indicators(pub: PublishedData, params) -> pd.DataFrame:
    """The council's published figures in the registry's RESULT_COLUMNS (plus ``symbol`` and
    ``source_ref``), so a published-only pack renders like a child-level one.

    England-only measures (adoption stage times) appear with the England figure and status
    "England figure (not published by council)".
    """
    from cpanalysis import stats
    from cpanalysis.definitions import RESULT_COLUMNS, UNITS

    rows = council_rows(pub, params.council)
    nat_only = [m.id for m in catalogue().values() if m.national_only]
    nat = pub.figures[pub.figures["measure_id"].isin(nat_only) & (pub.figures["geographic_level"] == "National")]
    out = []
    for part, is_nat in ((rows, False), (nat, True)):
        for r in part.itertuples(index=False):
            defn = definition_for(r.indicator_id)
            num, den = r.numerator, r.denominator
            lo = hi = np.nan
            if r.unit == "percent" and not r.symbol and pd.notna(num) and pd.notna(den) and den > 0 and m_counts(r):
                lo, hi = (100 * x for x in stats.wilson_interval(int(round(num)), int(round(den))))
            elif r.unit == "rate_per_10k" and not r.symbol and pd.notna(num) and pd.notna(den) and den > 0:
                lo, hi = stats.poisson_rate_interval(num, den, per=10000)
            if pd.notna(lo) and pd.notna(r.value):
                # The published figure is rounded (whole per cent): keep it inside its own interval.
                lo, hi = min(lo, r.value), max(hi, r.value)
            status = status_for(r.symbol)
            if getattr(r, "joint_with", ""):
                status = f"{JOINT_STATUS}{r.joint_with}" if status == "ok" else f"{status}; {JOINT_STATUS}{r.joint_with}"
            if is_nat:
                status = "England figure (not published by council)" if status == "ok" else status
            out.append({"indicator_id": r.indicator_id, "title": defn.title, "question": defn.question,
                        "year": int(r.year), "breakdown": r.breakdown, "value": r.value,
                        "numerator": num, "denominator": den, "ci_low": lo, "ci_high": hi,
                        "unit": r.unit if r.unit in UNITS else "mean",
                        "source": r.source, "status": status, "symbol": r.symbol,
                        "source_ref": f"{r.source_file}:{r.source_row}:{r.source_column}"})
    df = pd.DataFrame(out, columns=RESULT_COLUMNS + ["symbol", "source_ref"])
    if params.year:
        df = df[df["year"] <= params.year]
    return df.sort_values(["question", "indicator_id", "year"]).reset_index(drop=True)


def m_counts(r) -> bool:
    """Intervals only for proportions of people (not sessions, FTEs or pounds)."""
    m = catalogue().get(r.measure_id)
    return m is not None and m.funnel_ok


def write_demo_published(dest: Path = paths.DEMO_PUBLISHED_DIR, seed: int = 20250331) -> list[Path]:
    """Synthetic published-format tables for the fictional demo council (see published_demo)."""
    from cpanalysis.sources.published_demo import write_demo_published as _write

    return _write(dest, seed=seed)


__all__ = ["PublishedData", "PublishedDataError", "SYMBOLS", "catalogue", "catalogue_frame", "definition_for",
           "load_published", "parse_values", "published_indicators", "read_table", "status_for",
           "write_demo_published", "year_from_period"]


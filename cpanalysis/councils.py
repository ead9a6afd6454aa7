"""Councils: find one by name, old DfE code or new ONS code, and its statistical neighbours.

The directory of councils comes from the published files themselves (every council row of the EES
tables) and the DfE statistical-neighbour models (``sn_model_2025_wide.csv``, May 2025, and
``New_Statistical_Neighbour_Groupings_April_2021.csv``), so a council that DfE publishes is always
found; an unknown name gets an error listing the closest matches.
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from cpanalysis import config, paths
from cpanalysis.config import Council, ParameterError

SN_FILES = {"2025": "sn_model_2025", "2021": "new_statistical_neighbour_groupings_april_2021"}
#: EES files read for the directory (small, with every council): the first found is used.
DIRECTORY_FILES = ("cla_number_and_rate_per_10k_children", "la_cla_placement_stability", "csww_indicators")


#: Common short forms: what people type -> DfE's name ("Hull" for "Kingston upon Hull, City of").
ALIASES = {
    "hull": "Kingston upon Hull, City of",
    "hull city": "Kingston upon Hull, City of",
    "durham": "County Durham",
    "bcp": "Bournemouth, Christchurch and Poole",
    "southend": "Southend-on-Sea",
    "st helens": "St. Helens",
    "saint helens": "St. Helens",
    "bristol": "Bristol, City of",
    "herefordshire": "Herefordshire, County of",
}


@dataclass(frozen=True)
class Reorganisation:
    """A council abolished (or merged) in a reorganisation: its last reporting year and its successors."""

    name: str
    old_la_code: str | None
    last_year: int  # the last reporting year (ending 31 March) it existed for
    successors: tuple[str, ...]
    when: str  # words: "1 April 2023"


#: Reorganisations since 2019 (DfE's three-digit codes). A predecessor asked for in a year after it was abolished
#: is refused naming its successors; a successor asked for in a year before it existed is refused naming the
#: predecessor. A predecessor name with a single successor (Bournemouth) is taken as that successor, with a note.
REORGANISATIONS = (
    Reorganisation("Cumbria", "909", 2023, ("Cumberland", "Westmorland and Furness"), "1 April 2023"),
    Reorganisation("Northamptonshire", "928", 2021, ("North Northamptonshire", "West Northamptonshire"),
                   "1 April 2021"),
    Reorganisation("Bournemouth", "837", 2019, ("Bournemouth, Christchurch and Poole",), "1 April 2019"),
    Reorganisation("Poole", "836", 2019, ("Bournemouth, Christchurch and Poole",), "1 April 2019"),
    Reorganisation("Christchurch", None, 2019, ("Bournemouth, Christchurch and Poole",), "1 April 2019"),
)


class CouncilNotInYear(ParameterError):
    """The council did not exist in the requested reporting year (abolished, or not yet created)."""


def _norm(text: str) -> str:
    t = str(text).lower().replace("&", " and ").replace("\u2019", "'")
    # DfE's inverted forms: "Herefordshire, County of", "Bristol, City of", "Kingston upon Hull, City of"
    t = re.sub(r",\s*(county|city|borough|royal borough) of\s*$", " ", t)
    t = re.sub(r"\b(royal borough of|london borough of|city and county of|city of|county of|borough of)\b", " ", t)
    t = re.sub(r"\b(city council|county council|borough council|district council|metropolitan borough council|"
               r"council|metropolitan|the)\b", " ", t)
    t = re.sub(r"\bst\.?\s", "st ", t)
    t = re.sub(r"[^a-z0-9]+", " ", t)
    words = t.split()
    # a trailing "city", "borough" or "county" left over ("Westminster City", "Durham County")
    while len(words) > 1 and words[-1] in {"city", "borough", "county"}:
        words.pop()
    while len(words) > 1 and words[0] in {"county", "borough"}:
        words.pop(0)
    return " ".join(words)


def _find(folder: Path, stem: str) -> Path | None:
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name.lower().startswith(stem) and p.name.lower().endswith((".csv", ".csv.gz")):
            return p
    return None


@lru_cache(maxsize=8)
def _directory_cached(folder: str) -> pd.DataFrame:
    f = Path(folder)
    parts = []
    for stem in DIRECTORY_FILES:
        p = _find(f, stem)
        if p is None:
            continue
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                         usecols=lambda c: c.strip().lstrip("\ufeff") in {"time_period", "geographic_level", "old_la_code",
                                                                        "new_la_code", "la_name", "region_name"})
        df.columns = [c.strip().lstrip("\ufeff") for c in df.columns]
        df = df[df["geographic_level"] == "Local authority"].sort_values("time_period")
        parts.append(df[["old_la_code", "new_la_code", "la_name", "region_name"]])
        break
    sn = sn_model(f, "2025")
    if sn is not None:
        parts.append(sn[["old_la_code", "la_name", "region_name"]].assign(new_la_code=""))
    if not parts:
        return pd.DataFrame(columns=["old_la_code", "new_la_code", "la_name", "region_name"])
    d = pd.concat(parts, ignore_index=True)
    d = d[d["old_la_code"].str.strip() != ""]
    # Latest row per council wins, but keep a new code from any file.
    codes = d[d["new_la_code"] != ""].drop_duplicates("old_la_code", keep="last").set_index("old_la_code")["new_la_code"]
    d = d.drop_duplicates("old_la_code", keep="first")
    d["new_la_code"] = d["old_la_code"].map(codes).fillna("")
    return d.sort_values("la_name").reset_index(drop=True)


def directory(folder: str | Path | None = None) -> pd.DataFrame:
    """Every council found: old_la_code, new_la_code, la_name, region_name."""
    return _directory_cached(str(Path(folder or default_folder()).resolve()))


def default_folder(params=None) -> Path:
    if params is not None and params.inputs.published:
        return paths.resolve(params.inputs.published)
    return paths.SHARED_DATA_DIR if paths.SHARED_DATA_DIR.exists() else paths.DEMO_PUBLISHED_DIR


def _suggestions(text: str, names: list[str], n: int = 5) -> list[str]:
    """Closest council names, best first: names starting with what was typed, then names containing it, then
    names spelt alike ("Telford" gives Telford and Wrekin before Salford and Bedford)."""
    key = _norm(text)
    normed = {name: _norm(name) for name in names}
    starts = [m for m in names if key and (normed[m] == key or normed[m].startswith(key + " "))]
    contains = [m for m in names if key and f" {key} " in f" {normed[m]} " and m not in starts]
    partial = [m for m in names if key and key in normed[m] and m not in starts + contains]
    k = len(key.split())

    def likeness(name: str) -> float:  # the whole name, or its first words ("Telfrd" against "telford")
        full = normed[name]
        head = " ".join(full.split()[:k])
        return max(difflib.SequenceMatcher(None, key, full).ratio(), difflib.SequenceMatcher(None, key, head).ratio())

    scored = sorted(((likeness(m), m) for m in names), key=lambda x: -x[0])
    alike = [m for score, m in scored if score >= 0.6][:n]
    out: list[str] = []
    for m in starts + contains + partial + alike:
        if m not in out:
            out.append(m)
    return out[:n]


def _reorganised(name: str) -> Reorganisation | None:
    key = _norm(name)
    return next((r for r in REORGANISATIONS if _norm(r.name) == key), None)


def check_exists(row: dict, year: int | None, folder: str | Path | None = None) -> None:
    """Refuse a council that did not exist in the reporting year ``year``: an abolished council after its last
    year (naming its successors) or a new one before its first (naming its predecessor)."""
    if year is None:
        return
    d = directory(folder)
    codes = dict(zip(d["la_name"], d["old_la_code"], strict=False))

    def named(names) -> str:
        items = [f"{n} ({codes[n]})" if n in codes else n for n in names]
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]

    label = f"{year - 1}-{str(year)[2:]}"
    for r in REORGANISATIONS:
        if (row.get("old_la_code") and row.get("old_la_code") == r.old_la_code) or _norm(row["la_name"]) == _norm(r.name):
            if year > r.last_year:
                raise CouncilNotInYear(
                    f"council {row['la_name']!r} was abolished on {r.when}: its last reporting year was "
                    f"{r.last_year - 1}-{str(r.last_year)[2:]}, and DfE publishes no figures for it for {label} "
                    f"(every cell is 'z'). For {label} choose its successor: {named(r.successors)}; or give "
                    f"--year {r.last_year} or earlier for {row['la_name']}.")
        if row["la_name"] in r.successors and year <= r.last_year and len(r.successors) > 1:
            raise CouncilNotInYear(
                f"council {row['la_name']!r} was created on {r.when}, so it has no figures for {label}: its first "
                f"reporting year is {r.last_year}-{str(r.last_year + 1)[2:]} (--year {r.last_year + 1}). For "
                f"{label} and earlier choose its predecessor, {named([r.name])}.")


def find_council(text: str, folder: str | Path | None = None, year: int | None = None) -> dict:
    """The directory row for a council given by name, old code (``894``) or new code (``E06000020``).

    Names are matched forgivingly: case, "&", "City of", "County of", "Council", "Borough" and the like do not
    matter, common short forms are known ("Hull", "Herefordshire", "Bournemouth" for its successor
    Bournemouth, Christchurch and Poole, with a note), and a name that starts exactly one council's name
    ("Telford") is taken as that council, with a note. The row then carries ``note`` (or "" when none).
    With ``year``, a council that did not exist in that reporting year is refused (:class:`CouncilNotInYear`).

    Raises :class:`ParameterError` naming the closest matches, best first, when nothing matches.
    """
    d = directory(folder)
    t = str(text).strip()
    note = ""
    if re.fullmatch(r"\d{3}", t):
        hit = d[d["old_la_code"] == t]
    elif re.fullmatch(r"[Ee]\d{8}", t):
        hit = d[d["new_la_code"].str.upper() == t.upper()]
    else:
        key = _norm(t)
        normed = d["la_name"].map(_norm)
        hit = d[normed == key]
        if hit.empty and key in ALIASES:
            hit = d[d["la_name"] == ALIASES[key]]
        if hit.empty:
            r = _reorganised(t)
            if r is not None and len(r.successors) == 1:
                hit = d[d["la_name"] == r.successors[0]]
                if len(hit) == 1:
                    note = (f"{r.name} was merged into {r.successors[0]} on {r.when}; using "
                            f"{r.successors[0]}.")
            elif r is not None:
                hit = d[d["la_name"].map(_norm) == _norm(r.name)]
        if hit.empty and key:
            prefix = d[normed.str.startswith(key + " ")]
            if len(prefix) == 1:
                hit = prefix
                note = f"{t!r} taken as {prefix.iloc[0]['la_name']}."
    if len(hit) == 1:
        row = hit.iloc[0].to_dict()
        check_exists(row, year, folder)
        row["note"] = note
        return row
    close = _suggestions(t, d["la_name"].tolist())
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise ParameterError(f"council {t!r} was not found among the {len(d)} councils in the published files "
                         f"({folder or default_folder()}). Give its name as DfE spells it, its three-digit DfE "
                         f"number or its nine-character ONS code.{hint}")


def resolve_council(text: str, params=None, folder: str | Path | None = None, year: int | None = None,
                    quiet: bool = False) -> Council:
    """A :class:`Council` for the parameters from a name or code (the CLI's ``--council``). A note (a short form
    or a predecessor's name was taken as a council) goes to standard error unless ``quiet``."""
    if year is None and params is not None:
        year = params.year
    row = find_council(text, folder or default_folder(params), year=year)
    if row.get("note") and not quiet:
        print(f"cpanalysis: note: {row['note']}", file=sys.stderr)
    return Council(name=row["la_name"], old_la_code=row["old_la_code"] or None,
                   new_la_code=row["new_la_code"] or None, region=row["region_name"] or None)


def slug(name: str) -> str:
    """A folder or file name for a council: "Telford and Wrekin" -> "telford-and-wrekin"."""
    return re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-") or "council"


def latest_published_year(folder: str | Path) -> int | None:
    """The latest reporting year of the council tables in a folder of DfE files (None when there are none)."""
    f = Path(folder)
    for stem in DIRECTORY_FILES:
        p = _find(f, stem)
        if p is None:
            continue
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                         usecols=lambda c: c.strip().lstrip("\ufeff") in {"time_period", "geographic_level"})
        df.columns = [c.strip().lstrip("\ufeff") for c in df.columns]
        tp = df.loc[df["geographic_level"] == "Local authority", "time_period"].str.strip()
        # "2025" is the year ending 31 March 2025; an academic "202425" is the same reporting year
        years = pd.to_numeric(tp.str[:4], errors="coerce") + (tp.str.len() == 6).astype(int)
        years = years.dropna()
        if len(years):
            return int(years.max())
    return None


def sn_model(folder: str | Path | None = None, model: str = "2025") -> pd.DataFrame | None:
    """A statistical-neighbour model in long form: old_la_code, la_name, region_name, rank, neighbour, closeness."""
    return _sn_cached(str(Path(folder or default_folder()).resolve()), model)


@lru_cache(maxsize=8)
def _sn_cached(folder: str, model: str) -> pd.DataFrame | None:
    p = _find(Path(folder), SN_FILES[model])
    if p is None:
        return None
    df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    df.columns = [c.strip().lstrip("\ufeff") for c in df.columns]
    if model == "2025":
        code, name, region = "old_la_code", "la_name", "region_name"
        nb = [(f"SN_{i}", f"SN_{i}P") for i in range(1, 11)]
    else:  # 2021 file: LA num, LA Name, LA number, GOInd, GOReg, SN1, SNP, SN2, SNP.1, ...
        code, name, region = "LA num", "LA Name", "GOReg"
        nb = [(f"SN{i}", "SNP" if i == 1 else f"SNP.{i - 1}") for i in range(1, 11)]
    rows = []
    for r in df.to_dict("records"):
        if not str(r.get(code, "")).strip():
            continue
        for rank, (c, pcol) in enumerate(nb, start=1):
            if str(r.get(c, "")).strip():
                rows.append({"old_la_code": str(r[code]).strip(), "la_name": str(r[name]).strip(),
                             "region_name": str(r.get(region, "")).strip(), "rank": rank,
                             "neighbour": str(r[c]).strip(), "closeness": str(r.get(pcol, "")).strip()})
    return pd.DataFrame(rows)


def neighbours(council: Council, model: str = "2025", folder: str | Path | None = None) -> list[str]:
    """Old codes of a council's ten statistical neighbours in a DfE model ('2025' or '2021')."""
    sn = sn_model(folder, model)
    if sn is None or sn.empty:
        return []
    code = council.old_la_code
    if not code:
        hit = sn[sn["la_name"].map(_norm) == _norm(council.name)]
        code = hit["old_la_code"].iloc[0] if not hit.empty else None
    return sn.loc[sn["old_la_code"] == code].sort_values("rank")["neighbour"].tolist() if code else []


def comparator_codes(params, folder: str | Path | None = None) -> tuple[list[str], str]:
    """Old codes of the comparator group the parameters ask for, and its label."""
    c = params.comparators
    folder = folder or default_folder(params)
    if c.statistical_neighbours == "none":
        return [], ""
    if c.statistical_neighbours == "custom":
        return [find_council(x, folder)["old_la_code"] for x in c.custom], "Council's own comparator group"
    return neighbours(params.council, c.statistical_neighbours, folder), \
        f"DfE statistical neighbours ({'May 2025' if c.statistical_neighbours == '2025' else 'April 2021'} model)"


def latest_ssda903_year(folder: str | Path) -> int | None:
    """The latest collection year of an SSDA903 folder: its newest year subfolder (``2025/``), or for a flat
    folder of one year's files the year the return itself shows."""
    from cpanalysis.sources.ssda903 import _year_of_dir, load_ssda903

    f = Path(folder)
    if not f.exists():
        return None
    if f.is_dir():
        years = [y for p in f.iterdir() if p.is_dir() and (y := _year_of_dir(p.name)) is not None]
        if years:
            return max(years)
    from cpanalysis.errors import FatalError

    try:
        data = load_ssda903(f)
    except FatalError:  # an unreadable return: its own plain message (file, year folder, fix), not "year: None"
        raise
    except Exception:  # noqa: BLE001 - anything else gets its own plain error later
        return None
    return max(data.years) if data.years else None


def latest_year_in(ssda903: str | Path | None = None, published: str | Path | None = None) -> tuple[int, str] | None:
    """The default reporting year: the latest year in the data supplied, and which data it came from. The
    council's own SSDA903 return decides when there is one; otherwise DfE's published files."""
    if ssda903:
        y = latest_ssda903_year(paths.resolve(ssda903))
        if y is not None:
            return y, f"the latest year in the SSDA903 return ({paths.resolve(ssda903)})"
    if published:
        folder = paths.resolve(published)
        y = latest_published_year(folder) if folder.is_dir() else None
        if y is not None:
            return y, f"the latest year in DfE's published files ({folder})"
    return None


def fill_default_year(raw: dict, quiet: bool = False) -> None:
    """No ``year`` given: use the latest year present in the data supplied (the SSDA903 return if there is one,
    else DfE's published files) and say which on standard error. Left missing when no data gives a year."""
    if not isinstance(raw, dict) or raw.get("year") not in (None, ""):
        return
    inputs = raw.get("inputs") if isinstance(raw.get("inputs"), dict) else {}
    from cpanalysis.errors import FatalError

    try:
        found = latest_year_in(inputs.get("ssda903"), inputs.get("published"))
    except FatalError:  # the return cannot be read: say why (file, year folder, fix), not "year: None"
        raise
    except Exception:  # noqa: BLE001 - the inputs get their own plain errors later
        found = None
    if found is None:
        return
    raw["year"], which = found
    if not quiet:
        print(f"cpanalysis: note: no year given, so the reporting year is {config.year_label(raw['year'])} (--year "
              f"{raw['year']}), {which}. Give --year (or year: in the parameters file) for another year.", file=sys.stderr)

"""Councils: find one by name, old DfE code or new ONS code, and its statistical neighbours.

The directory of councils comes from the published files themselves (every council row of the EES
tables) and the DfE statistical-neighbour models (``sn_model_2025_wide.csv``, May 2025, and
``New_Statistical_Neighbour_Groupings_April_2021.csv``), so a council that DfE publishes is always
found; an unknown name gets an error listing the closest matches.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from cpanalysis import paths
from cpanalysis.config import Council, ParameterError

SN_FILES = {"2025": "sn_model_2025", "2021": "new_statistical_neighbour_groupings_april_2021"}
#: EES files read for the directory (small, with every council): the first found is used.
DIRECTORY_FILES = ("cla_number_and_rate_per_10k_children", "la_cla_placement_stability", "csww_indicators")


def _norm(text: str) -> str:
    t = str(text).lower().replace("&", " and ")
    t = re.sub(r"\b(city of|council|borough|county|metropolitan|the)\b", " ", t)
    t = re.sub(r"[^a-z0-9]+", " ", t)
    return " ".join(t.split())


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


def find_council(text: str, folder: str | Path | None = None) -> dict:
    """The directory row for a council given by name, old code (``894``) or new code (``E06000020``).

    Raises :class:`ParameterError` naming the closest matches when there is no exact one.
    """
    d = directory(folder)
    t = str(text).strip()
    if re.fullmatch(r"\d{3}", t):
        hit = d[d["old_la_code"] == t]
    elif re.fullmatch(r"[Ee]\d{8}", t):
        hit = d[d["new_la_code"].str.upper() == t.upper()]
    else:
        hit = d[d["la_name"].map(_norm) == _norm(t)]
    if len(hit) == 1:
        return hit.iloc[0].to_dict()
    names = d["la_name"].tolist()
    close = difflib.get_close_matches(t, names, n=5, cutoff=0.5)
    close += [n for n in names if _norm(t) and _norm(t) in _norm(n) and n not in close][:5]
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise ParameterError(f"council {t!r} was not found among the {len(d)} councils in the published files "
                         f"({folder or default_folder()}). Give its name as DfE spells it, its three-digit DfE "
                         f"number or its nine-character ONS code.{hint}")


def resolve_council(text: str, params=None, folder: str | Path | None = None) -> Council:
    """A :class:`Council` for the parameters from a name or code (the CLI's ``--council``)."""
    row = find_council(text, folder or default_folder(params))
    return Council(name=row["la_name"], old_la_code=row["old_la_code"] or None,
                   new_la_code=row["new_la_code"] or None, region=row["region_name"] or None)


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

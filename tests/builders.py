"""Hand-built SSDA903 histories for indicator tests.

Build a :class:`~cpanalysis.model.CLAData` from lists of dicts that use the 903 column names, with
dates as "dd/mm/yyyy" strings::

    from builders import cla, ep, child   # tests/ is on sys.path under pytest (rootdir import mode)

    data = cla(years=(2025,),
               header=[child("A", "15/06/2010")],
               episodes=[ep("A", "01/01/2024"),                                  # open at 31 March
                         ep("B", "01/05/2024", "31/03/2025", rec="E4A")],       # ceased 31 March
               missing=[{"CHILD": "A", "MISSING": "M", "MIS_START": "03/05/2024", "MIS_END": "04/05/2024"}])

* Unspecified columns are blank. Episodes default to LS "C2", CIN "N1", PLACE "U1", PLACE_PROVIDER
  "PR1" (blank for temporary T0-T4 and Z1 placements), HOME_POST "DM1 1", PL_POST "DM1 2".
* When ``header`` is None, every child in ``episodes`` gets a header row (DOB 01/01/2015, SEX "1",
  ETHNIC "WBRI"); header rows given default to SEX "1" and ETHNIC "WBRI".
* Each row may carry "YEAR" (default ``max(years)``); SOURCE_FILE is "test" and SOURCE_ROW is the
  1-based data row (first data row 2) within its table.
* Dtypes follow ``model.py``: DATE_COLUMNS datetime64[ns], INT_COLUMNS and YEAR/SOURCE_ROW Int64,
  everything else string (stripped, blanks as NA; codes upper-cased, CHILD kept as given).
"""

from __future__ import annotations

import pandas as pd

from cpanalysis.model import DATE_COLUMNS, INT_COLUMNS, META_COLUMNS, TABLES, CLAData

EPISODE_DEFAULTS = {"LS": "C2", "CIN": "N1", "PLACE": "U1", "PLACE_PROVIDER": "PR1", "HOME_POST": "DM1 1",
                    "PL_POST": "DM1 2"}
HEADER_DEFAULTS = {"SEX": "1", "ETHNIC": "WBRI"}
DEFAULT_DOB = "01/01/2015"
NO_PROVIDER_PLACES = {"T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14"}


def ep(child: str, decom: str, dec: str | None = None, rne: str = "S", rec: str | None = None, **kw) -> dict:
    """One Episodes row: ``ep("A", "01/04/2024", "12/06/2024", rne="S", rec="X1", PLACE="K2")``."""
    return {"CHILD": child, "DECOM": decom, "DEC": dec, "RNE": rne, "REC": rec, **kw}


def child(child: str, dob: str, sex: str = "1", **kw) -> dict:
    """One Header row: ``child("A", "01/04/2008", ETHNIC="BAFR")``."""
    return {"CHILD": child, "DOB": dob, "SEX": sex, **kw}


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA or (isinstance(v, str) and not v.strip())


def _frame(key: str, rows: list[dict], default_year: int) -> pd.DataFrame:
    cols = TABLES[key]
    unknown = {c for r in rows for c in r} - set(cols) - set(META_COLUMNS)
    if unknown:
        raise ValueError(f"{key}: unknown columns {sorted(unknown)}; expected {cols}")
    records = []
    for i, r in enumerate(rows):
        rec = {c: r.get(c) for c in cols}
        rec["YEAR"] = r.get("YEAR", default_year)
        rec["SOURCE_FILE"] = r.get("SOURCE_FILE", "test")
        rec["SOURCE_ROW"] = r.get("SOURCE_ROW", i + 2)
        records.append(rec)
    df = pd.DataFrame(records, columns=cols + META_COLUMNS)
    out = {}
    for c in df.columns:
        s = list(df[c].astype(object))
        if c in DATE_COLUMNS:
            out[c] = pd.to_datetime(pd.Series([None if _blank(v) else (v.strip() if isinstance(v, str) else v)
                                               for v in s], dtype=object),
                                    format="%d/%m/%Y").astype("datetime64[ns]")
        elif c in INT_COLUMNS or c in ("YEAR", "SOURCE_ROW"):
            out[c] = pd.array([None if _blank(v) else int(v) for v in s], dtype="Int64")
        elif c in ("SOURCE_FILE", "CHILD"):
            out[c] = pd.array([None if _blank(v) else str(v).strip() for v in s], dtype="string")
        else:
            out[c] = pd.array([None if _blank(v) else str(v).strip().upper() for v in s], dtype="string")
    return pd.DataFrame(out, index=pd.RangeIndex(len(df)))


def cla(years=(2025,), header: list[dict] | None = None, episodes: list[dict] | None = None,
        **tables: list[dict]) -> CLAData:
    """A CLAData from lists of row dicts (see the module docstring). Table keys are ``model.TABLES`` keys."""
    years = [int(y) for y in years]
    default_year = max(years)
    episodes = list(episodes or [])
    ep_rows = []
    for r in episodes:
        row = {**EPISODE_DEFAULTS, **r}
        if "PLACE_PROVIDER" not in r and str(row.get("PLACE") or "").upper() in NO_PROVIDER_PLACES:
            row["PLACE_PROVIDER"] = None
        ep_rows.append(row)
    if header is None:
        seen: list[str] = []
        for r in episodes:
            if str(r["CHILD"]) not in seen:
                seen.append(str(r["CHILD"]))
        header = [{"CHILD": c, "DOB": DEFAULT_DOB} for c in seen]
    head_rows = [{**HEADER_DEFAULTS, **r} for r in header]
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise ValueError(f"unknown tables {sorted(unknown)}; expected {sorted(TABLES)}")
    built = {"header": _frame("header", head_rows, default_year),
             "episodes": _frame("episodes", ep_rows, default_year)}
    for key, rows in tables.items():
        built[key] = _frame(key, list(rows or []), default_year)
    return CLAData(tables=built, years=years)


def run(indicator_id: str, data: CLAData, year: int = 2025, **ctx):
    """Run one registered indicator: ``(audit, {breakdown: result row})`` (Total under "Total")."""
    from cpanalysis.indicators import registry

    ind = registry.get(indicator_id)
    audit, rows = registry.run(ind, registry.Context(data=data, year=year, **ctx))
    return audit, {r["breakdown"]: r for r in rows}


def check_definitions(module_name: str) -> list:
    """Assert every indicator registered by ``cpanalysis.indicators.<module_name>`` has its fields filled."""
    from cpanalysis.indicators import registry

    registry.all_indicators()
    inds = [i for i in registry.REGISTRY.values() if i.fn.__module__ == f"cpanalysis.indicators.{module_name}"]
    assert inds, module_name
    for i in inds:
        d = i.definition
        for name in ("title", "sub_question", "cohort", "numerator", "denominator", "source", "methodology"):
            assert str(getattr(d, name)).strip(), f"{d.id}: {name} is empty"
        assert 1 <= d.question <= 10, d.id
        assert d.unit in ("count", "percent", "rate_per_10k", "mean", "days"), d.id
        assert d.polarity in ("higher_is_better", "lower_is_better", "neutral"), d.id
        assert isinstance(d.caveats, tuple) and all(isinstance(c, str) and c for c in d.caveats), d.id
        assert d.history_years >= 0, d.id
    return inds


def check_reconciles(indicator_id: str, data: CLAData, year: int = 2025, **ctx) -> None:
    """Assert the headline rows of an indicator are exactly the counts in its own audit."""
    audit, rows = run(indicator_id, data, year, **ctx)
    parts = [("Total", audit)]
    if "breakdown" in audit.columns:
        parts += [(str(k), g) for k, g in audit.groupby("breakdown")]
    assert set(rows) == {p for p, _ in parts}
    for label, part in parts:
        r = rows[label]
        cohort = part[part["in_cohort"]]
        num = int(cohort["in_numerator"].sum())
        if r["unit"] == "count":
            assert r["value"] == num and r["numerator"] == num, (indicator_id, label)
        elif r["unit"] == "percent":
            assert (r["numerator"], r["denominator"]) == (num, len(cohort)), (indicator_id, label)
            if len(cohort):
                assert r["value"] == pytest_approx(100.0 * num / len(cohort))
        elif r["unit"] == "rate_per_10k":
            assert r["numerator"] == num
        assert not (part["in_numerator"] & ~part["in_cohort"]).any()
        assert part["reason"].notna().all() and (part["reason"].str.len() > 0).all()


def pytest_approx(x):
    import pytest

    return pytest.approx(x)


_DEMO: dict = {}


def demo_results(ids: list[str], year: int = 2025):
    """Headline (Total) values of ``ids`` for the demo council's 903 returns, or None when they are absent."""
    from pathlib import Path

    import pandas as pd

    root = Path(__file__).resolve().parents[1] / "data" / "demo"
    if not (root / "ssda903").is_dir():
        return None
    if "data" not in _DEMO:
        from cpanalysis.sources.ssda903 import load_ssda903

        _DEMO["data"] = load_ssda903(root / "ssda903")
        pc = root / "postcodes.csv"
        _DEMO["postcodes"] = pd.read_csv(pc, dtype=str) if pc.exists() else None
    from cpanalysis.indicators import registry

    res = registry.compute(_DEMO["data"], years=[year], ids=ids, population={year: 59600.0}, la_code="999",
                           postcodes=_DEMO["postcodes"])
    return res[res["breakdown"] == "Total"].set_index("indicator_id")["value"].to_dict()


def stability_notebook_with(monkeypatch, folder, source: str, tags: tuple[str, ...] = ("remove_input",)):
    """Make the pack build question 4 from a copy of its notebook with one code cell added at the end (an
    analyst's extension); returns the copy's path."""
    import nbformat

    from cpanalysis import pack, paths

    nb = nbformat.read(paths.NOTEBOOKS_DIR / "04_stability.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)}))
    copy = folder / "04_extended.ipynb"
    nbformat.write(nb, copy)
    real = pack.notebook_path
    monkeypatch.setattr(pack, "notebook_path", lambda name: copy if name.startswith("04") else real(name))
    return copy

"""One indicator computation path: every figure is identical through the CLI (``cpanalysis indicators``), the
pack's context (:func:`cpanalysis.evidence.prepare`) and the library (:func:`registry.compute`), for a single-year
and a multi-year return written by hand, including ``stability_long_term`` on a single-year return (issue 21).

The return (collection year 2025 = 1 April 2024 to 31 March 2025; every child born 01/01/2012, so 13 at 31 March
2025 and 12 at 31 March 2024):

* L00 to L14 (15 children): looked after since 01/01/2021 in one placement, still open;
* M0 to M4 (5 children): looked after since 01/01/2021, moved placement on 01/06/2024 (X1, then RNE P);
* NEW: a period of care that began on 01/06/2024.

A single year's return shows each child's episode open on 1 April 2024 with its start date, so every child's
whole period of care is seen. Long-term stability at 31 March 2025 (looked after continuously since
30/09/2022, under 16, same placement since 31/03/2023): cohort L + M = 20, numerator L = 15, 75%. NEW is not
in the cohort (not looked after on 30/09/2022). With the 2023 to 2025 returns, 31 March 2024 too: continuity
since 30/09/2021 and the same placement since 31/03/2022: every L and M child, 20 of 20 (M moved later).
Children looked after at 31 March 2025: 21.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from cpanalysis import cli, config, evidence, paths
from cpanalysis.indicators import registry
from cpanalysis.model import TABLES
from cpanalysis.sources.ssda903 import load_ssda903

SAME = [f"L{i:02d}" for i in range(15)]
MOVED = [f"M{i}" for i in range(5)]
EPISODE = {"LS": "C2", "CIN": "N1", "PLACE": "U1", "PLACE_PROVIDER": "PR1", "HOME_POST": "DM1 1",
           "PL_POST": "DM1 2"}


def _episodes() -> list[dict]:
    rows = [{"CHILD": c, "DECOM": "01/01/2021", "RNE": "S"} for c in SAME]
    for c in MOVED:
        rows += [{"CHILD": c, "DECOM": "01/01/2021", "RNE": "S", "DEC": "01/06/2024", "REC": "X1",
                  "REASON_PLACE_CHANGE": "CARPL"},
                 {"CHILD": c, "DECOM": "01/06/2024", "RNE": "P", "PLACE": "U4", "PL_POST": "DM1 3"}]
    rows.append({"CHILD": "NEW", "DECOM": "01/06/2024", "RNE": "S"})
    return [{**EPISODE, **r} for r in rows]


def _day(s: str | None) -> pd.Timestamp | None:
    return pd.Timestamp(dt_str(s)) if s else None


def dt_str(s: str) -> str:
    d, m, y = s.split("/")
    return f"{y}-{m}-{d}"


def _write_return(folder, years: tuple[int, ...]) -> None:
    """Each year's Header and Episodes as a council submits them: the episodes open at some time in the year
    (an end date after the year is left blank), and the children they belong to."""
    for year in years:
        start, end = pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)
        eps = []
        for r in _episodes():
            if _day(r["DECOM"]) > end or (r.get("DEC") and _day(r["DEC"]) < start):
                continue
            r = dict(r)
            if r.get("DEC") and _day(r["DEC"]) > end:
                r["DEC"], r["REC"], r["REASON_PLACE_CHANGE"] = None, None, None
            eps.append(r)
        kids = list(dict.fromkeys(r["CHILD"] for r in eps))
        sex = "M" if year >= 2025 else "1"  # M/F from 2024-25
        header = [{"CHILD": c, "SEX": sex, "DOB": "01/01/2012", "ETHNIC": "WBRI"} for c in kids]
        d = folder / str(year)
        d.mkdir(parents=True)
        for key, rows in (("header", header), ("episodes", eps)):
            pd.DataFrame([{c: r.get(c) or "" for c in TABLES[key]} for r in rows], columns=TABLES[key]).to_csv(
                d / f"{key}.csv", index=False, lineterminator="\n")


def _params_file(folder, tmp_path):
    """The demonstration council's parameters with this return as its only input (and its postcode lookup)."""
    p = yaml.safe_load(paths.DEFAULT_PARAMS.read_text(encoding="utf-8"))
    p.pop("since", None)
    p["inputs"] = {"ssda903": str(folder), "postcodes": str(paths.resolve(p["inputs"]["postcodes"]))}
    p["output_dir"] = str(tmp_path / "out")
    f = tmp_path / "params.yml"
    f.write_text(yaml.safe_dump(p), encoding="utf-8")
    return f


def _library(folder, params) -> pd.DataFrame:
    data = load_ssda903(folder)
    return registry.compute(data, years=[y for y in data.years if y <= params.year],
                            population={int(k): float(v) for k, v in params.population.items()},
                            la_code=params.council.old_la_code, postcodes=evidence._indicator_kwargs(params)["postcodes"])


def _cli(params_file, tmp_path) -> pd.DataFrame:
    out = tmp_path / "cli.csv"
    assert cli.main(["indicators", "--params", str(params_file), "--out", str(out), "--unsuppressed"]) == 0
    return pd.read_csv(out, dtype={"breakdown": str, "status": str})


COLUMNS = ["indicator_id", "year", "breakdown", "value", "numerator", "denominator", "ci_low", "ci_high", "status"]


def _norm(df: pd.DataFrame, ids: set[str]) -> pd.DataFrame:
    df = df[df["indicator_id"].isin(ids)][COLUMNS].copy()
    for c in ("value", "numerator", "denominator", "ci_low", "ci_high"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float).round(8)
    df["year"] = df["year"].astype(int)
    df["breakdown"] = df["breakdown"].astype(str)
    df["status"] = df["status"].fillna("").astype(str)
    return df.sort_values(["indicator_id", "year", "breakdown"]).reset_index(drop=True)


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CPANALYSIS_CACHE_DIR", str(tmp_path / "cache"))


@pytest.mark.parametrize("years", [(2025,), (2023, 2024, 2025)], ids=["single-year", "multi-year"])
def test_every_figure_is_identical_through_the_cli_the_pack_and_the_library(tmp_path, years):
    folder = tmp_path / "ssda903"
    _write_return(folder, years)
    params_file = _params_file(folder, tmp_path)
    params = config.load(params_file)
    assert params.inputs.published is None and params.population and params.inputs.postcodes
    lib = _library(folder, params)
    ids = {i.id for i in registry.all_indicators()}
    assert set(lib["indicator_id"]) == ids  # every indicator has its rows
    pack = evidence.prepare(params, use_cache=False).raw_results
    via_cli = _cli(params_file, tmp_path)
    a, b, c = _norm(lib, ids), _norm(pack, ids), _norm(via_cli, ids)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)
    assert len(a) >= len(ids) * len(years)  # a Total row per indicator and year, at least

    def total(df, iid, year):
        r = df[(df["indicator_id"] == iid) & (df["year"] == year) & (df["breakdown"] == "Total")]
        assert len(r) == 1, (iid, year)
        return r.iloc[0]

    for df in (a, b, c):  # hand-worked (module docstring), the same through each path
        lt = total(df, "stability_long_term", 2025)
        assert (lt["numerator"], lt["denominator"], lt["value"]) == (15, 20, 75.0)
        assert lt["status"] == "ok"  # not "insufficient history": the single return shows every period of care
        assert total(df, "cla_at_31_march", 2025)["value"] == 21
        if len(years) > 1:
            lt24 = total(df, "stability_long_term", 2024)
            assert (lt24["numerator"], lt24["denominator"], lt24["value"]) == (20, 20, 100.0)


def test_the_fingerprints_are_an_option_of_the_one_path_and_leave_the_figures_unchanged(tmp_path):
    from cpanalysis import linkage

    folder = tmp_path / "ssda903"
    _write_return(folder, (2025,))
    data = load_ssda903(folder)
    plain = registry.compute(data, years=[2025])
    rows, fps = registry.compute(data, years=[2025], fingerprint=linkage.Fingerprinter(bytes(32)))
    pd.testing.assert_frame_equal(plain, rows)
    assert list(fps.columns) == linkage.FP_COLUMNS
    computed = rows[rows["status"] != "insufficient history"]  # a row per audit, fingerprinted
    assert 0 < len(computed) < len(rows)
    pd.testing.assert_frame_equal(fps[linkage.KEY].reset_index(drop=True),
                                  computed[linkage.KEY].reset_index(drop=True))
    rows2, _ = linkage.compute(data, [2025])
    pd.testing.assert_frame_equal(plain, rows2)

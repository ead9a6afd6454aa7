"""Published DfE data: the loader returns exactly the cells of the real files, with their symbols.

Cells are checked against the raw text read independently with the csv module, and against figures
quoted in ../shared/reference/published-benchmarks.md (sections 1, 2 and 6).
"""

from __future__ import annotations

import csv
import gzip
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cpanalysis import config, councils, paths
from cpanalysis.config import ParameterError
from cpanalysis.sources import published
from cpanalysis.sources.published import SYMBOLS, load_published, parse_values, published_indicators

SHARED = paths.SHARED_DATA_DIR
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason=f"the real DfE files are not at {SHARED} "
                                                                "(../shared/data beside the project)")


@pytest.fixture(scope="module")
def pub():
    if not SHARED.exists():
        pytest.skip(f"the real DfE files are not at {SHARED}")
    return load_published(SHARED)


def raw_rows(name: str) -> list[dict]:
    """The file's rows as text, independently of the loader; each with its spreadsheet row number."""
    path = next(p for p in SHARED.rglob("*") if p.name.startswith(name))
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
        return [{**r, "_row": i} for i, r in enumerate(csv.DictReader(fh), start=2)]


def find_raw(name: str, **keys) -> dict:
    hits = [r for r in raw_rows(name) if all(r.get(k) == v for k, v in keys.items())]
    assert len(hits) >= 1, f"{name}: no row with {keys}"
    return hits[0]


def council(name: str):
    p = config.from_dict({"council": {"name": name}, "year": 2025, "inputs": {"published": str(SHARED)}})
    p.council = councils.resolve_council(name, folder=SHARED)
    return p


def fig(pub, measure: str, year: int, la: str | None = None):
    f = pub.figures[(pub.figures["measure_id"] == measure) & (pub.figures["year"] == year)]
    f = f[f["la_name"] == la] if la else f[f["geographic_level"] == "National"]
    assert len(f) == 1, f"{measure} {year} {la}: {len(f)} rows"
    return f.iloc[0]


# ---------------------------------------------------------------------------------------- units
def test_symbols_become_missing_with_their_reason_never_zero():
    v, s = parse_values(pd.Series(["12", "c", "x", "z", "k", "low", "u", ":", "", "02:03", "0", "1,234", "[c]", "??"]))
    assert v.iloc[0] == 12 and s.iloc[0] == ""
    for i, sym in enumerate(["c", "x", "z", "k", "low", "u", ":"], start=1):
        assert math.isnan(v.iloc[i]) and s.iloc[i] == sym
    assert math.isnan(v.iloc[8]) and s.iloc[8] == ""  # blank: no figure, no symbol
    assert v.iloc[9] == 27  # YY:MM adoption stage time, in months
    assert v.iloc[10] == 0 and s.iloc[10] == ""  # a true zero stays zero
    assert v.iloc[11] == 1234 and s.iloc[12] == "c" and s.iloc[13] == "?"
    assert published.status_for("c") == "suppressed (c)" and set(SYMBOLS) == {"c", "x", "z", "k", "low", "u", ":"}


@pytest.mark.parametrize("period,expected", [("2025", (2025, "Reporting year")), ("202425", (2025, "Academic year")),
                                             ("2024/25", (2025, "Financial year"))])
def test_time_period_and_reporting_year(period, expected):
    assert published.year_from_period(period) == expected


def test_columns_read_by_name_bom_and_gzip(tmp_path):
    """Column order is not fixed and a BOM may precede the first name; .csv.gz reads like .csv."""
    body = ("\ufeffnew_la_code,la_name,time_identifier,time_period,geographic_level,old_la_code,region_name,"
            "thing,count_col,pct_col\n"
            "E06000020,Telford and Wrekin,Reporting year,2025,Local authority,894,West Midlands,A,c,z\n"
            "E06000020,Telford and Wrekin,Reporting year,2025,Local authority,894,West Midlands,B,7,low\n")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "my_table.csv").write_text(body, encoding="utf-8")
    with gzip.open(tmp_path / "my_other.csv.gz", "wt", encoding="utf-8") as fh:
        fh.write(body)
    (tmp_path / "notes.csv").write_text("CHILD,DOB\n1,01/01/2010\n")
    pub = load_published(tmp_path)
    for name in ("my_table", "my_other"):
        t = pub.table(name)
        assert t.filter_columns == ["thing"] and t.indicator_columns == ["count_col", "pct_col"]
        assert pub.cell(name, 2, "count_col")[1] == "c" and pub.cell(name, 3, "count_col") == (7.0, "")
        assert pub.cell(name, 3, "pct_col")[1] == "low"
        assert t.frame["time_period"].iloc[0] == "2025"
    assert (pub.files["layout"] == "skipped").sum() == 1  # the 903-style file is listed, not read


def test_missing_or_empty_folder_is_a_plain_error(tmp_path):
    with pytest.raises(published.PublishedDataError, match="not found"):
        load_published(tmp_path / "nope")
    with pytest.raises(published.PublishedDataError, match="no DfE published CSV"):
        load_published(tmp_path)


def test_catalogue_is_well_formed():
    from cpanalysis.indicators.registry import Definition

    cat = published.catalogue()
    assert len(cat) >= 50
    for m in cat.values():
        assert m.unit in {"count", "percent", "rate_per_10k", "mean", "days", "gbp", "gbp_thousands"}
        assert m.polarity in {"higher_is_better", "lower_is_better", "neutral"} and 1 <= m.question <= 10
        assert isinstance(published.definition_for(m.indicator_id), Definition)
    ids = {m.indicator_id for m in cat.values()}
    # one published measure per indicator: two would give a council two different figures for one measure
    assert len(ids) == len(cat)
    for required in ("cla_at_31_march", "cla_rate_per_10k", "cla_starts", "cla_ceased", "uasc_at_31_march",
                     "placed_outside_council", "placed_over_20_miles", "placement_foster", "placement_children_home",
                     "placement_with_parents", "stability_3plus_placements", "stability_3plus_placements_2yr",
                     "stability_long_term", "health_assessment", "dental_check", "immunisations", "development_check",
                     "sdq_received", "sdq_mean", "sdq_concern", "convicted", "substance_misuse", "ceased_adopted",
                     "ceased_sgo", "adoption_days_entry_to_placed", "adoption_days_entry_to_adopted",
                     "care_leavers_eet_17_18", "care_leavers_eet_19_21", "care_leavers_suitable_accom_17_18",
                     "care_leavers_suitable_accom_19_21", "ks2_rwm_expected", "ks4_attainment8", "absence_overall",
                     "absence_persistent", "school_moves", "sw_changes_3plus", "workforce_turnover",
                     "workforce_agency_rate", "workforce_vacancy_rate", "workforce_caseload", "workforce_absence"):
        assert required in ids


# ---------------------------------------------------------------------------------------- demo
def test_demo_published_is_deterministic_small_and_synthetic(tmp_path):
    a = published.write_demo_published(tmp_path / "a")
    b = published.write_demo_published(tmp_path / "b")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert sum(p.stat().st_size for p in a) < 400_000
    assert "SYNTHETIC" in (tmp_path / "a" / "README.md").read_text()
    pub = load_published(tmp_path / "a")
    demo = config.load(paths.DEFAULT_PARAMS)
    res = published_indicators(pub, demo)
    assert {"cla_at_31_march", "stability_3plus_placements", "workforce_caseload"} <= set(res["indicator_id"])
    assert res.loc[res["symbol"] != "", "value"].isna().all()
    assert councils.neighbours(demo.council, "2025", tmp_path / "a") == [str(c) for c in range(970, 980)]


def test_committed_demo_tables_match_the_generator(tmp_path):
    if not paths.DEMO_PUBLISHED_DIR.exists():
        pytest.skip("data/demo/published has not been generated (cpanalysis demo-data)")
    fresh = published.write_demo_published(tmp_path)
    for p in fresh:
        committed = paths.DEMO_PUBLISHED_DIR / p.relative_to(tmp_path)
        assert committed.read_bytes() == p.read_bytes(), f"{committed} is stale: run cpanalysis demo-data"


# ---------------------------------------------------------------------------------------- councils
@needs_shared
@pytest.mark.parametrize("text", ["Telford and Wrekin", "telford & wrekin", "894", "E06000020"])
def test_resolve_council_by_name_or_code(text):
    c = councils.resolve_council(text, folder=SHARED)
    assert (c.name, c.old_la_code, c.new_la_code, c.region) == ("Telford and Wrekin", "894", "E06000020",
                                                                "West Midlands")


@needs_shared
def test_unknown_council_lists_close_matches():
    with pytest.raises(ParameterError, match="Did you mean: .*Telford and Wrekin"):
        councils.resolve_council("Telfrd and Wrekn", folder=SHARED)


# ---------------------------------------------------------------------------------------- real cells
# (file, keys identifying the row, column): several councils, years, measures and layouts.
CELLS = [
    ("cla_number_and_rate", {"time_period": "2025", "old_la_code": "894",
                             "population_type": "Children looked after on 31 March each year"}, "children_count"),
    ("cla_number_and_rate", {"time_period": "2021", "old_la_code": "895",
                             "population_type": "Children looked after on 31 March each year"}, "rate_per_10000"),
    ("la_cla_placement_stability", {"time_period": "2023", "old_la_code": "305", "cla_group": "CLA on 31 March",
                                    "placement_stability": "With 3 or more placements during the year"},
     "children_percent"),
    ("la_conviction_health_outcome_cla", {"time_period": "2025", "old_la_code": "894",
                                          "breakdown": "Offered intervention but refused it"}, "children_count"),
    ("la_conviction_health_outcome_cla", {"time_period": "2022", "old_la_code": "335",
                                          "breakdown": "SDQ average score"}, "children_count"),
    ("la_care_leavers_activity", {"time_period": "2024", "old_la_code": "335", "care_leaver_age": "19 to 21 years",
                                  "breakdown": "Total in education, employment or training"}, "care_leaver_percent"),
    ("csww_indicators", {"time_period": "2019", "old_la_code": "305"}, "caseload_fte"),
    ("ks4_la", {"time_period": "202425", "old_la_code": "895", "social_care_group": "CLA 12 months at 31 March"},
     "avg_att8"),
    ("ks2_la", {"time_period": "202324", "old_la_code": "894", "social_care_group": "CLA 12 months at 31 March"},
     "pt_rwm_met_expected_standard"),
    ("absence_la", {"time_period": "202021", "old_la_code": "305", "social_care_group": "CLA 12 months at 31 March",
                    "phase_type_grouping": "Total"}, "pt_overall"),
    ("combined_cla_31_march_data", {"time_period": "2025", "old_la_code": "894", "cla_group": "Placement",
                                    "characteristic": "Residential schools"}, "percentage"),
    ("ceased_cla_data", {"time_period": "2022", "old_la_code": "305", "cla_group": "Reason episode ceased",
                         "characteristic": "Adopted"}, "number"),
    ("spending_data", {"old_la_code": "335.0"}, "CS Expenditure"),
]


def _check_cell(pub, name, raw, column):
    value, symbol = pub.cell(name, raw["_row"], column)
    text = raw[column].strip()
    try:
        expected = float(text)
    except ValueError:
        assert math.isnan(value) and symbol == text, f"{name} row {raw['_row']} {column}: {text!r}"
        return symbol
    assert value == expected and symbol == "", f"{name} row {raw['_row']} {column}: {text!r}"
    return ""


@needs_shared
@pytest.mark.parametrize("name,keys,column", CELLS)
def test_loader_returns_exactly_the_cell(pub, name, keys, column):
    _check_cell(pub, name, find_raw(name, **keys), column)


@needs_shared
@pytest.mark.parametrize("symbol", ["c", "x", "z", "k", "u", "low"])
def test_every_symbol_in_the_real_files_is_kept_with_its_reason(pub, symbol):
    """The first few cells carrying each symbol, wherever they are, come back as NaN plus that symbol."""
    found = 0
    for name in ("la_conviction_health_outcome_cla", "csww_indicators", "combined_cla_31_march_data", "ks2_la",
                 "la_care_leavers_activity", "absence_la"):
        t = pub.table(name)
        for raw in raw_rows(name):
            if raw.get("geographic_level", "").startswith("Statistical"):
                continue
            for col in t.indicator_columns:
                if raw[col].strip() == symbol:
                    if (t.frame["_row"] == raw["_row"]).any():
                        assert _check_cell(pub, name, raw, col) == symbol
                        found += 1
                    break
            if found >= 3:
                return
    assert found, f"no {symbol!r} cell found"


@needs_shared
def test_every_shared_file_is_read(pub):
    names = {p.name for p in (SHARED / "ees").iterdir()} | {p.name for p in (SHARED / "ees_dashboard").iterdir()}
    tables = {Path(f).name for f in pub.files.loc[pub.files["layout"] == "EES", "file"]}
    expected = {n for n in names if not n.lower().startswith(("sn_model", "new_statistical"))}
    assert expected <= tables
    lait = {p.name for p in (SHARED / "lait").glob("*.parquet")}
    assert lait and lait <= {Path(f).name for f in pub.files.loc[pub.files["layout"] == "LAIT long", "file"]}


@needs_shared
def test_suppressed_council_figure_is_not_zero(pub):
    r = fig(pub, "new_placements_outside_over_20_miles", 2025, "Telford and Wrekin")
    assert math.isnan(r["value"]) and r["symbol"] == "c"
    res = published_indicators(pub, council("Telford and Wrekin"))
    row = res[(res["indicator_id"] == "new_placements_outside_over_20_miles") & (res["year"] == 2025)].iloc[0]
    assert row["status"] == "suppressed (c)" and math.isnan(row["value"])
    raw = find_raw("la_cla_during_year_new_placements", time_period="2025", old_la_code="894",
                   breakdown="Placed outside LA boundary more than 20 miles from home")
    assert row["source_ref"] == f"la_cla_during_year_new_placements.csv:{raw['_row']}:children_percent"


# Figures quoted in published-benchmarks.md section 6 (council rows) and section 1 (England).
SECTION6 = {
    "Telford and Wrekin": {("cla_at_31_march", y): v for y, v in zip(range(2021, 2026), [425, 423, 453, 412, 411])} | {
        ("cla_rate_per_10k", 2025): 93, ("cla_starts", 2025): 125, ("cla_ceased", 2025): 126,
        ("uasc_at_31_march", 2025): 53, ("placement_foster", 2025): 68, ("placement_children_home", 2025): 9,
        ("placed_outside_council", 2025): 48, ("placed_over_20_miles", 2025): 15,
        ("stability_3plus_placements", 2025): 13, ("stability_long_term", 2025): 58,
        ("health_assessment", 2025): 76, ("immunisations", 2025): 88, ("dental_check", 2025): 93,
        ("sdq_mean", 2025): 15.3, ("care_leavers_eet_19_21", 2025): 56, ("care_leavers_suitable_accom_19_21", 2025): 93,
        ("ks4_attainment8", 2025): 17.9, ("sw_changes_3plus", 2024): 21, ("workforce_turnover", 2025): 10.1,
        ("workforce_agency_rate", 2025): 4.0, ("workforce_vacancy_rate", 2025): 2.3, ("workforce_caseload", 2025): 17.8},
    "Walsall": {("cla_at_31_march", y): v for y, v in zip(range(2021, 2026), [670, 661, 650, 665, 578])} | {
        ("cla_rate_per_10k", 2024): 94, ("cla_rate_per_10k", 2025): 81, ("cla_ceased", 2025): 207,
        ("stability_3plus_placements", 2025): 9, ("stability_long_term", 2025): 69, ("immunisations", 2025): 100,
        ("sdq_mean", 2025): 15.5, ("care_leavers_suitable_accom_19_21", 2025): 81, ("ks4_attainment8", 2025): 14.0,
        ("workforce_caseload", 2025): 11.9},
    "Cheshire East": {("cla_at_31_march", y): v for y, v in zip(range(2021, 2026), [518, 522, 580, 541, 550])} | {
        ("placed_over_20_miles", 2025): 23, ("sw_changes_3plus", 2024): 39, ("workforce_agency_rate", 2025): 31.3,
        ("care_leavers_eet_19_21", 2025): 64, ("ks4_attainment8", 2025): 18.8},
    "Bromley": {("cla_at_31_march", y): v for y, v in zip(range(2021, 2026), [341, 328, 343, 350, 343])} | {
        ("cla_rate_per_10k", 2025): 47, ("placed_outside_council", 2025): 65, ("sdq_mean", 2025): 14.3,
        ("workforce_turnover", 2025): 17.2, ("ks4_attainment8", 2025): 15.2},
}


@needs_shared
@pytest.mark.parametrize("la", sorted(SECTION6))
def test_council_figures_match_the_reference(pub, la):
    for (measure, year), expected in SECTION6[la].items():
        assert fig(pub, measure, year, la)["value"] == pytest.approx(expected), (la, measure, year)
    # the KS4 cohort size quoted beside the score
    n = {"Telford and Wrekin": 33, "Walsall": 48, "Cheshire East": 41, "Bromley": 21}[la]
    assert fig(pub, "ks4_attainment8", 2025, la)["denominator"] == n


@needs_shared
def test_england_figures_match_the_reference(pub):
    assert fig(pub, "cla_at_31_march", 2025)["value"] == 81770
    r = fig(pub, "stability_3plus_placements", 2025)
    assert (r["value"], r["numerator"], r["denominator"]) == (10, 8500, 81770)
    r = fig(pub, "stability_long_term", 2025)
    assert (r["numerator"], r["denominator"]) == (19680, 28710)
    assert fig(pub, "cla_rate_per_10k", 2025)["denominator"] == 12183016
    assert fig(pub, "sdq_mean", 2025)["value"] == 14.9
    r = fig(pub, "care_leavers_suitable_accom_19_21", 2025)
    assert (r["value"], r["numerator"], r["denominator"]) == (89, 33810, 38190)
    assert fig(pub, "care_leavers_eet_17_18", 2025)["denominator"] == 14800
    assert fig(pub, "ks2_rwm_expected", 2025)["value"] == 35  # academic year 2024/25 -> reporting year 2025
    assert fig(pub, "ks2_rwm_expected", 2025)["time_identifier"] == "Academic year"
    assert fig(pub, "ks4_attainment8", 2019)["value"] == 19.0 and fig(pub, "absence_persistent", 2021)["value"] == 30.3
    # adoption: entry to care -> adoption published as "02:03" = 27 months
    assert fig(pub, "adoption_days_entry_to_adopted", 2025)["value"] == pytest.approx(27 * 365.25 / 12)
    assert fig(pub, "ceased_adopted", 2025)["numerator"] == 3040


@needs_shared
def test_published_indicators_are_in_registry_columns_and_traceable(pub):
    from cpanalysis.indicators.registry import RESULT_COLUMNS

    for la in ("Telford and Wrekin", "Walsall", "Cheshire East", "Bromley"):
        res = published_indicators(pub, council(la))
        assert list(res.columns[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
        assert res["source"].str.startswith("DfE ").all() and res["source_ref"].str.count(":").eq(2).all()
        pct = res[(res["unit"] == "percent") & res["value"].notna() & res["ci_low"].notna()]
        assert ((pct["ci_low"] <= pct["value"] + 0.5) & (pct["value"] - 0.5 <= pct["ci_high"])).all()
        # every figure goes back to its cell
        for r in res.sample(10, random_state=1).itertuples():
            file, row, col = r.source_ref.split(":")
            v, s = pub.cell(file.split(".")[0], int(row), col)
            assert s == r.symbol
            if r.unit != "days":
                assert (np.isnan(v) and np.isnan(r.value)) or v == r.value


def test_pack_context_for_demo_has_published_comparators():
    pub = load_published(paths.DEMO_PUBLISHED_DIR) if paths.DEMO_PUBLISHED_DIR.exists() else None
    if pub is None:
        pytest.skip("data/demo/published not generated")
    from cpanalysis.compare import comparator_table

    ct = comparator_table(pub, config.load(paths.DEFAULT_PARAMS), years=2025)
    assert (ct.loc[ct["measure_id"] == "stability_3plus_placements", "sn_n"] == 10).all()


def test_parsed_files_are_cached_and_the_cache_tracks_changes(tmp_path, monkeypatch):
    import os
    import shutil

    monkeypatch.setenv("CPANALYSIS_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "pub"
    shutil.copytree(paths.DEMO_PUBLISHED_DIR, src)

    def entries():
        return sorted((tmp_path / "cache").glob("published-*/manifest.json"))

    first = published.load_published(src)
    assert len(entries()) == 1
    assert not list((tmp_path / "cache").rglob("*.pkl"))  # Parquet and JSON: nothing that can run code
    again = published.load_published(src)
    pd.testing.assert_frame_equal(first.figures, again.figures)
    # Touching a file changes nothing (the key is the content) ...
    victim = sorted(src.rglob("*.csv*"))[0]
    os.utime(victim, ns=(victim.stat().st_atime_ns, victim.stat().st_mtime_ns + 10_000_000_000))
    published.load_published(src)
    assert len(entries()) == 1
    # ... and changing its content gives a new cache entry, not the stale one.
    victim.write_bytes(victim.read_bytes() + b"\n")
    published.load_published(src)
    assert len(entries()) == 2


# ---------------------------------------------------------------------------------------- LAIT
@pytest.mark.parametrize("period, expected", [
    ("2025", (2025, "LAIT: year ending 31 March", 1)),
    ("2024-25 (OT)", (2025, "LAIT: financial or academic year (outturn)", 1)),
    ("2023/24", (2024, "LAIT: financial or academic year", 1)),
    ("2014-16", (2016, "LAIT: three-year period", 1)),            # 2014 to 2016, not the year 2014-15
    ("2021/22-23/24", (2024, "LAIT: three-year period", 1)),
    ("2018 (Rev)", (2018, "LAIT: year ending 31 March (revised)", 2)),
    ("2020 (Final)", (2020, "LAIT: year ending 31 March (final)", 3)),
    ("2025 (prov)", (2025, "LAIT: year ending 31 March (provisional)", 0)),
    ("0", (None, "LAIT: period not recognised", 1)),
])
def test_lait_periods(period, expected):
    assert published.lait_period(period) == expected


def _lait_file(path: Path, rows: list[tuple]) -> Path:
    cols = ["Short Desc", "Data item", "Years", "LA and Regions", "Values", "LA Number", "Region"]
    pd.DataFrame(rows, columns=cols).to_parquet(path)
    return path


def test_lait_reader_levels_symbols_versions_and_records(tmp_path):
    path = _lait_file(tmp_path / "bds_long_0.parquet", [
        ("Children_missing", "% LAC missing from care", "2024", "Telford and Wrekin", "7", 894.0, "West Midlands"),
        ("Children_missing", None, "2025", "Telford and Wrekin", "6", 894.0, "West Midlands"),      # record 2
        ("Children_missing", None, "2025", "England", "11", 970.0, "NA"),
        ("Children_missing", None, "2025", "Yorkshire and the Humber", "9", 982.0, "NA"),
        ("Children_missing", None, "2025", "London (Inner)", "12", 987.0, "NA"),
        ("Children_missing", None, "2025", "Camden", "-", 202.0, "Inner London"),                # record 6
        ("LACStable_2016on", "Placement 1 - % 3 or more places", "2022", "Camden", "10", 202.0, "Inner London"),
        ("LACStable_2016on", None, "2022 (Rev)", "Camden", "11", 202.0, "Inner London"),       # record 8 wins
        ("LACStable_2016on", None, "0", "Camden", "1", 202.0, "Inner London"),
    ])
    t = published.read_lait(path)
    f = t.frame.astype({"geographic_level": str, "la_name": str, "region_name": str, "lait_measure": str,
                        "lait_item": str, "old_la_code": str, "time_period": str})
    tel = f[(f["la_name"] == "Telford and Wrekin") & (f["year"] == 2025)].iloc[0]
    assert (tel["_row"], tel["lait_value"], tel["old_la_code"], tel["region_name"]) == (2, "6", "894", "West Midlands")
    assert tel["lait_item"] == "% LAC missing from care"            # carried from the measure's first row
    assert f.loc[f["lait_value"] == "11", "geographic_level"].tolist() == ["National", "Local authority"]
    assert f.loc[f["_row"] == 4, ["geographic_level", "region_name"]].values.tolist() == [
        ["Regional", "Yorkshire and The Humber"]]                  # EES spelling
    assert f.loc[f["_row"] == 5, "geographic_level"].tolist() == ["Sub-regional"]  # not a region comparator
    camden = f[(f["_row"] == 6)].iloc[0]
    assert camden["region_name"] == "London" and camden["lait_value"] == "x"   # LAIT "-" is not zero
    v, s = t.values("lait_value")
    assert math.isnan(v[f.index[f["_row"] == 6][0]]) and s[f.index[f["_row"] == 6][0]] == "x"
    stab = f[f["lait_measure"] == "LACStable_2016on"]
    assert stab[["_row", "year", "lait_value"]].values.tolist() == [[8, 2022, "11"]]  # revised kept, period 0 dropped
    assert any("earlier versions" in n for n in t.notes) and any("not a year" in n for n in t.notes)


def test_lait_measures_reach_the_figures_with_their_record(tmp_path):
    _lait_file(tmp_path / "bds_long_0.parquet", [
        ("Children_missing", "% LAC missing from care", "2025", "Telford and Wrekin", "6", 894.0, "West Midlands"),
        ("LACFinance", "Looked after Children Finance", "2024-25 (OT)", "Telford and Wrekin", "1770", 894.0,
         "West Midlands"),
    ])
    pub = load_published(tmp_path, cache=False)
    f = pub.figures.set_index("measure_id")
    assert f.loc["lait_missing_children", "indicator_id"] == "missing_children"
    assert f.loc["lait_missing_children", "value"] == 6.0 and f.loc["lait_missing_children", "year"] == 2025
    assert f.loc["lait_missing_children", "source"] == ("DfE bds_long_0.parquet, record 1, column lait_value "
                                                       "(Children_missing)")
    assert f.loc["spend_cla_weekly_unit_cost", "value"] == 1770.0 and f.loc["spend_cla_weekly_unit_cost", "year"] == 2025


def test_a_parquet_file_that_is_not_lait_is_listed_as_skipped(tmp_path):
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "other.parquet")
    _lait_file(tmp_path / "bds_long_0.parquet", [("LAC", "rate", "2025", "England", "70", 970.0, "NA")])
    pub = load_published(tmp_path, cache=False)
    row = pub.files[pub.files["file"].str.endswith("other.parquet")].iloc[0]
    assert row["layout"] == "skipped" and "not a LAIT long table" in row["notes"]


@needs_shared
def test_real_lait_cells(pub):
    """Cells of the real LAIT file, read independently with pandas, against the loader's figures."""
    raw = pd.read_parquet(SHARED / "lait" / "bds_long_0.parquet")
    for measure, la, period, mid in (("Children_missing", "Telford and Wrekin", "2025", "lait_missing_children"),
                                     ("Children_Away", "Bromley", "2024", "lait_away_children"),
                                     ("StayingPut", "Barnsley", "2023", "staying_put_published"),
                                     ("RescareFinance", "Barnet", "2024-25 (OT)", "spend_residential_weekly_unit_cost")):
        hit = raw[(raw["Short Desc"] == measure) & (raw["LA and Regions"] == la) & (raw["Years"] == period)]
        assert len(hit) == 1
        record = int(hit.index[0]) + 1
        text = str(hit["Values"].iloc[0]).strip()
        year = published.lait_period(period)[0]
        got = fig(pub, mid, year, la)
        assert got["source_row"] == record and got["source_file"] == "bds_long_0.parquet"
        if text == "-":
            assert math.isnan(got["value"]) and got["symbol"] == "x"
        else:
            assert got["value"] == pytest.approx(float(text)) and got["symbol"] == ""
    nat = fig(pub, "lait_missing_children", 2025)
    assert nat["value"] == 11.0   # England 2025, % of children looked after who went missing

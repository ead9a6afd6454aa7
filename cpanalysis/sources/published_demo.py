"""Synthetic published-format tables for the fictional demo council, Demoshire (DfE number 999).

Every figure here is invented. The files copy the layout of DfE's published files (same names, columns,
symbols, suppression of counts 1 to 5 and rounding of national and regional counts to 10) so that the
default demonstration pack shows comparators and a published-data section offline. England and region
rows are synthetic too: they are near the real England figures of 2021 to 2025 (reference document
``published-benchmarks.md``) but are not DfE's figures. The other councils are fictional, with codes
970 to 998 that DfE does not use.
"""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from cpanalysis import paths
from cpanalysis.sources.catalogue import Measure, catalogue

DEMO = {"name": "Demoshire", "old": "999", "new": "E06999999", "region": "West Midlands", "region_code": "E12000005"}
YEARS = range(2021, 2026)
_NAMES = ["Ashcombe", "Brackenford", "Castlemere", "Dunholt", "Elmsworth", "Fernleigh", "Glenbury", "Hartwell",
          "Ivybridge Vale", "Kestrel Downs", "Larkfield", "Marlow Heath", "Northcote", "Oakhampton Vale",
          "Pennington", "Quarry Bank", "Redmoor", "Stonebridge", "Thornbury Vale", "Upperton", "Westlake",
          "Yarrowdale", "Zennor Bay", "Ambleford"]
_REGIONS = [("West Midlands", "E12000005")] * 8 + [("North West", "E12000002")] * 6 + \
           [("Yorkshire and The Humber", "E12000003")] * 5 + [("East Midlands", "E12000004")] * 5

#: Synthetic England level (about the real 2025 figure), cohort as a share of CLA, spread across councils.
BASE: dict[str, tuple[float, float, float]] = {
    "cla_rate_per_10k": (67, 1, 18), "cla_starts_rate_per_10k": (26, 1, 6), "uasc_percent_at_31_march": (8, 1, 3),
    "placed_outside_council": (44, 1, 10), "placed_over_20_miles": (22, 1, 6),
    "placed_outside_and_over_20_miles": (18, 1, 5), "new_placements_outside_over_20_miles": (16, 1.1, 5),
    "placement_private_provision": (40, 1, 8), "spend_childrens_services_share": (11, 1, 3),
    "ks2_rwm_expected": (35, 0.03, 9), "ks4_attainment8": (17.3, 0.05, 3), "ks4_english_maths_9_4": (17.4, 0.05, 5),
    "absence_overall": (9.0, 0.6, 1.5), "absence_persistent": (20, 0.6, 4), "school_moves": (14, 0.5, 4),
    "school_moves_in_year": (9, 0.55, 3), "health_assessment": (90, 0.72, 5), "immunisations": (84, 0.72, 7),
    "dental_check": (81, 0.72, 8), "development_check": (88, 0.078, 6), "sdq_received": (78, 0.53, 8),
    "sdq_mean": (14.9, 0.41, 1.2), "sdq_concern": (42, 0.41, 6), "convicted": (2, 0.5, 1.2),
    "substance_misuse": (3, 0.72, 2), "stability_3plus_placements": (10, 1, 2.5),
    "stability_3plus_placements_2yr": (23, 0.73, 4), "stability_long_term": (69, 0.35, 6),
    "sw_changes_3plus": (27, 1, 8), "ceased_adopted": (9, 0.42, 3), "ceased_sgo": (12, 0.42, 4),
    "placement_foster": (67, 1, 5), "placement_with_parents": (6, 1, 2), "placement_for_adoption": (2, 1, 0.8),
    "placement_children_home": (12, 1, 3), "placement_supported_accommodation": (9, 1, 3),
    "care_leavers_eet_17_18": (64, 0.18, 7), "care_leavers_eet_19_21": (54, 0.47, 6),
    "care_leavers_neet_19_21": (40, 0.47, 6), "care_leavers_activity_not_known_19_21": (6, 0.47, 3),
    "care_leavers_suitable_accom_17_18": (91, 0.18, 4), "care_leavers_suitable_accom_19_21": (89, 0.47, 4),
    "workforce_turnover": (11.8, 0, 4), "workforce_agency_rate": (13, 0, 7), "workforce_vacancy_rate": (14.2, 0, 6),
    "workforce_caseload": (15.2, 0, 1.8), "workforce_absence": (3.5, 0, 0.8),
    "adoption_days_entry_to_placed": (579, 0, 0), "adoption_days_entry_to_adopted": (822, 0, 0),
    "adoption_days_decision_to_match": (304, 0, 0),
    # LAIT measures: a figure only, no numerator (as LAIT publishes them); costs in pounds
    "lait_missing_children": (11, 0, 3), "lait_away_children": (3, 0, 1.2), "staying_put_published": (33, 0, 8),
    "care_leavers_higher_education_19_21": (6, 0, 2), "spend_cla_weekly_unit_cost": (2100, 0, 300),
    "spend_fostering_weekly_unit_cost": (765, 0, 90), "spend_residential_weekly_unit_cost": (7385, 0, 900),
    # added for councils' scorecards (issue 12); each draws from its own random stream (see _OWN_MEASURES)
    "ks2_reading_expected": (49, 0.03, 9), "ks2_writing_expected": (42, 0.03, 9), "ks2_maths_expected": (43, 0.03, 9),
    "ks4_english_maths_9_5": (8, 0.05, 3), "ks4_progress8": (-1.2, 0.05, 0.3), "placed_within_20_miles": (72, 1, 6),
    "care_leavers_apprenticeship_17_18": (5, 0.18, 2), "care_leavers_apprenticeship_19_21": (4, 0.47, 2),
    "early_years_gld": (46, 0, 9), "sen_support": (31, 0, 4), "sen_ehc_plan": (29, 0, 4),
    "suspended_pupils": (12, 0, 3), "foster_places_approved": (0.55, 0, 0.08), "foster_places_filled": (0.37, 0, 0.06),
}
#: added to every file name, before the extension
SYNTHETIC_SUFFIX = "_synthetic"
#: files added after the first demo release draw from their own random stream, so adding one leaves the
#: figures of every other file unchanged
_OWN_STREAM = ("bds_long",)
#: measures added to a file after the first demo release draw from their own random stream too, so the other
#: measures of their file (and of every later file) keep their figures
_OWN_MEASURES = frozenset({"ks2_reading_expected", "ks2_writing_expected", "ks2_maths_expected", "ks4_english_maths_9_5",
                           "ks4_progress8", "placed_within_20_miles", "care_leavers_apprenticeship_17_18",
                           "care_leavers_apprenticeship_19_21", "early_years_gld", "sen_support", "sen_ehc_plan",
                           "suspended_pupils", "foster_places_approved", "foster_places_filled"})
#: measures whose figure can be below zero (Progress 8)
_SIGNED = frozenset({"ks4_progress8"})
_ACADEMIC = ("ks2_la", "ks4_la", "absence_la")
_DASHBOARD = ("combined_cla_31_march_data", "ceased_cla_data", "spending_data")


def _places(rng: np.random.Generator) -> list[dict]:
    places = [{"level": "National", "name": "England", "old": "", "new": "", "region": "", "region_code": "",
               "cla": 81770, "pop": 12183016}]
    for reg, code in sorted(set(_REGIONS) | {(DEMO["region"], DEMO["region_code"])}):
        places.append({"level": "Regional", "name": reg, "old": "", "new": "", "region": reg, "region_code": code,
                       "cla": 9000, "pop": 1300000})
    places.append({"level": "Local authority", "name": DEMO["name"], "old": DEMO["old"], "new": DEMO["new"],
                   "region": DEMO["region"], "region_code": DEMO["region_code"], "cla": 420, "pop": 59600})
    for i, (name, (reg, code)) in enumerate(zip(_NAMES, _REGIONS)):
        pop = int(rng.integers(30000, 160000))
        places.append({"level": "Local authority", "name": name, "old": str(970 + i), "new": f"E06999{970 + i}",
                       "region": reg, "region_code": code, "pop": pop,
                       "cla": max(60, int(pop * rng.normal(70, 18) / 10000))})
    return places


def _clip(m: Measure, v: float) -> float:
    return float(min(max(v, 0.5), 99.5)) if m.unit == "percent" else float(max(v, 0.1))


def _fmt(v: float, dp: int = 0) -> str:
    return f"{v:.{dp}f}" if dp else str(int(round(v)))


def _period(stem: str, year: int) -> tuple[str, str]:
    if stem in _ACADEMIC:
        return f"{year - 1}{str(year)[2:]}", "Academic year"
    if stem == "spending_data":
        return f"{year - 1}/{str(year)[2:]}", ""
    return str(year), "Reporting year"


def _counts(places: list[dict], seed: int) -> dict[tuple[str, int], dict[str, int]]:
    """Children looked after, starts, ceased and UASC per place and year, shared by every file."""
    rng = np.random.default_rng(seed + 1)
    out = {}
    for year in YEARS:
        for place in places:
            la = place["level"] == "Local authority"
            size = place["cla"] * (1 + 0.02 * (year - 2025))
            cla = int(rng.poisson(size)) if la else int(round(size, -1))
            c = {"cla_at_31_march": cla}
            for cid, share in (("cla_starts", 0.39), ("cla_ceased", 0.41), ("uasc_at_31_march", 0.08)):
                n = cla * share * (1 + (0.25 * rng.normal() if la else 0))
                c[cid] = max(0, int(round(n))) if la else int(round(n, -1))
            out[(place["name"], year)] = c
    return out


def _rows_for_file(stem: str, measures: list[Measure], places: list[dict], rng: np.random.Generator,
                   all_counts: dict, seed: int = 20250331) -> list[dict]:
    rows: dict[tuple, dict] = {}
    effects = {(m.id, p["name"]): rng.normal(0, 1) for m in measures for p in places if m.id not in _OWN_MEASURES}
    own = {m.id: np.random.default_rng([seed, zlib.crc32(m.id.encode())]) for m in measures if m.id in _OWN_MEASURES}
    for mid, g in own.items():
        effects.update({(mid, p["name"]): g.normal(0, 1) for p in places})

    def row(place: dict, year: int, filters: dict) -> dict:
        key = (place["name"], year, tuple(sorted(filters.items())))
        if key not in rows:
            tp, tid = _period(stem, year)
            rows[key] = {"time_period": tp, "time_identifier": tid, "geographic_level": place["level"],
                         "country_code": "E92000001", "country_name": "England",
                         "region_code": place["region_code"] if place["level"] != "National" else "",
                         "region_name": place["region"], "old_la_code": place["old"], "la_name":
                         place["name"] if place["level"] == "Local authority" else "", "new_la_code": place["new"],
                         **filters}
        return rows[key]

    for year in YEARS:
        trend = (year - 2025) * 0.4
        for place in places:
            if place["level"] != "National" and any(m.national_only for m in measures):
                continue
            la = place["level"] == "Local authority"
            dens: dict[tuple, int] = {}
            counts = all_counts[(place["name"], year)]
            cla = counts["cla_at_31_march"]
            for m in measures:
                base, frac, sd = BASE.get(m.id, (50, 1, 5))
                mrng = own.get(m.id, rng)
                true = base + trend + (effects[(m.id, place["name"])] * sd if la else 0)
                true = true if m.id in _SIGNED else _clip(m, true)
                r = row(place, year, m.filters)
                if m.national_only:
                    months = round(true / (365.25 / 12))
                    r[m.value] = f"{months // 12:02d}:{months % 12:02d}"
                    continue
                if m.unit == "count" and m.id.startswith("foster_places"):  # Ofsted's places, rounded to 5
                    share = base + (effects[(m.id, place["name"])] * sd if la else 0)
                    r[m.value] = _fmt(round(cla * max(share, 0.05) / 5) * 5)
                    continue
                if m.unit == "count":
                    r[m.value] = _fmt(counts[m.id])
                    continue
                if m.unit == "rate_per_10k":
                    count = counts["cla_starts" if "starts" in m.id else "cla_at_31_march"]
                    r[m.value], r[m.numerator], r[m.denominator] = _fmt(10000 * count / place["pop"]), _fmt(count), \
                        _fmt(place["pop"])
                    continue
                if m.file == "spending_data":
                    spend = place["pop"] * 1.1 * (1 + 0.1 * effects[(m.id, place["name"])])
                    share = BASE["spend_childrens_services_share"][0] + effects[(m.id, place["name"])] * (3 if la else 0)
                    total = spend * 100 / max(share, 3)
                    r.setdefault("CS Expenditure", _fmt(spend, 2))
                    r.setdefault("Total Expenditure", _fmt(total, 2))
                    r.setdefault("CS Share", _fmt(100 * float(r["CS Expenditure"]) / float(r["Total Expenditure"]), 1))
                    continue
                if m.unit == "gbp" and m.id.endswith("_total"):  # total spend: scales with the children looked after
                    weekly = BASE["spend_cla_weekly_unit_cost"][0] * (1 + 0.1 * effects[(m.id, place["name"])])
                    r[m.value] = _fmt(cla * 52 * weekly * 1.07 ** (year - 2025))
                    continue
                if m.unit == "gbp":  # costs rise about 7% a year; LAIT's unit costs are rounded to 5 pounds
                    r[m.value] = _fmt(round(true * 1.07 ** (year - 2025) / 5) * 5)
                    continue
                if frac == 0:  # workforce rates and averages: a figure only
                    r[m.value] = _fmt(true, 1)
                    if m.numerator and m.denominator:
                        holders = max(8.0, cla / 4)
                        r[m.numerator], r[m.denominator] = _fmt(true * holders), _fmt(holders, 1)
                    continue
                den_key = (tuple(sorted({**m.filters, **m.denominator["filters"]}.items()))
                           if isinstance(m.denominator, dict) else (m.file,))
                if den_key not in dens:
                    noise = 0.05 * rng.normal() if (la and frac != 1) else 0.0
                    dens[den_key] = max(1, int(round(cla * frac * (1 + noise))))
                den = dens[den_key]
                if m.unit == "mean":
                    r[m.value] = _fmt(true, 1)
                    if m.numerator:
                        r[m.numerator] = _fmt(true * den, 2)
                    if isinstance(m.denominator, str):
                        r[m.denominator] = _fmt(den)
                    continue
                num = int(mrng.binomial(den, true / 100)) if la else int(round(den * true / 100))
                if not la:
                    num, den = int(round(num, -1)), int(round(den, -1))
                small = la and (0 < num <= 5 or 0 < den - num <= 5 and den <= 20)
                pct = 100 * num / den if den else 0
                r[m.value] = "c" if small else (_fmt(pct, 1) if m.file in _ACADEMIC else _fmt(pct))
                if m.numerator:
                    r[m.numerator] = "c" if small else _fmt(num)
                if isinstance(m.denominator, str):
                    r[m.denominator] = _fmt(den)
                elif isinstance(m.denominator, dict):
                    d = row(place, year, {**m.filters, **m.denominator["filters"]})
                    d[m.denominator["column"]] = _fmt(den)
                    if m.value != m.denominator["column"]:
                        d.setdefault(m.value, "100")
    return list(rows.values())


def _frame(stem: str, rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    value_cols = [c for c in df.columns if c not in _LEAD and c not in _filter_cols(df)]
    df[value_cols] = df[value_cols].fillna("z")
    df = df.fillna("")
    if stem in _DASHBOARD:
        df = df.drop(columns=["time_identifier", "country_code", "country_name", "region_code"])
        if stem != "combined_cla_31_march_data":
            df["geo_breakdown"] = np.where(df["geographic_level"] == "Local authority", df["la_name"],
                                           np.where(df["geographic_level"] == "Regional", df["region_name"], "National"))
            df = df.drop(columns=["la_name", "region_name"])
    return df


_LEAD = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
         "region_name", "old_la_code", "la_name", "new_la_code"]


def _filter_cols(df: pd.DataFrame) -> list[str]:
    filt = set()
    for m in catalogue().values():
        filt |= set(m.filters)
        if isinstance(m.denominator, dict):
            filt |= set(m.denominator["filters"])
    return [c for c in df.columns if c in filt]


def _write(df: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = df.to_csv(index=False, lineterminator="\n")
    if path.name.endswith(".gz"):
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as gz:
            gz.write(text.encode("utf-8"))
        path.write_bytes(buf.getvalue())
    else:
        path.write_text(text, encoding="utf-8")
    return path


def write_demo_published(dest: Path = paths.DEMO_PUBLISHED_DIR, seed: int = 20250331) -> list[Path]:
    """Write the synthetic published tables and statistical-neighbour model; returns the files written."""
    dest = Path(dest)
    rng = np.random.default_rng(seed)
    places = _places(rng)
    all_counts = _counts(places, seed)
    by_file: dict[str, list[Measure]] = {}
    for m in catalogue().values():
        by_file.setdefault(m.file, []).append(m)
    written = []
    for stem, measures in sorted(by_file.items()):
        file_rng = np.random.default_rng([seed, zlib.crc32(stem.encode())]) if stem in _OWN_STREAM else rng
        df = _frame(stem, _rows_for_file(stem, measures, places, file_rng, all_counts, seed))
        sub = "ees_dashboard" if stem in _DASHBOARD else "ees"
        # "_synthetic" in every name: never mistaken for (or by a check, matched to) a DfE file; the loader
        # still finds it, since a catalogue measure names the start of its file
        written.append(_write(df, dest / sub / (stem + SYNTHETIC_SUFFIX + ".csv.gz")))
    # Statistical neighbours: the ten fictional councils nearest in code, Demoshire's first.
    las = [p for p in places if p["level"] == "Local authority"]
    sn_rows = []
    for p in las:
        others = [q for q in las if q is not p]
        nb = others[:10] if p["old"] == DEMO["old"] else sorted(others, key=lambda q: abs(int(q["old"]) - int(p["old"])))[:10]
        r = {"old_la_code": p["old"], "la_name": p["name"], "region_ind": "", "region_name": p["region"]}
        for k, q in enumerate(nb, start=1):
            r[f"SN_{k}"], r[f"SN_{k}P"] = q["old"], "Very close" if k <= 4 else "Close"
        sn_rows.append(r)
    written.append(_write(pd.DataFrame(sn_rows), dest / "ees" / f"sn_model_2025_wide{SYNTHETIC_SUFFIX}.csv"))
    readme = dest / "README.md"
    readme.write_text(
        "# SYNTHETIC published-format tables (demonstration only)\n\n"
        "Every figure in this folder is invented by `cpanalysis.sources.published_demo.write_demo_published` "
        f"(seed {seed}) for the fictional council Demoshire (DfE number 999, E06999999, West Midlands) and 24 "
        "fictional councils (numbers 970 to 993). England and regional rows are synthetic too. The files copy "
        "the layout of DfE's published files so the demonstration pack works offline; they are not DfE "
        "statistics. The tables are gzip-compressed CSV (the loader reads .csv and .csv.gz alike) to keep the "
        "folder small; every file name ends in `_synthetic` so none can be taken for a DfE file. "
        "`ees/bds_long_synthetic.csv.gz` holds synthetic figures for the measures DfE publishes in LAIT's "
        "long table (a parquet file, read by `read_lait`), written in the EES layout because the fictional "
        "councils' numbers (970 to 993) overlap the numbers LAIT gives England and the regions. Regenerate with "
        "`cpanalysis demo-data`.\n", encoding="utf-8")
    written.append(readme)
    return written

"""Comparators for published figures: England, region, statistical neighbours, quartiles, funnel plots.

* England and the region are DfE's own rows for them (national and regional counts are rounded to 10).
* Statistical neighbours: the median of the ten neighbours' published figures, as DfE reports it
  (DfE's CSC dashboard ``sn_aggregations``), plus their range; suppressed neighbours are left out and
  ``sn_n`` says how many figures the median rests on. The group is the May 2025 model by default, the
  April 2021 model, or a council's own list (``comparators.statistical_neighbours`` in the parameters).
* Quartile band among all councils with a published figure (1 = the lowest quarter of values, 4 = the
  highest; whether that is good depends on polarity and is worded by the presentation layer). Thresholds
  are un-weighted quartiles of council values (numpy's linear method), as LAIT's banding.
* Funnel plots for proportions: exact binomial control limits (95% and 99.8%) around England's
  proportion, with the interpolation of Spiegelhalter (2005) used by the public-health funnel tools.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cpanalysis import councils
from cpanalysis.sources.published import PublishedData, catalogue

# The statistics live in cpanalysis.stats (the one statistics module); these names are re-exported here
# because callers have long imported them from compare.
from cpanalysis.stats import band_of, funnel_limits, funnel_side, poisson_rate_interval, quartile_band

__all__ = ["COMPARATOR_COLUMNS", "band_of", "comparator_table", "funnel_data", "funnel_limits", "funnel_side",
           "poisson_rate_interval", "quartile_band"]

COMPARATOR_COLUMNS = ["indicator_id", "measure_id", "title", "unit", "polarity", "year", "breakdown", "value",
                      "symbol", "numerator", "denominator", "england", "region", "region_name", "sn_median",
                      "sn_min", "sn_max", "sn_n", "sn_group", "quartile", "rank", "n_councils", "la_q1",
                      "la_median", "la_q3", "source", "england_source", "region_source"]


# ------------------------------------------------------------------------------------ tables
#: how DfE writes one row for two councils ("940 / 941")
JOINT = " / "


def joint_group(params, folder, joint_code: str, group: list[str], label: str) -> tuple[set, str]:
    """The neighbours of a figure DfE publishes for two councils together ("940 / 941"): the councils in either
    council's DfE statistical-neighbour group, leaving out the councils the figure covers (each is the other's
    neighbour, and has no figure of its own). A council's own comparator list (``custom``) is its list without
    the councils the figure covers: the other council's list is not known. Returns (old codes, label)."""
    covered = [c.strip() for c in joint_code.split("/") if c.strip()]
    if not group:
        return set(), ""
    if params.comparators.statistical_neighbours not in ("2025", "2021"):
        return set(group) - set(covered), f"{label}, without the councils the joint figure covers"
    from types import SimpleNamespace

    union: set[str] = set()
    for c in covered:
        union |= set(councils.neighbours(SimpleNamespace(old_la_code=c, name=""),
                                         params.comparators.statistical_neighbours, folder))
    union -= set(covered)
    try:
        d = councils.directory(folder)
        name = dict(zip(d["old_la_code"].astype(str), d["la_name"].astype(str)))
    except Exception:  # noqa: BLE001 - no directory of councils: the codes stand for the names
        name = {}
    names = [name.get(c, c) for c in covered]
    return union, (f"{label}: the {len(union)} councils in the neighbour groups of "
                   f"{' and '.join(names)}, as the figure covers both")


def _ids_to_measures(indicator_ids) -> list[str]:
    cat = catalogue()
    if indicator_ids is None:
        return list(cat)
    wanted = set(indicator_ids)
    return [m.id for m in cat.values() if m.indicator_id in wanted or m.id in wanted]


def comparator_table(pub: PublishedData, params, indicator_ids=None, years=None) -> pd.DataFrame:
    """Per indicator and year: the council's published figure and its comparators.

    Columns :data:`COMPARATOR_COLUMNS`. A council figure that is suppressed keeps its symbol; the
    comparators are still given. England-only measures (adoption stage times) have only ``england``.
    """
    f = pub.figures
    f = f[f["measure_id"].isin(_ids_to_measures(indicator_ids))]
    # Only the columns used below: every row selection copies all columns, and the figures table is wide.
    f = f[[c for c in ("measure_id", "year", "geographic_level", "old_la_code", "la_name", "region_name", "value",
                       "symbol", "numerator", "denominator", "source") if c in f.columns]]
    if years is not None:
        f = f[f["year"].isin([years] if isinstance(years, int) else list(years))]
    if f.empty:
        return pd.DataFrame(columns=COMPARATOR_COLUMNS)
    council = params.council
    try:
        group, label = councils.comparator_codes(params, pub.folder)
    except Exception:  # an unknown custom council is reported by config checks, not here
        group, label = [], ""
    if council.old_la_code is None and council.name:
        hit = f[(f["geographic_level"] == "Local authority") & (f["la_name"] == council.name)]
        code = hit["old_la_code"].iloc[0] if not hit.empty else None
    else:
        code = council.old_la_code
    group = [g for g in group if g != code]
    joint_groups: dict[str, tuple[set, str]] = {}
    # One pass over plain records (row-by-row pandas selection inside the loop was the slow part).
    la_by: dict[tuple, list[dict]] = {}
    nat_by: dict[tuple, dict] = {}
    reg_by: dict[tuple, dict] = {}
    for r in f.to_dict("records"):
        level, key = r["geographic_level"], (r["measure_id"], r["year"])
        if level == "Local authority":
            la_by.setdefault(key, []).append(r)
        elif level == "National":
            nat_by.setdefault(key, r)
        elif level == "Regional":
            reg_by.setdefault(key + (r["region_name"],), r)
    in_group = set(group)
    out = []
    for mid, year in sorted({(r_mid, r_year) for r_mid, r_year in zip(f["measure_id"], f["year"])}):
        m = catalogue()[mid]
        las = la_by.get((mid, year), [])
        me = [r for r in las if code and r["old_la_code"] == code]
        if not me and code:  # a figure DfE publishes for the council jointly with another ("940 / 941")
            me = [r for r in las if JOINT in str(r["old_la_code"])
                  and code in [c.strip() for c in str(r["old_la_code"]).split("/")]]
        n_row = nat_by.get((mid, year))
        if not me and not m.national_only:
            continue
        row = me[0] if me else None
        region_name = (row["region_name"] if row is not None and row["region_name"] else council.region) or ""
        r_row = reg_by.get((mid, year, region_name))
        all_vals = np.array([r["value"] for r in las], dtype=float)
        sn_in, sn_label = in_group, label if group else ""
        if row is not None and JOINT in str(row["old_la_code"]):  # one figure for two councils: their neighbours
            jc = str(row["old_la_code"])
            if jc not in joint_groups:
                joint_groups[jc] = joint_group(params, pub.folder, jc, group, label)
            sn_in, sn_label = joint_groups[jc]
        sn = np.array([r["value"] for r in las if r["old_la_code"] in sn_in], dtype=float)
        sn = sn[~np.isnan(sn)]
        value = float(row["value"]) if row is not None and pd.notna(row["value"]) else math.nan
        band, q1, q2, q3 = quartile_band(value, all_vals)
        vals = all_vals[~np.isnan(all_vals)]
        rank = int((vals < value).sum() + 1) if not math.isnan(value) and len(vals) else None
        out.append({
            "indicator_id": m.indicator_id, "measure_id": mid, "title": m.title, "unit": m.unit,
            "polarity": m.polarity, "year": int(year), "breakdown": "Total", "value": value,
            "symbol": row["symbol"] if row is not None else "",
            "numerator": row["numerator"] if row is not None else math.nan,
            "denominator": row["denominator"] if row is not None else math.nan,
            "england": n_row["value"] if n_row is not None else math.nan,
            "region": r_row["value"] if r_row is not None else math.nan, "region_name": region_name,
            "sn_median": float(np.median(sn)) if len(sn) else math.nan,
            "sn_min": float(sn.min()) if len(sn) else math.nan, "sn_max": float(sn.max()) if len(sn) else math.nan,
            "sn_n": int(len(sn)), "sn_group": sn_label, "quartile": band, "rank": rank,
            "n_councils": int(len(vals)), "la_q1": q1, "la_median": q2, "la_q3": q3,
            "source": row["source"] if row is not None else "",
            "england_source": n_row["source"] if n_row is not None else "",
            "region_source": r_row["source"] if r_row is not None else ""})
    return pd.DataFrame(out, columns=COMPARATOR_COLUMNS)


#: one measure's rows of a published figures table, grouped once per table: a pack asks for every measure's
#: rows several times (funnel, spread, comparators), and each boolean selection of the whole table copied it
_GROUPED: dict[int, tuple[pd.DataFrame, dict]] = {}
_MEASURE_COLUMNS = ("measure_id", "year", "geographic_level", "old_la_code", "new_la_code", "la_name",
                    "region_name", "value", "symbol", "numerator", "denominator", "source")


def measure_rows(pub: PublishedData, measure_id: str) -> pd.DataFrame:
    """Every row DfE published for one measure (all years and places)."""
    f = pub.figures
    hit = _GROUPED.get(id(f))
    if hit is None or hit[0] is not f or len(hit[0]) != len(f):
        if len(_GROUPED) >= 4:  # a batch moves from one folder's table to the next: keep only a few
            _GROUPED.clear()
        # Only the columns the funnel and the spread read: with pyarrow strings every selection costs a take
        # per column, and the figures table is wide.
        cols = [c for c in _MEASURE_COLUMNS if c in f.columns]
        hit = (f, dict(tuple(f[cols].groupby("measure_id", sort=False))))
        _GROUPED[id(f)] = hit
    return hit[1].get(measure_id, f.iloc[0:0])


def funnel_data(pub: PublishedData, indicator_id: str, year: int, council=None) -> pd.DataFrame:
    """Every council's numerator, denominator and percentage for one proportion, with control limits.

    Columns: old_la_code, new_la_code, la_name, region_name, numerator, denominator, percent, centre,
    lower95, upper95, lower998, upper998, outside (""/"above 95%"/"below 99.8%"...), is_council.
    Councils with a suppressed numerator or denominator are left out (they are counted in ``attrs``).
    The centre is England's published proportion (numerator / denominator of the national row).
    """
    mids = [m.id for m in catalogue().values() if (m.indicator_id == indicator_id or m.id == indicator_id)]
    if not mids:
        raise KeyError(f"no published measure for {indicator_id!r}")
    m = catalogue()[mids[0]]
    if not m.funnel_ok:
        raise ValueError(f"{indicator_id}: a funnel plot needs a proportion of children with a published "
                         f"numerator and denominator; this measure is {m.unit}")
    f = measure_rows(pub, m.id)
    f = f[f["year"] == year]
    la = f[f["geographic_level"] == "Local authority"]
    ok = la["numerator"].notna() & la["denominator"].notna() & (la["denominator"] > 0)
    pts = la[ok].copy()
    nat = f[f["geographic_level"] == "National"]
    if not nat.empty and pd.notna(nat["numerator"].iloc[0]) and pd.notna(nat["denominator"].iloc[0]):
        p0 = float(nat["numerator"].iloc[0]) / float(nat["denominator"].iloc[0])
        centre_from = "England"
    else:
        p0 = float(pts["numerator"].sum() / pts["denominator"].sum()) if len(pts) else math.nan
        centre_from = "all councils pooled"
    n = pts["denominator"].to_numpy(dtype=float)
    lo95, hi95 = funnel_limits(p0, n, 0.95)
    lo998, hi998 = funnel_limits(p0, n, 0.998)
    pct = 100 * pts["numerator"].to_numpy(dtype=float) / n
    outside = funnel_side(pct, 100 * lo95, 100 * hi95, 100 * lo998, 100 * hi998)
    code = getattr(council, "old_la_code", None) if council is not None else None
    out = pd.DataFrame({
        "old_la_code": pts["old_la_code"].to_numpy(), "new_la_code": pts["new_la_code"].to_numpy(),
        "la_name": pts["la_name"].to_numpy(), "region_name": pts["region_name"].to_numpy(),
        "numerator": pts["numerator"].to_numpy(), "denominator": n, "percent": pct,
        "published_percent": pts["value"].to_numpy(), "centre": 100 * p0,
        "lower95": 100 * lo95, "upper95": 100 * hi95, "lower998": 100 * lo998, "upper998": 100 * hi998,
        "outside": outside, "is_council": pts["old_la_code"].to_numpy() == code if code else False,
        "source": pts["source"].to_numpy()}).sort_values("denominator").reset_index(drop=True)
    out.attrs.update({"indicator_id": indicator_id, "year": year, "centre_from": centre_from,
                      "left_out": int((~ok).sum())})
    return out


def spread_data(pub: PublishedData, indicator_id: str, year: int) -> dict | None:
    """Every council's published figure for one measure and year, with counts where published, and England's
    proportion every year: what the comparison rule needs to allow for the spread between councils.

    Returns dict(values, nums, dens, england_p, england_series) or None when DfE publishes no council figures
    for the measure. ``england_p`` is the national numerator over denominator (unrounded) when published, else
    the national figure / 100; ``england_series`` maps every year to that proportion."""
    mids = [m.id for m in catalogue().values() if (m.indicator_id == indicator_id or m.id == indicator_id)]
    if not mids:
        return None
    f = measure_rows(pub, mids[0])
    if f.empty:
        return None
    la = f[(f["geographic_level"] == "Local authority") & (f["year"] == year)]
    if la.empty:
        return None
    sym = la["symbol"].fillna("").astype(str) if "symbol" in la else pd.Series("", index=la.index)
    vals = la.loc[sym == "", "value"].to_numpy(dtype=float)
    ok = la["numerator"].notna() & la["denominator"].notna() & (la["denominator"] > 0) & (sym == "")
    nat = f[f["geographic_level"] == "National"].sort_values("year")
    series = {}
    for _, r in nat.iterrows():
        if pd.notna(r.get("numerator")) and pd.notna(r.get("denominator")) and float(r["denominator"]) > 0:
            series[int(r["year"])] = float(r["numerator"]) / float(r["denominator"])
        elif pd.notna(r.get("value")) and catalogue()[mids[0]].unit == "percent":
            series[int(r["year"])] = float(r["value"]) / 100.0
    return {"values": vals, "nums": la.loc[ok, "numerator"].to_numpy(dtype=float),
            "dens": la.loc[ok, "denominator"].to_numpy(dtype=float),
            "england_p": series.get(int(year), math.nan), "england_series": series}

"""Comparators: England, region, statistical-neighbour median and range, quartiles, funnel limits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as st

from cpanalysis import config, councils, paths
from cpanalysis.compare import (
    comparator_table,
    funnel_data,
    funnel_limits,
    poisson_rate_interval,
    quartile_band,
)
from cpanalysis.sources.published import load_published

SHARED = paths.SHARED_DATA_DIR


@pytest.fixture(scope="module")
def pub():
    if not SHARED.exists():
        pytest.skip(f"the real DfE files are not at {SHARED} (../shared/data beside the project)")
    return load_published(SHARED)


def params(name: str, sn: str = "2025", custom=()):
    p = config.from_dict({"council": {"name": name}, "year": 2025, "inputs": {"published": str(SHARED)},
                          "comparators": {"statistical_neighbours": sn, "custom": list(custom)}})
    p.council = councils.resolve_council(name, folder=SHARED)
    return p


def row(ct, measure, year):
    r = ct[(ct["measure_id"] == measure) & (ct["year"] == year)]
    assert len(r) == 1
    return r.iloc[0]


# ------------------------------------------------------------------------------------- statistics
def test_funnel_limits_bracket_the_centre_and_narrow_with_size():
    lo95, hi95 = funnel_limits(0.1, np.array([20, 200, 2000]), 0.95)
    lo998, hi998 = funnel_limits(0.1, np.array([20, 200, 2000]), 0.998)
    assert (lo998 <= lo95).all() and (lo95 < 0.1).all() and (0.1 < hi95).all() and (hi95 <= hi998).all()
    assert (np.diff(hi95) < 0).all() and (np.diff(lo95) > 0).all()
    # large n: close to the normal approximation p +/- 1.96 sqrt(p(1-p)/n)
    lo, hi = funnel_limits(0.3, 100000, 0.95)
    half = st.norm.ppf(0.975) * math.sqrt(0.3 * 0.7 / 100000)
    assert lo[0] == pytest.approx(0.3 - half, abs=2e-4) and hi[0] == pytest.approx(0.3 + half, abs=2e-4)


def test_funnel_limit_hand_worked():
    """n = 10, p0 = 0.5, upper 97.5%: r = 8 (F(8) = 0.98926, F(7) = 0.94531); a = (0.98926 - 0.975) / 0.04395
    = 0.3244; limit = (8 - 0.3244) / 10 = 0.76756."""
    _, hi = funnel_limits(0.5, 10, 0.95)
    assert hi[0] == pytest.approx(0.76756, abs=1e-4)


def test_poisson_rate_interval_hand_worked():
    # 10 events: exact 95% interval 4.795 to 18.390 (Garwood); per 10,000 of a population of 10,000
    lo, hi = poisson_rate_interval(10, 10000)
    assert (lo, hi) == pytest.approx((4.795, 18.390), abs=1e-3)
    assert all(math.isnan(x) for x in poisson_rate_interval(10, 0))


def test_quartile_band():
    vals = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, np.nan])
    assert quartile_band(1, vals)[0] == 1 and quartile_band(9, vals)[0] == 4
    assert quartile_band(5, vals)[0] == 2 and quartile_band(6, vals)[0] == 3
    assert quartile_band(float("nan"), vals)[0] is None


# ------------------------------------------------------------------------------------- real data
@pytest.mark.shared
def test_neighbour_median_and_range_for_telford(pub):
    ct = comparator_table(pub, params("Telford and Wrekin"), years=2025)
    r = row(ct, "cla_rate_per_10k", 2025)
    names = ["Wakefield", "Rotherham", "Dudley", "Barnsley", "Tameside", "Doncaster", "Darlington", "Gateshead",
             "Plymouth", "Stockton-on-Tees"]  # May 2025 model, published-benchmarks.md section 5
    f = pub.figures
    vals = f[(f["measure_id"] == "cla_rate_per_10k") & (f["year"] == 2025) & f["la_name"].isin(names)]["value"]
    assert len(vals) == 10
    assert (r["sn_median"], r["sn_min"], r["sn_max"], r["sn_n"]) == (vals.median(), vals.min(), vals.max(), 10)
    assert r["value"] == 93 and r["england"] == 67 and r["region_name"] == "West Midlands" and r["region"] == 86
    assert "May 2025" in r["sn_group"] and r["quartile"] == 4


@pytest.mark.shared
def test_quartiles_among_all_councils_match_the_reference(pub):
    ct = comparator_table(pub, params("Walsall"), years=2025)
    # published-benchmarks.md section 2: n and median across councils, 2025
    for measure, n, median in (("cla_rate_per_10k", 151, 67), ("stability_3plus_placements", 151, 10),
                               ("stability_long_term", 150, 68), ("ks2_rwm_expected", 77, 36),
                               ("ks4_attainment8", 149, 17.5), ("workforce_caseload", 149, 15.2),
                               ("convicted", 92, 2), ("care_leavers_eet_19_21", 152, 54.5)):
        r = row(ct, measure, 2025)
        assert (r["n_councils"], r["la_median"]) == (n, pytest.approx(median)), measure


@pytest.mark.shared
def test_london_council_uses_its_own_region_row(pub):
    r = row(comparator_table(pub, params("Bromley"), years=2025), "cla_rate_per_10k", 2025)
    assert r["region_name"] == "Outer London" and r["region"] == 43  # Outer London 2025, section 2


@pytest.mark.shared
def test_2021_custom_and_no_neighbours(pub):
    r21 = row(comparator_table(pub, params("Bromley", "2021"), years=2025), "cla_rate_per_10k", 2025)
    assert "April 2021" in r21["sn_group"] and r21["sn_n"] == 10
    rc = row(comparator_table(pub, params("Bromley", "custom", ["Sutton", "336", "E06000020"]), years=2025),
             "cla_rate_per_10k", 2025)
    f = pub.figures
    vals = f[(f["measure_id"] == "cla_rate_per_10k") & (f["year"] == 2025)
             & f["old_la_code"].isin(["319", "336", councils.find_council("E06000020", SHARED)["old_la_code"]])]["value"]
    assert rc["sn_n"] == 3 and rc["sn_median"] == vals.median() and rc["sn_group"] == "Council's own comparator group"
    rn = row(comparator_table(pub, params("Bromley", "none"), years=2025), "cla_rate_per_10k", 2025)
    assert math.isnan(rn["sn_median"]) and rn["sn_n"] == 0 and rn["england"] == 67


@pytest.mark.shared
def test_suppressed_council_keeps_comparators(pub):
    r = row(comparator_table(pub, params("Telford and Wrekin"), years=2025), "new_placements_outside_over_20_miles", 2025)
    assert r["symbol"] == "c" and math.isnan(r["value"]) and r["quartile"] is None or math.isnan(r["quartile"])
    assert r["england"] == 16 and r["sn_n"] > 0


@pytest.mark.shared
def test_funnel_data_for_all_councils(pub):
    p = params("Telford and Wrekin")
    fd = funnel_data(pub, "stability_3plus_placements", 2025, p.council)
    assert fd["centre"].iloc[0] == pytest.approx(100 * 8500 / 81770)
    assert len(fd) + fd.attrs["left_out"] == 152 - 1 or len(fd) >= 140
    assert (fd["lower998"] <= fd["lower95"]).all() and (fd["upper95"] <= fd["upper998"]).all()
    me = fd[fd["is_council"]].iloc[0]
    assert (me["numerator"], me["denominator"]) == (54, 411)
    assert me["outside"] in ("", "above 95%", "above 99.8%")
    # the published (rounded) percentage and ours agree to the rounding
    assert (abs(fd["percent"] - fd["published_percent"]) <= 0.5 + 1e-9).all()
    with pytest.raises(ValueError, match="funnel"):
        funnel_data(pub, "workforce_turnover", 2025)


def test_demo_comparators_offline():
    if not paths.DEMO_PUBLISHED_DIR.exists():
        pytest.skip("data/demo/published not generated")
    pub = load_published(paths.DEMO_PUBLISHED_DIR)
    demo = config.load(paths.DEFAULT_PARAMS)
    ct = comparator_table(pub, demo, years=2025)
    r = row(ct, "stability_3plus_placements", 2025)
    assert r["sn_n"] == 10 and r["region_name"] == "West Midlands" and not math.isnan(r["region"])
    fd = funnel_data(pub, "health_assessment", 2025, demo.council)
    assert fd["is_council"].sum() == 1

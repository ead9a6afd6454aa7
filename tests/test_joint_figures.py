"""Figures DfE publishes jointly for two councils ("940 / 941": North and West Northamptonshire's workforce row):
shown for each council, marked "published jointly with <council>", and kept out of every test that needs the
council alone."""

from __future__ import annotations

import argparse

import pytest

from cpanalysis import paths

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("joint")
    (root / "ees").mkdir()
    for name in ("csww_indicators_2017_to_2025.csv", "cla_number_and_rate_per_10k_children.csv",
                 "sn_model_2025_wide.csv"):
        (root / "ees" / name).symlink_to(paths.SHARED_DATA_DIR / "ees" / name)
    return root


def _ctx(folder, council):
    from cpanalysis import cli, evidence

    args = argparse.Namespace(params=None, council=council, published=folder, ssda903=None, local=None,
                              evidence=None, year=2025)
    return evidence.prepare(cli.load_params(args))


@pytest.mark.parametrize("council, other", [("North Northamptonshire", "West Northamptonshire"),
                                            ("West Northamptonshire", "North Northamptonshire")])
def test_a_joint_row_is_shown_for_each_council_and_marked(folder, council, other):
    from cpanalysis import briefing, evidence

    ctx = _ctx(folder, council)
    r = ctx.results
    agency = r[(r["indicator_id"] == "workforce_agency_rate") & (r["year"] == 2025) & (r["breakdown"] == "Total")]
    assert len(agency) == 1
    # csww_indicators_2017_to_2025.csv, row 70 (the header is row 1): "940 / 941", agency_rate_fte 19.5
    assert agency["value"].iloc[0] == 19.5
    assert agency["status"].iloc[0] == f"published jointly with {other}"
    assert agency["source"].iloc[0].endswith("row 70, column agency_rate_fte")
    ev = evidence.measure_evidence(ctx, "workforce_agency_rate")
    assert ev.shown and ev.comparators.get("england")  # England is still shown beside it ...
    assert ev.signals == [] and ev.verdicts.get("england") == "not judged"  # ... but nothing is tested on it
    assert ev.quarter is None and ev.neighbour_place == ""
    assert "together, not the council's own" in ev.not_judged and other in ev.not_judged
    b = briefing.question_brief(ctx, 9)
    row = next(g for g in b["glance"] if g["href"] == "m-workforce_agency_rate")
    assert f"published jointly with {other}" in row["when"]
    assert b["glance"], "question 9 has measures (it said 'No measures are available' before)"


def test_a_councils_own_figure_is_not_marked_joint(folder):
    ctx = _ctx(folder, "Telford and Wrekin")
    assert not ctx.results["status"].astype(str).str.contains("jointly").any()


# ------------------------------------------------------------------------------------ the neighbours' comparator
@pytest.mark.parametrize("council", ["North Northamptonshire", "West Northamptonshire"])
def test_a_joint_figures_neighbours_are_both_councils_neighbours(folder, council):
    """One figure for two councils is compared with the councils in either council's neighbour group (each is the
    other's neighbour and has no figure of its own, so both are left out): the same comparator in both packs."""
    from cpanalysis import compare

    # sn_model_2025_wide.csv: 940's neighbours 866 941 935 925 933 883 891 813 887 384; 941's 822 940 937 866 933
    # 935 311 855 931 303; without 940 and 941: 15 councils. Their agency_rate_fte for 2025 (csww rows 85, 59, 97,
    # 69, 72, 128, 68, 149, 63, 98, 108, 106, 88, 130, 157), in order:
    values = [0, 3.9, 5.6, 5.8, 7.8, 10.2, 11.6, 11.9, 15.2, 19.4, 20.3, 20.7, 25, 34.9, 41.7]
    assert len(values) == 15 and values[7] == 11.9  # the median is the 8th of 15
    ctx = _ctx(folder, council)
    t = compare.comparator_table(ctx.published, ctx.params, ["workforce_agency_rate"], 2025)
    r = t.iloc[0]
    assert (r["value"], r["sn_median"], r["sn_min"], r["sn_max"], r["sn_n"]) == (19.5, 11.9, 0.0, 41.7, 15)
    assert "the 15 councils in the neighbour groups of North Northamptonshire and West Northamptonshire" in r["sn_group"]
    from cpanalysis import evidence

    ev = evidence.measure_evidence(ctx, "workforce_agency_rate")
    assert ev.comparators.get("sn_median") == 11.9  # shown beside the joint figure ...
    assert ev.neighbour_place == "" and ev.verdicts.get("sn_median", "not judged") == "not judged"  # ... never judged
    from cpanalysis import briefing

    says = next(s["text"] for s in briefing.question_brief(ctx, 9)["says"] if s["id"] == "m-workforce_agency_rate")
    assert "the median of both councils' statistical neighbours 12%" in says


def test_kingston_and_richmonds_joint_figure_has_their_eleven_neighbours(folder):
    from cpanalysis import compare

    # 314's neighbours 319 315 919 305 800 868 358 318 936 825; 318's 868 314 936 872 305 358 825 919 800 869:
    # 11 councils without 314 and 318 (they share 8)
    ctx = _ctx(folder, "Kingston upon Thames")
    r = compare.comparator_table(ctx.published, ctx.params, ["workforce_agency_rate"], 2025).iloc[0]
    assert r["value"] == 14.9 and r["sn_n"] == 11
    assert "Kingston upon Thames and Richmond upon Thames" in r["sn_group"]


def test_a_councils_own_figure_keeps_its_own_ten_neighbours(folder):
    from cpanalysis import compare

    ctx = _ctx(folder, "Telford and Wrekin")
    r = compare.comparator_table(ctx.published, ctx.params, ["workforce_agency_rate"], 2025).iloc[0]
    assert r["sn_n"] == 10 and r["sn_group"] == "DfE statistical neighbours (May 2025 model)"


def test_a_custom_comparator_list_for_a_joint_figure_leaves_out_the_councils_it_covers():
    from types import SimpleNamespace

    from cpanalysis import compare

    params = SimpleNamespace(comparators=SimpleNamespace(statistical_neighbours="custom"))
    codes, label = compare.joint_group(params, None, "940 / 941", ["941", "866", "933"], "Council's own comparator group")
    assert codes == {"866", "933"}
    assert label == "Council's own comparator group, without the councils the joint figure covers"
    assert compare.joint_group(params, None, "940 / 941", [], "") == (set(), "")

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

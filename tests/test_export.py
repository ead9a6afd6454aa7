"""``cpanalysis indicators``: the CSV export is a public interface."""

import pandas as pd

from cpanalysis import cli, config, disclosure, paths
from cpanalysis.indicators.registry import RESULT_COLUMNS


def test_export_columns_years_and_reconciliation(tmp_path, capsys):
    out = tmp_path / "ind.csv"
    assert cli.main(["indicators", "--out", str(out)]) == 0
    df = pd.read_csv(out)
    assert list(df.columns) == RESULT_COLUMNS
    params = config.load(None)
    assert df["year"].max() == params.year and df["year"].min() < params.year
    for iid in ("cla_at_31_march", "stability_3plus_placements", "health_assessment", "care_leavers_eet_19_21",
                "foster_households"):
        assert iid in set(df["indicator_id"]), iid
    # A percentage computed here is exactly its numerator over its denominator (DfE's published
    # percentages are rounded by DfE, so they are checked against their cells in test_published instead).
    pct = df[(df["unit"] == "percent") & df["denominator"].gt(0) & df["value"].notna()
             & ~df["source"].astype(str).str.startswith("DfE")]
    assert len(pct) > 50
    assert ((pct["value"] - 100 * pct["numerator"] / pct["denominator"]).abs() < 1e-6).all()


def test_public_export_suppresses_small_counts(tmp_path):
    out = tmp_path / "public.csv"
    assert cli.main(["indicators", "--public", "--out", str(out)]) == 0
    df = pd.read_csv(out, keep_default_na=True)
    records = df.assign(symbol=df["status"].str.startswith("suppressed").map({True: "c", False: ""})).to_dict("records")
    assert disclosure.find_disclosure_risks(records) == []
    assert df["status"].str.startswith("suppressed (c)").any()


def test_export_from_a_903_folder_without_a_parameters_file(tmp_path):
    out = tmp_path / "bare.csv"
    code = cli.main(["indicators", "--ssda903", str(paths.DEMO_SSDA903_DIR), "--year", "2024", "--out", str(out)])
    assert code == 0
    df = pd.read_csv(out)
    assert df["year"].max() == 2024
    rate = df[(df["indicator_id"] == "cla_rate_per_10k") & (df["breakdown"] == "Total")]
    assert (rate["status"] == "no population").all()  # no population without parameters: said, not guessed

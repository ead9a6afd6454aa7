"""A published folder as `cpanalysis data download` leaves it (ees/ and lait/, no dashboard tables): the build report,
`validate` and the data-quality annex name each DfE table not found and the measures it would have given, apart from
the measures that need the council's SSDA903 return."""

from __future__ import annotations

import argparse

import pytest

from cpanalysis import paths

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def downloaded(tmp_path_factory):
    """ees/ and lait/ as links to the shared copies (the dashboard tables and Ofsted's file left out), plus a folder
    of things that are not DfE tables."""
    root = tmp_path_factory.mktemp("downloaded")
    for sub in ("ees", "lait"):
        (root / sub).mkdir()
        for f in sorted((paths.SHARED_DATA_DIR / sub).iterdir()):
            (root / sub / f.name).symlink_to(f)
    (root / "notes").mkdir()
    for i in range(3):
        (root / "notes" / f"return_{i}.csv").write_text("CHILD,SEX\n1,1\n", encoding="utf-8")
    return root


def _args(folder, **kw):
    base = dict(params=None, council="Telford and Wrekin", published=folder, ssda903=None, local=None, evidence=None,
                year=2025)
    return argparse.Namespace(**{**base, **kw})


def test_loader_knows_the_tables_the_catalogue_needs(downloaded):
    from cpanalysis.sources.published import load_published, missing_tables, needed_tables

    need = needed_tables()
    assert {"combined_cla_31_march_data", "ceased_cla_data", "spending_data", "la_care_leavers_activity",
            "bds_long"} <= set(need)
    miss = missing_tables(load_published(downloaded))
    assert set(miss) == {"combined_cla_31_march_data", "ceased_cla_data", "spending_data"}
    titles = {m.title for m in miss["ceased_cla_data"]}
    assert titles == {"Children leaving care who were adopted", "Children leaving care on a special guardianship order"}
    assert "Children in foster placements" in {m.title for m in miss["combined_cla_31_march_data"]}
    assert {m.title for m in miss["spending_data"]} == {"Children's services expenditure",
                                                        "Children's services share of council expenditure"}


def test_build_report_and_annex_name_each_missing_table_and_its_measures(downloaded):
    from cpanalysis import briefing, cli, evidence, pack, render

    ctx = evidence.prepare(cli.load_params(_args(downloaded)))
    ctx.params.topics = list(range(1, 11))
    rep = pack.build_report(ctx, ctx.params.topics)
    why = dict(rep.missing)
    assert why["Children leaving care who were adopted"].startswith("need DfE table ceased_cla_data")
    assert why["Children in foster placements"].startswith("need DfE table combined_cla_31_march_data")
    assert why["Children's services expenditure"].startswith("need DfE table spending_data")
    # measures only child-level data gives still say they need the SSDA903 return, never a DfE table
    needs_903 = [m for m, w in rep.missing if w == pack.NEEDS["ssda903"]]
    assert needs_903 and not any(w.startswith("need DfE table") for m, w in rep.missing if m in needs_903)
    text = rep.text(limit=10_000)
    assert "need DfE tables not found under inputs: published" in text
    assert "needs DfE table ceased_cla_data: 2 measures: Children leaving care who were adopted" in text
    assert "need the council's SSDA903 return" in text
    # the data-quality annex says the same
    m = briefing.missing_sources(ctx)
    assert {t["table"] for t in m["tables"]} == {"combined_cla_31_march_data", "ceased_cla_data", "spending_data"}
    html = render.render("missing_sources.html.j2", missing=m)
    assert "Needs DfE table ceased_cla_data" in html and "Children leaving care on a special guardianship order" in html
    assert "Needs the council's SSDA903 return" in html


def test_validate_a_published_only_council_lists_tables_years_skipped_and_missing(downloaded, capsys):
    from cpanalysis import cli

    code = cli.main(["validate", "--council", "Telford and Wrekin", "--published", str(downloaded), "--year", "2025"])
    out = capsys.readouterr().out
    assert code == 0
    assert "DfE tables found: 14 of the 17 the pack uses" in out
    assert "la_care_leavers_activity: 2020-21 to 2024-25 (ees/la_care_leavers_activity.csv; 6 measures)" in out
    assert "bds_long: " in out and "lait/bds_long_0.parquet" in out
    assert "DfE tables missing: 3" in out
    assert "needs DfE table spending_data: 2 measures: Children's services expenditure" in out
    assert "Files skipped: 3" in out and "notes/: 3 files: not a DfE published table" in out
    assert "No Ofsted inspection outcomes file was found" in out
    assert "No SSDA903 return is configured" in out


def test_skipped_files_are_not_said_on_every_build(downloaded, capsys):
    from cpanalysis.sources.published import load_published

    pub = load_published(downloaded)
    capsys.readouterr()
    load_published(downloaded)  # from the cache, as every build after the first
    assert "not DfE published tables" not in capsys.readouterr().err
    assert not any("not DfE published tables" in w for w in pub.warnings)
    assert (pub.files["layout"] == "skipped").sum() == 3

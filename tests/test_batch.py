"""Many councils in one run: local worker processes and a Dask LocalCluster give the same packs; one council's
failure never stops the others; the index page and the CSV list every council with its status."""

from __future__ import annotations

import hashlib
import re

import pandas as pd
import pytest

from cpanalysis import batch, cli, paths

pytestmark = pytest.mark.notebook


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check(result, out, expect_ok: list[str], expect_failed: list[str]):
    names = {c.name or c.requested: c for c in result.councils}
    for n in expect_ok:
        assert names[n].status == "ok", names[n].status
        assert (out / names[n].pack).exists()
    for n in expect_failed:
        assert names[n].status.startswith("failed"), names[n].status
    index = (out / "index.html").read_text(encoding="utf-8")
    for c in result.councils:
        assert (c.name or c.requested) in index
    assert index.count("failed") >= len(expect_failed)
    # The index's one script is allowed by its hash alone; the page makes no request.
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/=]+'", index)
    assert not re.search(r"(?:src|href)=\"https?://", index)
    df = pd.read_csv(out / "councils.csv", dtype={"old_la_code": str})
    assert set(df["council"]) == set(expect_ok)
    assert {"england", "region_value", "sn_median", "quarter", "reading"} <= set(df.columns)


def test_batch_of_demo_councils_offline_with_one_failing(tmp_path, capsys):
    """The synthetic published tables (no ../shared needed): two councils build, a made-up one fails alone."""
    out = tmp_path / "batch"
    code = cli.main(["batch", "--councils", "Ashcombe,Brackenford,Nowhereshire", "--published",
                     str(paths.DEMO_PUBLISHED_DIR), "--year", "2025", "--out", str(out), "--workers", "1", "--quiet"])
    assert code == 1  # some council failed (issue 25: exit 1 when any fails, 2 when all do)
    assert "Built 2 of 3 council packs" in capsys.readouterr().out
    df = pd.read_csv(out / "councils.csv")
    assert set(df["council"]) == {"Ashcombe", "Brackenford"}
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Nowhereshire" in index and "failed" in index
    assert (out / "ashcombe" / "evidence-pack.html").exists()


def test_select_councils_by_region_and_all():
    from cpanalysis.sources.published import load_published

    pub = load_published(paths.DEMO_PUBLISHED_DIR)
    every = batch.select_councils("all", pub, 2025)
    wm = batch.select_councils("West Midlands", pub, 2025)
    assert len(every) >= 20 and set(wm) < set(every) and len(wm) >= 5
    assert batch.select_councils("Ashcombe, 971", pub, 2025) == ["Ashcombe", "971"]


@pytest.fixture(scope="module")
def shared():
    if not paths.SHARED_DATA_DIR.exists():
        pytest.skip(f"the shared published files are not at {paths.SHARED_DATA_DIR}")
    return paths.SHARED_DATA_DIR


def test_all_councils_leaves_out_those_that_did_not_exist_that_year(shared):
    from cpanalysis.sources.published import load_published

    pub = load_published(shared)
    codes = batch.select_councils("all", pub, 2025)
    assert "928" not in codes and "909" not in codes  # Northamptonshire, Cumbria: abolished
    assert {"940", "941", "942", "943", "894"} <= set(codes)  # their successors, and Telford and Wrekin
    assert len(codes) == 153


def test_batch_local_and_dask_give_the_same_packs(shared, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    spec = "Telford and Wrekin,Cheshire East,Nowhereshire"
    local = batch.run_batch(spec, shared, 2025, tmp_path / "local", workers=2, progress=False)
    _check(local, tmp_path / "local", ["Telford and Wrekin", "Cheshire East"], ["Nowhereshire"])
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        on_dask = batch.run_batch(spec, shared, 2025, tmp_path / "dask", scheduler=cl.scheduler_address, progress=False)
    _check(on_dask, tmp_path / "dask", ["Telford and Wrekin", "Cheshire East"], ["Nowhereshire"])
    assert _sha(tmp_path / "local" / "councils.csv") == _sha(tmp_path / "dask" / "councils.csv")
    assert [c.status for c in local.councils] == [c.status for c in on_dask.councils]


def test_batch_since_compares_each_council_with_its_own_record(tmp_path, capsys):
    """batch --since: each council's pack gets 'What has changed' from its own earlier record; the index says
    its new and resolved concerns; a council with no earlier record is said to have none."""
    first, second = tmp_path / "b2024", tmp_path / "b2025"
    assert cli.main(["batch", "--councils", "Ashcombe", "--published", str(paths.DEMO_PUBLISHED_DIR), "--year",
                     "2024", "--out", str(first), "--workers", "1", "--quiet"]) == 0
    assert (first / "ashcombe" / "findings.json").is_file()
    assert cli.main(["batch", "--councils", "Ashcombe,Brackenford", "--published", str(paths.DEMO_PUBLISHED_DIR),
                     "--year", "2025", "--out", str(second), "--workers", "1", "--quiet", "--since", str(first)]) == 0
    index = (second / "index.html").read_text(encoding="utf-8")
    assert re.search(r"since 2023-24: \d+ new concerns?, \d+ resolved", index)
    assert "no earlier record for this council" in index  # Brackenford was not in the first batch
    pack = (second / "ashcombe" / "evidence-pack.html").read_text(encoding="utf-8")
    assert "What has changed since the 2023-24 pack" in pack

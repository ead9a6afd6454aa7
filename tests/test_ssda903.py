"""SSDA903 ingestion: peer samples, the demo return (clean and deliberately corrupted), reconciliation and the
multi-year episode repair (DM-style default and LIIA-style)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from cpanalysis import paths
from cpanalysis.model import TABLES
from cpanalysis.sources.ssda903 import load_ssda903
from cpanalysis.validation import validate

PEERS = paths.SHARED_DATA_DIR / "peer-samples"
needs_peers = pytest.mark.skipif(not PEERS.exists(), reason=f"the peer sample returns are not at {PEERS} "
                                                            "(../shared/data beside the project)")
DEMO = paths.DEMO_SSDA903_DIR


def assert_reconciles(data) -> None:
    rec = data.reconciliation
    assert (rec["rows_read"] == rec["rows_used"] + rec["rows_quarantined"]).all()
    q = data.quarantine.drop_duplicates(["table", "year", "source_file", "source_row"])
    by = q.groupby(["table", "year"]).size()
    for _, r in rec.iterrows():
        assert by.get((r["table"], r["year"]), 0) == r["rows_quarantined"]
    for key in TABLES:
        used = rec.loc[rec["table"] == key]
        expected = int(used["rows_used"].sum() - used["rows_superseded"].sum())
        if key == "episodes" and data.repair != "latest":
            continue
        assert len(data.tables[key]) == expected, key


def test_demo_exists_and_has_zero_errors():
    assert DEMO.exists(), "data/demo/ssda903 is written by cpanalysis demo-data (synth.py)"
    rep = validate(DEMO)
    assert rep.exit_code == 0, rep.text()
    assert rep.n_errors == 0 and len(rep.data.quarantine) == 0
    assert rep.years == [2021, 2022, 2023, 2024, 2025]
    assert_reconciles(rep.data)
    # rows read equal the data lines in the files
    for year in rep.years:
        for f in (DEMO / str(year)).glob("*.csv"):
            key = f.stem
            lines = len(f.read_text().splitlines()) - 1
            rec = rep.data.reconciliation
            assert rec.loc[(rec["table"] == key) & (rec["year"] == year), "rows_read"].item() == lines
    d = rep.data
    assert d.header["CHILD"].is_unique
    assert str(d.episodes["DECOM"].dtype) == "datetime64[ns]" and str(d.header["CHILD"].dtype) == "string"
    assert str(d.tables["oc2"]["SDQ_SCORE"].dtype) == "Int64"
    # no overlaps in the merged history
    e = d.episodes.sort_values(["CHILD", "DECOM"])
    nxt = e.groupby("CHILD")["DECOM"].shift(-1)
    assert not ((e["DEC"].isna() & nxt.notna()) | (e["DEC"] > nxt)).any()


def test_corrupted_demo_reports_each_corruption(tmp_path):
    dest = tmp_path / "ssda903"
    shutil.copytree(DEMO, dest)

    def edit(year, table, fn):
        f = dest / str(year) / f"{table}.csv"
        lines = f.read_text().splitlines()
        fn(lines)
        f.write_text("\n".join(lines) + "\n")

    def set_cell(lines, row, col, value):
        cols = lines[0].split(",")
        cells = lines[row - 1].split(",")
        cells[cols.index(col)] = value
        lines[row - 1] = ",".join(cells)

    edit(2025, "episodes", lambda ls: set_cell(ls, 2, "DECOM", "99/99/2024"))   # spreadsheet row 2
    edit(2023, "episodes", lambda ls: set_cell(ls, 3, "PLACE", "Q9"))
    edit(2024, "header", lambda ls: ls.append(ls[1]))                            # duplicate child
    edit(2022, "reviews", lambda ls: set_cell(ls, 4, "REVIEW", "01/01/2030"))   # after the year
    n_oc2 = len((dest / "2025" / "oc2.csv").read_text().splitlines())
    edit(2025, "oc2", lambda ls: ls.append("NOBODY," + ",".join(ls[1].split(",")[1:])))
    data = load_ssda903(dest)
    q = data.quarantine
    got = set(zip(q["rule_id"], q["year"], q["source_file"], q["source_row"], strict=True))
    assert ("TYPE-DATE", 2025, "episodes.csv", 2) in got
    assert ("CODE-PLACE", 2023, "episodes.csv", 3) in got
    assert ("HDR-DUPLICATE", 2024, "header.csv", 2) in got
    assert ("YEAR-AFTER-END", 2022, "reviews.csv", 4) in got
    assert ("XT-NOT-IN-HEADER", 2025, "oc2.csv", n_oc2 + 1) in got
    assert_reconciles(data)
    assert validate(data).exit_code == 1


@needs_peers
@pytest.mark.parametrize("folder", ["d2i-validator-fake", "demand-model-2017-2021"])
def test_peer_samples_ingest_and_report(folder):
    rep = validate(PEERS / folder)
    assert rep.fatal is None, rep.fatal
    assert rep.exit_code == 1 and rep.n_errors > 0  # the peers' random data breaks rules
    assert_reconciles(rep.data)
    assert len(rep.data.episodes) > 0 and len(rep.data.header) > 0
    text = rep.text()
    assert "Reconciliation" in text and "e.g." in text


@needs_peers
def test_peer_dm_folders_named_by_start_year_are_read_as_following_year():
    data = load_ssda903(PEERS / "demand-model-2017-2021")
    assert data.years == [2018, 2019, 2020, 2021, 2022]
    assert any("Folder 2017" in n and "collection year 2018" in n for n in data.notes)


@needs_peers
def test_peer_d2i_xml_and_dolo():
    data = load_ssda903(PEERS / "d2i-validator-fake", 2018)
    assert (data.header["SOURCE_FILE"] == "fake_903.xml").any()
    assert any("DoLo" in n for n in data.notes)
    assert any("comes from 2 files" in n for n in data.notes)


# ------------------------------------------------------------------------------------------ multi-year
HDR = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
EPS = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"


def _two_years(tmp_path: Path) -> Path:
    """2024 and 2025 returns for five children (hand-made; working in each test)."""
    (tmp_path / "2024").mkdir()
    (tmp_path / "2025").mkdir()
    (tmp_path / "2024" / "header.csv").write_text(HDR + "\n".join([
        "A,1,01/01/2010,WBRI,,,", "B,2,01/01/2011,WBRI,,,", "C,1,01/01/2012,WBRI,,,", "D,2,01/01/2013,WBRI,,,",
        "E,1,01/01/2014,WBRI,,,"]) + "\n")
    (tmp_path / "2025" / "header.csv").write_text(HDR + "\n".join([
        "A,M,01/01/2010,WOTH,,,", "B,F,01/01/2011,WBRI,,,", "D,F,01/01/2013,WBRI,,,",
        "E,M,01/01/2014,WBRI,,,"]) + "\n")
    (tmp_path / "2024" / "episodes.csv").write_text(EPS + "\n".join([
        "A,01/06/2023,S,C2,N1,U4,PR1,,,,,,",            # open in 2024, closed X1 in 2025
        "B,01/05/2023,S,V2,N1,U4,PR1,01/01/2024,E4A,,,,",  # closed in 2024, open again in 2025's copy
        "C,01/10/2023,S,V2,N1,U4,PR1,,,,,,",             # open; C is absent from 2025
        "D,01/02/2024,S,C2,N1,U4,PR1,,,,,,",             # open; 2025 re-keys its start as 15/02/2024
        "E,01/03/2023,S,C2,N1,U4,PR1,10/03/2024,E4A,,,,",  # the same end as 2025's copy, another start
    ]) + "\n")
    (tmp_path / "2025" / "episodes.csv").write_text(EPS + "\n".join([
        "A,01/06/2023,S,C2,N1,U4,PR1,01/08/2024,X1,,,,",
        "A,01/08/2024,L,C1,N1,U4,PR1,,,,,,",
        "B,01/05/2023,S,V2,N1,U4,PR1,,,,,,",
        "D,15/02/2024,S,C2,N1,U4,PR1,,,,,,",
        "E,05/03/2023,S,C2,N1,U4,PR1,10/03/2024,E4A,,,,",
    ]) + "\n")
    return tmp_path


def _eps(data, child):
    e = data.episodes[data.episodes["CHILD"] == child].sort_values("DECOM")
    return [(d.strftime("%d/%m/%Y"), None if pd.isna(x) else x.strftime("%d/%m/%Y"), None if pd.isna(r) else r,
             int(y)) for d, x, r, y in zip(e["DECOM"], e["DEC"], e["REC"], e["YEAR"], strict=True)]


def test_repair_latest_dm(tmp_path):
    data = load_ssda903(_two_years(tmp_path), repair="latest")
    assert len(data.quarantine) == 0
    # A: the 2025 copy (closed X1) replaces the open 2024 copy, then the L episode follows
    assert _eps(data, "A") == [("01/06/2023", "01/08/2024", "X1", 2025), ("01/08/2024", None, None, 2025)]
    # B: the latest non-blank DEC wins: 2024's closed copy, though 2025's copy is open
    assert _eps(data, "B") == [("01/05/2023", "01/01/2024", "E4A", 2024)]
    # C: left open (DM does not close episodes of children missing from later returns)
    assert _eps(data, "C") == [("01/10/2023", None, None, 2024)]
    # D: the open 01/02/2024 episode overlaps the 15/02/2024 one: truncated to 15/02/2024; the next is RNE S,
    # so the end reason is unknown (E99)
    assert _eps(data, "D") == [("01/02/2024", "15/02/2024", "E99", 2024), ("15/02/2024", None, None, 2025)]
    # E: two episodes end 10/03/2024: the one with the earlier start (01/03/2023) is kept
    assert _eps(data, "E") == [("01/03/2023", "10/03/2024", "E4A", 2024)]
    # Header: latest return wins (A's ETHNIC WOTH and SEX M from 2025); C from 2024
    h = data.header.set_index("CHILD")
    assert h.loc["A", "ETHNIC"] == "WOTH" and h.loc["A", "YEAR"] == 2025 and h.loc["C", "YEAR"] == 2024
    rec = data.reconciliation.set_index(["table", "year"])
    # superseded: 2024's open copy of A (1); 2025's open copy of B and 2025's E ending on the same day (2)
    assert rec.loc[("episodes", 2024), "rows_superseded"] == 1
    assert rec.loc[("episodes", 2025), "rows_superseded"] == 2
    assert rec.loc[("header", 2024), "rows_superseded"] == 4  # A, B, D, E are in 2025 too
    assert_reconciles(data)


def test_repair_liia(tmp_path):
    data = load_ssda903(_two_years(tmp_path), repair="liia")
    # B: the latest return's copy wins even though its DEC is blank
    assert _eps(data, "B") == [("01/05/2023", None, None, 2025)]
    # C: absent from the 2025 return, so its open episode is closed at 31/03/2024 with E99
    assert _eps(data, "C") == [("01/10/2023", "31/03/2024", "E99", 2024)]
    # A, D, E as in the default
    assert _eps(data, "A") == [("01/06/2023", "01/08/2024", "X1", 2025), ("01/08/2024", None, None, 2025)]
    assert _eps(data, "D") == [("01/02/2024", "15/02/2024", "E99", 2024), ("15/02/2024", None, None, 2025)]
    assert any("repair='liia'" in n for n in data.notes)


def test_repair_none_keeps_every_used_row(tmp_path):
    data = load_ssda903(_two_years(tmp_path), repair="none")
    assert len(data.episodes) == 10

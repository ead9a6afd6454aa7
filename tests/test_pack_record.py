"""findings.json, the record of a pack: it holds only what the pack's disclosure control publishes (no suppressed
figure, no counts beside a suppressed one, no child id) and passes the export guard."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from cpanalysis import config, disclosure, evidence, guard, linkage, pack_record, paths
from cpanalysis.model import CLAData


@pytest.fixture(scope="module")
def demo():
    return evidence.prepare(config.load(None))


def _small(demo, share: float = 0.08, seed: int = 8):
    """The demo council cut to a small share of its children: many of its figures are suppressed."""
    data = demo.data
    ids = pd.Series(sorted(data.header["CHILD"].dropna().unique()))
    keep = set(ids.sample(frac=share, random_state=seed))
    tables = {k: df[df["CHILD"].isin(keep)].copy() if "CHILD" in df.columns else df for k, df in data.tables.items()}
    small = CLAData(tables=tables, years=list(data.years))
    p = demo.params
    rows, fps = linkage.compute(small, [y for y in small.years if y <= p.year],
                                population={int(k): float(v) for k, v in p.population.items()},
                                la_code=p.council.old_la_code,
                                postcodes=pd.read_csv(paths.resolve(p.inputs.postcodes), dtype=str))
    ctx = evidence.PackContext(params=p, data=small, raw_results=rows, fingerprints=fps,
                               results=disclosure.apply(rows, p.disclosure, fps), comparators=demo.comparators,
                               published=demo.published, source_kind="both", built_at="1 December 2026 10:00")
    return ctx


def test_record_holds_only_published_figures(demo, tmp_path):
    ctx = _small(demo)
    path = pack_record.write_record(ctx, tmp_path)
    text = path.read_text(encoding="utf-8")
    rec = json.loads(text)
    res = ctx.results[ctx.results["breakdown"] == "Total"]
    raw = ctx.raw_results[ctx.raw_results["breakdown"] == "Total"]
    suppressed = 0
    for iid, m in rec["measures"].items():
        row = res[(res["indicator_id"] == iid) & (res["year"] == m["year"])]
        assert len(row), iid
        published = row["value"].iloc[0]
        if pd.isna(published) or str(row["symbol"].iloc[0] or "") not in ("", "nan", "None"):
            suppressed += 1
            # nothing beside a suppressed figure: no value, interval, counts or verdict
            assert all(m[k] is None for k in ("value", "ci_low", "ci_high", "numerator", "denominator")), iid
            assert m["verdict_england"] == "not judged" and not m["label"], iid
        else:
            assert m["value"] == pytest.approx(float(published)), iid
            for k in ("numerator", "denominator"):
                pub = row[k].iloc[0] if k in row.columns else math.nan
                assert m[k] is None if pd.isna(pub) else m[k] == pytest.approx(float(pub)), (iid, k)
    assert suppressed >= 3, "the small council must have suppressed figures for the test to mean anything"
    # every raw figure that disclosure control hid is absent
    hidden = raw.merge(res, on=["indicator_id", "year", "breakdown"], suffixes=("_raw", ""))
    hidden = hidden[hidden["value_raw"].notna() & hidden["value"].isna()]
    hidden = hidden[hidden["indicator_id"].isin(rec["measures"])]
    for _, h in hidden.iterrows():
        m = rec["measures"][h["indicator_id"]]
        if m["year"] == h["year"]:
            assert m["value"] is None and m["numerator"] is None
    # no child id, date of birth or postcode; the export guard passes it
    assert guard.scan_files(tmp_path, guard.terms_from(ctx.data)) == []
    for c in list(ctx.data.header["CHILD"].astype(str))[:50]:
        assert f'"{c}"' not in text


def test_record_names_group_sources_and_build(demo, tmp_path):
    rec = json.loads(pack_record.write_record(demo, tmp_path).read_text(encoding="utf-8"))
    assert rec["year"] == 2025 and rec["council"]["name"] == "Demoshire"
    assert rec["cpanalysis_version"] and rec["built_on"]
    kinds = {s["kind"] for s in rec["sources"]}
    assert {"DfE published", "SSDA903 return"} <= kinds
    assert all(len(s["sha256"]) == 64 for s in rec["sources"])
    assert rec["comparators"]["model"] == "2025"
    m = rec["measures"]["stability_3plus_placements"]
    assert m["target_status"] in ("met", "not met", "cannot tell") and m["family"]
    assert m["verdict_england"] in ("higher", "lower", "similar", "not judged")
    assert pack_record.read_record(tmp_path)["year"] == 2025


def test_reading_a_bad_record_names_the_file(tmp_path):
    with pytest.raises(pack_record.RecordError, match="no previous pack record"):
        pack_record.read_record(tmp_path)
    (tmp_path / "findings.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(pack_record.RecordError, match="findings.json"):
        pack_record.read_record(tmp_path / "findings.json")

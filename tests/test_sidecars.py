"""A topic's JSON sidecar says "suppressed" for a suppressed figure, never "ok" (issue 20, item 10)."""

from __future__ import annotations

import json

import pandas as pd

from cpanalysis import config, disclosure, present
from cpanalysis.evidence import PackContext


def test_a_suppressed_row_of_a_sidecar_says_suppressed(tmp_path):
    params = config.load(None)
    rows = [{"indicator_id": "stability_3plus_placements", "title": "t", "question": 4, "year": params.year,
             "breakdown": b, "value": v, "numerator": n, "denominator": d, "ci_low": None, "ci_high": None,
             "unit": "percent", "source": "s", "status": "ok"}
            for b, v, n, d in (("Total", 10.0, 40, 400), ("Age 1 to 4", 30.0, 3, 10), ("Age 5 to 9", 10.0, 37, 390))]
    raw = pd.DataFrame(rows)
    results = disclosure.apply(raw, params.disclosure, None)
    assert (results["symbol"] == "c").sum() >= 1
    results.loc[0, ["symbol", "value", "numerator", "denominator"]] = ["x", None, None, None]  # DfE's: not available
    ctx = PackContext(params=params, raw_results=raw, results=results)
    present.record(ctx, 4, tmp_path)
    figures = json.loads((tmp_path / "04_stability.json").read_text())["figures"]
    by = {f["breakdown"]: f for f in figures}
    hidden = [f for f in figures if f["symbol"] == "c"]
    assert hidden and all(f["status"] == "suppressed" for f in hidden)
    assert all(f["value"] is None and f["numerator"] is None for f in hidden)
    assert by["Total"]["status"] == "not available"
    assert all(f["status"] == "ok" for f in figures if not f["symbol"])
    assert disclosure.check_json_sidecar(tmp_path / "04_stability.json") == []

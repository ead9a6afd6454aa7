"""The technical annex as plain data: one entry per measure in the pack, with its definition, method, source,
caveats and every year's figures. Split from :mod:`cpanalysis.briefing`."""

from __future__ import annotations

from typing import Any

import pandas as pd

from cpanalysis import evidence, plain
from cpanalysis.briefing import _nan
from cpanalysis.narrative import counted_noun, fmt, year_label


def annex_entries(ctx) -> list[dict]:
    """One entry per measure in the pack: definition, method, source, caveats and every year's figures."""
    out = []
    for n in ctx.params.topics:
        for iid in evidence.key_ids(ctx, n):
            d = evidence._definition(iid, ctx)
            t = evidence._total_rows(ctx, iid)
            comp = evidence._comparators_for(ctx, iid)
            years = []
            # plain records, not iterrows and a filter per year: pandas' per-row cost on string columns was most
            # of the annex's time
            by_year: dict = {}
            ccols = [x for x in ("year", "england", "region", "sn_median") if x in comp.columns]
            for c0 in ([] if comp.empty else comp[ccols].to_dict("records")):
                by_year.setdefault(c0["year"], c0)
            tcols = [x for x in ("year", "value", "symbol", "numerator", "denominator", "ci_low", "ci_high")
                     if x in t.columns]
            for r in t[tcols].to_dict("records"):
                c0 = by_year.get(r["year"], {})
                sym = r.get("symbol") if isinstance(r.get("symbol"), str) else ""
                years.append({"year": year_label(r["year"]), "value": fmt(r["value"], d.unit, sym or None),
                              "num": "" if sym or _nan(r.get("numerator")) or d.unit == "count"
                              else fmt(r["numerator"], "count"),
                              "den": "" if sym or _nan(r.get("denominator")) else fmt(r["denominator"], "count"),
                              "ci": "" if sym or _nan(r.get("ci_low")) or _nan(r.get("ci_high"))
                              else f"{fmt(r['ci_low'], d.unit)} to {fmt(r['ci_high'], d.unit)}",
                              "england": _cfmt(c0, "england", d.unit), "region": _cfmt(c0, "region", d.unit),
                              "neighbours": _cfmt(c0, "sn_median", d.unit)})
            r_all = evidence._rows_of(ctx, "results", iid)
            br = r_all[(r_all["year"] == ctx.params.year) & (r_all["breakdown"] != "Total")]
            breakdown = [{"label": str(b["breakdown"]),
                          "value": fmt(b["value"], d.unit, (b.get("symbol") if isinstance(b.get("symbol"), str)
                                                            else "") or None)} for b in br.to_dict("records")]
            ev = evidence.measure_evidence(ctx, iid) if evidence.latest_year(ctx, iid) is not None else None
            trend = ev.trend if ev else {}
            out.append({"id": iid, "anchor": f"def-{iid}", "title": plain.title(d.title), "question": d.question,
                        "plain": getattr(d, "plain", ""), "counted": counted_noun(d),
                        "cohort": d.cohort, "numerator": d.numerator, "denominator": d.denominator,
                        "polarity": {"higher_is_better": "higher", "lower_is_better": "lower"}.get(
                            d.polarity, "neither (it describes the service)"),
                        "source": d.source, "methodology": d.methodology, "deviation": d.deviation,
                        "caveats": list(getattr(d, "caveats", ()) or ()), "years": years, "breakdown": breakdown,
                        "trend_method": trend.get("method", ""),
                        "trend_p": "" if _nan(trend.get("p_value")) else f"{trend['p_value']:.3f}",
                        "sources": _sources(t, ctx.params.year)})
    return out


def _sources(t: pd.DataFrame, year: int) -> list[str]:
    """Where the reporting year's figure came from: DfE file, row and column (published figures)."""
    if "source" not in t:
        return []
    refs = t.loc[t["year"] == year, "source"].dropna().astype(str)
    return sorted({r for r in refs if ", row " in r})[:3]


def _cfmt(row: Any, key: str, unit: str) -> str:
    try:
        v = row.get(key) if hasattr(row, "get") else None
    except Exception:  # noqa: BLE001
        v = None
    return "" if v is None or _nan(v) else fmt(v, unit)

"""What an intruder can work out about the figures :mod:`cpanalysis.disclosure` hides, and checks of published
records. Re-exported by :mod:`cpanalysis.disclosure` (use it from there)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from cpanalysis.disclosure import (
    SUPPRESSED,
    Intruder,
    _fp_dict,
    _is_target,
    _records,
    _row_primary,
    _thresholds,
    about_children,
    apply,
    build_model,
    dfe_prints,
    is_protected,
    primary_reason,
)


def hidden_ranges(raw: pd.DataFrame, controlled: pd.DataFrame, settings=None,
                  fingerprints: pd.DataFrame | None = None, known: set | None = None,
                  annex: list[dict] | None = None) -> list[dict]:
    """For every suppressed count of ``controlled`` (rows aligned with ``raw``): what an intruder can work out
    about it from everything ``controlled`` publishes and every identity found (the LP range), with its true
    value. Counts published in a shown row anyway are reported with ``shown=True``."""
    k, min_den = _thresholds(settings)
    recs = _records(raw.assign(symbol=raw["symbol"] if "symbol" in raw else ""))
    known = dfe_prints(raw, k) | set(known or ())
    m = build_model(recs + list(annex or []), _fp_dict(fingerprints), known, k)
    m.row_cells = m.row_cells[:len(recs)]
    sym = controlled["symbol"].fillna("").astype(str).to_numpy()
    hidden = (sym == SUPPRESSED)
    den_shown = (controlled["denominator"].notna().to_numpy() if "denominator" in controlled
                 else np.zeros(len(sym), bool))
    shown: set[int] = set()
    sensitive: set[int] = set()
    for i, (r, cells) in enumerate(zip(recs, m.row_cells)):
        if not hidden[i] and not sym[i]:
            shown |= {c for role, c in cells.items() if role != "comp"}
        elif hidden[i] and den_shown[i] and "den" in cells:
            shown.add(cells["den"])
        if about_children(r) and not r["_symbol_in"] and not r["_dfe"]:
            sensitive |= _row_primary(r, cells, m, k, min_den)[1]
    intr = Intruder(m, shown, sensitive, k)
    dfe_only = Intruder(m, set(), sensitive, k)
    out = []
    for i, (r, cells) in enumerate(zip(recs, m.row_cells)):
        if not hidden[i]:
            continue
        for role, c in cells.items():
            if not _is_target(m, role, c, k) and c not in sensitive:
                continue
            # a count that DfE's own figures (or annex A) give exactly is published, by them
            exact = c in intr.exact or bool(m.fixed) and c not in m.sums and not dfe_only.protected(c)
            lo, hi = (m.value[c], m.value[c]) if exact else intr.range(c)
            out.append({"indicator_id": r["indicator_id"], "year": r["year"], "breakdown": r["breakdown"],
                        "role": role, "value": m.value[c], "low": lo, "high": hi, "shown": exact,
                        "sensitive": c in sensitive, "protected": not exact and is_protected(m, c, lo, hi)})
    return out


def recoverable(raw: pd.DataFrame, controlled: pd.DataFrame, settings=None,
                fingerprints: pd.DataFrame | None = None, known: set | None = None,
                annex: list[dict] | None = None) -> list[str]:
    """Every suppressed count in ``controlled`` that an intruder could work out to one value from what it
    publishes (the intruder's LP over every identity found; see the module docstring). Empty when safe."""
    problems = []
    for h in hidden_ranges(raw, controlled, settings, fingerprints, known, annex):
        where = f"{h['indicator_id']} {h['year']} {h['breakdown']}: the {h['role']} ({h['value']:g})"
        if h["shown"] and h["sensitive"]:
            problems.append(f"{where} is shown elsewhere")
        elif not h["shown"] and not h["protected"]:
            problems.append(f"{where} can be worked out (between {h['low']:g} and {h['high']:g})")
    return sorted(set(problems))


# ----------------------------------------------------------------------------------------- checks
_ID_PATTERNS = {
    "date of birth": re.compile(r"\b\d{1,2}/\d{1,2}/(19|20)\d{2}\b"),
}


def find_disclosure_risks(records: Iterable[dict], k: int = 5) -> list[str]:
    """Problems in published result records (dicts with RESULT_COLUMNS, symbol): for tests and the pack build."""
    problems = []
    for r in records:
        if r.get("symbol"):
            for col in ("value", "numerator", "ci_low", "ci_high"):
                v = r.get(col)
                if v is not None and not (isinstance(v, float) and math.isnan(v)):
                    problems.append(f"{r.get('indicator_id')} {r.get('year')} {r.get('breakdown')}: suppressed "
                                    f"but {col}={v} is shown")
            continue
        if not about_children(r) or str(r.get("source", "")).startswith("DfE "):
            continue  # DfE's own published figures carry DfE's disclosure control
        reason = primary_reason(r, k, 11)
        if reason and "fewer than 11" not in reason and "average" not in reason:
            problems.append(f"{r.get('indicator_id')} {r.get('year')} {r.get('breakdown')}: {reason} but shown")
    return problems


def check_json_sidecar(path) -> list[str]:
    data = json.loads(open(path, encoding="utf-8").read())
    return find_disclosure_risks(data.get("figures", []))


def band_count(n, k: int = 5) -> str:
    """A row or record count for an annex: exact when 0 or above ``k``, otherwise 'fewer than k+1'."""
    n = int(n)
    return f"fewer than {k + 1}" if 1 <= n <= k else f"{n:,}"


def release_conflicts(a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    """Cells of the years both releases cover that one release shows and the other hides ('c')."""
    key = ["indicator_id", "year", "breakdown"]
    ya = a[a["year"].isin(set(b["year"]))][key + ["symbol"]]
    yb = b[b["year"].isin(set(a["year"]))][key + ["symbol"]]
    j = ya.merge(yb, on=key, suffixes=("_a", "_b"))
    sa, sb = j["symbol_a"].fillna("").astype(str), j["symbol_b"].fillna("").astype(str)
    diff = j[((sa == SUPPRESSED) & (sb == "")) | ((sa == "") & (sb == SUPPRESSED))]
    return [f"{r.indicator_id} {r.year} {r.breakdown}: {'hidden' if r.symbol_a == SUPPRESSED else 'shown'} in the "
            f"first release, {'hidden' if r.symbol_b == SUPPRESSED else 'shown'} in the second"
            for r in diff.itertuples(index=False)]


def release(raw: pd.DataFrame, year: int, settings=None, fingerprints: pd.DataFrame | None = None,
            known: set | None = None, annex: list[dict] | None = None) -> pd.DataFrame:
    """The release for ``year``: disclosure control decided over the council's whole history (every year of
    ``raw``, also those after ``year``), then the years up to ``year``. Releases for different years made from
    the same data therefore never show a cell another hides (:func:`release_conflicts` lists any that do)."""
    out = apply(raw, settings, fingerprints, known=known, annex=annex)
    return out[out["year"] <= year]

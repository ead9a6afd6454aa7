"""``cpanalysis indicators --out FILE.csv``: every indicator for the council, as a flat CSV.

One row per indicator, year and breakdown, with exactly the public columns
``indicator_id, title, question, year, breakdown, value, numerator, denominator, ci_low, ci_high, unit,
source, status`` (DESIGN.md section 1). Years run from the earliest the data allows to the reporting
year. Without ``--public`` the figures are unsuppressed, for analysts inside the council. With
``--public`` disclosure control is applied (:mod:`cpanalysis.disclosure`): a suppressed row has no value,
numerator, interval or (unless the same count is published in a shown row) denominator, its ``status`` says
``suppressed (c): <reason>`` with one reason for every suppressed row, never zero, and sums behind averages
(days, scores) are never given.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cpanalysis.config import Params
from cpanalysis.indicators.registry import RESULT_COLUMNS


def _require_usable(ctx, params: Params) -> None:
    from cpanalysis.pack import _require_usable as check

    check(ctx, params)


def indicator_frame(params: Params, public: bool = False) -> pd.DataFrame:
    """The export table for ``params`` (sorted by question, indicator, breakdown and year). What the export
    guard must look for is kept in ``df.attrs["guard_terms"]`` (taken off before the CSV is written)."""
    from cpanalysis import guard

    df, ctx = _frame_and_context(params, public)
    df.attrs["guard_terms"] = guard.terms_from(getattr(ctx, "data", None))
    return df


def _frame_and_context(params: Params, public: bool):
    from cpanalysis import present

    ctx = present.prepare(params)
    _require_usable(ctx, params)
    df = (ctx.results if public else ctx.raw_results).copy()
    if df.empty:
        return pd.DataFrame(columns=RESULT_COLUMNS), ctx
    if public and "symbol" in df.columns:
        sym = df["symbol"].fillna("").astype(str)
        why = df.get("suppression", pd.Series("", index=df.index)).fillna("").astype(str)
        hidden = sym != ""
        df.loc[hidden, "status"] = [f"suppressed ({s}): {w}" if w else f"not available ({s})"
                                    for s, w in zip(sym[hidden], why[hidden])]
    df = df[RESULT_COLUMNS]
    order = df["breakdown"].ne("Total")
    df = (df.assign(_total_last=order).sort_values(["question", "indicator_id", "_total_last", "breakdown", "year"],
                                                   kind="stable")
          .drop(columns="_total_last").reset_index(drop=True))
    return df, ctx


#: a text cell starting with one of these is run as a formula by Excel, LibreOffice and Google Sheets
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula (``=HYPERLINK(...)``, ``+cmd``, ``-1+1``, ``@SUM``)
    get a leading apostrophe, so they open as text (OWASP's advice on CSV injection). Numbers are untouched."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            s = out[c]
            text = s.where(s.notna(), "").astype(str)
            risky = s.notna() & text.str.startswith(FORMULA_START)
            if risky.any():
                out[c] = s.astype(object).where(~risky, "'" + text)
    return out


def export_indicators(params: Params, out: Path, public: bool = False) -> pd.DataFrame:
    """Write the CSV. The export guard (:mod:`cpanalysis.guard`) scans the text first: a CSV that would carry
    a child's identifier, date of birth or postcode is not written."""
    from cpanalysis import guard

    df = indicator_frame(params, public)
    terms = df.attrs.pop("guard_terms", None) or guard.Terms()
    text = neutralise_formulas(df).to_csv(index=False, float_format="%.10g", lineterminator="\n")
    found = guard.scan_text(text, terms)
    guard.check([f"{Path(out).name}: {', '.join(found)}"] if found else [], f"The indicators CSV {Path(out).name}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8", newline="")
    return df

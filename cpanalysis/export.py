"""``cpanalysis indicators --out FILE.csv``: every indicator for the council, as a flat CSV.

One row per indicator, year and breakdown, with exactly the public columns
``indicator_id, title, question, year, breakdown, value, numerator, denominator, ci_low, ci_high, unit,
source, status`` (DESIGN.md section 1). Years run from the earliest the data allows to the reporting
year.

By default the file is the public one: disclosure control is applied (:mod:`cpanalysis.disclosure`), a
suppressed row prints nothing beside its status (no value, numerator, denominator or interval), its
``status`` says ``suppressed (c): <reason>`` with one reason for every suppressed row, never zero, and sums
behind averages (days, scores) are never given. ``--public`` is accepted and changes nothing (it was the
option before this became the default).

With ``--unsuppressed`` the figures are the raw ones, for analysts inside the council: counts of 1 to 5 are
shown. The command then prints a warning naming the rule, and the file carries one more column,
``publication``, saying on every row that it is not for publication (:data:`NOT_FOR_PUBLICATION`), so a row
copied elsewhere still says so.
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
        # Nothing beside a suppressed or unavailable figure: DfE's own symbols as well as ours.
        df.loc[hidden, [c for c in HIDDEN_BESIDE if c in df.columns]] = float("nan")
    df = df[RESULT_COLUMNS]
    order = df["breakdown"].ne("Total")
    df = (df.assign(_total_last=order).sort_values(["question", "indicator_id", "_total_last", "breakdown", "year"],
                                                   kind="stable")
          .drop(columns="_total_last").reset_index(drop=True))
    return df, ctx


#: cells a suppressed row of the public file leaves empty
HIDDEN_BESIDE = ("value", "numerator", "denominator", "ci_low", "ci_high")
#: the extra column of the unsuppressed file, and its text on every row
PUBLICATION_COLUMN = "publication"
NOT_FOR_PUBLICATION = ("NOT FOR PUBLICATION: unsuppressed figures, counts of 1 to 5 children are shown; "
                       "publish only the default (disclosure-controlled) file")


def unsuppressed_warning(k: int = 5) -> str:
    """What ``cpanalysis indicators --unsuppressed`` prints."""
    return (f"warning: this file is NOT disclosure-controlled: counts of 1 to {k} children (and figures that would "
            f"reveal them) are shown, which the pack's rule suppresses because they could identify a child. Keep it "
            f"inside the council and never publish or share it; every row says so in its '{PUBLICATION_COLUMN}' "
            "column. Leave out --unsuppressed for the public file.")


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


def export_indicators(params: Params, out: Path, public: bool = True) -> pd.DataFrame:
    """Write the CSV: the public, disclosure-controlled file unless ``public`` is False (then every row is
    marked not for publication). The export guard (:mod:`cpanalysis.guard`) scans the text first: a CSV that
    would carry a child's identifier, date of birth or postcode is not written. ``out`` must be a file:
    a folder is refused with a plain message."""
    from cpanalysis import guard
    from cpanalysis.errors import FatalError

    out = Path(out)
    if out.is_dir():
        raise FatalError(f"{out}: is a folder; --out for `cpanalysis indicators` is the CSV file to write. Give a "
                         f"file name, e.g. --out {out / 'indicators.csv'}")
    df = indicator_frame(params, public)
    terms = df.attrs.pop("guard_terms", None) or guard.Terms()
    written = df if public else df.assign(**{PUBLICATION_COLUMN: NOT_FOR_PUBLICATION})
    text = neutralise_formulas(written).to_csv(index=False, float_format="%.10g", lineterminator="\n")
    found = guard.scan_text(text, terms)
    guard.check([f"{Path(out).name}: {', '.join(found)}"] if found else [], f"The indicators CSV {Path(out).name}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8", newline="")
    return df

"""Plain-English sentences from results, written never to overstate.

Rules: a difference from a comparator is only called "higher" or "lower" when the council's 95%
interval excludes the comparator; "better" or "worse" is added only then, and only for indicators
with a polarity. A change over time is only called a change when the two years' intervals do not
overlap. Suppressed figures are said to be suppressed, never zero.
"""

from __future__ import annotations

import math

import pandas as pd

UNIT_LABELS = {"percent": "Per cent", "count": "Children", "rate_per_10k": "Per 10,000 children",
               "mean": "Average", "days": "Days", "gbp": "Pounds (£)"}


def year_label(year: int) -> str:
    """2025 -> '2024-25' (the year ending 31 March 2025)."""
    return f"{int(year) - 1}-{str(int(year))[2:]}"


def _isnan(x) -> bool:
    try:
        return x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x)
    except (TypeError, ValueError):
        return False


def fmt(value, unit: str, symbol: str | None = None) -> str:
    """Format one figure for the pack. Suppressed or missing figures show their GSS symbol."""
    if symbol:
        return str(symbol)
    if _isnan(value):
        return "x"
    v = float(value)
    if unit == "percent":
        return f"{v:.0f}%"
    if unit == "count":
        return f"{v:,.0f}"
    if unit == "rate_per_10k":
        return f"{v:,.0f}"
    if unit == "days":
        return f"{v:,.0f} days"
    if unit == "gbp":
        return f"£{v:,.0f}"
    return f"{v:,.1f}"


def compare(value, ci_low, ci_high, comparator) -> str:
    """'higher', 'lower', 'similar' or 'not comparable': :func:`cpanalysis.stats.compare`, the one rule."""
    from cpanalysis import stats

    return stats.compare(value, ci_low, ci_high, comparator)


def judgement(direction: str, polarity: str) -> str:
    if direction not in ("higher", "lower") or polarity == "neutral":
        return ""
    good = (direction == "higher") == (polarity == "higher_is_better")
    return "better" if good else "worse"


def headline_sentence(defn, row: pd.Series) -> str:
    """One sentence stating the figure, its cohort and its uncertainty."""
    yl = year_label(row["year"])
    symbol = row.get("symbol") or ""
    if symbol:
        why = row.get("suppression") or "to protect children's privacy"
        return (f"In {yl} the figure for this measure is suppressed ({symbol}): {why}. "
                "Ask officers for the position without publishing small numbers.")
    if _isnan(row["value"]):
        return f"No figure can be calculated for {yl} ({row.get('status', 'not available')})."
    unit = defn.unit
    value = fmt(row["value"], unit)
    if unit == "percent" and (_isnan(row.get("numerator")) or _isnan(row.get("denominator"))):
        s = f"In {yl} the figure was {value} (published without the number of children behind it)."
    elif unit == "percent":
        s = f"In {yl}, {value} ({fmt(row['numerator'], 'count')} of {fmt(row['denominator'], 'count')} children)."
    elif unit in ("count", "gbp"):
        s = f"In {yl} the figure was {value}."
    elif unit == "rate_per_10k":
        s = f"In {yl} the rate was {value} per 10,000 children aged under 18."
    elif unit == "days":
        s = f"In {yl} the average was {value} (across {fmt(row['denominator'], 'count')} children)."
    else:
        s = f"In {yl} the average was {value} (across {fmt(row['denominator'], 'count')} children)."
    if not _isnan(row.get("ci_low")) and not _isnan(row.get("ci_high")):
        s += (f" Allowing for chance variation in a group this size, the underlying figure is likely "
              f"to lie between {fmt(row['ci_low'], unit)} and {fmt(row['ci_high'], unit)} (95% interval).")
    return s


def comparison_sentence(defn, row: pd.Series, name: str, comparator) -> str:
    """How the council compares with one comparator, only as strongly as the interval allows."""
    if row.get("symbol") or _isnan(row["value"]) or _isnan(comparator):
        return ""
    direction = compare(row["value"], row.get("ci_low"), row.get("ci_high"), comparator)
    cval = fmt(comparator, defn.unit)
    if direction == "not comparable":
        return f"{name}: {cval} (no interval is available, so no judgement is made)."
    if direction == "similar":
        return (f"This is similar to {name} ({cval}): the difference is within what chance alone "
                "could produce for a group of this size.")
    j = judgement(direction, defn.polarity)
    tail = f", which for this measure is {j}" if j else ""
    return f"This is {direction} than {name} ({cval}), and the difference is larger than chance would explain{tail}."


def trend_sentence(defn, rows: pd.DataFrame) -> str:
    """Earliest versus latest published year, only calling it a change if the intervals separate."""
    r = rows[(rows["breakdown"] == "Total")].sort_values("year")
    r = r[r["value"].notna() & (r.get("symbol", pd.Series("", index=r.index)).fillna("") == "")]
    if len(r) < 2:
        return ""
    first, last = r.iloc[0], r.iloc[-1]
    a, b = fmt(first["value"], defn.unit), fmt(last["value"], defn.unit)
    span = f"from {a} in {year_label(first['year'])} to {b} in {year_label(last['year'])}"
    if any(_isnan(x) for x in (first["ci_low"], first["ci_high"], last["ci_low"], last["ci_high"])):
        return f"Over the years available the figure went {span}."
    if last["ci_low"] > first["ci_high"] or last["ci_high"] < first["ci_low"]:
        direction = "rose" if last["value"] > first["value"] else "fell"
        return f"The figure {direction} {span}; the intervals do not overlap, so this looks like a real change."
    return (f"The figure went {span}, but the intervals overlap, so this is not clear evidence of a change.")

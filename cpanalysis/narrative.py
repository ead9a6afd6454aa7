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
               "mean": "Average", "days": "Days", "gbp": "Pounds (£)", "gbp_thousands": "£ thousands",
               "fte": "Full-time equivalents (FTE)"}


def year_label(year: int) -> str:
    """2025 -> '2024-25' (the year ending 31 March 2025)."""
    return f"{int(year) - 1}-{str(int(year))[2:]}"


def _isnan(x) -> bool:
    try:
        return x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x)
    except (TypeError, ValueError):
        return False


def _number(v: float) -> str:
    """1234 -> '1,234'; 109.46 -> '109.5' (whole numbers without decimals, others to one place)."""
    v = float(v)
    return f"{v:,.0f}" if round(v, 1) == round(v) else f"{v:,.1f}"


def _money_thousands(v: float) -> str:
    """Money held in £ thousands, shown as £m from £1 million and as £k below it: 64594 -> '£64.6m'."""
    v = float(v)
    sign, a = ("-" if v < 0 else ""), abs(v)
    if a >= 1000:
        return f"{sign}£{a / 1000:,.1f}m"
    return f"{sign}£{a:,.0f}k"


def fmt(value, unit: str, symbol: str | None = None) -> str:
    """Format one figure for the pack. Suppressed or missing figures show their GSS symbol.

    Units: ``percent`` '18%'; ``count`` and ``rate_per_10k`` '1,234'; ``days`` '412 days'; ``gbp``
    (pounds) '£1,234'; ``gbp_thousands`` (money held in £ thousands) '£64.6m' or '£850k'; ``fte``
    (full-time equivalents) '109.5 FTE'; ``mean`` and anything else to one decimal place.
    """
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
        return f"-£{-v:,.0f}" if v < 0 else f"£{v:,.0f}"
    if unit == "gbp_thousands":
        return _money_thousands(v)
    if unit == "fte":
        return f"{_number(v)} FTE"
    return f"{v:,.1f}"


MONEY_UNITS = ("gbp", "gbp_thousands")


def counted_noun(defn) -> str:
    """What a measure's denominator (or count) counts, plural: "children", "school sessions", "£ thousands"."""
    return (getattr(defn, "counted", "") or "children").strip()


def _is_money(counted: str) -> bool:
    return counted.startswith("£") or counted.lower() in ("pounds", "£")


def counted_phrase(defn, n) -> str:
    """A number with the noun of what it counts: '411 children', '109.5 FTE social workers',
    '63,345 school sessions', '£497.8m' (money in £ thousands) or '£1,234' (pounds). '' when ``n`` is missing."""
    if _isnan(n):
        return ""
    noun = counted_noun(defn)
    if noun == "£ thousands":
        return _money_thousands(n)
    if _is_money(noun):
        return fmt(n, "gbp")
    return f"{_number(n)} {noun}"


def of_phrase(defn, numerator, denominator) -> str:
    """The counts behind a figure in words, with the right noun (``defn.counted``):

    * a share: '54 of 411 children', '4,155 of 63,345 school sessions', '£64.6m of £497.8m' (money
      in £ thousands), '12.5 of 109.5 FTE social workers';
    * a rate per 10,000: '411 of 52,000 children';
    * an average (``mean``, ``days``): 'across 109 FTE social workers' (the denominator only);
    * '' when a count the phrase needs is missing (published without it, or suppressed), and for counts
      and money, whose figure is itself the number.
    """
    unit = getattr(defn, "unit", "percent")
    if unit in ("mean", "days"):
        return f"across {counted_phrase(defn, denominator)}" if not _isnan(denominator) else ""
    if unit in ("count", "fte") + MONEY_UNITS or _isnan(numerator) or _isnan(denominator):
        return ""
    noun = counted_noun(defn)
    if noun == "£ thousands" or _is_money(noun):
        return f"{counted_phrase(defn, numerator)} of {counted_phrase(defn, denominator)}"
    return f"{_number(numerator)} of {counted_phrase(defn, denominator)}"


def unit_label(defn) -> str:
    """An axis or column label for a definition's figures: 'Per cent', 'Placement moves', 'Days' ...
    (a count is labelled with what it counts, not always 'Children')."""
    unit = getattr(defn, "unit", "")
    if unit == "count":
        noun = counted_noun(defn)
        return noun[:1].upper() + noun[1:]
    return UNIT_LABELS.get(unit, "")


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
    of = of_phrase(defn, row.get("numerator"), row.get("denominator"))
    if unit == "percent" and not of:
        s = f"In {yl} the figure was {value} (published without the number of {counted_noun(defn)} behind it)."
    elif unit == "percent":
        s = f"In {yl}, {value} ({of})."
    elif unit == "rate_per_10k":
        s = f"In {yl} the rate was {value} per 10,000 children aged under 18."
    elif unit in ("mean", "days"):
        s = f"In {yl} the average was {value}" + (f" ({of})." if of else ".")
    else:  # counts, full-time equivalents and money: the figure is the number
        s = f"In {yl} the figure was {value}."
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

"""Plain-English sentences from results, written never to overstate.

Formatting and the sentences that state a figure. Every judgement ("higher", "worse", "worsening") comes
from :mod:`cpanalysis.findings`, the one comparison rule, and is worded by :mod:`cpanalysis.briefing`.
Numbers are rounded by DfE's rule (halves away from zero). Suppressed figures are said to be suppressed,
never zero.
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


def round_half_away(v: float, places: int = 0) -> float:
    """DfE's rounding: halves away from zero (6.5 -> 7, -6.5 -> -7, 0.125 -> 0.13 at two places), not
    Python's round-half-to-even. Decimal arithmetic on the shortest repr, so 2.675 rounds as written."""
    from decimal import ROUND_HALF_UP, Decimal

    q = Decimal(1).scaleb(-places)
    return float(Decimal(repr(float(v))).quantize(q, rounding=ROUND_HALF_UP))


def _r(v: float, places: int = 0) -> str:
    """A number rounded by DfE's rule with thousands separators: _r(1234.5) -> '1,235'."""
    return f"{round_half_away(v, places):,.{places}f}"


def _number(v: float) -> str:
    """1234 -> '1,234'; 109.46 -> '109.5' (whole numbers without decimals, others to one place)."""
    v = float(v)
    return _r(v) if round_half_away(v, 1) == round_half_away(v) else _r(v, 1)


def _money_thousands(v: float) -> str:
    """Money held in £ thousands, shown as £bn from £1 billion, £m from £1 million and as £k below it:
    64594 -> '£64.6m'."""
    v = float(v)
    sign, a = ("-" if v < 0 else ""), abs(v)
    if a >= 1_000_000:
        return f"{sign}£{_r(a / 1_000_000, 1)}bn"
    if a >= 1000:
        return f"{sign}£{_r(a / 1000, 1)}m"
    return f"{sign}£{_r(a)}k"


def _money(v: float) -> str:
    """Pounds: exact below £1 million ('£1,234'), then £m and £bn to one decimal place (a ten-digit sum of
    money is not read, and would not fit a printed table cell)."""
    v = float(v)
    if abs(v) >= 1_000_000:
        return _money_thousands(v / 1000)
    return f"-£{_r(-v)}" if v < 0 else f"£{_r(v)}"


def fmt(value, unit: str, symbol: str | None = None) -> str:
    """Format one figure for the pack. Suppressed or missing figures show their GSS symbol.

    Units: ``percent`` '18%'; ``count`` and ``rate_per_10k`` '1,234'; ``days`` '412 days'; ``gbp``
    (pounds) '£1,234', '£44.3m' from a million; ``gbp_thousands`` (money held in £ thousands) '£64.6m' or '£850k'; ``fte``
    (full-time equivalents) '109.5 FTE'; ``mean`` and anything else to one decimal place.
    """
    if symbol:
        return str(symbol)
    if _isnan(value):
        return "x"
    v = float(value)
    if unit == "percent":
        return f"{_r(v)}%"
    if unit == "count":
        return _r(v)
    if unit == "rate_per_10k":
        return _r(v)
    if unit == "days":
        return f"{_r(v)} days"
    if unit == "gbp":
        return _money(v)
    if unit == "gbp_thousands":
        return _money_thousands(v)
    if unit == "fte":
        return f"{_number(v)} FTE"
    return _r(v, 1)


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

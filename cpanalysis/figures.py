"""The charts a question's briefing shows, as plain data (an SVG data URI, alt text and a caption).

Rules (DESIGN section 5): a count or a sum of money is never drawn against England's or a region's
totals (the council is drawn alone and the comparators are stated in words); rates, percentages and
averages are drawn with their comparators; captions say exactly what is drawn; a percentage's axis
starts at zero. The verdict in a funnel plot's caption comes from the same comparison rule as the text
(:func:`cpanalysis.findings.test_against`, through the measure's evidence), so the two cannot disagree.
"""

from __future__ import annotations

import base64
import io

import pandas as pd

from cpanalysis import charts, stats
from cpanalysis.findings import MeasureEvidence
from cpanalysis.narrative import counted_noun, fmt, unit_label, year_label

COMPARATOR_LABELS = {"england": "England", "region": "Region", "sn_median": "Statistical neighbours (median)"}


def is_total(defn, unit: str) -> bool:
    """A figure that is a count or a sum of money: never drawn against England's or a region's totals."""
    noun = counted_noun(defn)
    return unit in ("count", "gbp", "gbp_thousands") or noun.startswith("£")


def svg_uri(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})  # no timestamp: rebuilds are byte-stable
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def trend_figure(data, ev: MeasureEvidence) -> dict | None:
    """The measure's figure over the years with its 95% intervals, and comparators where fair.

    ``data`` is the plain :class:`cpanalysis.evidence.ChartData` the assembly gathered (drawing does not
    import the assembly: data flows down)."""
    defn = data.definition
    t = data.rows
    shown = t[t["value"].notna()]
    if len(shown) < 3:
        return None
    total = is_total(defn, ev.unit)
    comp_series = None
    comp = data.comparators
    if not total and not comp.empty:
        keep = [k for k in COMPARATOR_LABELS if k in comp.columns and comp[k].notna().any()]
        if keep:
            comp_series = comp[["year"] + keep].rename(columns=COMPARATOR_LABELS)
    series = t[["year", "value", "ci_low", "ci_high"]].copy()
    if "symbol" in t:  # a suppressed year is a gap: no value and no interval drawn
        series.loc[t["symbol"].fillna("").astype(str).ne("").to_numpy(), ["value", "ci_low", "ci_high"]] = float("nan")
    fig = charts.trend_chart(series, defn.title, unit_label(defn), comp_series,
                             zero_based=True if total else None, unit=ev.unit)
    sym = t["symbol"].fillna("") if "symbol" in t else pd.Series("", index=t.index)
    vals = ", ".join(f"{year_label(y)}: {fmt(v, ev.unit, s or None)}" for y, v, s in zip(t["year"], t["value"], sym))
    drawn = "this council" + (" with " + ", ".join(
        c.lower() if c != "England" else c for c in comp_series.columns[1:]) if comp_series is not None else "")
    alt = f"Line chart of {defn.title.lower()} by year for {drawn}. This council's values: {vals}."
    bars = " Vertical bars are 95% intervals." if t["ci_low"].notna().any() else ""
    gaps = " Suppressed years are gaps." if (sym != "").any() else ""
    if total and ev.comparators:
        words = "; ".join(f"{ev.comparator_names[k]} {fmt(v, ev.unit)}" for k, v in ev.comparators.items())
        note = (f" England's and the region's figures are totals for far more children, so they are not drawn; "
                f"in {year_label(ev.year)}: {words}.")
    else:
        note = ""
    caption = f"{defn.title}: {drawn}, {year_label(int(shown['year'].min()))} to {year_label(int(shown['year'].max()))}.{bars}{gaps}{note}"
    return {"uri": svg_uri(fig), "alt": alt, "caption": caption, "href": f"def-{ev.id}", "kind": "trend"}


def funnel_words(ev: MeasureEvidence, centre: float) -> str:
    """The funnel plot's reading: the comparison rule's verdict against England (the same record the sentences
    use), said against the drawn limits, which allow for the spread between councils."""
    d = ev.verdicts.get("england", "not judged")
    if d in ("higher", "lower"):
        side = "above" if d == "higher" else "below"
        return (f"This council is {side} the 99.8% limits: a difference from England this large is very unlikely to "
                "be chance or the usual spread between councils.")
    if d == "similar":
        return ("This council is within the 99.8% limits: for a group of its size the difference from England could "
                "be chance or the usual spread between councils.")
    return f"The difference from England is not judged: {ev.not_judged or 'no test applies'}."


def funnel_figure(data, ev: MeasureEvidence) -> dict | None:
    pts = data.funnel
    if pts is None:
        return None
    defn = data.definition
    others = pts[~pts["is_council"].astype(bool)]
    centre = float(pts["centre"].iloc[0])
    tau2 = (ev.test or {}).get("tau2")
    if tau2 and tau2 == tau2:  # draw the limits the verdict used: widened by the spread between councils
        others = others.copy()
        n = others["denominator"].to_numpy(dtype=float)
        for level, lo, hi in ((0.95, "lower95", "upper95"), (0.998, "lower998", "upper998")):
            others[lo], others[hi] = (100 * x for x in stats.overdispersed_limits(centre / 100.0, n, tau2, level))
    fig = charts.funnel_chart(others, float(ev.value), float(ev.denominator),
                              f"{defn.title}: every council, {year_label(ev.year)}")
    words = funnel_words(ev, centre)
    alt = (f"Funnel plot of {defn.title.lower()} for {len(others)} other councils against the number of "
           f"{counted_noun(defn)} in each council's group, with 95% and 99.8% limits around "
           f"England's {centre:.0f}%. This council: {fmt(ev.value, 'percent')}. {words}")
    left = pts.attrs.get("left_out", 0)
    spread = " and the usual spread between councils" if tau2 and tau2 == tau2 else ""
    caption = (f"Each grey dot is a council's published figure for {year_label(ev.year)}; the diamond is this council. "
               f"The lines are the limits within which a council of each size would fall by chance{spread} around "
               f"{pts.attrs.get('centre_from', 'England')}'s {centre:.0f}%. {words}"
               + (f" {left} councils with suppressed figures are not shown." if left else ""))
    return {"uri": svg_uri(fig), "alt": alt, "caption": caption, "href": f"def-{ev.id}", "kind": "funnel"}

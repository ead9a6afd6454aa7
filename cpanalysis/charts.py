"""One accessible house style for every chart, and the only way notebooks emit figures.

Colours are the UK Government Analysis Function categorical palette (colour-blind safe, 3:1
contrast against white), hard-coded so we need no extra dependency. Every figure is emitted as an
HTML ``<figure>`` with real alt text and a caption naming the indicator id (two hops from a figure
to its definition), and the SVG is written without timestamps so rebuilds are byte-stable.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

AF_COLOURS = ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]
COUNCIL, ENGLAND, REGION, NEIGHBOURS = AF_COLOURS[0], AF_COLOURS[4], AF_COLOURS[1], AF_COLOURS[3]

STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": ["Arial", "DejaVu Sans"],
    "font.size": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#d9d9d9",
    "axes.prop_cycle": matplotlib.cycler(color=AF_COLOURS),
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "svg.hashsalt": "cpanalysis",
    # Text stays text in the SVG (the reader's sans-serif font draws it): a third faster to write than
    # PNG and under half the size, sharp at any zoom and in print.
    "svg.fonttype": "none",
}


def _apply_style() -> None:
    plt.rcParams.update(STYLE)


def figure_html(fig, alt: str, caption: str) -> str:
    """The chart as an SVG data URI inside <figure>, with alt text and a visible caption."""
    if not alt or not alt.strip():
        raise ValueError("every chart needs alt text describing what it shows")
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})  # no timestamp: rebuilds are byte-stable
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'<figure class="cpa-figure"><img src="data:image/svg+xml;base64,{data}" '
            f'alt="{html.escape(alt, quote=True)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


#: more years than this and the year labels are shortened ("2024-25" -> "24-25") and, if still crowded, tilted
SHORT_YEAR_LABELS_FROM = 6


def year_tick_labels(years) -> list[str]:
    """Labels for reporting years: '2024-25' for up to six years, '24-25' for more (they stay readable
    side by side on a chart of 9 or 10 years)."""
    years = [int(y) for y in years]
    if len(years) > SHORT_YEAR_LABELS_FROM:
        return [f"{str(y - 1)[2:]}-{str(y)[2:]}" for y in years]
    return [f"{y - 1}-{str(y)[2:]}" for y in years]


def _overlap(ax, years, labels, renderer) -> bool:
    """Would neighbouring labels touch? Tick labels are only placed when the figure is drawn, so the
    spacing comes from the data transform and the sizes from the text itself (no full draw). All labels
    share one alignment, so they touch when the widest is wider than the narrowest gap."""
    ax.get_xlim()  # brings the data limits up to date before transforming
    pairs = [(ax.transData.transform((float(y), 0.0))[0], t) for y, t in zip(years, labels) if t.get_text()]
    if len(pairs) < 2:
        return False
    gap = min(b[0] - a[0] for a, b in zip(pairs, pairs[1:]))
    return max(t.get_window_extent(renderer).width for _, t in pairs) + 2 > gap


def _set_year_ticks(ax, years) -> None:
    """Year ticks whose labels never overlap: short labels for long series (:func:`year_tick_labels`);
    if they would still touch, tilted labels, then upright ones, then every other year labelled."""
    ax.set_xticks(years)
    labels = ax.set_xticklabels(year_tick_labels(years))
    renderer = ax.figure.canvas.get_renderer()
    for angle in (45, 90):
        if not _overlap(ax, years, labels, renderer):
            return
        for t in labels:
            t.set_rotation(angle)
            t.set_horizontalalignment("right" if angle == 45 else "center")
            t.set_rotation_mode("anchor" if angle == 45 else "default")
    if _overlap(ax, years, labels, renderer):
        for i, t in enumerate(labels):
            if (len(labels) - 1 - i) % 2:  # keep the latest year labelled
                t.set_text("")


#: decimal places a unit is printed with in the pack (``narrative.fmt``); charts plot no finer than that
DISPLAY_DECIMALS = {"percent": 0, "count": 0, "rate_per_10k": 0, "days": 0, "gbp": 0, "gbp_thousands": -2,
                    "mean": 1, "fte": 1}


def at_display_precision(values, unit: str | None):
    """Values rounded to the precision the text shows them with: the SVG holds coordinates, and a chart must
    not carry a figure more exactly than the pack prints it (six decimals of an average give its sum back)."""
    arr = np.asarray(values, dtype=float)
    return np.round(arr, DISPLAY_DECIMALS.get(unit or "", 1))


def trend_chart(series: pd.DataFrame, title: str, unit_label: str, comparators: pd.DataFrame | None = None,
                zero_based: bool | None = None, unit: str | None = None, axis_note: str = ""):
    """Council values over years with interval bars, and comparator lines where available.

    ``series`` has columns year, value, ci_low, ci_high (suppressed values are NaN and leave a gap).
    ``comparators`` has columns year and one column per comparator (England, Region, Neighbours median).

    The y axis: a percentage (``unit="percent"``, or a ``unit_label`` of "Per cent" when no unit is given)
    starts at zero, so a small change does not look like a large one, unless ``zero_based=False`` comes
    with an ``axis_note`` saying why (drawn under the chart; the caption should say it too). Other units are not forced to zero unless ``zero_based`` (LAIT users asked for this:
    zero can hide change). Year labels never overlap: see :func:`year_tick_labels`.
    """
    if unit is None and unit_label.strip().lower() in ("per cent", "percent", "%"):
        unit = "percent"
    if unit == "percent" and not (zero_based is False and axis_note.strip()):
        zero_based = True
    _apply_style()
    fig, ax = plt.subplots(figsize=(7.2, 3.6))
    s = series.sort_values("year")
    years = s["year"].astype(int).to_numpy()
    vals = at_display_precision(s["value"], unit)
    ax.plot(years, vals, marker="o", color=COUNCIL, linewidth=2.2, label="This council", zorder=3)
    if {"ci_low", "ci_high"} <= set(s.columns):
        lo = at_display_precision(s["ci_low"], unit)
        hi = at_display_precision(s["ci_high"], unit)
        ok = ~(np.isnan(lo) | np.isnan(hi) | np.isnan(vals))
        if ok.any():
            ax.errorbar(years[ok], vals[ok], yerr=[vals[ok] - lo[ok], hi[ok] - vals[ok]], fmt="none",
                        ecolor=COUNCIL, alpha=0.6, capsize=4, label="95% interval", zorder=2)
    if comparators is not None and not comparators.empty:
        styles = {"England": (ENGLAND, "--"), "Region": (REGION, ":"), "Statistical neighbours (median)": (NEIGHBOURS, "-.")}
        for col, (colour, ls) in styles.items():
            if col in comparators.columns and comparators[col].notna().any():
                c = comparators.sort_values("year")
                ax.plot(c["year"].astype(int), at_display_precision(c[col], unit), linestyle=ls, color=colour, marker="s",
                        markersize=4, linewidth=1.6, label=col.replace("neighbours (", "neighbours\n("))
    ax.set_ylabel(unit_label)
    wrapped = textwrap.fill(title, 70)
    ax.set_title(wrapped, loc="left", fontsize=12)
    if zero_based:
        ax.set_ylim(bottom=0)
    # A fixed layout with the legend beside the plot: as readable as tight_layout/loc="best" and about
    # twice as fast to draw (those search for space on every chart; the pack draws about a hundred).
    ax.legend(frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.subplots_adjust(left=0.1, right=0.73, top=0.88 if "\n" not in wrapped else 0.82, bottom=0.12)
    _set_year_ticks(ax, years)
    if any(t.get_rotation() for t in ax.get_xticklabels()):
        fig.subplots_adjust(bottom=0.2)
    if axis_note.strip():
        fig.text(0.1, 0.01, axis_note.strip(), fontsize=8, color="#3D3D3D")
        fig.subplots_adjust(bottom=max(fig.subplotpars.bottom, 0.18))
    return fig


def bar_chart(labels: list[str], values: list[float], title: str, value_label: str, suppressed: list[bool] | None = None):
    """Horizontal bars (largest first); suppressed bars are drawn empty and labelled 'c'."""
    _apply_style()
    height = max(2.4, 0.38 * len(labels) + 1.0)
    fig, ax = plt.subplots(figsize=(7.2, height))
    suppressed = suppressed or [False] * len(labels)
    y = np.arange(len(labels))[::-1]
    shown = [0.0 if (s or v is None or np.isnan(v)) else float(v) for v, s in zip(values, suppressed)]
    shown = [float(v) for v in at_display_precision(shown, "count")]
    ax.barh(y, shown, color=COUNCIL)
    xmax = max(shown + [1.0])
    for yi, v, s in zip(y, shown, suppressed):
        ax.text(v + xmax * 0.01, yi, "c (suppressed)" if s else f"{v:,.0f}", va="center", fontsize=9)
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_xlabel(value_label)
    ax.set_xlim(0, xmax * 1.18)
    ax.grid(axis="x", color="#d9d9d9")
    ax.grid(axis="y", visible=False)
    ax.set_title(title, loc="left", fontsize=12)
    fig.tight_layout()
    return fig


def funnel_chart(points: pd.DataFrame, council_value: float | None, council_den: float | None, title: str,
                 council_label: str = "This council"):
    """Funnel plot: every council's percentage against its cohort size, with control limits.

    ``points`` has columns denominator, percent and optionally lower95, upper95, lower998, upper998
    evaluated at each denominator (sorted), and centre.
    """
    _apply_style()
    fig, ax = plt.subplots(figsize=(7.2, 4.0))
    p = points.sort_values("denominator")
    ax.scatter(p["denominator"], p["percent"], s=14, color="#b1b4b6", label="Other councils", zorder=2)
    for lo, hi, ls, lab in (("lower95", "upper95", "--", "95% limits"), ("lower998", "upper998", ":", "99.8% limits")):
        if lo in p.columns and hi in p.columns:
            ax.plot(p["denominator"], p[lo], color=ENGLAND, linestyle=ls, linewidth=1, label=lab)
            ax.plot(p["denominator"], p[hi], color=ENGLAND, linestyle=ls, linewidth=1)
    if "centre" in p.columns:
        ax.axhline(float(p["centre"].iloc[0]), color=ENGLAND, linewidth=1.2, label="England")
    if council_value is not None and council_den is not None and not np.isnan(council_value):
        ax.scatter([council_den], [float(at_display_precision([council_value], "percent")[0])], s=70, color=AF_COLOURS[2], marker="D", label=council_label, zorder=4)
    ax.set_xlabel("Children in the cohort")
    ax.set_ylabel("Per cent")
    wrapped = textwrap.fill(title, 70)
    ax.set_title(wrapped, loc="left", fontsize=12)
    # Legend beside the plot, as on the trend charts: inside it would cover councils' points.
    ax.legend(frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.subplots_adjust(left=0.1, right=0.76, top=0.88 if "\n" not in wrapped else 0.82, bottom=0.13)
    return fig

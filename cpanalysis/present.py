"""Presentation: what the notebooks display, built from results that have passed disclosure control.

Notebooks stay thin: they call :func:`open_context` once and then the ``show_*`` functions here.
Everything a committee sees goes through :func:`public_results` (disclosure control) first; the raw
results and cohort audits are only reachable through ``ctx.raw_results`` and ``ctx.audit()``, for
analysts working in JupyterLab.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cpanalysis import charts, config, narrative, paths
from cpanalysis.config import TOPICS, Params
from cpanalysis.narrative import fmt, year_label

CONTEXT_FILE = "context.pkl"
COMPARATOR_LABELS = {"england": "England", "region": "Region", "sn_median": "Statistical neighbours (median)"}


@dataclass
class PackContext:
    """Everything the notebooks need, prepared once per build and cached."""

    params: Params
    data: Any = None  # CLAData when child-level data was supplied
    raw_results: pd.DataFrame = field(default_factory=pd.DataFrame)  # never shown in the pack
    results: pd.DataFrame = field(default_factory=pd.DataFrame)  # disclosure-controlled
    comparators: pd.DataFrame | None = None
    published: Any = None
    local: Any = None  # LocalData when local returns were supplied
    source_kind: str = "ssda903"  # "ssda903", "published" or "both"
    built_at: str = ""
    notes: list[str] = field(default_factory=list)

    def audit(self, indicator_id: str, year: int | None = None) -> pd.DataFrame:
        """Cohort audit for analysts (contains child identifiers: never put it in the pack)."""
        from cpanalysis.indicators import registry

        if self.data is None:
            raise ValueError("cohort audits need child-level SSDA903 data")
        return registry.audit(self.data, indicator_id, year or self.params.year, **_indicator_kwargs(self))


def _indicator_kwargs(ctx_or_params) -> dict:
    params = ctx_or_params.params if isinstance(ctx_or_params, PackContext) else ctx_or_params
    kw: dict[str, Any] = {"population": {int(k): float(v) for k, v in params.population.items()},
                          "la_code": params.council.old_la_code}
    from cpanalysis.indicators.registry import Context

    if "postcodes" in Context.__dataclass_fields__ and params.inputs.postcodes:
        kw["postcodes"] = pd.read_csv(paths.resolve(params.inputs.postcodes), dtype=str)
    return kw


def prepare(params: Params) -> PackContext:
    """Load and validate every source once, compute every indicator, apply disclosure control."""
    from cpanalysis import disclosure
    from cpanalysis.indicators import registry

    ctx = PackContext(params=params, built_at=dt.datetime.now().strftime("%d %B %Y %H:%M"))
    frames = []
    if params.inputs.ssda903:
        from cpanalysis.sources.ssda903 import load_ssda903

        ctx.data = load_ssda903(paths.resolve(params.inputs.ssda903))
        years = [y for y in ctx.data.years if y <= params.year]
        kw = _indicator_kwargs(params)
        # Large returns (a big county, or many years) compute their years in parallel processes.
        par = min(os.cpu_count() or 1, len(years)) if len(ctx.data.episodes) > 50_000 else 1
        frames.append(registry.compute(ctx.data, years=years, population=kw["population"], la_code=kw["la_code"],
                                       workers=par,
                                       **({"postcodes": kw["postcodes"]} if "postcodes" in kw else {})))
    if params.inputs.published:
        from cpanalysis.compare import comparator_table
        from cpanalysis.sources.published import load_published, published_indicators

        ctx.published = load_published(paths.resolve(params.inputs.published))
        ctx.comparators = comparator_table(ctx.published, params)
        pub = published_indicators(ctx.published, params)
        # Measures DfE publishes only for England (adoption stage times) are not the council's figure: the
        # council's cell is "x" (not available) and the England figure appears as the comparator.
        eng_only = pub["status"].astype(str).str.startswith("England figure")
        if eng_only.any():
            pub = pub.copy()
            pub.loc[eng_only, ["value", "numerator", "denominator", "ci_low", "ci_high"]] = float("nan")
            pub.loc[eng_only, "symbol"] = "x"
            pub.loc[eng_only, "status"] = "not published for councils (England figure shown as the comparator)"
        if frames:
            # Child-level figures take precedence; published-only measures fill the gaps.
            have = set(frames[0]["indicator_id"])
            pub = pub[~pub["indicator_id"].isin(have)]
            ctx.source_kind = "both"
        else:
            ctx.source_kind = "published"
        frames.append(pub)
    if params.inputs.local:
        from cpanalysis.sources.local import local_results, read_local

        ctx.local = read_local(params.inputs.local)
        frames.append(local_results(ctx.local))
    raw = pd.concat([f for f in frames if not f.empty], ignore_index=True) if frames else pd.DataFrame()
    ctx.raw_results = raw[raw["year"] <= params.year] if not raw.empty else raw
    ctx.results = disclosure.apply(ctx.raw_results, params.disclosure) if not raw.empty else raw
    return ctx


def save_context(ctx: PackContext, cache_dir: Path) -> Path:
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / CONTEXT_FILE
    with path.open("wb") as fh:
        pickle.dump(ctx, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def open_context(params_file: str = "", params_json: str = "", cache_dir: str = "") -> PackContext:
    """Called at the top of every notebook: the build's cached context, or a fresh one."""
    if cache_dir and (Path(cache_dir) / CONTEXT_FILE).exists():
        with (Path(cache_dir) / CONTEXT_FILE).open("rb") as fh:
            return pickle.load(fh)
    params = config.from_json(params_json) if params_json else config.load(params_file or None)
    return prepare(params)


# ----------------------------------------------------------------------------------------- display
def _display_html(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(markup))


def _definition(indicator_id: str, ctx: PackContext | None = None):
    """The definition to show beside a figure: the published measure's own when the council's figures for
    this indicator come from DfE's files, so the pack never describes a published figure as computed
    from the council's SSDA903 return."""
    from cpanalysis.indicators import registry

    if ctx is not None and not ctx.results.empty and "source" in ctx.results.columns:
        src = ctx.results.loc[ctx.results["indicator_id"] == indicator_id, "source"].astype(str)
        if len(src) and src.str.startswith("DfE").all():
            from cpanalysis.sources.published import definition_for

            try:
                return definition_for(indicator_id)
            except KeyError:
                pass
    try:
        return registry.get(indicator_id).definition
    except KeyError:
        pass
    from cpanalysis.sources import local

    try:
        return local.definition_for(indicator_id)
    except KeyError:
        from cpanalysis.sources.published import definition_for

        return definition_for(indicator_id)


def question_ids(ctx: PackContext, n: int) -> list[str]:
    if ctx.results.empty:
        return []
    ids = ctx.results.loc[ctx.results["question"] == n, "indicator_id"].drop_duplicates().tolist()
    return ids


def key_ids(ctx: PackContext, n: int) -> list[str]:
    """A question's indicators in the order of the LGA sub-questions they answer (unmapped ones last)."""
    from cpanalysis.questions import question

    order = {iid: i for i, iid in enumerate(question(n).indicator_ids)}
    ids = question_ids(ctx, n)
    return sorted(ids, key=lambda i: (order.get(i, len(order)), ids.index(i)))


def banner(ctx: PackContext) -> None:
    """Title block: council, year, sources, and the demonstration warning where it applies."""
    p = ctx.params
    demo = ("<p class='cpa-banner' role='note'>Demonstration data: this describes a fictional council. "
            "No real child or council is described.</p>") if p.demonstration else ""
    src = {"ssda903": "the council's SSDA903 return (child-level data)",
           "published": "DfE published statistics only (no child-level data)",
           "both": "the council's SSDA903 return and DfE published statistics"}[ctx.source_kind]
    _display_html(f"{demo}<p class='cpa-small'>{html.escape(p.council.name)} &middot; reporting year "
                  f"{year_label(p.year)} (to 31 March {p.year}) &middot; sources: {src} &middot; "
                  f"built {html.escape(ctx.built_at)}</p>")


def question_header(ctx: PackContext, n: int) -> None:
    from cpanalysis.questions import question

    q = question(n)
    _display_html(f"<h2 id='q{n}' class='cpa-question'>Question {n}: {html.escape(q.title)}</h2>"
                  f"<p>{html.escape(q.summary)}</p>")


def _rows_of(ctx: PackContext, which: str, indicator_id: str) -> pd.DataFrame:
    """``ctx.results`` or ``ctx.comparators`` rows of one indicator, grouped once per notebook (each
    notebook asks for every indicator several times; filtering the whole table each time added up)."""
    frame = getattr(ctx, which)
    if frame is None or frame.empty:
        return pd.DataFrame() if frame is None else frame.iloc[0:0]
    index = ctx.__dict__.setdefault("_rows_index", {})
    key = (which, id(frame), len(frame))  # a replaced table gets a fresh grouping
    if key not in index:
        index[key] = dict(tuple(frame.groupby("indicator_id", sort=False)))
    return index[key].get(indicator_id, frame.iloc[0:0])


def _comparators_for(ctx: PackContext, indicator_id: str) -> pd.DataFrame:
    if ctx.comparators is None or ctx.comparators.empty:
        return pd.DataFrame()
    c = _rows_of(ctx, "comparators", indicator_id)
    if "breakdown" in c.columns:
        c = c[c["breakdown"].fillna("Total") == "Total"]
    return c


def _total_rows(ctx: PackContext, indicator_id: str) -> pd.DataFrame:
    r = _rows_of(ctx, "results", indicator_id)
    return r[r["breakdown"] == "Total"].sort_values("year")


def headline_table(ctx: PackContext, n: int) -> None:
    """At a glance: each indicator for the reporting year, with comparators and an honest reading."""
    rows = []
    for iid in key_ids(ctx, n):
        defn = _definition(iid, ctx)
        t = _total_rows(ctx, iid)
        cur = t[t["year"] == ctx.params.year]
        if cur.empty:
            continue
        row = cur.iloc[-1]
        comp = _comparators_for(ctx, iid)
        comp_cur = comp[comp["year"] == ctx.params.year] if not comp.empty else comp
        cells = {}
        reading = []
        unjudged = False
        for key, label in COMPARATOR_LABELS.items():
            val = comp_cur[key].iloc[0] if (not comp_cur.empty and key in comp_cur) else float("nan")
            cells[label] = fmt(val, defn.unit) if pd.notna(val) else "&ndash;"
            if pd.notna(val) and not row.get("symbol"):
                d = narrative.compare(row["value"], row["ci_low"], row["ci_high"], val)
                unjudged = unjudged or d == "not comparable"
                if d in ("higher", "lower"):
                    j = narrative.judgement(d, defn.polarity)
                    reading.append(f"{d} than {label.split(' (')[0].lower() if label != 'England' else 'England'}"
                                   + (f" ({j})" if j else ""))
        cells["Among all councils"] = quartile_text(row["value"] if not row.get("symbol") else float("nan"),
                                                    comp_cur.iloc[0] if not comp_cur.empty else None)
        ci = ""
        if pd.notna(row.get("ci_low")) and pd.notna(row.get("ci_high")) and not row.get("symbol"):
            ci = f"{fmt(row['ci_low'], defn.unit)} to {fmt(row['ci_high'], defn.unit)}"
        cav = key_caveat(defn)
        rows.append({"Measure": f"{html.escape(defn.title)}<br><span class='cpa-small'>{iid}"
                                + (f"<br>Caveat: {html.escape(cav)}" if cav else "") + "</span>",
                     "This council": fmt(row["value"], defn.unit, row.get("symbol") or None),
                     "95% interval": ci or "&ndash;",
                     "Children": fmt(row["denominator"], "count", row.get("symbol") or None)
                     if defn.unit in ("percent", "mean", "days") else "&ndash;",
                     **cells,
                     "Reading": "; ".join(reading) if reading else (
                         "not judged (no interval)" if unjudged else "no clear difference" if any(
                             cells[lab] != "&ndash;" for lab in COMPARATOR_LABELS.values()) else "no comparator")})
    if not rows:
        _display_html("<p class='cpa-ask'>No indicators are available for this question from the data supplied. "
                      "The sub-questions below are for officers to answer.</p>")
        return
    df = pd.DataFrame(rows)
    _display_html(html_table(df, caption=f"At a glance, {year_label(ctx.params.year)}",
                             numeric=["This council", "Children"] + list(COMPARATOR_LABELS.values())))


def context_figures(ctx: PackContext, ids: list[str], caption: str = "For context") -> None:
    """A small table of figures from other questions that a topic needs as background (for example the
    number of children looked after, on the stability page), reporting year and the year before."""
    rows = []
    years = [ctx.params.year - 1, ctx.params.year]
    for iid in ids:
        t = _total_rows(ctx, iid)
        if t.empty:
            continue
        defn = _definition(iid, ctx)
        cells = {}
        for y in years:
            cur = t[t["year"] == y]
            cells[year_label(y)] = (fmt(cur["value"].iloc[-1], defn.unit, cur.get("symbol", pd.Series([""])).iloc[-1]
                                        or None) if not cur.empty else "&ndash;")
        rows.append({"Measure": f"{html.escape(defn.title)} <span class='cpa-small'>"
                                f"(<a href='#{iid}'>question {defn.question}</a>)</span>", **cells})
    if rows:
        _display_html(html_table(pd.DataFrame(rows), caption, numeric=[year_label(y) for y in years]))


def html_table(df: pd.DataFrame, caption: str, numeric: list[str] | None = None) -> str:
    """An accessible table: caption, scoped header cells, right-aligned numbers. Cells are pre-escaped HTML."""
    numeric = set(numeric or [])
    head = "".join(f"<th scope='col'>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for _, r in df.iterrows():
        cells = []
        for i, c in enumerate(df.columns):
            v = "" if pd.isna(r[c]) else str(r[c])
            if i == 0:
                cells.append(f"<th scope='row'>{v}</th>")
            else:
                cells.append(f"<td class='{'num' if c in numeric else ''}'>{v}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<table class='cpa-table'><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def indicator_section(ctx: PackContext, iid: str) -> None:
    """One indicator: heading, reading, trend chart with interval and comparators, definition, caveats."""
    defn = _definition(iid, ctx)
    r = _rows_of(ctx, "results", iid)
    t = _total_rows(ctx, iid)
    cur = t[t["year"] == ctx.params.year]
    parts = [f"<h3 id='{iid}'>{html.escape(defn.title)}</h3>"]
    if not cur.empty:
        row = cur.iloc[-1]
        sentences = [narrative.headline_sentence(defn, row)]
        comp = _comparators_for(ctx, iid)
        comp_cur = comp[comp["year"] == ctx.params.year] if not comp.empty else comp
        plain = []  # comparators that cannot be judged (no interval): listed once, not one sentence each
        for key, label in COMPARATOR_LABELS.items():
            if not comp_cur.empty and key in comp_cur and pd.notna(comp_cur[key].iloc[0]):
                label = comparator_name(key, comp_cur.iloc[0])
                cval = comp_cur[key].iloc[0]
                if narrative.compare(row["value"], row.get("ci_low"), row.get("ci_high"), cval) == "not comparable":
                    if not row.get("symbol") and pd.notna(row["value"]):
                        plain.append(f"{label} {fmt(cval, defn.unit)}")
                    continue
                s = narrative.comparison_sentence(defn, row, label, cval)
                if s:
                    sentences.append(s)
        if plain:
            sentences.append("For comparison: " + "; ".join(plain) + ". No interval is available for this figure, "
                             "so no judgement is made on the differences.")
        tr = narrative.trend_sentence(defn, t)
        if tr:
            sentences.append(tr)
        parts.append("<p>" + " ".join(html.escape(s) for s in sentences) + "</p>")
    _display_html("".join(parts))

    has_breakdown = (r["breakdown"] != "Total").any()
    shown_total = t[t["value"].notna()]
    if len(shown_total) >= 2 and defn.unit != "count" or (defn.unit == "count" and len(shown_total) >= 2
                                                           and not has_breakdown):
        comp = _comparators_for(ctx, iid)
        comp_series = None
        if not comp.empty:
            comp_series = comp.rename(columns=COMPARATOR_LABELS)[["year"] + [v for k, v in COMPARATOR_LABELS.items()
                                                                            if k in comp.columns]]
        fig = charts.trend_chart(t[["year", "value", "ci_low", "ci_high"]], defn.title,
                                 narrative.UNIT_LABELS.get(defn.unit, ""), comp_series,
                                 zero_based=defn.unit == "count")
        vals = ", ".join(f"{year_label(y)}: {fmt(v, defn.unit, s or None)}" for y, v, s in
                         zip(t["year"], t["value"], t.get("symbol", pd.Series([""] * len(t))).fillna("")))
        alt = f"Line chart of {defn.title.lower()} by year for this council. Values: {vals}."
        _display_html(charts.figure_html(fig, alt, f"Indicator {iid}. Source: {defn.source}. "
                                                   "Bars show 95% intervals; suppressed years are gaps."))
    funnel_section(ctx, iid, defn, cur.iloc[-1] if not cur.empty else None)
    if has_breakdown:
        b = r[(r["year"] == ctx.params.year) & (r["breakdown"] != "Total")].copy()
        if not b.empty:
            sym = b.get("symbol", pd.Series([""] * len(b), index=b.index)).fillna("")
            b = b.assign(_s=sym != "").sort_values("value", ascending=False, na_position="last")
            fig = charts.bar_chart(b["breakdown"].tolist(), b["value"].tolist(),
                                   f"{defn.title}, {year_label(ctx.params.year)}",
                                   narrative.UNIT_LABELS.get(defn.unit, ""), b["_s"].tolist())
            alt = (f"Bar chart of {defn.title.lower()} by category: "
                   + "; ".join(f"{lab} {fmt(v, defn.unit, s or None)}" for lab, v, s in
                               zip(b["breakdown"], b["value"], sym.loc[b.index])) + ".")
            tbl = pd.DataFrame({"Category": b["breakdown"].map(html.escape),
                                "Figure": [fmt(v, defn.unit, s or None) for v, s in zip(b["value"], sym.loc[b.index])]})
            share = breakdown_shares(b["value"], sym.loc[b.index], cur, defn.unit,
                                     ctx.params.disclosure.min_denominator)
            if share is not None:
                tbl["Share of the total"] = share
            _display_html(charts.figure_html(fig, alt, f"Indicator {iid}, {year_label(ctx.params.year)}. "
                                                       f"Source: {defn.source}. 'c' = suppressed to protect privacy.")
                          + html_table(tbl, f"{defn.title}: figures behind the chart",
                                       numeric=[c for c in ("Figure", "Share of the total") if c in tbl]))
    details = [f"<b>Who is counted:</b> {html.escape(defn.cohort)}",
               f"<b>Numerator:</b> {html.escape(defn.numerator)}",
               f"<b>Denominator:</b> {html.escape(defn.denominator)}",
               f"<b>Better is:</b> {polarity_words(defn.polarity)}",
               f"<b>Method:</b> {html.escape(defn.methodology)}"]
    if defn.deviation:
        details.append(f"<b>Where we differ from DfE:</b> {html.escape(defn.deviation)}")
    for c in defn.caveats:
        details.append(f"<b>Caveat:</b> {html.escape(c)}")
    _display_html("<div class='cpa-small'>" + "<br>".join(details) + "</div>")


def breakdown_shares(values: pd.Series, symbols: pd.Series, total_rows: pd.DataFrame, unit: str,
                     min_denominator: int = 11) -> list[str] | None:
    """Each category of a count breakdown as a share of the year's total ("c" where the count is
    suppressed), or None when the figure is not a count, or the total is not shown or is below the
    minimum denominator for percentages."""
    if unit != "count" or total_rows.empty:
        return None
    total = total_rows.iloc[-1]
    tsym = str(total["symbol"]) if "symbol" in total_rows and pd.notna(total["symbol"]) else ""
    if tsym or pd.isna(total["value"]) or float(total["value"]) < min_denominator:
        return None
    return [fmt(100.0 * float(v) / float(total["value"]), "percent") if not s and pd.notna(v) else fmt(v, unit, s or None)
            for v, s in zip(values, symbols)]


def comparator_name(key: str, comp_row) -> str:
    """How a sentence names a comparator: "England", "the West Midlands region", "the statistical
    neighbours' median" (or the council's own comparator group)."""
    if key == "england":
        return "England"
    if key == "region":
        name = comp_row.get("region_name") if comp_row is not None else ""
        return f"the {name} region" if isinstance(name, str) and name else "the region"
    group = comp_row.get("sn_group") if comp_row is not None else ""
    if isinstance(group, str) and "own comparator group" in group:
        return "the median of the council's own comparator group"
    return "the statistical neighbours' median"


def key_caveat(defn, limit: int = 160) -> str:
    """The caveat to carry into summary tables: the first one that is not the general short-breaks note
    (which applies to nearly every measure), cut to its first sentence and at most ``limit`` characters."""
    from cpanalysis.indicators.profile import SHORT_BREAK_CAVEAT

    for c in getattr(defn, "caveats", ()) or ():
        if not c or c == SHORT_BREAK_CAVEAT:
            continue
        first = c.split(". ")[0].rstrip(".") + "."
        if len(first) > limit:
            first = first[: limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
        return first
    return ""


QUARTER_WORDS = {1: "lowest quarter", 2: "second quarter", 3: "third quarter", 4: "highest quarter"}


def quartile_text(value, comp_row) -> str:
    """Where a value sits among all councils' published values for the same measure and year: its
    quarter (LAIT's banding, by value, not by better or worse), e.g. "highest quarter of 152"."""
    if comp_row is None or value is None or pd.isna(value):
        return "&ndash;"
    q1, q2, q3 = (comp_row.get(k) for k in ("la_q1", "la_median", "la_q3"))
    n = comp_row.get("n_councils")
    if any(q is None or pd.isna(q) for q in (q1, q2, q3)) or not n:
        return "&ndash;"
    from cpanalysis.compare import band_of

    return f"{QUARTER_WORDS[band_of(float(value), q1, q2, q3)]} of {int(n)}"


def funnel_position(value: float, denominator: float, centre: float) -> str:
    """Plain words for where a council's percentage sits against funnel limits around ``centre`` (per cent)
    at its own cohort size: only outside the limits is a difference unlikely to be chance."""
    from cpanalysis.compare import funnel_limits, funnel_side

    lo95, hi95 = funnel_limits(centre / 100.0, float(denominator), 0.95)
    lo998, hi998 = funnel_limits(centre / 100.0, float(denominator), 0.998)
    side = str(funnel_side(float(value) / 100.0, lo95, hi95, lo998, hi998)[0])
    if side.endswith("99.8%"):
        return (f"This council is {side.split()[0]} the 99.8% limits: a difference from England this large is very "
                "unlikely to be chance alone.")
    if side:
        return (f"This council is {side.split()[0]} the 95% limits but within the 99.8% limits: worth asking "
                "about, but it could still be chance.")
    return ("This council is within the 95% limits: for a cohort of its size the difference from England "
            "could be chance.")


def funnel_section(ctx: PackContext, iid: str, defn, row) -> None:
    """Funnel plot of every council's published percentage against its cohort size, with this council's
    figure, for proportions DfE publishes with numerator and denominator. Nothing when not applicable."""
    if ctx.published is None or defn.unit != "percent" or row is None or row.get("symbol"):
        return
    if pd.isna(row["value"]) or pd.isna(row.get("denominator")) or not row.get("denominator"):
        return
    from cpanalysis.compare import funnel_data

    try:  # no published measure, or one that is not a proportion with numerator and denominator
        pts = funnel_data(ctx.published, iid, ctx.params.year, ctx.params.council)
    except (KeyError, ValueError):
        return
    others = pts[~pts["is_council"].astype(bool)]
    if len(others) < 10 or pd.isna(pts["centre"].iloc[0]):
        return
    centre = float(pts["centre"].iloc[0])
    fig = charts.funnel_chart(others, float(row["value"]), float(row["denominator"]),
                              f"{defn.title}: every council, {year_label(ctx.params.year)}")
    words = funnel_position(row["value"], row["denominator"], centre)
    alt = (f"Funnel plot of {defn.title.lower()} for {len(others)} other councils against the number of children "
           f"in each council's cohort, with 95% and 99.8% limits around England's {centre:.0f}%. This council: "
           f"{fmt(row['value'], 'percent')} of {fmt(row['denominator'], 'count')} children. {words}")
    left = pts.attrs.get("left_out", 0)
    files = sorted({str(s).split(", row")[0] for s in pts["source"]})
    caption = (f"Indicator {iid}. Other councils: published figures, {'; '.join(files)}. Centre line: "
               f"{pts.attrs.get('centre_from', 'England')}. Limits are exact binomial limits around it."
               + (f" {left} councils with suppressed figures are not shown." if left else ""))
    _display_html(f"<p>{html.escape(words)}</p>" + charts.figure_html(fig, alt, caption))


def polarity_words(polarity: str) -> str:
    return {"higher_is_better": "higher", "lower_is_better": "lower",
            "neutral": "neither: this describes the service, it is not a target"}.get(polarity, polarity)


def indicator_sections(ctx: PackContext, n: int) -> None:
    ids = key_ids(ctx, n)
    if not ids:
        return
    _display_html(f"<h3 id='q{n}-data'>What the data says</h3>" if False else "")
    for iid in ids:
        indicator_section(ctx, iid)


def sub_questions(ctx: PackContext, n: int) -> None:
    """The LGA sub-questions: which the data answers, which are for officers."""
    from cpanalysis.questions import coverage_table

    available = set(ctx.results.loc[ctx.results["value"].notna(), "indicator_id"]) if not ctx.results.empty else set()
    cov = coverage_table(n, available)
    rows = pd.DataFrame({
        "LGA question to ask": cov["sub_question"].map(html.escape),
        "Status": cov["status"].map(html.escape),
        "Evidence in this pack": cov["evidence"].map(
            lambda ids: ", ".join(_evidence_link(ctx, i) for i in ids) if isinstance(ids, (list, tuple)) and ids
            else (html.escape(str(ids)) if isinstance(ids, str) and ids else "&ndash;")),
    })
    _display_html(f"<h3 id='q{n}-questions'>Questions to ask</h3>"
                  + html_table(rows, f"Question {n}: what the data answers and what to ask officers"))


def _evidence_link(ctx: PackContext, iid: str) -> str:
    """A link to an indicator's section when this pack has it; otherwise its name and question, unlinked."""
    q = _definition(iid, ctx).question
    if q in ctx.params.topics:
        return f"<a href='#{iid}'>{iid}</a>"
    return f"{iid} (question {q}, not in this pack)"


def written_evidence(ctx: PackContext, n: int) -> None:
    """Officers' written answers and children's views for this question: Markdown rendered as data (no raw
    HTML, scripts, remote images or unsafe links; see cpanalysis.safe_html), read as UTF-8 or Windows-1252."""
    from cpanalysis.safe_html import markdown_to_html
    from cpanalysis.sources.local import WINDOWS_1252, read_evidence

    text, note = read_evidence(ctx.params.inputs.evidence, n)
    heading = f"<h3 id='q{n}-evidence'>Written evidence</h3>"
    if not text or not text.strip():
        _display_html(heading + "<p class='cpa-ask'>No written evidence was supplied for this question. "
                                "Ask officers to answer the questions marked &lsquo;Ask officers&rsquo; above.</p>")
        return
    small = f"<p class='cpa-small'>{html.escape(note)}</p>" if WINDOWS_1252 in note else ""
    _display_html(heading + "<div class='cpa-evidence'>" + markdown_to_html(text) + "</div>" + small)


def topic(ctx: PackContext, n: int) -> None:
    """A whole topic section, in the order a committee reads it."""
    question_header(ctx, n)
    headline_table(ctx, n)
    indicator_sections(ctx, n)
    sub_questions(ctx, n)
    written_evidence(ctx, n)


def record(ctx: PackContext, n: int, out_dir: str | Path | None) -> None:
    """Key figures of one topic as a JSON sidecar (disclosure-controlled), for the summary and tests."""
    if not out_dir:
        return
    r = ctx.results[(ctx.results["question"] == n) & (ctx.results["year"] == ctx.params.year)]
    cols = [c for c in ("indicator_id", "breakdown", "value", "numerator", "denominator", "ci_low", "ci_high",
                        "unit", "symbol", "status") if c in r.columns]
    data = {"question": n, "council": ctx.params.council.name, "year": ctx.params.year,
            "demonstration": ctx.params.demonstration,
            "figures": json.loads(r[cols].to_json(orient="records"))}
    path = Path(out_dir) / f"{n:02d}_{TOPICS[n]}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")


# ------------------------------------------------------------------------------- summary and annexes
def summary(ctx: PackContext) -> None:
    """The first page: how to read the pack, then every selected question at a glance."""
    from cpanalysis.config import TOPIC_TITLES
    from cpanalysis.questions import coverage_table, question

    p = ctx.params
    _display_html(
        f"<h1>Evidence pack: {html.escape(p.council.name)}, {year_label(p.year)}</h1>"
        f"<h2 id='summary'>Summary of the ten questions</h2>"
        "<p>This pack follows the Local Government Association's <i>10 questions to ask if you're scrutinising "
        "services for looked after children</i>. For each question it shows what the data says, how sure we can "
        "be, how the council compares, and which questions only officers can answer.</p>"
        "<div class='cpa-callout'><b>How to read the figures.</b> Every percentage comes with a 95% interval: "
        "the range the underlying figure probably lies in, allowing for chance in small groups. We only say the "
        "council is higher or lower than a comparator when that interval excludes the comparator. "
        "&lsquo;c&rsquo; means a figure is suppressed because it concerns 5 or fewer children, or could reveal such "
        "a figure; &lsquo;x&rsquo; means not available.</div>")
    banner(ctx)
    available = set(ctx.results.loc[ctx.results["value"].notna(), "indicator_id"]) if not ctx.results.empty else set()
    rows = []
    for n in p.topics:
        key = []
        for iid in key_ids(ctx, n):
            if len(key) == 4:
                break
            defn = _definition(iid, ctx)
            t = _total_rows(ctx, iid)
            cur = t[t["year"] == p.year]
            if cur.empty or (pd.isna(cur["value"].iloc[-1]) and cur.get("symbol", pd.Series([""])).iloc[-1] != "c"):
                continue
            row = cur.iloc[-1]
            comp = _comparators_for(ctx, iid)
            comp_cur = comp[comp["year"] == p.year] if not comp.empty else comp
            eng = comp_cur["england"].iloc[0] if (not comp_cur.empty and "england" in comp_cur) else float("nan")
            note = ""
            if pd.notna(eng) and not row.get("symbol"):
                d = narrative.compare(row["value"], row["ci_low"], row["ci_high"], eng)
                note = {"higher": " (higher than England)", "lower": " (lower than England)",
                        "similar": " (similar to England)"}.get(d, "")
            key.append(f"{html.escape(defn.title)}: <b>{fmt(row['value'], defn.unit, row.get('symbol') or None)}</b>{note}")
        cov = coverage_table(n, available)
        answered = int((cov["status"].str.startswith("Answered")).sum())
        rows.append({"Question": f"<a href='#q{n}'>{n}. {html.escape(TOPIC_TITLES[n])}</a><br>"
                                 f"<span class='cpa-small'>{html.escape(question(n).title)}</span>",
                     "Key figures": "<br>".join(key) if key else "No data-based indicators: ask officers.",
                     "Questions to ask": f"{answered} of {len(cov)} answered by data; {len(cov) - answered} for officers"})
    _display_html(html_table(pd.DataFrame(rows), f"The ten questions at a glance, {year_label(p.year)}"))


def _band(n) -> str:
    """Row counts in the data-quality annex: exact above the disclosure threshold, banded below."""
    n = int(n)
    return "0" if n == 0 else ("fewer than 6" if n <= 5 else f"{n:,}")


def _rule_counts(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings counted by rule and table, described by the rule's general message (never a row's own
    detail, which may quote a child's record)."""
    try:
        from cpanalysis.validation.rules import RULES
    except ImportError:  # pragma: no cover - validation is part of the package
        RULES = {}
    cols = [c for c in ("rule_id", "severity", "table") if c in findings.columns]
    g = findings.groupby(cols, dropna=False).size().reset_index(name="rows").sort_values("rows", ascending=False)

    def message(rule_id) -> str:
        rule = RULES.get(str(rule_id))
        if rule is not None:
            return rule.message
        msgs = findings.loc[findings["rule_id"] == rule_id, "message"].astype(str)
        return msgs.iloc[0].split(" Found:")[0] if len(msgs) else ""

    return pd.DataFrame({"Rule": g["rule_id"].astype(str).map(html.escape),
                         "Table": g["table"].astype(str).map(html.escape) if "table" in g else "",
                         "Severity": g["severity"].astype(str).map(html.escape),
                         "What is wrong and what to do": g["rule_id"].map(message).map(html.escape),
                         "Rows": g["rows"].map(_band)})


def annex_quality(ctx: PackContext) -> None:
    """Annex A: every row read is accounted for (used or quarantined, and why)."""
    parts = ["<h2 id='annex-quality' class='cpa-question'>Annex A: data quality</h2>"]
    frames = [f for f in (getattr(ctx.data, "reconciliation", None),
                          getattr(ctx.local, "reconciliation", None)) if f is not None and not f.empty]
    rec = pd.concat(frames, ignore_index=True) if frames else None
    frames = [f for f in (getattr(ctx.data, "quarantine", None),
                          getattr(ctx.local, "quarantine", None)) if f is not None and not f.empty]
    q = pd.concat(frames, ignore_index=True) if frames else None
    if ctx.data is None:
        parts.append("<p>No child-level data was supplied; the child-level figures come from DfE published "
                     "statistics, whose own quality notes apply. Published figures marked c, x, z, k or u are shown "
                     "with that symbol, never as zero.</p>")
    else:
        parts.append("<p>Every row read from the SSDA903 files is either used or set aside (quarantined) with the "
                     "reason. Counts from 1 to 5 are shown as &lsquo;fewer than 6&rsquo;.</p>")
    if ctx.local is not None:
        parts.append("<p>Rows of the council's local returns are checked the same way.</p>")
    if rec is not None:
        t = rec.copy()
        t = pd.DataFrame({"Table": t["table"].astype(str).map(html.escape), "Year": t["year"].map(
            lambda y: year_label(y) if pd.notna(y) else ""), "Rows read": t["rows_read"].map(_band),
            "Rows used": t["rows_used"].map(_band), "Rows quarantined": t["rows_quarantined"].map(_band)})
        numeric = ["Rows read", "Rows used", "Rows quarantined"]
        if "rows_superseded" in rec.columns:
            t["Of which repeated in a later return"] = rec["rows_superseded"].fillna(0).map(_band).to_numpy()
            numeric.append("Of which repeated in a later return")
            parts.append("<p class='cpa-small'>Each year's return repeats the episodes still open from the year "
                         "before; those repeats are merged into one history per child (the later return's "
                         "version is kept) and counted as used.</p>")
        parts.append(html_table(t, "Rows read, used and quarantined", numeric=numeric))
    if q is not None:
        parts.append(html_table(_rule_counts(q), "Rows set aside (quarantined), by rule", numeric=["Rows"]))
    elif rec is not None:
        parts.append("<p>No rows were quarantined.</p>")
    issues = getattr(ctx.data, "issues", None)
    if issues is not None and not issues.empty:
        warn = issues[issues["severity"] == "warning"]
        if not warn.empty:
            parts.append("<p>Warnings: the rows below were kept, but a value was doubtful and, where the rule "
                         "says so, treated as blank. Figures that use that value may be slightly understated.</p>")
            parts.append(html_table(_rule_counts(warn), "Warnings (rows kept), by rule", numeric=["Rows"]))
    for note in getattr(ctx.data, "notes", []) or []:
        parts.append(f"<p class='cpa-small'>{html.escape(str(note))}</p>")
    _display_html("".join(parts))


def annex_methods(ctx: PackContext) -> None:
    """Annex B: every indicator shown, defined once (from the registry), plus disclosure and statistics rules."""
    p = ctx.params
    ids = [i for n in p.topics for i in key_ids(ctx, n)]
    rows = []
    for iid in ids:
        d = _definition(iid, ctx)
        rows.append({"Indicator": f"{html.escape(d.title)}<br><span class='cpa-small'>{iid}</span>",
                     "Question": str(d.question), "Who is counted": html.escape(d.cohort),
                     "Numerator": html.escape(d.numerator), "Denominator": html.escape(d.denominator),
                     "Better is": polarity_words(d.polarity), "Source": html.escape(d.source),
                     "Differs from DfE": html.escape(d.deviation) or "&ndash;"})
    parts = ["<h2 id='annex-methods' class='cpa-question'>Annex B: methodology and definitions</h2>",
             f"<p><b>Disclosure control.</b> Counts from 1 to {p.disclosure.suppress_counts_up_to} are shown as "
             "&lsquo;c&rsquo;, and so is any other figure in the same group that would let them be worked out by "
             f"subtraction. Percentages and averages based on fewer than {p.disclosure.min_denominator} children "
             "are not shown. No child's identifier, date of birth or postcode appears in this pack.</p>",
             "<p><b>Statistics.</b> Intervals for percentages are Wilson score intervals (95%); for averages, "
             "t intervals; for rates per 10,000 children, exact Poisson intervals. Statistical neighbours are DfE's "
             "ten closest councils; their figure is the median, as DfE reports it. A difference is reported only "
             "when the council's interval excludes the comparator. A trend is called a change only when the "
             "intervals of the first and last years do not overlap. &lsquo;Among all councils&rsquo; gives the "
             "quarter of all councils' published values the figure falls in (by value, as DfE's LAIT tool bands "
             "them; the lowest quarter is not necessarily the best). Funnel plots show every council's published "
             "percentage against its number of children, with exact binomial 95% and 99.8% limits around "
             "England's figure: a council inside the limits differs from England by no more than chance could "
             "explain for a cohort of its size.</p>"]
    if rows:
        parts.append(html_table(pd.DataFrame(rows), "Indicator definitions"))
    _display_html("".join(parts))

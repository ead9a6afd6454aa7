"""What the committee reads, as plain data: the front section (key messages, scorecard, lines of
enquiry), one briefing per LGA question and the technical annex.

Each function here takes the assembled evidence (:mod:`cpanalysis.evidence`) and returns dicts and
lists of plain strings and numbers; :mod:`cpanalysis.render` turns them into HTML with the Jinja2
templates in ``templates/pack/``. Words are written here, never markup: the templates escape them.
Indicator ids appear only as link targets (``href``) and in the technical annex.
"""

from __future__ import annotations

import re

import pandas as pd

from cpanalysis import briefing_guide, evidence, findings, ofsted_view, plain
from cpanalysis.findings import MeasureEvidence
from cpanalysis.narrative import fmt, year_label

#: symbols that print in black and white (NHS England "Making Data Count" in spirit: words beside them)
STATUS_SYMBOLS = {"met": "\u2714", "not met": "\u2718", "cannot tell": "?", "": ""}
STATUS_WORDS = {"met": "Met", "not met": "Not met", "cannot tell": "Cannot tell from data this size", "": ""}
READING_SYMBOLS = {"better": "\u25b2", "worse": "\u25bc", "higher": "\u25b3", "lower": "\u25bd", "mixed": "\u25c6",
                   "similar": "\u25cf", "not judged": "\u25cb"}
TREND_SYMBOLS = {"improving": "\u2197", "worsening": "\u2198", "rising": "\u2197", "falling": "\u2198",
                 "no clear change": "\u2192", "not enough years": "\u00b7"}
QUARTERS = {1: "lowest quarter", 2: "second-lowest quarter", 3: "second-highest quarter", 4: "highest quarter"}


def quarter_words(ev: MeasureEvidence, with_n: bool = True) -> str:
    """'highest quarter of 152 (the least favourable)', 'second-lowest quarter of 152 (lowest is best)': which
    end of the quarters is favourable is always said, for measures with a better end."""
    if not ev.quarter:
        return ""
    s = QUARTERS[ev.quarter] + (f" of {ev.n_councils}" if with_n and ev.n_councils else "")
    if ev.polarity not in ("higher_is_better", "lower_is_better"):
        return s
    if ev.quarter in (1, 4):
        good = (ev.quarter == 4) == (ev.polarity == "higher_is_better")
        return s + (" (the most favourable)" if good else " (the least favourable)")
    return s + (" (highest is best)" if ev.polarity == "higher_is_better" else " (lowest is best)")


def _nan(x) -> bool:
    try:
        return x is None or pd.isna(x)
    except (TypeError, ValueError):
        return False


def of_phrase(defn, ev: MeasureEvidence) -> str:
    """'51 of 465 children', or '' when the counts behind the figure are not published."""
    from cpanalysis.narrative import of_phrase as _of

    return _of(defn, ev.numerator, ev.denominator)


def value_text(ev: MeasureEvidence) -> str:
    """The figure as printed; with one decimal place when a comparator would otherwise print the same ("9% ...
    higher than England (9.0%)" would read as a contradiction: it prints "9.4% ... (9.0%)")."""
    v = fmt(ev.value, ev.unit, ev.symbol or None)
    if not ev.symbol and ev.unit in ("percent", "rate_per_10k") and any(
            fmt(c, ev.unit) == v for c in ev.comparators.values()):
        return f"{float(ev.value):,.1f}" + ("%" if ev.unit == "percent" else "")
    return v


def comparator_cells(ev: MeasureEvidence, keys=None) -> list[str]:
    """The comparators printed beside the figure, at one precision: when any of them needs a decimal place to
    differ from the council's figure, all of them get one (never "13.0%" beside "7%" in one cell)."""
    keys = [k for k in (keys or ev.comparators) if k in ev.comparators]
    cells = [findings.fmt_beside(fmt, ev.value, ev.comparators[k], ev.unit) for k in keys]
    plain = [fmt(ev.comparators[k], ev.unit) for k in keys]
    if cells != plain and ev.unit in ("percent", "rate_per_10k"):
        from cpanalysis.narrative import round_half_away

        cells = [f"{round_half_away(ev.comparators[k], 1):,.1f}" + ("%" if ev.unit == "percent" else "") for k in keys]
    return cells


def when(ctx, ev: MeasureEvidence) -> str:
    """'' for the pack's year; otherwise the year of the latest published figure, said in the table cell; and
    "published jointly with <council>" when DfE publishes one figure for two councils."""
    base = "" if ev.year == ctx.params.year else f"{year_label(ev.year)}, latest published"
    joint = evidence.joint_with(ctx, ev.id, ev.year) if hasattr(ctx, "results") else ""
    return "; ".join(x for x in (base, f"published jointly with {joint}" if joint else "") if x)


#: 'improving', 'worsening', 'rising', 'falling', 'no clear change' or 'not enough years' (the judgement words
#: live with the rule that makes them, in findings)
trend_words = findings.trend_words


def trend_symbol(ev: MeasureEvidence) -> str:
    """The arrow shows the direction of the figure (up or down), never the judgement: a rise is always drawn
    as a rise, whether it is better or worse."""
    d = (ev.trend or {}).get("direction", "")
    return {"up": "\u2197", "down": "\u2198"}.get(d, TREND_SYMBOLS.get(trend_words(ev), ""))


def trend_sentence(ev: MeasureEvidence) -> str:
    """One sentence from the trend rule, naming the years of the window it tested."""
    t = ev.trend or {}
    if not t.get("years") or t.get("n_years", 0) < 3:
        return ""
    y0, y1 = t["years"]
    first, last = t["values"][0][1], t["values"][-1][1]
    span = f"from {year_label(y0)} ({fmt(first, ev.unit)}) to {year_label(y1)} ({fmt(last, ev.unit)})"
    w = trend_words(ev)
    flagged = [y for y in t.get("flagged") or [] if y != t.get("driver")]
    note = ""
    if t.get("driver") is not None:
        note = (f" One year, {year_label(t['driver'])}, drives the apparent change: without it the direction "
                "does not hold, so no trend is called.")
    elif flagged:
        note = f" {year_label(flagged[0])} (the pandemic year) is in the window; the trend holds without it."
    vs = ""
    ae = t.get("against_england")
    if ae:
        eng = f"England went from {fmt(ae['england_first'], ev.unit)} to {fmt(ae['england_last'], ev.unit)}"
        vs = (f" {eng}; the council's change is in line with England's." if ae["direction"] == "in line" else
              f" {eng}; the council moved {'up' if ae['direction'] == 'up' else 'down'} against England by more "
              "than chance would explain.")
    if w in ("improving", "worsening"):
        verb = "improved" if w == "improving" else "worsened"
        moved = "rising" if t.get("direction") == "up" else "falling"
        return (f"It {verb} {span}, {moved} steadily: a test over those {t['n_years']} years supports a trend "
                f"at the 99.8% level, with any one year left out.{note}{vs}")
    if w in ("rising", "falling"):
        return (f"It went {span}. The direction over those years is {w} (a rank test); DfE publishes no counts "
                f"for it, so no trend is judged better or worse.{note}")
    return f"No clear trend {span}: the changes over the {t['n_years']} years could be chance.{note}{vs}"


def neighbour_words(ev: MeasureEvidence) -> str:
    return {"above all": "above every one of its statistical neighbours",
            "below all": "below every one of its statistical neighbours",
            "within": "within the range of its statistical neighbours"}.get(ev.neighbour_place, "")


def comparison_sentence(ev: MeasureEvidence) -> str:
    """How the figure compares with England by the one comparison rule, and where it sits among its
    neighbours and the region (described, not tested), in one or two sentences."""
    if not ev.comparators:
        return ""
    if not ev.shown:
        return "Comparators: " + "; ".join(f"{ev.comparator_names[k]} {fmt(v, ev.unit)}"
                                           for k, v in ev.comparators.items()) + "."
    parts = []
    if "england" in ev.comparators:
        e = f"England ({findings.fmt_beside(fmt, ev.value, ev.comparators['england'], ev.unit)})"
        d = ev.verdicts.get("england", "not judged")
        if d in ("higher", "lower"):
            bw = findings.better_or_worse(d, ev.polarity)
            parts.append(f"It is {d} than {e}{f', which is {bw}' if bw else ''}: the difference is beyond the "
                         "99.8% limits that allow for chance and for the usual spread between councils.")
        elif d == "similar":
            parts.append(f"It is not clearly different from {e}: the difference is within what chance and the "
                         "usual spread between councils would explain.")
        else:
            parts.append(f"For comparison, {e}; the difference is not judged because {ev.not_judged or 'no test applies'}.")
    others = [f"{ev.comparator_names[k]} {findings.fmt_beside(fmt, ev.value, ev.comparators[k], ev.unit)}"
              for k in ("region", "sn_median") if k in ev.comparators]
    if others:
        nw = neighbour_words(ev)
        parts.append("Also shown: " + _and(others) + (f"; the council is {nw}" if nw else "") + ".")
    if not pd.isna(ev.unknown_share) and ev.unknown_share >= 5:
        parts.append(f"DfE records {fmt(ev.unknown_share, 'percent')} of this group as not known.")
    return " ".join(parts)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def headline_sentence(defn, ev: MeasureEvidence) -> str:
    yl = year_label(ev.year)
    if ev.symbol:
        return (f"The {yl} figure is not shown ({ev.symbol}): "
                + ("it concerns so few children that publishing it could identify them." if ev.symbol == "c"
                   else "it is not available.")
                + " Ask officers for the position without publishing small numbers.")
    if _nan(ev.value):
        return f"No figure is available for {yl}."
    s = f"{value_text(ev)} in {yl}"
    extra = []
    of = of_phrase(defn, ev)
    if of:
        extra.append(of)
    if not _nan(ev.ci_low) and not _nan(ev.ci_high):
        extra.append(f"95% interval {fmt(ev.ci_low, ev.unit)} to {fmt(ev.ci_high, ev.unit)}")
    return s + (f" ({'; '.join(extra)})" if extra else "") + "."


def target_sentence(ev: MeasureEvidence) -> str:
    t = ev.target
    if t is None:
        return ""
    words = t.wording(lambda v: fmt(v, ev.unit))
    due = f" by {t.by}" if t.by else ""
    base = ""
    if t.baseline is not None:
        base = f", from {fmt(t.baseline, ev.unit)}" + (f" in {year_label(t.baseline_year)}" if t.baseline_year else "")
    status = {"met": "met", "not met": "not met",
              "cannot tell": "cannot tell from data this size (the 95% interval includes the target)" if ev.shown
              else "cannot tell (the figure is not available)"}[ev.target_status or "cannot tell"]
    return f"The council's target is {words}{due}{base}: {status}. Source of the target: {t.source}."


def finding_sentence(defn, ev: MeasureEvidence, good: bool) -> str:
    """One sentence for a key message: the figure, its comparators and what the judgement rests on."""
    sigs = ev.strengths if good else ev.concerns
    s = f"{plain.title(ev.title)}: {value_text(ev)} in {year_label(ev.year)}"
    of = of_phrase(defn, ev)
    if of:
        s += f" ({of})"
    s += ": " + _and([x.words for x in sigs]) + "."
    if not pd.isna(ev.unknown_share) and ev.unknown_share >= 5:
        s += f" DfE records {fmt(ev.unknown_share, 'percent')} of this group as not known."
    other = ev.concerns if good else ev.strengths
    if other:
        s += " On the other hand it is " + _and([x.words for x in other]) + "."
    return s


def enquiry_for(defn, ev: MeasureEvidence) -> str:
    """A concrete question for officers from a concern: the figure, why it is a concern, and the ask."""
    from cpanalysis.questions import question

    direction = {"lower_is_better": "bring it down", "higher_is_better": "raise it"}.get(ev.polarity, "")
    fact = f"{plain.title(ev.title)} is {value_text(ev)} in {year_label(ev.year)}: " + _and([s.words for s in ev.concerns])
    ask = (f"What explains this, what is the plan to {direction}, and when will the committee see it work?"
           if direction else "What explains this?")
    sub = _sub_question(defn, question(ev.question))
    return f"{fact}. {ask}" + (f" (LGA question {ev.question}: \u201c{sub}\u201d)" if sub else "")


def _sub_question(defn, q) -> str:
    """The sub-question the definition names (its ``sub_question`` key), else the first of ``q`` listing it."""
    if getattr(defn, "question", None) == q.number and getattr(defn, "sub_question", ""):
        from cpanalysis.questions import sub_question_text

        try:
            return sub_question_text(defn.sub_question)
        except KeyError:  # not a key (an analyst's trial definition): fall back on the questions' lists
            pass
    return next((s.text for s in q.sub_questions if defn.id in s.indicators), "")


# --------------------------------------------------------------------------------- the front section
def scorecard_row(ctx, ev: MeasureEvidence) -> dict:
    defn = evidence._definition(ev.id, ctx)
    comps = [{"name": {"england": "England", "region": "Region", "sn_median": "Neighbours"}[k], "value": c}
             for k, c in zip(list(ev.comparators), comparator_cells(ev))]
    trend = trend_words(ev)
    reading = ev.comparator_verdict if ev.shown and ev.comparators else ""
    t = ev.target
    return {"href": f"m-{ev.id}", "annex": f"def-{ev.id}", "title": plain.title(ev.title), "question": ev.question,
            "value": value_text(ev), "of": of_phrase(defn, ev), "when": when(ctx, ev),
            "trend": trend, "trend_symbol": trend_symbol(ev),
            "comparators": comps, "reading": reading, "reading_symbol": READING_SYMBOLS.get(reading, ""),
            "quarter": quarter_words(ev),
            "label": ev.label,
            "target": t.wording(lambda v: fmt(v, ev.unit)) if t is not None else "",
            "status": ev.target_status, "status_words": STATUS_WORDS.get(ev.target_status, ""),
            "status_symbol": STATUS_SYMBOLS.get(ev.target_status, "")}


def front(ctx) -> dict:
    """Key messages, scorecard and lines of enquiry for the first pages."""
    p = ctx.params
    all_ev = evidence.all_evidence(ctx)
    concerns, strengths = findings.select(all_ev)
    by_id = {e.id: e for e in all_ev}
    rows, seen = [], set()
    for n in p.topics:
        ids = evidence.headline_ids(ctx, n, limit=2) + [t.indicator for t in p.targets
                                                        if by_id.get(t.indicator) and by_id[t.indicator].question == n]
        ids += [e.id for e in concerns + strengths if e.question == n]
        for iid in ids:
            if iid in seen or iid not in by_id:
                continue
            seen.add(iid)
            rows.append(scorecard_row(ctx, by_id[iid]))
    missing_targets = [t for t in p.targets if t.indicator not in by_id]

    def msg(e, good):
        d = evidence._definition(e.id, ctx)
        return {"href": f"m-{e.id}", "question": e.question, "text": finding_sentence(d, e, good)}

    enquiries = [{"question": e.question, "text": enquiry_for(evidence._definition(e.id, ctx), e)} for e in concerns]
    for t in missing_targets:
        enquiries.append({"question": 0, "text": f"The council's target for {t.indicator.replace('_', ' ')} cannot be "
                                                 "checked: this pack has no figure for it. Ask officers for the latest "
                                                 "position."})
    n_concern = len(findings.by_family(all_ev, "concern"))
    n_good = len(findings.by_family(all_ev, "going well"))
    return {"year": year_label(p.year), "council": p.council.name,
            "concerns": [msg(e, False) for e in concerns], "strengths": [msg(e, True) for e in strengths],
            "more_concerns": max(0, n_concern - len(concerns)), "more_strengths": max(0, n_good - len(strengths)),
            "more_concerns_text": plain.count_phrase(max(0, n_concern - len(concerns)), "more measure meets",
                                                     "more measures meet"),
            "more_strengths_text": plain.count_phrase(max(0, n_good - len(strengths)), "more measure meets",
                                                      "more measures meet"),
            "n_measures": len(all_ev), "scorecard": ofsted_view.scorecard_rows(ctx) + rows, "enquiries": enquiries,
            "has_targets": bool(p.targets)}


# ------------------------------------------------------------------------------- one question
def _charts_for(ctx, n: int, evs: list[MeasureEvidence]) -> list[dict]:
    """The few charts that matter: the trend of the question's most notable measure and, where DfE
    publishes every council's proportion, the funnel plot of the most notable percentage."""
    from cpanalysis import figures

    out = []
    heads = set(evidence.headline_ids(ctx, n))
    ranked = sorted(evs, key=lambda e: (e.kind != "concern", e.kind != "going well", e.id not in heads, e.id))
    for e in ranked:
        if len(out) == 1:
            break
        fig = figures.trend_figure(evidence.chart_data(ctx, e.id), e)
        if fig:
            out.append(fig)
    for e in ranked:
        if e.unit == "percent" and e.shown and not _nan(e.denominator):
            fig = figures.funnel_figure(evidence.chart_data(ctx, e.id, funnel=True), e)
            if fig:
                out.append(fig)
                break
    return out


def plain_label(label: str) -> str:
    """A breakdown label without its 903 codes, for the committee ('Full care order (C2)' -> 'Full care
    order', 'N1 Abuse or neglect' -> 'Abuse or neglect'); the codes stay in the technical annex."""
    label = re.sub(r"^[A-Z]{3,8}:\s+", "", label)  # placement-move reason codes ("CARPL: change to ...")
    label = re.sub(r"\s*\((?:[A-Z]\d[\w,\- ]*|[A-Z]{1,2}\d?(?:, ?[A-Z]{1,2}\d?)*)\)$", "", label)
    return re.sub(r"^[A-Z]\d\s+", "", label).strip() or label


def breakdown_items(ctx, ev: MeasureEvidence) -> list[str]:
    """A count's breakdown for the reporting year in one line each: 'Age 10 to 15: 180 (39%)'. Shares only
    when the total is shown and at least the minimum denominator; suppressed categories show their symbol."""
    r = evidence._rows_of(ctx, "results", ev.id)
    b = r[(r["year"] == ev.year) & (r["breakdown"] != "Total")]
    if b.empty:
        return []
    total = ev.value if ev.shown and ev.value >= ctx.params.disclosure.min_denominator else None
    out = []
    for _, x in b.iterrows():
        sym = x.get("symbol") if isinstance(x.get("symbol"), str) else ""
        v = fmt(x["value"], "count", sym or None)
        share = f" ({fmt(100.0 * float(x['value']) / total, 'percent')})" if total and not sym and not _nan(x["value"]) else ""
        out.append(f"{plain_label(str(x['breakdown']))}: {v}{share}")
    return out


def glance_row(ctx, ev: MeasureEvidence, notes: dict[str, int]) -> dict:
    defn = evidence._definition(ev.id, ctx)
    marks = []
    for c in getattr(defn, "caveats", ()) or ():
        if c and c not in notes:
            notes[c] = len(notes) + 1
        if c:
            marks.append(notes[c])
    reading = ev.comparator_verdict if ev.shown and ev.comparators else ("no comparator" if ev.shown else "")
    extra = quarter_words(ev, with_n=False)
    cells = dict(zip(list(ev.comparators), comparator_cells(ev)))
    return {"href": f"m-{ev.id}", "annex": f"def-{ev.id}", "title": plain.title(ev.title), "notes": marks,
            "value": value_text(ev), "of": of_phrase(defn, ev), "when": when(ctx, ev),
            **{col: cells.get(k, "\u2013") for col, k in (("england", "england"), ("region", "region"),
                                                             ("neighbours", "sn_median"))},
            "reading": reading, "reading_symbol": READING_SYMBOLS.get(reading, ""),
            "quarter": extra, "trend": trend_words(ev) if ev.shown else "",
            "trend_symbol": trend_symbol(ev) if ev.shown else ""}


def question_brief(ctx, n: int) -> dict:
    from cpanalysis.config import TOPIC_TITLES
    from cpanalysis.questions import question

    q = question(n)
    ids = evidence.key_ids(ctx, n)
    evs = [evidence.measure_evidence(ctx, i) for i in ids
           if evidence.latest_year(ctx, i) is not None]
    notes: dict[str, int] = {}
    profile_rows: list[dict] = []
    says = []
    lead = next((i for i in evidence.headline_ids(ctx, n)), None)
    for e in evs:
        if not (e.id == lead or e.kind or e.target is not None):
            continue
        d = evidence._definition(e.id, ctx)
        text = " ".join(x for x in (headline_sentence(d, e), comparison_sentence(e), trend_sentence(e),
                                    target_sentence(e)) if x)
        says.append({"id": f"m-{e.id}", "annex": f"def-{e.id}", "title": plain.title(e.title), "text": text, "kind": e.kind,
                     "label": e.label})
    front_ids = [e.id for e in findings.select(evidence.all_evidence(ctx))[0]]  # the front's lines of enquiry
    enquiries = [{"text": enquiry_for(evidence._definition(e.id, ctx), e), "title": plain.title(e.title),
                  "front": front_ids.index(e.id) + 1 if e.id in front_ids else 0}
                 for e in evs if e.kind == "concern"]
    profile, plain_rows = [], []
    for e in evs:
        items = breakdown_items(ctx, e) if e.unit == "count" else []
        (profile if items else plain_rows).append(e)
        if items:
            profile_rows.append({"href": f"m-{e.id}", "annex": f"def-{e.id}", "title": plain.title(e.title),
                                 "total": value_text(e), "items": items})
    glance = [glance_row(ctx, e, notes) for e in plain_rows]
    said = {s["id"] for s in says}
    for r in glance:
        r["anchor"] = "" if r["href"] in said else r["href"]
    return {"n": n, "short_title": TOPIC_TITLES[n], "title": q.title, "summary": q.summary,
            "year": year_label(ctx.params.year), "says": says, "glance": glance,
            "notes": [{"n": i, "text": t} for t, i in notes.items()],
            "charts": _charts_for(ctx, n, evs), "enquiries": enquiries, "profile": profile_rows,
            "sub_questions": briefing_guide.sub_question_rows(ctx, n), "anchors": [f"m-{e.id}" for e in evs],
            "ofsted": ofsted_brief(ctx, n) or ofsted_view.homes_note(ctx, n)}


def rule_text() -> dict[str, str]:
    """The stated rules, for the front section and the annex, in short (the full method with references is
    :func:`cpanalysis.findings.how_we_judge`, generated from the code's settings)."""
    from cpanalysis import stats

    lvl = f"{stats.LEVEL_KEY:.1%}"
    return {
        "comparison": f"A figure is called higher or lower than England only when a test at the {lvl} level supports "
                      "it: for a percentage of children, pupils or care leavers with its counts, the exact chance "
                      "of a figure this far from England for a group of this size, and the usual spread between "
                      "councils, both. Measures of school sessions or placements (one child has several) and figures "
                      "published without counts or an interval are not tested. The region and the statistical "
                      "neighbours are described (where the council sits in their range), not tested.",
        "trend": f"A trend is judged by a test over the latest {stats.TREND_WINDOW} years at the {lvl} level that must "
                 "hold with any one year left out, so the 2020-21 pandemic year, or any single year, never drives it "
                 "alone; the council's change is set against England's.",
        "key": f"Key messages list measures with a clear signal: worse (or better) than England by the comparison rule; "
               f"far from most councils when no test is possible; a trend supported by the trend rule; or the "
               f"council's own target missed (or met). Measures that describe the service rather than an outcome are "
               f"not judged. Variants of one fact (such as care leavers in and not in education, employment or "
               f"training, or the distance measures) give one message. At most {findings.MAX_CONCERNS} concerns and "
               f"{findings.MAX_STRENGTHS} strengths are listed, the strongest evidence first; every measure is in "
               f"the question sections.",
    }


def how_we_judge() -> list[dict]:
    """The annex's "How we judge" table (each method, level, use and reference), from the code's settings."""
    return findings.how_we_judge()


# ------------------------------------------------------------------------------- Ofsted's judgements
#: which of Ofsted's five ILACS judgements each question shows (question 1 shows all five)
OFSTED_QUESTIONS = {1: ("overall", "leaders", "help_protection", "children_in_care", "care_leavers"),
                    8: ("care_leavers",), 9: ("leaders",)}


#: short column headings for the annex's history table (the full wording is in question 1's table)
OFSTED_SHORT = {"overall": "Overall effectiveness", "leaders": "Impact of leaders", "help_protection":
                "Children who need help and protection", "children_in_care": "Children in care",
                "care_leavers": "Care leavers"}


#: the date, grade-count and neighbour helpers are shared with the scorecard's Ofsted rows
_day, _grade_counts = ofsted_view.day, ofsted_view.grade_counts
_neighbour_codes = ofsted_view.neighbour_codes


def ofsted_brief(ctx, n: int) -> dict:
    """Ofsted's latest ILACS judgements for a question (1: all five; 8: care leavers; 9: leaders), in words,
    beside the neighbours' and England's counts of councils by grade; {} for the other questions."""
    from cpanalysis.sources import ofsted

    keys = OFSTED_QUESTIONS.get(n)
    if not keys:
        return {}
    p = ctx.params
    data = getattr(ctx, "ofsted", None)
    out = {"n": n, "lede": "", "notes": [], "rows": [], "source": "", "neighbours": "", "england": ""}
    if data is None:
        note = getattr(ctx, "ofsted_note", "") or ("Ofsted's judgements are shown only when a published-data "
                                                   "folder holding Ofsted's inspection outcomes is given.")
        out["lede"] = note
        return out
    code = p.council.new_la_code or ""
    row = ofsted.council_row(data, code)
    as_at = f" as at {data.as_at}" if data.as_at else ""
    if row is None or not row.get("overall"):
        out["lede"] = (f"Ofsted's inspection outcomes{as_at} give no ILACS judgement for {p.council.name}"
                       f"{f' (ONS code {code})' if code else ''}: the council may be new, or not yet inspected "
                       "under the ILACS framework. Ask officers when Ofsted last inspected or visited the "
                       "council's children's services, and what it found.")
        return out
    when_ = _day(row["inspection_date"]) if not _nan(row["inspection_date"]) else "an undated inspection"
    pub = f" (report published {_day(row['publication_date'])})" if not _nan(row.get("publication_date")) else ""
    if n == 1:
        out["lede"] = (f"Ofsted's latest inspection of the council's children's services (ILACS) was on {when_}"
                       f"{pub}. It judged overall effectiveness {row['overall']}. Ofsted's four grades are, from "
                       f"best: {', '.join(ofsted.GRADES)}; they are counted below, never averaged.")
    else:
        k = keys[0]
        name = ofsted.JUDGEMENT_NAMES[k]
        if row.get(k):
            out["lede"] = (f"At its latest inspection of children's services (ILACS), on {when_}{pub}, Ofsted "
                           f"judged {name[0].lower() + name[1:]}: {row[k]}.")
        elif k == "care_leavers":
            out["lede"] = (f"Ofsted's latest inspection, on {when_}, came before the separate judgement of care "
                           "leavers began (1 January 2023): care leavers were judged with children in care, "
                           f"whose judgement was {row.get('children_in_care') or 'not given'}.")
        else:
            out["lede"] = f"Ofsted's latest inspection, on {when_}, gives no judgement of {name[0].lower() + name[1:]}."
    if not _nan(row["inspection_date"]):
        end = pd.Timestamp(year=p.year, month=3, day=31)
        if ofsted.is_stale(row["inspection_date"], p.year):
            out["notes"].append(f"The inspection was more than {ofsted.STALE_YEARS} years before 31 March {p.year}, "
                                "the end of the reporting year, so it may not describe the service now. Ask officers "
                                "about Ofsted's focused or monitoring visits since.")
        elif pd.Timestamp(row["inspection_date"]) > end:
            out["notes"].append(f"The inspection took place after 31 March {p.year}, the end of the reporting "
                                "year this pack describes.")
    sn, label = _neighbour_codes(ctx)
    n_eng = len(data.latest.frame)
    out["neighbours"] = f"Its {len(sn)} {label}" if sn else ""
    out["england"] = f"England ({n_eng} councils)"
    for k in keys:
        out["rows"].append({"judgement": ofsted.JUDGEMENT_NAMES[k],
                            "grade": row.get(k) or ("not judged (inspected before 2023)" if k == "care_leavers"
                                                    else "no judgement"),
                            "neighbours": _grade_counts(ofsted.distribution(data, sn, k), k) if sn else [],
                            "england": _grade_counts(ofsted.distribution(data, None, k), k)})
    out["source"] = (f"Source: Ofsted, Local authority inspection outcomes{as_at} ({data.path.name}, sheet "
                     f"{data.latest.name}, row {row['row']}); councils matched by ONS area code.")
    return out


def ofsted_history(ctx) -> dict:
    """The council's ILACS inspections since 2018, for the annex: {} when Ofsted's file is not available."""
    from cpanalysis.sources import ofsted

    data = getattr(ctx, "ofsted", None)
    if data is None:
        return {}
    p = ctx.params
    rows = ofsted.history(data, p.council.new_la_code or "")
    as_at = f" as at {data.as_at}" if data.as_at else ""
    out = {"council": p.council.name, "rows": [], "lede": "", "source": "", "judgements": []}
    if data.history is None:
        out["lede"] = f"Ofsted's file{as_at} has no inspection-history sheet."
        return out
    if not rows:
        out["lede"] = (f"Ofsted's inspection history{as_at} lists no short or standard ILACS inspection of "
                       f"{p.council.name} since 2018: the council may be new, or not yet inspected.")
        return out
    for r in rows:
        out["rows"].append({"date": _day(r["inspection_date"]) if not _nan(r["inspection_date"]) else "",
                            "published": _day(r["publication_date"]) if not _nan(r.get("publication_date")) else "",
                            "type": r.get("inspection_type", "") or "",
                            "grades": [r.get(k) or "\u2013" for k in OFSTED_QUESTIONS[1]]})
    out["judgements"] = [OFSTED_SHORT[k] for k in OFSTED_QUESTIONS[1]]
    out["lede"] = (f"Every short and standard ILACS inspection of {p.council.name} since 2018. The care-leavers "
                   "judgement began on 1 January 2023 (\u2013 before then).")
    out["source"] = (f"Source: Ofsted, Local authority inspection outcomes{as_at} ({data.path.name}, sheet "
                     f"{data.history.name}, rows {', '.join(str(r['row']) for r in rows)}).")
    return out


# ------------------------------------------------------------------------------- what is missing, and why
def missing_sources(ctx) -> dict:
    """For the data-quality annex: the measures of the questions built that have no figure because a source is
    missing, grouped by what would give them: each DfE table not found under the published folder (its name and
    its measures), the council's SSDA903 return, and local returns. {} when nothing is missing for those reasons."""
    from cpanalysis import build_report as pack

    rep = pack.build_report(ctx, list(ctx.params.topics))
    tables: dict[str, list[str]] = {}
    for m, w in rep.missing:
        if w.startswith(pack.NEEDS_TABLE_PREFIX):
            tables.setdefault(w[len(pack.NEEDS_TABLE_PREFIX):].split(" ")[0], []).append(m)
    ssda903 = [m for m, w in rep.missing if w == pack.NEEDS["ssda903"]]
    local = [m for m, w in rep.missing if w == pack.NEEDS["local"]]
    if not (tables or ssda903 or local):
        return {}
    return {"tables": [{"table": t, "measures": sorted(set(ms))} for t, ms in tables.items()],
            "ssda903": sorted(set(ssda903)), "local": sorted(set(local)),
            "year": year_label(ctx.params.year)}

"""What the committee reads about its own history, as plain data: the recommendations it made and what has
happened to them ("Actions since the last review", issue 24), and what has changed since the last pack.

Split from :mod:`cpanalysis.briefing` (which words the figures); this module uses its wording of a measure.
"""

from __future__ import annotations

from cpanalysis import evidence, plain
from cpanalysis.briefing import STATUS_WORDS, trend_words, value_text
from cpanalysis.findings import MeasureEvidence
from cpanalysis.narrative import year_label


def date_words(d) -> str:
    """'30 November 2024' ('' for no date)."""
    return "" if d is None else f"{d.day} {d:%B %Y}"


def _today(today=None):
    import datetime as _dt

    return today or _dt.date.today()


def recommendation_overdue(rec, today=None) -> str:
    """'response overdue' (no response and its deadline passed), 'action overdue' (due date passed and not done
    or declined), or ''."""
    today = _today(today)
    if rec.status == "awaiting response" and rec.response_on is None and today > rec.response_deadline:
        return "response overdue"
    if rec.due is not None and today > rec.due and rec.status not in ("done", "not accepted"):
        return "action overdue"
    return ""


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def status_words(rec) -> str:
    """The status as the table says it: 'not accepted: <reason>', 'done', ..."""
    if rec.status == "not accepted":
        return f"not accepted: {rec.reason}"
    return rec.status


def data_now_words(ev: MeasureEvidence | None, iid: str = "") -> str:
    """What the data now says about a linked measure: its title, figure, reading against England, trend and
    target status, from its evidence record ('no figure in this pack' when there is none)."""
    if ev is None:
        from cpanalysis.evidence import _definition

        try:
            title = _definition(iid).title
        except Exception:  # noqa: BLE001 - an id with no definition is named by its words
            title = iid.replace("_", " ")
        return f"{title}: no figure in this pack"
    if not ev.shown:
        return f"{plain.title(ev.title)}: not shown ({'suppressed' if ev.symbol == 'c' else 'not available'})"
    parts = [f"{plain.title(ev.title)}: {value_text(ev)} in {year_label(ev.year)}"]
    reading = ev.comparator_verdict if ev.comparators else ""
    if reading and reading != "not judged":
        parts.append({"better": "better than England", "worse": "worse than England",
                      "similar": "similar to England"}.get(reading, f"{reading} than England"))
    tw = trend_words(ev)
    if tw != "not enough years":
        parts.append(f"trend {tw}")
    if ev.target_status:
        parts.append(f"target {STATUS_WORDS.get(ev.target_status, ev.target_status).lower()}")
    return ", ".join(parts[:1]) + ("; " + "; ".join(parts[1:]) if len(parts) > 1 else "")


def linked_worsened(ev: MeasureEvidence | None) -> bool:
    """A linked measure has gone the wrong way: worsening by the trend rule (a missed target is said in words
    beside it, but a target missed all along is not a worsening)."""
    return ev is not None and ev.shown and trend_words(ev) == "worsening"


def recommendation_row(rec, by_id: dict, today=None, questions: dict | None = None) -> dict:
    """One recommendation as the actions table shows it (words only)."""
    evs = [by_id.get(i) for i in rec.indicators]
    overdue = recommendation_overdue(rec, today)
    worse = any(linked_worsened(e) for e in evs)
    response = (f"{rec.response} ({date_words(rec.response_on)})" if rec.response and rec.response_on
                else rec.response or ("" if rec.response_on is None else f"given {date_words(rec.response_on)}"))
    return {"id": rec.id, "text": rec.text, "source": rec.source, "made_on": date_words(rec.made_on),
            "owner": rec.owner, "due": date_words(rec.due), "response_due": date_words(rec.response_deadline),
            "response": response or f"none yet (due {date_words(rec.response_deadline)})",
            "status": status_words(rec), "status_text": _first_upper(status_words(rec)), "overdue": overdue,
            "overdue_text": _first_upper(overdue), "target": rec.target,
            "data_now": [data_now_words(e, i) for e, i in zip(evs, rec.indicators)],
            "worsened": worse,
            "links": [{"href": f"m-{e.id}", "question": e.question} for e in evs if e is not None],
            "questions": sorted({e.question for e in evs if e is not None})}


def actions(ctx, today=None) -> dict:
    """The 'Actions since the last review' table: every recommendation, overdue first (responses before actions),
    then by the date made."""
    recs = list(ctx.params.recommendations)
    if not recs:
        return {"rows": [], "n_overdue": 0, "as_of": ""}
    by_id = {e.id: e for e in evidence.all_evidence(ctx)}
    rows = [recommendation_row(r, by_id, today) for r in recs]
    order = {"response overdue": 0, "action overdue": 1, "": 2}
    made = {r.id: r.made_on for r in recs}
    rows.sort(key=lambda r: (order[r["overdue"]], made[r["id"]], r["id"]))
    return {"rows": rows, "n_overdue": sum(1 for r in rows if r["overdue"]),
            "n_worsened": sum(1 for r in rows if r["worsened"]), "as_of": date_words(_today(today))}


def question_actions(ctx, n: int, today=None) -> list[dict]:
    """The recommendations linked to a measure of question ``n``, each with what the data now says."""
    return [r for r in actions(ctx, today)["rows"] if n in r["questions"]]


# --------------------------------------------------------------------- what has changed since the last pack
def changes(ctx) -> dict | None:
    """The 'What has changed since <date>' page, or None when the parameters name no previous pack (``since``)."""
    if getattr(ctx.params, "since", None) is None:
        return None
    from cpanalysis import changes as _changes

    return change_page(_changes.compare_with_record(ctx, _changes.previous_record(ctx.params.since, ctx.params)))


CHANGE_CAUSE_NAMES = {"figure": "The council's figure", "revision": "DfE revised the earlier figure",
                      "comparator": "The comparator moved", "definition": "The definition changed"}


def change_page(comp) -> dict:
    """The 'What has changed' page as plain words, from a :class:`cpanalysis.changes.Comparison`."""
    from cpanalysis.narrative import fmt

    def state(m: dict) -> str:
        bits = [fmt(m["value"], m.get("unit") or "") if m.get("value") is not None else "not shown"]
        if m.get("label"):
            bits.append(m["label"])
        elif m.get("reading"):
            bits.append(f"{m['reading']} against England")
        if m.get("target_status"):
            bits.append(f"target {STATUS_WORDS.get(m['target_status'], m['target_status']).lower()}")
        return "; ".join(bits)

    rows = []
    for c in comp.changes:
        causes = [{"name": CHANGE_CAUSE_NAMES[k], "text": v[:1].upper() + v[1:] + "."}
                  for k, v in c.causes.items()]
        if not causes:
            causes = [{"name": "No single cause found",
                       "text": "The figure, England's figure and the neighbour group are as before; the change "
                               "comes from the judgement rule (for example the trend over five years)."}]
        rows.append({"href": f"m-{c.indicator}", "title": c.title, "question": c.question,
                     "kinds": ", ".join(c.kinds), "before": state(c.old), "now": state(c.new), "causes": causes})
    sections = []
    kinds = ("new concern", "resolved concern", "target newly met", "target newly missed", "verdict changed")
    for r, c in zip(rows, comp.changes):  # each change once, under its first kind; the others are said beside it
        first = min(c.kinds, key=kinds.index)
        r["kind"] = first
        r["also"] = ", ".join(k for k in c.kinds if k != first)
    for kind in kinds:
        items = [r for r in rows if r["kind"] == kind]
        sections.append({"kind": kind[:1].upper() + kind[1:] + "s" if not kind.startswith("target")
                         else kind[:1].upper() + kind[1:], "rows": items})
    import datetime as _dt

    try:
        built = date_words(_dt.date.fromisoformat(comp.old_built_on)) if comp.old_built_on else ""
    except ValueError:
        built = comp.old_built_on
    since = f"the {year_label(comp.old_year)} pack" + (f" (built {built})" if built else "")
    coverage = []
    if comp.only_old:
        coverage.append(f"{len(comp.only_old)} measure{'s' if len(comp.only_old) != 1 else ''} of the earlier pack "
                        f"{'are' if len(comp.only_old) != 1 else 'is'} not in this one: "
                        + "; ".join(comp.only_old[:12])
                        + (" and more" if len(comp.only_old) > 12 else ""))
    if comp.only_new:
        coverage.append(f"{len(comp.only_new)} measure{'s' if len(comp.only_new) != 1 else ''} of this pack "
                        f"{'were' if len(comp.only_new) != 1 else 'was'} not in the earlier one: "
                        + "; ".join(comp.only_new[:12])
                        + (" and more" if len(comp.only_new) > 12 else ""))
    return {"since": since, "old_year": year_label(comp.old_year), "new_year": year_label(comp.new_year),
            "n_changes": len(rows), "sections": [s for s in sections if s["rows"]], "coverage": coverage,
            "group": comp.group.get("words", "")}

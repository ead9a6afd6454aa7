"""Ofsted on the pack's first pages and in question 7, as plain data (words, never markup).

- :func:`scorecard_rows`: the scorecard's Ofsted rows. The council's latest ILACS judgements (overall
  effectiveness, children in care, care leavers), each beside the neighbours' and England's counts of councils by
  grade, where the council stands among its neighbours (graded better, the same, worse), and the judgement at
  the inspection before. The rows have the shape of :func:`cpanalysis.briefing.scorecard_row`, so the scorecard
  prints them with its other rows. Judgements are ordinal words: counted, never averaged.
- :func:`homes_note`: question 7 asks how Ofsted rates the residential placements a council uses. No published
  file answers that. Ofsted's ILACS outcomes judge the council's own children's services, and its statistics on
  children's homes count homes by the council area where each home is, not by the council that placed a child.
  The note says so, and sends the question to officers.

The Ofsted file is read by :mod:`cpanalysis.sources.ofsted`. The same section in full (five judgements, the
history since 2018) is built by :func:`cpanalysis.briefing.ofsted_brief` and :func:`~cpanalysis.briefing.ofsted_history`.
"""

from __future__ import annotations

import pandas as pd

from cpanalysis.sources import ofsted

#: the judgements on the scorecard, and the question whose section shows each in full
SCORECARD_JUDGEMENTS = (("overall", 1), ("children_in_care", 1), ("care_leavers", 8))

#: short names for the scorecard's first column
SHORT = {"overall": "overall effectiveness", "leaders": "impact of leaders",
         "help_protection": "children who need help and protection", "children_in_care": "children in care",
         "care_leavers": "care leavers"}

#: said where a care-leavers judgement is blank because the inspection came before it began (1 January 2023)
NOT_YET_JUDGED = "not judged (inspected before 2023)"

#: the Ofsted publication that counts children's homes and their grades by the council area they are in
HOMES_PUBLICATION = ("Ofsted's official statistics \u201cMain findings: children's social care in England\u201d "
                     "(its providers and places data)")


def day(d) -> str:
    """'29 April 2024'."""
    d = pd.Timestamp(d)
    return f"{d.day} {d:%B %Y}"


def _missing(x) -> bool:
    try:
        return x is None or bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def grade_counts(counts: dict[str, int], key: str) -> list[str]:
    """'Outstanding: 2', 'Good: 5', ... in Ofsted's order, then those with no judgement (never averaged)."""
    out = [f"{g}: {counts.get(g, 0)}" for g in ofsted.GRADES]
    if counts.get(""):
        none = NOT_YET_JUDGED if key == "care_leavers" else "no judgement"
        out.append(f"{none}: {counts['']}")
    return out


def neighbour_codes(ctx) -> tuple[list[str], str]:
    """ONS codes of the council's comparator group (DfE's statistical neighbours unless the parameters say
    otherwise), and the group's name; ([], '') when the folder has no neighbour model."""
    from cpanalysis import councils

    try:
        old, label = councils.comparator_codes(ctx.params)
        d = councils.directory(councils.default_folder(ctx.params))
    except Exception:  # noqa: BLE001 - no neighbour model in the folder: no neighbours' column
        return [], ""
    new = dict(zip(d["old_la_code"].astype(str), d["new_la_code"].astype(str)))
    return [new[c] for c in old if new.get(c)], ("statistical neighbours" if label.startswith("DfE") else
                                                 "comparator councils")


def _counts_line(counts: dict[str, int], key: str) -> str:
    """'1 Outstanding, 4 Good, 3 Requires improvement to be good, 2 Inadequate' (and those not judged)."""
    parts = [f"{counts.get(g, 0)} {g}" for g in ofsted.GRADES]
    if counts.get(""):
        parts.append(f"{counts['']} {NOT_YET_JUDGED if key == 'care_leavers' else 'with no judgement'}")
    return ", ".join(parts)


def standing(grade: str, counts: dict[str, int]) -> dict[str, int]:
    """How many councils of a group have a better, the same or a worse grade than ``grade`` (Ofsted's order;
    councils with no judgement are counted apart). Ordinal: grades are compared, never averaged."""
    rank = {g: i for i, g in enumerate(ofsted.GRADES)}
    mine = rank[grade]
    out = {"better": 0, "same": 0, "worse": 0, "none": counts.get("", 0)}
    for g, n in counts.items():
        if g in rank:
            out["better" if rank[g] < mine else "same" if rank[g] == mine else "worse"] += n
    return out


def _standing_words(s: dict[str, int], n: int, label: str) -> str:
    """'Of its 10 statistical neighbours: 8 graded better, 2 the same, 0 worse'."""
    words = f"Of its {n} {label}: {s['better']} graded better, {s['same']} the same, {s['worse']} worse"
    return words + (f"; {s['none']} not judged" if s["none"] else "")


def previous(data: ofsted.OfstedData, code: str, key: str, latest) -> tuple[str, pd.Timestamp | None]:
    """The judgement ``key`` at the council's inspection before its latest (the history sheet), or ('', None)."""
    rows = [r for r in ofsted.history(data, code) if not _missing(r.get("inspection_date"))
            and (_missing(latest) or pd.Timestamp(r["inspection_date"]) < pd.Timestamp(latest))]
    for r in reversed(rows):
        if r.get(key):
            return r[key], pd.Timestamp(r["inspection_date"])
    return "", None


def _change_words(key: str, now: str, before: str, when, earlier: bool) -> str:
    """'Improved from Requires improvement to be good (2 March 2020)', 'Down from Good (...)', 'The same as at
    2 March 2020', or what there is instead: no earlier inspection since 2018, or the first separate judgement."""
    if now not in ofsted.GRADES:
        return ""
    if not before or before not in ofsted.GRADES:
        if key == "care_leavers" and earlier:
            return "The first separate judgement of care leavers (it began in 2023)"
        return "" if earlier else "No earlier ILACS inspection since 2018"
    i, j = ofsted.GRADES.index(now), ofsted.GRADES.index(before)
    if i == j:
        return f"The same as at the inspection of {day(when)}"
    return f"{'Improved' if i < j else 'Down'} from {before} at the inspection of {day(when)}"


def _href(topics, question: int) -> str:
    if question in topics:
        return f"q{question}-ofsted"
    return "q1-ofsted" if 1 in topics else "annex-ofsted"


def _row(title: str, question: int, href: str, value: str, **extra) -> dict:
    """A scorecard row in :func:`cpanalysis.briefing.scorecard_row`'s shape (no reading symbol, trend arrow or
    target: a grade is a word, not a figure)."""
    base = {"href": href, "annex": "annex-ofsted", "title": title, "question": question, "value": value, "of": "",
            "when": "", "trend": "", "trend_symbol": "", "comparators": [], "reading": "", "reading_symbol": "",
            "quarter": "", "label": "", "target": "", "status": "", "status_words": "", "status_symbol": "",
            "kind": "ofsted"}
    base.update(extra)
    return base


def scorecard_rows(ctx) -> list[dict]:
    """The scorecard's Ofsted rows (see the module's docstring); [] when there is no Ofsted file (the demo, or a
    published folder without it: question 1's Ofsted section says so)."""
    p = ctx.params
    topics = list(getattr(p, "topics", None) or [1])
    data = getattr(ctx, "ofsted", None)
    if data is None:  # no Ofsted file: question 1's Ofsted section says so and how to add it; no row here
        return []
    code = str(p.council.new_la_code or "").strip().upper()
    row = ofsted.council_row(data, code)
    as_at = f" as at {data.as_at}" if data.as_at else ""
    england = {k: ofsted.distribution(data, None, k) for k, _ in SCORECARD_JUDGEMENTS}
    n_eng = len(data.latest.frame)
    if row is None or not row.get("overall"):
        return [_row("Ofsted: overall effectiveness", 1, _href(topics, 1), "no judgement",
                     comparators=[{"name": f"England ({n_eng} councils)",
                                   "value": _counts_line(england["overall"], "overall")}],
                     reading=(f"Ofsted's inspection outcomes{as_at} give no ILACS judgement for {p.council.name}: the "
                            "council may be new, or not yet inspected. Ask officers when Ofsted last inspected or "
                            "visited its children's services."))]
    sn, label = neighbour_codes(ctx)
    inspected = row.get("inspection_date")
    when_ = "" if _missing(inspected) else f"inspected {day(inspected)}"
    stale = not _missing(inspected) and ofsted.is_stale(inspected, p.year)
    earlier = [r for r in ofsted.history(data, code) if not _missing(r.get("inspection_date"))
               and not _missing(inspected) and pd.Timestamp(r["inspection_date"]) < pd.Timestamp(inspected)]
    out: list[dict] = []
    for key, q in SCORECARD_JUDGEMENTS:
        grade = row.get(key) or ""
        comps = []
        reading = ""
        if sn:
            near = ofsted.distribution(data, sn, key)
            comps.append({"name": "Neighbours", "value": _counts_line(near, key)})
            if grade in ofsted.GRADES:
                reading = _standing_words(standing(grade, near), len(sn), label)
        comps.append({"name": "England", "value": _counts_line(england[key], key)})
        notes = []
        if stale:
            notes.append(f"inspected more than {ofsted.STALE_YEARS} years before 31 March {p.year}: it may not "
                         "describe the service now")
        if not grade and key == "care_leavers":
            notes.append(f"judged with children in care ({row.get('children_in_care') or 'no judgement'})")
        before, at = previous(data, code, key, inspected)
        if not out:
            notes.insert(0, "Ofsted's grades are words: counted, never averaged")
        out.append(_row(f"Ofsted: {SHORT[key]}", q, _href(topics, q),
                        grade or (NOT_YET_JUDGED if key == "care_leavers" else "no judgement"),
                        when=when_, comparators=comps, reading=reading or "; ".join(notes),
                        trend=_change_words(key, grade, before, at, bool(earlier)),
                        label="; ".join(notes) if reading else ""))
    return out


# ------------------------------------------------------------------------------- question 7
def homes_note(ctx, n: int) -> dict:
    """Question 7's note on Ofsted's ratings of residential care, in :func:`cpanalysis.briefing.ofsted_brief`'s
    shape; {} for the other questions. No published data says how Ofsted rates the homes a council uses; this
    says why and what to ask for (the council's own placement records, or its local return of children's homes,
    ``data/templates/``)."""
    if n != 7:
        return {}
    name = ctx.params.council.name
    has_ofsted = getattr(ctx, "ofsted", None) is not None
    lede = ("No published data says how Ofsted rates the children's homes and other residential placements "
            f"{name} uses. ")
    lede += ("Ofsted's inspection outcomes in this pack judge the council's own children's services (ILACS), not "
             "the homes it buys places in. " if has_ofsted else "")
    lede += (f"{HOMES_PUBLICATION} count children's homes and their grades by the council area where each home "
             f"is located, not by the council that placed the child: a figure for homes located in {name}'s area "
             "would describe homes other councils also use, and would leave out homes elsewhere where its children "
             "live. So the guide's question on the Ofsted ratings of the homes used is for officers (below).")
    return {"n": n, "heading": "Ofsted's ratings of the residential care used", "lede": lede,
            "notes": [], "rows": [], "source": "",
            "more": ("Officers can answer from the council's placement records (each home's Ofsted unique "
                     "reference number and its latest grade), or fill in the local returns "
                     "data/templates/children_homes.csv (children in homes rated good or outstanding) and "
                     "placement_quality.csv (placements in every setting).")}


__all__ = ["SCORECARD_JUDGEMENTS", "grade_counts", "homes_note", "neighbour_codes", "previous", "scorecard_rows",
           "standing"]

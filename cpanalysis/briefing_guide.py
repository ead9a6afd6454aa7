"""The guide's side of each question, as plain data: its heading, which of the LGA guide's questions the data
answers (the status table) and which are for officers (the compact "Ask officers" list), and the line that
says whose pack a page belongs to (council, year, sources). Split from :mod:`cpanalysis.briefing`."""

from __future__ import annotations

import pandas as pd

from cpanalysis import evidence, plain
from cpanalysis.narrative import year_label

#: what the pack is built from, as the cover and each section's first line say it
SOURCE_WORDS = {"ssda903": "the council's SSDA903 return (child-level data)",
                "published": "DfE published statistics only (no child-level data)",
                "both": "the council's SSDA903 return and DfE published statistics"}


def whose(ctx) -> dict:
    """Whose pack this is, for the first line of every section: council, reporting year and sources."""
    p = ctx.params
    return {"council": p.council.name, "year": year_label(p.year), "year_end": f"31 March {p.year}",
            "sources": SOURCE_WORDS[ctx.source_kind], "built": ctx.built_at,
            "demonstration": bool(p.demonstration)}


def sub_question_rows(ctx, n: int) -> list[dict]:
    """The guide's sub-questions with an honest status: answered by the data (every measure it names has a
    figure in this pack), partly answered (some do: the rest is named), or ask officers."""
    from cpanalysis.questions import question

    rows = []
    for s in question(n).sub_questions:
        shown, missing = [], []
        for iid in s.indicators:
            t = evidence._total_rows(ctx, iid) if not ctx.results.empty else pd.DataFrame()
            cur = t[t["year"] == ctx.params.year] if len(t) else t
            ok = len(cur) and pd.notna(cur["value"].iloc[-1]) and not (cur["symbol"].fillna("").iloc[-1]
                                                                       if "symbol" in cur else "")
            (shown if ok else missing).append(iid)
        if shown and not missing:
            status = "Answered by the data"
        elif shown:
            status = "Partly answered"
        else:
            status = "Ask officers"

        def title(i):
            try:
                return evidence._definition(i, ctx).title
            except KeyError:
                return i.replace("_", " ")
        rows.append({"text": s.text, "status": status,
                     "shown": [{"href": _href(ctx, n, i), "title": plain.title(title(i))} for i in shown][:6],
                     "more_shown": max(0, len(shown) - 6),
                     "missing": [plain.title(title(i)) for i in missing],
                     "ask": s.evidence if status != "Answered by the data" else ""})
    return rows


def _href(ctx, n: int, iid: str) -> str:
    """Where a measure named under a sub-question is shown: its place in this question, its annex entry when
    another question of the pack shows it, or nowhere ('') when the pack leaves that question out."""
    if iid in evidence.key_ids(ctx, n):
        return f"m-{iid}"
    return f"def-{iid}" if any(iid in evidence.key_ids(ctx, q) for q in ctx.params.topics) else ""


def question_heading(n: int, ctx=None) -> dict:
    from cpanalysis.config import TOPIC_TITLES
    from cpanalysis.questions import question

    out = {"n": n, "short_title": TOPIC_TITLES[n], "title": question(n).title}
    if ctx is not None:
        out["whose"] = whose(ctx)
    return out

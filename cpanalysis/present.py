"""Presentation for the notebooks: each function renders one part of the pack and displays it.

Notebooks stay thin: they call :func:`open_context` once and then the functions here. The evidence is
assembled by :mod:`cpanalysis.evidence` (sources, validation, indicators, comparators, disclosure control,
findings), turned into plain data by :mod:`cpanalysis.briefing` and rendered by the Jinja2 templates in
``templates/pack/`` (:mod:`cpanalysis.render`). Everything a committee sees has passed disclosure
control; raw results and cohort audits are only reachable through ``ctx.raw_results`` and
``ctx.audit()``, for analysts working in JupyterLab.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pandas as pd

from cpanalysis import briefing, briefing_annex, briefing_guide, briefing_history, plain, render, sink
from cpanalysis.config import TOPICS

# The notebooks' and the builder's entry points, re-exported:
from cpanalysis.evidence import PackContext, key_ids, open_context, prepare  # noqa: F401
from cpanalysis.narrative import year_label

#: a collector of rendered HTML set by a caller of this module (tests); the runner uses :mod:`cpanalysis.sink`
SINK: list[str] | None = None


def _display_html(markup: str) -> None:
    if SINK is not None:
        SINK.append(markup)
        return
    sink.show(markup)


# ------------------------------------------------------------------------------------ front pages
def cover(ctx: PackContext) -> str:
    """The cover: whose pack it is (council, year, sources, when built) and how it is laid out."""
    return render.render("cover.html.j2", whose=briefing_guide.whose(ctx))


def summary(ctx: PackContext) -> None:
    """The first pages: cover, key messages, scorecard and lines of enquiry."""
    _display_html(plain.expand_first(
        cover(ctx) + render.render("front.html.j2", rules=briefing.rule_text(), **briefing.front(ctx),
                                   actions=briefing_history.actions(ctx), changes=briefing_history.changes(ctx))))


# ------------------------------------------------------------------------------------ one question
def topic(ctx: PackContext, n: int) -> None:
    """One question's briefing: what the data says, at a glance, the charts that matter, lines of enquiry
    and the guide's sub-questions. Written evidence follows (:func:`written_evidence`)."""
    _display_html(plain.expand_first(render.render("question.html.j2", **briefing.question_brief(ctx, n),
                                                   actions=briefing_history.question_actions(ctx, n))))


def written_evidence(ctx: PackContext, n: int) -> None:
    """Officers' written answers and children's views for this question: Markdown rendered as data (no raw
    HTML, scripts, remote images or unsafe links; see cpanalysis.safe_html), read as UTF-8 or Windows-1252."""
    from markupsafe import Markup

    from cpanalysis.safe_html import markdown_to_html
    from cpanalysis.sources.local import WINDOWS_1252, read_evidence

    text, note = read_evidence(ctx.params.inputs.evidence, n)
    body = Markup(markdown_to_html(text)) if text and text.strip() else ""  # sanitised by safe_html
    _display_html(render.render("evidence.html.j2", n=n, body=body, note=note if WINDOWS_1252 in note else ""))


def record(ctx: PackContext, n: int, out_dir: str | Path | None) -> None:
    """Key figures of one topic as a JSON sidecar (disclosure-controlled), for the summary and tests."""
    if not out_dir:
        return
    r = ctx.results[(ctx.results["question"] == n) & (ctx.results["year"] == ctx.params.year)]
    cols = [c for c in ("indicator_id", "breakdown", "value", "numerator", "denominator", "ci_low", "ci_high",
                        "unit", "symbol", "status") if c in r.columns]
    data = {"question": n, "council": ctx.params.council.name, "year": ctx.params.year,
            "demonstration": ctx.params.demonstration,
            "figures": json.loads(sidecar_status(r[cols]).to_json(orient="records"))}
    path = Path(out_dir) / f"{n:02d}_{TOPICS[n]}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")


def sidecar_status(r: pd.DataFrame) -> pd.DataFrame:
    """A sidecar's status says what its reader sees: "suppressed" for a figure disclosure control (or DfE) hid as
    ``c``, "not available" for another symbol of DfE's, never "ok" beside a hidden figure."""
    if "symbol" not in r.columns or "status" not in r.columns:
        return r
    sym = r["symbol"].fillna("").astype(str)
    if not (sym != "").any():
        return r
    r = r.copy()
    r["status"] = r["status"].astype(object)
    r.loc[sym == "c", "status"] = "suppressed"
    r.loc[(sym != "") & (sym != "c"), "status"] = "not available"
    return r


# ------------------------------------------------------------------------------- summary and annexes

# ------------------------------------------------------------------------------- annexes
def html_table(df: pd.DataFrame, caption: str, numeric: list[str] | None = None) -> str:
    """An accessible table (templates/pack/table.html.j2): caption, scoped header cells, right-aligned numbers.
    Cells are pre-escaped HTML; column names and the caption are escaped by the template."""
    from markupsafe import Markup

    rows = [["" if pd.isna(v) else Markup(str(v)) for v in r] for r in df.itertuples(index=False)]
    return render.render("table.html.j2", caption=caption, columns=[str(c) for c in df.columns], rows=rows,
                         numeric=set(numeric or []))


def _band(n, k: int = 5) -> str:
    """Row counts in the data-quality annex: exact above the disclosure threshold, banded below."""
    n = int(n)
    return "0" if n == 0 else (f"fewer than {k + 1}" if n <= k else f"{n:,}")


def _band_row(counts: list, k: int = 5, force: bool = False) -> list[str]:
    """One line of counts that add up (rows read = used + quarantined; repeats are part of used). When any
    of them is 1 to ``k`` it is banded and every other non-zero count of the line is rounded to the nearest
    10 ("about 1,230"), so the banded count cannot be had back by subtraction (read minus used)."""
    vals = [0 if c is None or pd.isna(c) else int(c) for c in counts]
    if not force and not any(1 <= v <= k for v in vals):
        return [_band(v, k) for v in vals]
    return [_band(v, k) if v <= k else f"about {int(round(v, -1)):,}" for v in vals]


_SMALL_IN_NOTE = re.compile(r"\b([1-5])(\s+(?:rows?|dates?|episodes?|records?|child(?:ren)?|repeats?|duplicates?|"
                            r"overlaps?|values?|files?)\b)")


def _note_text(note: str, k: int = 5) -> str:
    """A data note with any count of 1 to 5 things banded, like the tables ('a DoLo table with fewer than
    6 rows')."""
    return _SMALL_IN_NOTE.sub(lambda m: f"fewer than {k + 1}{m.group(2)}" if int(m.group(1)) <= k else m.group(0),
                              note)


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

    # Counts of one table add up to its rows quarantined: a small one is banded and the table's others rounded.
    rows = g["rows"].astype(str)
    for _, idx in g.groupby(g["table"].astype(str) if "table" in g else pd.Series("", index=g.index)).groups.items():
        rows.loc[idx] = _band_row(list(g.loc[idx, "rows"]))
    return pd.DataFrame({"Rule": g["rule_id"].astype(str).map(html.escape),
                         "Table": g["table"].astype(str).map(html.escape) if "table" in g else "",
                         "Severity": g["severity"].astype(str).map(html.escape),
                         "What is wrong and what to do": g["rule_id"].map(message).map(html.escape),
                         "Rows": rows})


def annex_quality(ctx: PackContext) -> None:
    """Annex A: every row read is accounted for (used or quarantined, and why). Words and layout are in
    templates/pack/annex_quality.html.j2; the tables are :func:`html_table`'s."""
    from markupsafe import Markup

    frames = [f for f in (getattr(ctx.data, "reconciliation", None),
                          getattr(ctx.local, "reconciliation", None)) if f is not None and not f.empty]
    rec = pd.concat(frames, ignore_index=True) if frames else None
    frames = [f for f in (getattr(ctx.data, "quarantine", None),
                          getattr(ctx.local, "quarantine", None)) if f is not None and not f.empty]
    q = pd.concat(frames, ignore_index=True) if frames else None
    rows_table, superseded = "", False
    if rec is not None:
        cols = ["rows_read", "rows_used", "rows_quarantined"] + (["rows_superseded"] if "rows_superseded" in
                                                                   rec.columns else [])
        small_rules = set()
        if q is not None and "table" in q.columns:
            per = q.groupby(["table", "rule_id"]).size()
            small_rules = {t for (t, _), n in per.items() if 1 <= n <= 5}
        from cpanalysis.identities import ANNEX_COHORTS  # their rows count a published cohort: always rounded

        banded = [_band_row(list(r), force=str(tb) in small_rules or str(tb) in ANNEX_COHORTS)
                  for tb, r in zip(rec["table"], rec[cols].itertuples(index=False))]
        t = pd.DataFrame({"Table": rec["table"].astype(str).map(html.escape).to_numpy(),
                          "Year": rec["year"].map(lambda y: year_label(y) if pd.notna(y) else "").to_numpy(),
                          "Rows read": [b[0] for b in banded], "Rows used": [b[1] for b in banded],
                          "Rows quarantined": [b[2] for b in banded]})
        numeric = ["Rows read", "Rows used", "Rows quarantined"]
        if "rows_superseded" in rec.columns:
            t["Of which repeated in a later return"] = [b[3] for b in banded]
            numeric.append("Of which repeated in a later return")
            superseded = True
        rows_table = Markup(html_table(t, "Rows read, used and quarantined", numeric=numeric))
    warn_table = ""
    issues = getattr(ctx.data, "issues", None)
    if issues is not None and not issues.empty:
        warn = issues[issues["severity"] == "warning"]
        if not warn.empty:
            warn_table = Markup(html_table(_rule_counts(warn), "Warnings (rows kept), by rule", numeric=["Rows"]))
    missing = briefing.missing_sources(ctx)
    _display_html(render.render(
        "annex_quality.html.j2", whose=briefing_guide.whose(ctx), child_level=ctx.data is not None,
        local=ctx.local is not None, rows_table=rows_table, superseded=superseded,
        quarantine_table=Markup(html_table(_rule_counts(q), "Rows set aside (quarantined), by rule",
                                           numeric=["Rows"])) if q is not None else "",
        no_quarantine=q is None and rec is not None, warn_table=warn_table,
        notes=[_note_text(str(n)) for n in getattr(ctx.data, "notes", []) or []] + published_notes(ctx),
        missing=missing))


def published_notes(ctx: PackContext) -> list[str]:
    """What was said about DfE's published files when they were read (a table in two releases, a damaged or
    skipped file), with paths under the published folder, as the pack's data-quality annex shows it. The same
    on a run served from the cache as on the run that read the files."""
    pub = getattr(ctx, "published", None)
    warnings = getattr(pub, "warnings", None) or []
    folder = str(getattr(pub, "folder", "") or "")
    out = []
    for w in warnings:
        text = str(w).replace(folder.rstrip("/") + "/", "") if folder else str(w)
        out.append("Published files: " + text[:1].lower() + text[1:])
    return out



def annex_methods(ctx: PackContext) -> None:
    """The technical annex: every measure defined once, with its figures for every year, and the rules."""
    p = ctx.params
    _display_html(render.render("annex.html.j2", rules=briefing.rule_text(), methods=briefing.how_we_judge(), entries=briefing_annex.annex_entries(ctx), glossary=plain.glossary(),
                                ofsted_history=briefing.ofsted_history(ctx),
                                suppress=p.disclosure.suppress_counts_up_to, min_den=p.disclosure.min_denominator))


def question_header(ctx: PackContext, n: int) -> None:
    """The question's heading and the guide's own wording of it."""
    _display_html(render.render("question_header.html.j2", **briefing_guide.question_heading(n, ctx)))

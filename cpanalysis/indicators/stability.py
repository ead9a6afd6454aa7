"""LGA question 4: how stable are children's placements, and do children go missing?

Placement counting follows ``reference/ssda903-indicators-peers.md`` §2.3 via
:func:`cpanalysis.episodes.placement_episodes`; cohorts follow §2.1 and §2.2.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpanalysis import episodes as E
from cpanalysis.indicators.profile import SHORT_BREAK_CAVEAT, cla31, year_children
from cpanalysis.indicators.registry import HISTORY_UNKNOWN, Context, Definition, indicator
from cpanalysis.model import collection_end, collection_start

#: One plain-English sentence per indicator, for councillors (``Definition.plain``).
PLAIN = {
    "away_children": ("The share of children in care during the year who were away from where they "
                      "live without permission at least once."),
    "away_incidents": ("The number of times children in care were away from where they live without "
                       "permission during the year."),
    "missing_children": "The share of children in care during the year who went missing at least once.",
    "missing_incidents": "The number of times children in care went missing during the year.",
    "placement_moves_by_reason": ("The number of times children in care moved home during the year, "
                                  "counted by the reason for the move."),
    "stability_3plus_placements": ("The share of children in care on 31 March who had moved home three"
                                   " or more times in the year."),
    "stability_3plus_placements_2yr": ("The share of children in care for the last two years who had "
                                       "moved home three or more times in those two years."),
    "stability_long_term": ("The share of children under 16 in care for two and a half years or more "
                            "who had lived with the same carer for at least two years."),
    "sw_changes_3plus": ("The share of children in care on 31 March who had three or more different "
                         "social workers during the year."),
}

SUB_Q = "q4.stability"  # keys of cpanalysis/questions.yaml
COUNTING_RULES = ("Placements are counted as follows (our reading of LAIT 372 and the validator's episode "
                  "rules): the placement open at the start of the period (or the first one after it) plus each "
                  "later episode with RNE S, P or B; RNE L (legal status only) and T/U (same carer, including a "
                  "foster carer going on to adopt) are not moves; temporary placements (T0-T4) and the return "
                  "from them are not counted; V3/V4 short-break episodes are ignored; an episode that starts and "
                  "ends on the same day is not a placement of 24 hours or more.")
COUNTING_DEVIATION = "DfE's code is not public: the counting rules are our reading of the published methodology."

REASON_PLACE_CHANGE_LABELS = {
    "CARPL": "change to or implementation of the care plan",
    "CLOSE": "resignation or closure of the provision",
    "ALLEG": "allegation (section 47 enquiry)",
    "STAND": "standards of care concern",
    "APPRR": "approval removed",
    "CREQB": "carer requests placement end due to child's behaviour",
    "CREQO": "carer requests placement end, other than due to behaviour",
    "CHILD": "child requests placement end",
    "LAREQ": "responsible authority requests placement end",
    "PLACE": "change in the status of the placement only",
    "CUSTOD": "custody arrangement",
    "OTHER": "other",
    "LIIAF": "set by the LIIA episodes fix (not a DfE code)",
}


def _placement_reason(pc: pd.DataFrame, children: pd.Series, period: str) -> tuple[pd.Series, pd.Series]:
    """(count, words) per child from a :func:`E.placement_count` frame."""
    pc = pc.set_index("CHILD")
    n = E.lookup(children, pc["placements"].astype("float64")).fillna(0).astype(int)
    starts = E.lookup(children, pc["placement_starts"]).fillna("")
    words = (n.astype("string") + np.where(n == 1, " placement ", " placements ") + period
             + np.where(n > 0, " (starting " + starts + ")", ""))
    return n, words


def three_plus_audit(ctx: Context, kids: pd.DataFrame, in_cohort: pd.Series, start, end, period: str,
                     base_reason: pd.Series) -> pd.DataFrame:
    """Audit: numerator = 3 or more placements between ``start`` and ``end`` (inclusive)."""
    pc = E.placement_count(ctx.data, start, end)
    c = np.asarray(in_cohort, dtype=bool)
    n = pd.Series(0, index=kids.index, dtype=int)
    reason = base_reason.astype("string").copy()
    if c.any():  # placement words only for the children in the cohort
        n_c, words = _placement_reason(pc, kids.loc[c, "CHILD"], period)
        n[c] = n_c
        reason[c] = reason[c] + "; " + words
    return E.audit_frame(kids["CHILD"], in_cohort, n >= 3, reason)


@indicator(Definition(
    id="stability_3plus_placements", plain=PLAIN["stability_3plus_placements"],
    title="Children with 3 or more placements in the year", question=4,
    sub_question=SUB_Q, cohort="Children looked after at 31 March, excluding short breaks (V3/V4)",
    numerator="Children in the cohort with 3 or more placements between 1 April and 31 March",
    denominator="Children in the cohort", unit="percent", polarity="lower_is_better", source="SSDA903 Episodes",
    methodology="LAIT 372: 'all placements of 24 hours or more', including placements open on 1 April and still "
                "open on 31 March; a child placed for adoption with their existing foster carers is not counted "
                "as moving. " + COUNTING_RULES,
    deviation=COUNTING_DEVIATION, caveats=(SHORT_BREAK_CAVEAT,), published_measure="stability_3plus_placements"))
def stability_3plus_placements(ctx: Context) -> pd.DataFrame:
    k = year_children(ctx)
    return three_plus_audit(ctx, k, k["cla31"], collection_start(ctx.year), collection_end(ctx.year),
                            "in the year", k["status"])


@indicator(Definition(
    id="stability_3plus_placements_2yr", plain=PLAIN["stability_3plus_placements_2yr"],
    title="Children with 3 or more placements in the previous 2 years",
    question=4, sub_question=SUB_Q,
    cohort="Children looked after at 31 March who had been looked after continuously for the previous 2 years "
           "('CLA 2 years on 31 March'), excluding short breaks (V3/V4)",
    numerator="Children in the cohort with 3 or more placements in the 2 years from 1 April two years earlier to "
              "31 March", denominator="Children in the cohort", unit="percent", polarity="lower_is_better",
    source="SSDA903 Episodes (this year's and last year's returns)",
    methodology="DfE stability measures (from 2024): cohort 'CLA 2 years on 31 March'. Continuity uses the "
                "validator's rule (DfE validation rules 2021-22, v1.2) over the 2-year window: looked after on the first day and at "
                "31 March, no new period of care starting and no period ending within it, no short breaks. "
                + COUNTING_RULES,
    deviation=COUNTING_DEVIATION + " The 2-year continuity rule is our extension of the 12-month rule.",
    caveats=(SHORT_BREAK_CAVEAT, "Where only this year's return is available, children whose time in care "
             "before it cannot be seen in the return are left out, and the figure says how many."),
    history_years=1, published_measure="stability_3plus_placements_2yr"), per_child_history=True)
def stability_3plus_placements_2yr(ctx: Context) -> pd.DataFrame:
    start, end = collection_start(ctx.year - 1), collection_end(ctx.year)
    coh = E.continuous_cohort(ctx.data, start, end)
    in_cohort, reason = _leave_out_unknown(ctx, coh, coh["in_cohort"], coh["reason"], start, end)
    audit = three_plus_audit(ctx, coh, in_cohort, start, end, "in the 2 years", reason)
    unknown = reason.str.startswith(HISTORY_UNKNOWN).fillna(False).to_numpy(dtype=bool)
    if unknown.any():
        # placements seen in the returns are a lower bound: 3 or more seen is 3 or more; fewer is not known
        seen = E.lookup(coh["CHILD"], E.placement_count(ctx.data, start, end).set_index("CHILD")["placements"]
                        .astype("float64")).fillna(0).to_numpy()
        audit["numerator_if_in_cohort"] = np.where(unknown, np.where(seen >= 3, 1.0, np.nan), np.nan)
    return audit


def history_unknown(ctx: Context, children: pd.Series, start) -> pd.Series:
    """True for each child whose care history back to ``start`` the returns supplied cannot establish.

    A return lists every episode open at any time in its year, so from the first day of the earliest return
    supplied everything is known. Before that, a child's history is known when their earliest episode in the
    returns started on or before ``start`` (it covers that day), or began a period of care (RNE S: nothing
    earlier belongs to the same period). Otherwise (the earliest episode starts after ``start`` with another
    RNE, so an earlier episode of the same period is in a return not supplied) it is not known."""
    start = pd.Timestamp(start)
    first_day = collection_start(min(ctx.data.years))
    if start >= first_day:
        return pd.Series(False, index=children.index)
    full = E.history(ctx.data, exclude_short_breaks=False)
    earliest = full.drop_duplicates("CHILD", keep="first").set_index("CHILD")  # sorted by CHILD, DECOM
    decom = E.lookup(children, earliest["DECOM"])
    rne = E.lookup(children, earliest["RNE"]).astype("string").str.upper()
    known = (decom <= start).fillna(False).astype(bool) | rne.eq("S").fillna(False).astype(bool)
    return ~known


def _leave_out_unknown(ctx: Context, coh: pd.DataFrame, in_cohort, reason, start, end,
                       eligible=None) -> tuple[pd.Series, pd.Series]:
    """Children whose history the returns cannot establish: out of the cohort, with the reason the registry
    counts. They are the children counted in the cohort, or left out only because no episode in the returns
    shows them in care on ``start``, whose earliest episode continues a period of care from a return not
    supplied, unless the returns show a break within the window (a new period of care, or care ending), and
    who meet the indicator's other conditions (``eligible``, e.g. under 16)."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    idx = coh.index
    in_cohort = pd.Series(np.asarray(in_cohort, dtype=bool), index=idx)
    reason = pd.Series(np.asarray(reason, dtype=object), index=idx, dtype="string")
    not_on_start = reason.eq(f"excluded: not looked after on {E.fmt(start)}").fillna(False).astype(bool)
    candidate = in_cohort | not_on_start
    if eligible is not None:
        candidate &= pd.Series(np.asarray(eligible, dtype=bool), index=idx)
    if not candidate.any():
        return in_cohort, reason
    unknown = candidate & history_unknown(ctx, coh["CHILD"], start)
    if unknown.any():
        full = E.history(ctx.data, exclude_short_breaks=False)
        new = full[full["RNE"].astype("string").str.upper().eq("S").fillna(False).astype(bool)
                   & (full["DECOM"] > start) & (full["DECOM"] <= end)]
        rec = full["REC"].astype("string").str.upper()
        ended = full[rec.notna() & ~rec.eq("X1").fillna(False).astype(bool)
                     & (full["DEC"] >= start) & (full["DEC"] < end)]
        breaks = set(new["CHILD"].dropna()) | set(ended["CHILD"].dropna())
        unknown &= ~E.is_in(coh["CHILD"], breaks).to_numpy(dtype=bool)
    if not unknown.any():
        return in_cohort, reason
    reason = reason.copy()
    reason[unknown] = (f"{HISTORY_UNKNOWN}: the earliest episode in the returns starts after {E.fmt(start)} and "
                       "continues a period of care that began in an earlier return")
    return in_cohort & ~unknown, reason


def current_placements(ctx: Context, end) -> pd.DataFrame:
    """For each child with a counted placement by ``end``: ``CHILD, current_start, current_place,
    previous_start`` (the start of the placement before the current one, NaT if none)."""
    pe = E.placement_episodes(E.history(ctx.data), pd.Timestamp("1900-01-01"), end)
    counted = pe[pe["counts"]]
    cur = counted.drop_duplicates("CHILD", keep="last").set_index("CHILD")
    prev = counted[counted.duplicated("CHILD", keep="last")].drop_duplicates("CHILD", keep="last").set_index("CHILD")
    # the place the child is in now (the last episode, which may be a same-carer change such as foster -> adoption)
    last = pe[pe["END"] > pd.Timestamp(end)].drop_duplicates("CHILD", keep="last").set_index("CHILD")
    out = pd.DataFrame({"current_start": cur["DECOM"]})
    out["previous_start"] = prev["DECOM"].reindex(out.index)
    out["current_place"] = last["PLACE"].reindex(out.index)
    return out.rename_axis("CHILD").reset_index()


ADOPTION_PLACE = frozenset({"A3", "A4", "A5", "A6"})


@indicator(Definition(
    id="stability_long_term", plain=PLAIN["stability_long_term"],
    title="Children under 16 in care for 2.5 years or more who lived in the same placement for 2 years",
    question=4, sub_question=SUB_Q,
    cohort="Children aged under 16 at 31 March who had been looked after continuously for at least 2.5 years, "
           "excluding short breaks (V3/V4)",
    numerator="Children in the cohort in the same placement for at least 2 years at 31 March, or placed for "
              "adoption where the adoptive placement and the placement before it together lasted at least 2 years",
    denominator="Children in the cohort", unit="percent", polarity="higher_is_better",
    source="SSDA903 Episodes and Header (three returns)",
    methodology="LAIT 393. Continuity as the validator's rule (DfE validation rules 2021-22, v1.2) from 31 March minus 30 months; "
                "age in completed years at 31 March. The current placement starts at the last counted placement "
                "start (a same-carer change T/U, such as a foster carer adopting, keeps the "
                "placement); it must have started on or before 31 March two years earlier. For a child placed for "
                "adoption (A3-A6) with new carers, the start of the placement before the adoptive one is used.",
    deviation=COUNTING_DEVIATION + " DfE now words the numerator 'with the same carer'; we compare placements.",
    caveats=(SHORT_BREAK_CAVEAT, "Where the two previous years' returns are not available, children whose time in "
             "care before this year's return cannot be seen in it are left out, and the figure says how many."),
    history_years=2, published_measure="stability_long_term"), per_child_history=True)
def stability_long_term(ctx: Context) -> pd.DataFrame:
    end = collection_end(ctx.year)
    start = end - pd.DateOffset(months=30)
    two = end - pd.DateOffset(years=2)
    coh = E.continuous_cohort(ctx.data, start, end, label=f"from {E.fmt(start)} to {E.fmt(end)}")
    head = ctx.data.header.drop_duplicates("CHILD", keep="last").set_index("CHILD")
    age = E.age_at(E.lookup(coh["CHILD"], head["DOB"]), end)
    under16 = (age < 16).fillna(False).astype(bool)
    in_cohort = coh["in_cohort"] & under16
    cp = current_placements(ctx, end).set_index("CHILD")
    cur = E.lookup(coh["CHILD"], cp["current_start"])
    prev = E.lookup(coh["CHILD"], cp["previous_start"])
    place = E.lookup(coh["CHILD"], cp["current_place"])
    same = (cur <= two).fillna(False).astype(bool)
    adopt = E.is_in(place, ADOPTION_PLACE) & (prev <= two).fillna(False).astype(bool)
    num = same | adopt
    age_txt = "aged " + age.astype("string").fillna("not known") + " at " + E.fmt(end)
    detail = np.select(
        [same.to_numpy(), adopt.to_numpy()],
        [("same placement since " + E.fmt_series(cur) + " (2 years or more)").to_numpy(dtype=object),
         ("placed for adoption (" + place.fillna("") + ") on " + E.fmt_series(cur) + " after a placement from "
          + E.fmt_series(prev) + ": together 2 years or more").to_numpy(dtype=object)],
        default=("current placement since " + E.fmt_series(cur) + " (less than 2 years)").to_numpy(dtype=object))
    reason = np.where(~coh["in_cohort"], coh["reason"].to_numpy(dtype=object),
                      np.where(~under16, ("excluded: " + age_txt + " (16 or over, or no date of birth)")
                               .to_numpy(dtype=object),
                               (coh["reason"] + "; " + age_txt + "; " + pd.Series(detail, dtype="string"))
                               .to_numpy(dtype=object)))
    # with fewer returns than the window needs, a child whose history they cannot show is left out and counted
    in_cohort, reason = _leave_out_unknown(ctx, coh, in_cohort, reason, start, end, eligible=under16)
    audit = E.audit_frame(coh["CHILD"], in_cohort, num & in_cohort, reason)
    unknown = reason.str.startswith(HISTORY_UNKNOWN).fillna(False).to_numpy(dtype=bool)
    if unknown.any():
        # were a left-out child in the cohort: in the numerator when its placement is seen to have begun 2 years
        # ago or more; not when a new placement (RNE S, P or B) is seen to begin later; otherwise not known
        full = E.history(ctx.data)
        first = full.drop_duplicates("CHILD", keep="first").set_index("CHILD")
        first_decom = E.lookup(coh["CHILD"], first["DECOM"])
        first_rne = E.lookup(coh["CHILD"], first["RNE"]).astype("string").str.upper()
        continues = (cur == first_decom).fillna(False).astype(bool) & ~E.is_in(first_rne, {"S", "P", "B"})
        would = np.where(num.to_numpy(dtype=bool), 1.0, np.where(continues.to_numpy(dtype=bool), np.nan, 0.0))
        audit["numerator_if_in_cohort"] = np.where(unknown, would, np.nan)
    return audit


# --------------------------------------------------------------------------- moves by reason
@indicator(Definition(
    id="placement_moves_by_reason", plain=PLAIN["placement_moves_by_reason"], counted="moves of home",
    title="Placement moves in the year by reason", question=4, sub_question="q4.placement_changes",
    cohort="Placement moves between 1 April and 31 March of children looked after (excluding short breaks)",
    numerator="Placement moves: episodes starting in the year with RNE P or B that count as a new placement",
    denominator="none (a count of moves, one audit row per move)", unit="count", polarity="neutral",
    source="SSDA903 Episodes (REASON_PLACE_CHANGE)",
    methodology="Each move is broken down by REASON_PLACE_CHANGE on the episode that ended at the move (validator "
                "rule 225 requires it there). " + COUNTING_RULES + " A new period of care (RNE S) is not a move.",
    deviation=COUNTING_DEVIATION + " EES counts 'placements changing in the year' from the new-placements table; "
              "our count is of moves recorded on episodes.",
    caveats=("Reasons are recorded by social workers, and 'other' is given for a quarter of moves nationally.",),
    published_measure=None))
def placement_moves_by_reason(ctx: Context) -> pd.DataFrame:
    start, end = collection_start(ctx.year), collection_end(ctx.year)
    h = E.history(ctx.data)
    h = h.assign(PREV_REASON=h.groupby("CHILD", sort=False)["REASON_PLACE_CHANGE"].shift(1))
    pe = E.placement_episodes(h, start, end)
    moves = pe[pe["counts"] & ~pe["temporary"] & E.is_in(pe["RNE"], {"P", "B"}) & (pe["DECOM"] >= start)]
    code = moves["PREV_REASON"].astype("string")
    label = code.map(REASON_PLACE_CHANGE_LABELS).astype("string")
    bd = (code + ": " + label).where(label.notna(), code.fillna("not recorded") + ": code not recognised")
    bd = bd.where(code.notna(), "Not recorded")
    reason = ("moved placement on " + E.fmt_series(moves["DECOM"]) + " (RNE " + moves["RNE"].fillna("") + ", to "
              + moves["PLACE"].fillna("?") + "); reason " + code.fillna("not recorded"))
    n = len(moves)
    return E.audit_frame(moves["CHILD"], np.ones(n, dtype=bool), np.ones(n, dtype=bool), reason, breakdown=bd)


# --------------------------------------------------------------------------- missing and away
def _missing_episodes(ctx: Context, kind: str) -> pd.DataFrame:
    start, end = collection_start(ctx.year), collection_end(ctx.year)
    m = ctx.data.tables["missing"]
    m = m[E.eq(m["MISSING"].str.upper(), kind) & m["MIS_START"].notna()]
    m = m.sort_values(["CHILD", "MIS_START", "YEAR"], kind="mergesort")
    m = m.drop_duplicates(["CHILD", "MIS_START"], keep="last")
    overlap = (m["MIS_START"] <= end) & (m["MIS_END"].isna() | (m["MIS_END"] >= start))
    return m[overlap.fillna(False).astype(bool)].reset_index(drop=True)


KIND_WORDS = {"M": "missing", "A": "away without authorisation"}


def _children_audit(ctx: Context, kind: str) -> pd.DataFrame:
    k = year_children(ctx)
    m = _missing_episodes(ctx, kind)
    g = m.groupby("CHILD")
    n = E.lookup(k["CHILD"], g.size().astype("float64")).fillna(0).astype(int)
    first = E.lookup(k["CHILD"], g["MIS_START"].min())
    word = KIND_WORDS[kind]
    cohort = ~k["short_breaks_only"]
    # Text is built only for the rows it applies to (string work on every child of a national year adds up).
    has = (n > 0).to_numpy()
    detail = pd.Series(f"not {word} in the year", index=k.index, dtype="string")
    if has.any():
        detail[has] = (n[has].astype("string") + f" {word} episode(s) in the year, first starting "
                       + E.fmt_series(first[has]))
    c = cohort.to_numpy(dtype=bool)
    base = k.loc[c, "status"].astype("string")
    base = base.mask(base.str.startswith("not looked after at").fillna(False).astype(bool),
                     "looked after during the year")
    reason = k["status"].astype("string").copy()
    reason[c] = base + "; " + detail[c]
    return E.audit_frame(k["CHILD"], cohort, n > 0, reason)


def _incidents_audit(ctx: Context, kind: str) -> pd.DataFrame:
    k = year_children(ctx)
    eligible = k.loc[~k["short_breaks_only"], "CHILD"].unique()
    m = _missing_episodes(ctx, kind)
    ok = E.is_in(m["CHILD"], eligible).to_numpy()
    word = KIND_WORDS[kind]
    txt = (f"{word} from " + E.fmt_series(m["MIS_START"]) + " to "
           + E.fmt_series(m["MIS_END"]).replace("", "not recorded"))
    reason = np.where(ok, txt.to_numpy(dtype=object),
                      ("excluded: not looked after during the year (or short breaks only); " + txt)
                      .to_numpy(dtype=object))
    return E.audit_frame(m["CHILD"], ok, ok, reason)


MISSING_CAVEATS = (
    "Missing and away recording is not comparable between councils: some record every incident as 'missing', "
    "over-counting missing by up to 13% and under-counting away by up to 32%.",
    SHORT_BREAK_CAVEAT)
MISSING_METHOD = ("Missing table rows with MISSING = '{k}' whose period overlaps the year (MIS_START on or before "
                  "31 March and MIS_END blank or on or after 1 April), so periods carried over from 1 April count "
                  "(LAIT 161). Rows repeated in successive returns are counted once (same child and start date).")


def _children_def(id_: str, title: str, k: str, episode: str) -> Definition:
    """Children with at least one missing (k = "M") or away ("A") episode in the year, as a percent."""
    return Definition(
        id=id_, plain=PLAIN[id_], title=title, question=4, sub_question="q4.missing",
        cohort="Children looked after at any time during the year, excluding short breaks (V3/V4)",
        numerator=f"Children with at least one {episode} (MISSING = {k}) in the year",
        denominator="Children in the cohort", unit="percent", polarity="lower_is_better",
        source="SSDA903 Missing and Episodes", methodology=MISSING_METHOD.format(k=k), caveats=MISSING_CAVEATS,
        published_measure=None)


def _incidents_def(id_: str, title: str, k: str, kind: str) -> Definition:
    """Missing (k = "M") or away ("A") episodes overlapping the year, as a count of incidents."""
    return Definition(
        id=id_, plain=PLAIN[id_], counted="missing incidents" if k == "M" else "incidents of being away without permission",
        title=title, question=4, sub_question="q4.missing",
        cohort=f"{kind} episodes of children looked after during the year (excluding short breaks)",
        numerator=f"{kind} episodes (MISSING = {k}) overlapping the year", denominator="none (a count of incidents)",
        unit="count", polarity="lower_is_better", source="SSDA903 Missing and Episodes",
        methodology=MISSING_METHOD.format(k=k) + " One audit row per incident.", caveats=MISSING_CAVEATS,
        published_measure=None)


@indicator(_children_def("missing_children", "Children who went missing during the year", "M", "missing episode"))
def missing_children(ctx: Context) -> pd.DataFrame:
    return _children_audit(ctx, "M")


@indicator(_incidents_def("missing_incidents", "Missing incidents during the year", "M", "Missing"))
def missing_incidents(ctx: Context) -> pd.DataFrame:
    return _incidents_audit(ctx, "M")


@indicator(_children_def("away_children", "Children away from placement without authorisation during the year",
                         "A", "away-without-authorisation episode"))
def away_children(ctx: Context) -> pd.DataFrame:
    return _children_audit(ctx, "A")


@indicator(_incidents_def("away_incidents", "Away-without-authorisation incidents during the year", "A", "Away"))
def away_incidents(ctx: Context) -> pd.DataFrame:
    return _incidents_audit(ctx, "A")


# --------------------------------------------------------------------------- social workers
@indicator(Definition(
    id="sw_changes_3plus", plain=PLAIN["sw_changes_3plus"],
    title="Children with 2 or more changes of social worker in the year", question=4,
    sub_question="q4.relationships",
    cohort="Children looked after at 31 March (excluding short breaks V3/V4), when the SWEpisodes table (from "
           "2023/24) was returned for the year",
    numerator="Children in the cohort with 3 or more different social workers (2 or more changes) during the year",
    denominator="Children in the cohort", unit="percent", polarity="lower_is_better",
    source="SSDA903 SWEpisodes and Episodes",
    methodology="Social-worker episodes overlapping the year (SW_DECOM on or before 31 March, SW_DEC blank or on "
                "or after 1 April); the child's social workers are the distinct SW_IDs among them, so 3 or more "
                "social workers means at least 2 changes (DfE stability measures, 'CLA on 31 March').",
    deviation="A child who goes back to an earlier social worker is counted by distinct workers, not by changes. "
              "Rows repeated in successive returns are counted once.",
    caveats=("Changes of social worker were first collected for 2023-24; earlier years have no figure.",
             "Each social worker the council recorded as unknown is counted as a different worker."),
    published_measure="sw_changes_3plus"))
def sw_changes_3plus(ctx: Context) -> pd.DataFrame:
    start, end = collection_start(ctx.year), collection_end(ctx.year)
    k = cla31(ctx)
    sw = ctx.data.tables["sw_episodes"]
    returned = bool((sw["YEAR"] == ctx.year).fillna(False).any())
    if not returned:
        return E.audit_frame(k["CHILD"], np.zeros(len(k), dtype=bool), np.zeros(len(k), dtype=bool),
                             "excluded: no SWEpisodes table returned for " + str(ctx.year))
    sw = sw[sw["SW_DECOM"].notna()].drop_duplicates(["CHILD", "SW_ID", "SW_DECOM"])
    sw = sw[((sw["SW_DECOM"] <= end) & (sw["SW_DEC"].isna() | (sw["SW_DEC"] >= start))).fillna(False).astype(bool)]
    # an "XX" (unknown) worker is a different worker on each episode
    ids = sw["SW_ID"].where(~sw["SW_ID"].str.startswith("XX").fillna(False).astype(bool),
                            sw["SW_ID"] + "@" + E.fmt_series(sw["SW_DECOM"]))
    n = E.lookup(k["CHILD"], ids.groupby(sw["CHILD"]).nunique().astype("float64")).fillna(0).astype(int)
    reason = k["status"] + "; " + n.astype("string") + " social worker(s) in the year"
    return E.audit_frame(k["CHILD"], np.ones(len(k), dtype=bool), n >= 3, reason)

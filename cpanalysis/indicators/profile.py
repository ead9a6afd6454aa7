"""LGA question 1: who the council looks after, how many, and where they live.

Child-level indicators from the SSDA903 Episodes, Header and UASC tables, following
``reference/ssda903-indicators-peers.md`` §2.1 and §2.2. Each function returns the cohort audit; the
registry derives the headline figure from it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpanalysis import episodes as E
from cpanalysis.indicators.registry import Context, Definition, indicator
from cpanalysis.model import collection_end, collection_start

#: One plain-English sentence per indicator, for councillors (``Definition.plain``).
PLAIN = {
    "cla_at_31_march": "The number of children the council looked after on 31 March.",
    "cla_by_age": "The children the council looked after on 31 March, counted by age group.",
    "cla_by_ethnicity": "The children the council looked after on 31 March, counted by ethnic group.",
    "cla_by_legal_status": ("The children the council looked after on 31 March, counted by the legal "
                            "order or agreement under which they are in care."),
    "cla_by_need": ("The children the council looked after on 31 March, counted by the main reason "
                    "they needed care."),
    "cla_by_sex": "The children the council looked after on 31 March, counted by sex.",
    "cla_by_uasc": ("The children the council looked after on 31 March, split into unaccompanied "
                    "asylum-seeking children and all others."),
    "cla_ceased": "The number of children who stopped being looked after by the council during the year.",
    "cla_rate_per_10k": ("How many children the council looked after on 31 March for every 10,000 "
                         "children living in its area."),
    "cla_starts": "The number of children who came into the council's care during the year.",
    "cla_starts_rate_per_10k": ("How many children came into the council's care during the year for "
                                "every 10,000 children living in its area."),
    "placed_outside_and_over_20_miles": ("The share of children in care on 31 March who lived outside "
                                         "the council's area and more than 20 miles from home."),
    "placed_outside_council": ("The share of children in care on 31 March who lived outside the "
                               "council's area."),
    "placed_over_20_miles": ("The share of children in care on 31 March who lived more than 20 miles "
                             "from home."),
    "placed_within_20_miles": ("The share of children in care on 31 March who lived 20 miles or less from "
                               "home."),
    "review_participation": ("The share of children aged 4 or over in care on 31 March who gave their views, in "
                             "person or through someone else, at every review of their care plan in the year."),
    "uasc_at_31_march": ("The number of unaccompanied children seeking asylum whom the council looked "
                         "after on 31 March."),
    "uasc_percent_at_31_march": ("The share of children in care on 31 March who were unaccompanied "
                                 "children seeking asylum."),
}

SOURCE = "SSDA903 Episodes and Header"
SHORT_BREAK_CAVEAT = "Children looked after only under a series of short breaks (respite care) are not counted."
LOCATION_CAVEAT = ("Children whose placement address is not recorded, or cannot be placed on the map, are left out "
                   "of this figure. Nationally, distance is not known for 6 to 9% of children (often unaccompanied "
                   "asylum-seeking children or children in confidential adoptive placements).")

SEX_LABELS = {"1": "Male", "M": "Male", "2": "Female", "F": "Female", "U": "Sex not known"}
ETHNIC_GROUPS = {
    **{c: "White" for c in ("WBRI", "WIRI", "WOTH", "WIRT", "WROM")},
    **{c: "Mixed or multiple ethnic groups" for c in ("MWBC", "MWBA", "MWAS", "MOTH")},
    **{c: "Asian or Asian British" for c in ("AIND", "APKN", "ABAN", "AOTH")},
    **{c: "Black, African, Caribbean or Black British" for c in ("BCRB", "BAFR", "BOTH")},
    **{c: "Other ethnic group" for c in ("CHNE", "OOTH")},
    **{c: "Refused or information not yet obtained" for c in ("REFU", "NOBT")},
}
LEGAL_STATUS_GROUPS = {
    "C1": "Interim care order (C1)", "C2": "Full care order (C2)",
    "D1": "Placement or freeing order (D1, E1)", "E1": "Placement or freeing order (D1, E1)",
    "V2": "Voluntary agreement, section 20 (V2)",
    "L1": "Police protection, emergency protection or assessment order (L1-L3)",
    "L2": "Police protection, emergency protection or assessment order (L1-L3)",
    "L3": "Police protection, emergency protection or assessment order (L1-L3)",
    "J1": "Youth justice legal status (J1-J3)", "J2": "Youth justice legal status (J1-J3)",
    "J3": "Youth justice legal status (J1-J3)",
}
NEED_LABELS = {"N1": "N1 Abuse or neglect", "N2": "N2 Child's disability", "N3": "N3 Parental illness or disability",
               "N4": "N4 Family in acute stress", "N5": "N5 Family dysfunction",
               "N6": "N6 Socially unacceptable behaviour", "N7": "N7 Low income", "N8": "N8 Absent parenting"}
AGE_BANDS = [(0, 0, "Under 1"), (1, 4, "Age 1 to 4"), (5, 9, "Age 5 to 9"), (10, 15, "Age 10 to 15"),
             (16, 200, "Age 16 and over")]


# --------------------------------------------------------------------------- shared building blocks
def year_children(ctx: Context) -> pd.DataFrame:
    """Every child with an episode overlapping the year (short breaks included), with their status.

    Columns: CHILD, short_breaks_only (bool), cla31 (bool), the episode open at 31 March (DECOM, LS,
    CIN, PLACE, PLACE_PROVIDER, HOME_POST, PL_POST, URN, RNE), DOB, SEX, and ``status``: an audit
    phrase ("looked after at 31/03/2025 (episode from 01/01/2024, LS C2, PLACE U1)", "ceased
    12/02/2025 (REC E4A)", "excluded: short breaks only (V3/V4)").
    """
    return E.memo(ctx.data, ("year_children", ctx.year), lambda: _year_children(ctx))


def _year_children(ctx: Context) -> pd.DataFrame:
    year = ctx.year
    end = collection_end(year)
    full = E.history(ctx.data, exclude_short_breaks=False)
    during_all = E.looked_after_during(full, year)
    h = E.history(ctx.data)
    during = E.looked_after_during(h, year)
    kids = pd.DataFrame({"CHILD": during_all["CHILD"].drop_duplicates().reset_index(drop=True)})
    kids["short_breaks_only"] = ~E.is_in(kids["CHILD"], during["CHILD"].unique())
    open31 = E.open_on(h, end)
    cols = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "HOME_POST", "PL_POST", "URN"]
    kids = kids.merge(open31[cols], on="CHILD", how="left")
    kids["cla31"] = kids["DECOM"].notna()
    head = ctx.data.header[["CHILD", "DOB", "SEX", "ETHNIC"]].drop_duplicates("CHILD", keep="last")
    kids = kids.merge(head, on="CHILD", how="left")
    last = during.drop_duplicates("CHILD", keep="last").set_index("CHILD")
    last_dec = E.lookup(kids["CHILD"], last["DEC"])
    last_rec = E.lookup(kids["CHILD"], last["REC"])
    cla_txt = (f"looked after at {E.fmt(end)} (episode from " + E.fmt_series(kids["DECOM"]) + ", LS "
               + kids["LS"].fillna("?") + ", PLACE " + kids["PLACE"].fillna("?") + ")")
    left_txt = ("not looked after at " + E.fmt(end) + ": last episode ended " + E.fmt_series(last_dec)
                + " (REC " + last_rec.fillna("blank") + ")")
    status = np.where(kids["short_breaks_only"], "excluded: short breaks only (V3/V4)",
                      np.where(kids["cla31"], cla_txt.to_numpy(dtype=object), left_txt.to_numpy(dtype=object)))
    kids["status"] = pd.Series(status, dtype="string")
    kids["age31"] = E.age_at(kids["DOB"], end)
    return kids


def cla31(ctx: Context) -> pd.DataFrame:
    """Children looked after at 31 March (rows of :func:`year_children` with cla31 True)."""
    k = year_children(ctx)
    return k[k["cla31"]].reset_index(drop=True)


def age_band(age: pd.Series) -> pd.Series:
    out = pd.Series("Age not known", index=age.index, dtype="string")
    for lo, hi, label in AGE_BANDS:
        out = out.mask(((age >= lo) & (age <= hi)).fillna(False).astype(bool), label)
    return out


def uasc_status(ctx: Context, children: pd.Series, when) -> pd.DataFrame:
    """UASC at ``when`` for each child: in the UASC table (returns up to ctx.year) with DUC blank or after it.

    Returns ``uasc`` (bool) and ``uasc_reason`` on ``children``'s index.
    """
    when = pd.Timestamp(when)
    u = ctx.data.tables["uasc"]
    u = u[(u["YEAR"] <= ctx.year).fillna(False).astype(bool)].sort_values("YEAR", kind="mergesort")
    u = u.drop_duplicates("CHILD", keep="last").set_index("CHILD")
    listed = E.is_in(children, u.index)
    duc = E.lookup(children, u["DUC"]) if len(u) else pd.Series(pd.NaT, index=children.index, dtype="datetime64[ns]")
    ceased = (duc <= when).fillna(False).astype(bool)
    is_uasc = listed & ~ceased
    reason = np.select(
        [(is_uasc & duc.isna()).to_numpy(), is_uasc.to_numpy(), (listed & ceased).to_numpy()],
        ["UASC (in the UASC table, status not ceased)",
         ("UASC (status ceases " + E.fmt_series(duc) + ")").to_numpy(dtype=object),
         ("no longer UASC (status ceased " + E.fmt_series(duc) + ")").to_numpy(dtype=object)],
        default="not UASC")
    return pd.DataFrame({"uasc": is_uasc.to_numpy(), "uasc_reason": pd.Series(reason, dtype="string").to_numpy()},
                        index=children.index)


def _cla_count_audit(ctx: Context) -> pd.DataFrame:
    k = year_children(ctx)
    return E.audit_frame(k["CHILD"], ~k["short_breaks_only"], k["cla31"], k["status"])


# --------------------------------------------------------------------------- counts and rates
@indicator(Definition(
    id="cla_at_31_march", plain=PLAIN["cla_at_31_march"],
    title="Children looked after at 31 March", question=1,
    sub_question="q1.profile",
    cohort="Children with an episode of care during the year, excluding those looked after only under short "
           "breaks (V3/V4)",
    numerator="Children with an episode open at the end of 31 March (DECOM on or before 31 March, DEC blank or "
              "after 31 March)",
    denominator="none (a count)", unit="count", polarity="neutral", source=SOURCE,
    methodology="Counts each child once with an episode open at the end of 31 March; an episode ending on "
                "31 March has ceased. V3/V4 short-break episodes are ignored (EES footnotes; LAIT 124 and 334). "
                "Matches the EES 'children looked after on 31 March' count.",
    caveats=(SHORT_BREAK_CAVEAT,), published_measure="cla_at_31_march"))
def cla_at_31_march(ctx: Context) -> pd.DataFrame:
    return _cla_count_audit(ctx)


@indicator(Definition(
    id="cla_rate_per_10k", plain=PLAIN["cla_rate_per_10k"],
    title="Children looked after per 10,000 children", question=1,
    sub_question="q1.profile",
    cohort="ONS mid-year population aged 0 to 17",
    numerator="Children looked after at 31 March (excluding short breaks V3/V4)",
    denominator="ONS mid-year estimate of children aged 0 to 17 (parameter 'population')",
    unit="rate_per_10k", polarity="neutral", source=SOURCE + "; ONS mid-year population estimates",
    methodology="10,000 x children looked after at 31 March / population aged 0 to 17 (LAIT 124).",
    caveats=(SHORT_BREAK_CAVEAT, "Rates use the population figures supplied for the council; ONS estimates were revised "
             "after the 2021 Census, so published rates for earlier years may differ."),
    published_measure="cla_rate_per_10k"))
def cla_rate_per_10k(ctx: Context) -> pd.DataFrame:
    return _cla_count_audit(ctx)


def _starts_audit(ctx: Context) -> pd.DataFrame:
    k = year_children(ctx)
    st = E.starts(E.history(ctx.data), ctx.year).set_index("CHILD")
    started = E.is_in(k["CHILD"], st.index)
    when = E.fmt_series(E.lookup(k["CHILD"], st["DECOM"]))
    rne = E.lookup(k["CHILD"], st["RNE"]).fillna("blank")
    reason = np.where(k["short_breaks_only"], k["status"].to_numpy(dtype=object),
                      np.where(started, ("started to be looked after on " + when + " (first start in the year, RNE "
                                         + rne + ")").to_numpy(dtype=object),
                               "did not start to be looked after in the year"))
    return E.audit_frame(k["CHILD"], ~k["short_breaks_only"], started, reason)


@indicator(Definition(
    id="cla_starts", plain=PLAIN["cla_starts"],
    title="Children who started to be looked after in the year", question=1,
    sub_question="q1.profile",
    cohort="Children with an episode of care during the year, excluding short breaks (V3/V4)",
    numerator="Children with a new period of care starting between 1 April and 31 March (first occasion only)",
    denominator="none (a count)", unit="count", polarity="neutral", source=SOURCE,
    methodology="A child counts once, on the first occasion in the year an episode starts a period of care: RNE S, "
                "or an episode that does not follow on the same day from an earlier one (EES "
                "time-series footnote 'only the first occasion on which a child started to be looked after').",
    deviation="We also treat an episode that follows a gap in care as a start even if its RNE is not S (for example "
              "a child moving from short breaks into full care with RNE L); DfE's own code is not public.",
    caveats=(SHORT_BREAK_CAVEAT,), published_measure="cla_starts"))
def cla_starts(ctx: Context) -> pd.DataFrame:
    return _starts_audit(ctx)


@indicator(Definition(
    id="cla_starts_rate_per_10k", plain=PLAIN["cla_starts_rate_per_10k"],
    title="Children starting to be looked after per 10,000 children", question=1,
    sub_question="q1.profile",
    cohort="ONS mid-year population aged 0 to 17",
    numerator="Children who started to be looked after in the year (first occasion only)",
    denominator="ONS mid-year estimate of children aged 0 to 17", unit="rate_per_10k", polarity="neutral",
    source=SOURCE + "; ONS mid-year population estimates",
    methodology="10,000 x starts in the year (as cla_starts) / population aged 0 to 17 (LAIT 124).",
    deviation="As cla_starts.", caveats=(SHORT_BREAK_CAVEAT,), published_measure="cla_starts_rate_per_10k"))
def cla_starts_rate_per_10k(ctx: Context) -> pd.DataFrame:
    return _starts_audit(ctx)


@indicator(Definition(
    id="cla_ceased", plain=PLAIN["cla_ceased"],
    title="Children who ceased to be looked after in the year", question=1,
    sub_question="q1.profile",
    cohort="Children with an episode of care during the year, excluding short breaks (V3/V4)",
    numerator="Children with an episode ending between 1 April and 31 March with a reason other than X1 (last "
              "occasion only)",
    denominator="none (a count)", unit="count", polarity="neutral", source=SOURCE,
    methodology="A child counts once, on the last occasion in the year an episode ends with REC other than X1 "
                "(LAIT 392). DEC on 31 March counts as ceasing in the year.",
    caveats=(SHORT_BREAK_CAVEAT, "Children who move into another council's care are counted as leaving care here and "
             "as starting care in the other council."), published_measure="cla_ceased"))
def cla_ceased(ctx: Context) -> pd.DataFrame:
    k = year_children(ctx)
    ce = E.ceased(E.history(ctx.data), ctx.year).set_index("CHILD")
    left = E.is_in(k["CHILD"], ce.index)
    when = E.fmt_series(E.lookup(k["CHILD"], ce["DEC"]))
    rec = E.lookup(k["CHILD"], ce["REC"]).fillna("blank")
    reason = np.where(k["short_breaks_only"], k["status"].to_numpy(dtype=object),
                      np.where(left, ("ceased to be looked after on " + when + " (REC " + rec + ", last occasion in "
                                      "the year)").to_numpy(dtype=object),
                               "did not cease to be looked after in the year"))
    return E.audit_frame(k["CHILD"], ~k["short_breaks_only"], left, reason)


# --------------------------------------------------------------------------- UASC
def _uasc_audit(ctx: Context) -> pd.DataFrame:
    k = cla31(ctx)
    u = uasc_status(ctx, k["CHILD"], collection_end(ctx.year))
    return E.audit_frame(k["CHILD"], np.ones(len(k), dtype=bool), u["uasc"],
                         k["status"] + "; " + u["uasc_reason"])


UASC_METHOD = ("A child looked after at 31 March is UASC when listed in the UASC table of a return up to this year "
               "and the date UASC status ceased (DUC) is blank or after 31 March (LAIT 334).")
UASC_DEVIATION = ("Our reading: a child whose UASC status ceased on or before 31 March (typically at 18, or on "
                  "being granted leave to remain) is not counted; DfE's exact rule is not public.")
UASC_CAVEAT = ("A child who stopped being an unaccompanied asylum-seeking child by 31 March (usually at 18, or on "
               "being granted leave to remain) is not counted as one.")


@indicator(Definition(
    id="uasc_at_31_march", plain=PLAIN["uasc_at_31_march"],
    title="Unaccompanied asylum-seeking children looked after at 31 March", question=1,
    sub_question="q1.profile",
    cohort="Children looked after at 31 March, excluding short breaks (V3/V4)",
    numerator="Children who were unaccompanied asylum-seeking children (UASC) at 31 March",
    denominator="none (a count)", unit="count", polarity="neutral", source="SSDA903 Episodes, Header and UASC",
    methodology=UASC_METHOD, deviation=UASC_DEVIATION,
    caveats=("Depends on arrivals and the National Transfer Scheme; not a measure of performance.",),
    published_measure="uasc_at_31_march"))
def uasc_at_31_march(ctx: Context) -> pd.DataFrame:
    return _uasc_audit(ctx)


@indicator(Definition(
    id="uasc_percent_at_31_march", plain=PLAIN["uasc_percent_at_31_march"],
    title="Unaccompanied asylum-seeking children as a share of children looked after",
    question=1, sub_question="q1.profile",
    cohort="Children looked after at 31 March, excluding short breaks (V3/V4)",
    numerator="Children who were UASC at 31 March", denominator="Children looked after at 31 March",
    unit="percent", polarity="neutral", source="SSDA903 Episodes, Header and UASC",
    methodology=UASC_METHOD, deviation=UASC_DEVIATION,
    caveats=("Depends on arrivals and the National Transfer Scheme; not a measure of performance.",),
    published_measure="uasc_percent_at_31_march"))
def uasc_percent_at_31_march(ctx: Context) -> pd.DataFrame:
    return _uasc_audit(ctx)


# --------------------------------------------------------------------------- placement location
def year_locations(ctx: Context) -> pd.DataFrame:
    """:func:`E.placement_location` of each child's episode open at 31 March, indexed by CHILD (computed once)."""
    def compute() -> pd.DataFrame:
        k = year_children(ctx)
        k = k[k["cla31"]]
        return E.placement_location(k, ctx.postcodes, ctx.la_code).set_axis(k["CHILD"].to_numpy())

    key = ("locations", ctx.year, ctx.la_code, id(ctx.postcodes))
    return E.memo(ctx.data, key, compute)


def location_audit(ctx: Context, kids: pd.DataFrame, over_20: bool | None) -> pd.DataFrame:
    """Audit for a location indicator over ``kids`` (rows of :func:`year_children` open at 31 March).

    ``over_20`` None: numerator = placed outside the council; True: outside AND more than 20 miles from
    home; "any": more than 20 miles from home wherever the placement is; "within": 20 miles or less from home.
    """
    loc = year_locations(ctx)
    loc = loc.reindex(kids["CHILD"].to_numpy()).set_axis(kids.index)
    outside = loc["outside"]
    dist = loc["distance"]
    if over_20 is None:
        known = outside.notna()
        num = outside.fillna(False).astype(bool)
    elif over_20 == "any":
        known = dist.notna()
        num = (dist > 20).fillna(False).astype(bool)
    elif over_20 == "within":
        known = dist.notna()
        num = (dist <= 20).fillna(False).astype(bool)
    else:
        # inside the council: known not to be "outside and over 20 miles" whatever the distance
        inside = (outside == False).fillna(False).astype(bool)  # noqa: E712
        out_known = outside.fillna(False).astype(bool) & dist.notna()
        known = inside | out_known
        num = out_known & (dist > 20).fillna(False).astype(bool)
    reason = kids["status"] + "; " + loc["location"]
    reason = reason.where(known, "excluded: " + reason)
    return E.audit_frame(kids["CHILD"], known, num, reason)


@indicator(Definition(
    id="placed_outside_council", plain=PLAIN["placed_outside_council"],
    title="Children placed outside the council's boundary", question=1,
    sub_question="q1.commissioning_outcomes",
    cohort="Children looked after at 31 March (excluding short breaks V3/V4) whose placement location is known",
    numerator="Children whose placement postcode (PL_POST) lies in another council",
    denominator="Children in the cohort", unit="percent", polarity="lower_is_better",
    source="SSDA903 Episodes; postcode lookup (postcode, easting, northing, la_code)",
    methodology="PL_POST of the episode open at 31 March is matched to the postcode lookup (as given, then by "
                "sector, then by district) and its council compared with the council's code, as V derives "
                "PL_LOCATION (EES 'Locality of placement').",
    deviation="DfE divides by all children looked after at 31 March, with 'not known' as a category; we leave "
              "children with an unknown location out of the denominator and list them in the audit.",
    caveats=(LOCATION_CAVEAT, "A placement just over the boundary can be closer to home than one inside a large "
             "county."), published_measure="placed_outside_council"))
def placed_outside_council(ctx: Context) -> pd.DataFrame:
    return location_audit(ctx, cla31(ctx), None)


@indicator(Definition(
    id="placed_outside_and_over_20_miles", plain=PLAIN["placed_outside_and_over_20_miles"],
    title="Children placed outside the council and more than 20 miles from home",
    question=1, sub_question="q1.commissioning_outcomes",
    cohort="Children looked after at 31 March (excluding short breaks V3/V4) placed inside the council, or "
           "placed outside it with a known distance from home",
    numerator="Children placed outside the council more than 20 miles (straight line) from their home postcode",
    denominator="Children in the cohort", unit="percent", polarity="lower_is_better",
    source="SSDA903 Episodes; postcode lookup (postcode, easting, northing, la_code)",
    methodology="Distance = sqrt(dE^2 + dN^2) / 1609.3 miles between the HOME_POST and PL_POST centroids of the "
                "episode open at 31 March, rounded to 0.1 mile (V's PL_DISTANCE, 'straight from the guidance'); "
                "numerator PL_DISTANCE > 20 and PL_LOCATION OUT (LAIT 87).",
    deviation="DfE measures from the home address the child was first placed from; we use HOME_POST on the open "
              "episode. Children with an unknown location or distance are left out of the denominator (DfE "
              "shows them as 'not known'). A child placed inside the council is in the cohort even if the "
              "distance is unknown.",
    caveats=(LOCATION_CAVEAT,), published_measure="placed_outside_and_over_20_miles"))
def placed_outside_and_over_20_miles(ctx: Context) -> pd.DataFrame:
    return location_audit(ctx, cla31(ctx), True)


@indicator(Definition(
    id="placed_over_20_miles", plain=PLAIN["placed_over_20_miles"],
    title="Children placed more than 20 miles from home", question=1,
    sub_question="q1.commissioning_outcomes",
    cohort="Children looked after at 31 March (excluding short breaks V3/V4) with a known distance from home",
    numerator="Children placed more than 20 miles (straight line) from their home postcode, inside or outside the "
              "council", denominator="Children in the cohort", unit="percent", polarity="lower_is_better",
    source="SSDA903 Episodes; postcode lookup (postcode, easting, northing)",
    methodology="As placed_outside_and_over_20_miles without the 'outside the council' condition (EES 'Placed more than 20 "
                "miles from home').",
    deviation="Distance from HOME_POST on the open episode, not the first home address; unknown distances are left "
              "out of the denominator.",
    caveats=(LOCATION_CAVEAT,), published_measure="placed_over_20_miles"))
def placed_over_20_miles(ctx: Context) -> pd.DataFrame:
    return location_audit(ctx, cla31(ctx), "any")


@indicator(Definition(
    id="placed_within_20_miles", plain=PLAIN["placed_within_20_miles"],
    title="Children placed 20 miles or less from home", question=1,
    sub_question="q1.commissioning_outcomes",
    cohort="Children looked after at 31 March (excluding short breaks V3/V4) with a known distance from home",
    numerator="Children placed 20 miles or less (straight line) from their home postcode, inside or outside the "
              "council", denominator="Children in the cohort", unit="percent", polarity="higher_is_better",
    source="SSDA903 Episodes; postcode lookup (postcode, easting, northing)",
    methodology="The complement of placed_over_20_miles among children with a known distance: PL_DISTANCE <= 20 "
                "(EES 'Placed 20 miles or less from home'), the reading Cheshire East's scorecard uses ('the number "
                "of children placed within 20 miles of their home').",
    deviation="Distance from HOME_POST on the open episode, not the first home address. DfE divides by all "
              "children looked after, with distance not known as a third group; we leave unknown distances out of "
              "the denominator, so our figure and placed_over_20_miles add up to 100% and DfE's need not.",
    caveats=(LOCATION_CAVEAT, "Some children are rightly placed far from home, for their safety or to live with "
             "relatives."), published_measure="placed_within_20_miles"))
def placed_within_20_miles(ctx: Context) -> pd.DataFrame:
    return location_audit(ctx, cla31(ctx), "within")


# --------------------------------------------------------------------------- taking part in reviews
#: the child gave views at the review: in person, through an advocate, non-verbally, by briefing an advocate or
#: through a facilitative medium (PN1-PN6); PN7 = views not conveyed; PN0 = under 4 (not counted)
VIEWS_CONVEYED = frozenset({"PN1", "PN2", "PN3", "PN4", "PN5", "PN6"})
REVIEW_LABELS = {"PN1": "attended and spoke", "PN2": "attended, advocate spoke", "PN3": "attended, views shown "
                 "non-verbally", "PN4": "attended, did not speak or convey views", "PN5": "absent, briefed an advocate",
                 "PN6": "absent, views conveyed another way", "PN7": "absent, views not conveyed",
                 "PN0": "under 4"}


@indicator(Definition(
    id="review_participation", plain=PLAIN["review_participation"],
    title="Children who gave their views at every review", question=1,
    sub_question="q1.feedback",
    cohort="Children looked after at 31 March (excluding short breaks V3/V4) with at least one review in the year at "
           "which they were aged 4 or over (a Reviews row with REVIEW_CODE other than PN0)",
    numerator="Children whose every such review in the year has REVIEW_CODE PN1 to PN6 (views conveyed)",
    denominator="Children in the cohort", unit="percent", polarity="higher_is_better", source="SSDA903 Reviews",
    methodology="Reviews rows of the collection year (REVIEW between 1 April and 31 March) for children looked after "
                "at 31 March. PN0 (under 4) reviews are ignored. A child counts if every remaining review is PN1 to "
                "PN6 (PN4, attended but did not convey views, is counted as taking part, as in the former PAF C63 "
                "'participation of looked after children in reviews'); one PN7 review (absent, views not conveyed) "
                "takes the child out of the numerator.",
    deviation="DfE no longer publishes a review participation measure for councils. This is our reading of the "
              "former Performance Assessment Framework indicator C63 (children looked after at 31 March aged 4 or "
              "over who communicated their views at each review); C63 also required four weeks in care, which the "
              "cohort here does not check.",
    caveats=("Counts whether children's views reached their review, not whether they were listened to.",
             "Children under 4 are not counted."), counted="children aged 4 or over"))
def review_participation(ctx: Context) -> pd.DataFrame:
    kids = cla31(ctx)
    rv = ctx.data.table("reviews", ctx.year)
    start, end = collection_start(ctx.year), collection_end(ctx.year)
    rv = rv[rv["CHILD"].isin(kids["CHILD"].dropna().unique())]
    # a review dated outside the year is left out; one with no readable date is kept (it was returned this year)
    rv = rv[((rv["REVIEW"] >= start) & (rv["REVIEW"] <= end)).fillna(True).astype(bool)]
    code = rv["REVIEW_CODE"].astype("string").str.strip().str.upper()
    label = code.map(REVIEW_LABELS).astype("string").fillna("code " + code).fillna("code blank")
    rv = rv.assign(_ok=code.isin(list(VIEWS_CONVEYED)).fillna(False).astype(bool),
                   _label=label)[code.ne("PN0").fillna(True).to_numpy(dtype=bool)]
    g = rv.groupby("CHILD", sort=False)  # built-in aggregations: a Python function per child was slow
    per = pd.DataFrame({"n": g.size(), "ok": g["_ok"].all(), "codes": g["_label"].agg(", ".join)})
    # nullable dtypes: a child with no review has no entry, and the lookup gives a missing value for it
    per = per.assign(ok=pd.array(per["ok"].astype(bool), dtype="boolean"), n=pd.array(per["n"], dtype="Int64"))
    n = E.lookup(kids["CHILD"], per["n"]).fillna(0).astype(int)
    ok = E.lookup(kids["CHILD"], per["ok"]).fillna(False).astype(bool)
    codes = E.lookup(kids["CHILD"], per["codes"]).fillna("").astype("string")
    in_cohort = n > 0
    reason = pd.Series(np.where(in_cohort, np.where(ok, "views given at every review: ", "views not given at every "
                                                    "review: ") + codes.to_numpy(dtype=object),
                                "excluded: no review in the year at age 4 or over"), index=kids.index, dtype="string")
    return E.audit_frame(kids["CHILD"], in_cohort.to_numpy(), (in_cohort & ok).to_numpy(), reason)


# --------------------------------------------------------------------------- characteristics
def breakdown_audit(kids: pd.DataFrame, labels: pd.Series, what: str) -> pd.DataFrame:
    """A count audit of children looked after at 31 March with one ``breakdown`` label each."""
    return E.audit_frame(kids["CHILD"], np.ones(len(kids), dtype=bool), np.ones(len(kids), dtype=bool),
                         kids["status"] + "; " + what + ": " + labels, breakdown=labels)


BREAKDOWN_NOTE = ("Each breakdown row counts the children in one group; the groups add up to the Total (children "
                  "looked after at 31 March). Shares of the total are the breakdown counts divided by the Total.")
BREAKDOWN_DEVIATION = ("Published as a percentage of children looked after at 31 March; we publish counts because "
                       "the registry computes each breakdown row over its own rows, so a percentage row would need "
                       "every child repeated in every group and would make the Total meaningless.")


def _breakdown_def(id_: str, title: str, what: str, method: str, caveats=()) -> Definition:
    return Definition(
        id=id_, plain=PLAIN[id_],
        title=title, question=1, sub_question="q1.profile",
        cohort="Children looked after at 31 March, excluding short breaks (V3/V4)",
        numerator=f"Children looked after at 31 March in each {what} group",
        denominator="none (counts by group; the Total is all children looked after at 31 March)",
        unit="count", polarity="neutral", source=SOURCE, methodology=method + " " + BREAKDOWN_NOTE,
        deviation=BREAKDOWN_DEVIATION, caveats=(SHORT_BREAK_CAVEAT, *caveats), published_measure=None)


@indicator(_breakdown_def("cla_by_age", "Children looked after at 31 March by age", "age",
                          "Age in completed years at 31 March from the Header DOB, in DfE's bands: under 1, 1 to 4, "
                          "5 to 9, 10 to 15, 16 and over."))
def cla_by_age(ctx: Context) -> pd.DataFrame:
    k = cla31(ctx)
    return breakdown_audit(k, age_band(k["age31"]), "age " + k["age31"].astype("string").fillna("not known"))


@indicator(_breakdown_def("cla_by_sex", "Children looked after at 31 March by sex", "sex",
                          "Header SEX: 1 or M male, 2 or F female, U not known (codes changed in 2024/25)."))
def cla_by_sex(ctx: Context) -> pd.DataFrame:
    k = cla31(ctx)
    lab = k["SEX"].map(SEX_LABELS).astype("string").fillna("Sex not recorded")
    return breakdown_audit(k, lab, "sex")


@indicator(_breakdown_def("cla_by_ethnicity", "Children looked after at 31 March by ethnic group", "ethnic",
                          "Header ETHNIC grouped as the DfE main groups (White, Mixed, Asian, Black, Other, Refused "
                          "or not yet obtained)."))
def cla_by_ethnicity(ctx: Context) -> pd.DataFrame:
    k = cla31(ctx)
    lab = k["ETHNIC"].map(ETHNIC_GROUPS).astype("string").fillna("Ethnicity not recorded")
    return breakdown_audit(k, lab, "ethnicity " + k["ETHNIC"].fillna("blank"))


@indicator(_breakdown_def("cla_by_legal_status", "Children looked after at 31 March by legal status", "legal status",
                          "LS of the episode open at 31 March, grouped as care orders, placement orders, section 20, "
                          "emergency orders and youth justice statuses."))
def cla_by_legal_status(ctx: Context) -> pd.DataFrame:
    k = cla31(ctx)
    lab = k["LS"].map(LEGAL_STATUS_GROUPS).astype("string").fillna("Other or not recorded")
    return breakdown_audit(k, lab, "legal status")


@indicator(_breakdown_def("cla_by_need", "Children looked after at 31 March by category of need", "category of need",
                          "CIN of the episode open at 31 March (N1 to N8)."))
def cla_by_need(ctx: Context) -> pd.DataFrame:
    k = cla31(ctx)
    lab = k["CIN"].map(NEED_LABELS).astype("string").fillna("Not recorded")
    return breakdown_audit(k, lab, "need")


@indicator(_breakdown_def("cla_by_uasc", "Children looked after at 31 March by whether they are unaccompanied asylum-seeking children", "UASC",
                          UASC_METHOD + " " + UASC_DEVIATION, caveats=(UASC_CAVEAT,)))
def cla_by_uasc(ctx: Context) -> pd.DataFrame:
    k = cla31(ctx)
    u = uasc_status(ctx, k["CHILD"], collection_end(ctx.year))
    lab = pd.Series(np.where(u["uasc"], "UASC", "Not UASC"), dtype="string")
    return breakdown_audit(k, lab, u["uasc_reason"])


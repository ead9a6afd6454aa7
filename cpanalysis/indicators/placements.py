"""LGA questions 6 and 7: where children live (placement types and providers) and children's homes.

Placement type at 31 March is the PLACE of the episode open at the end of 31 March (excluding short
breaks V3/V4). Code groups follow ``reference/ssda903-indicators-peers.md`` §1.3 and §2.2 ("Placement
type mix", LAIT 396-401).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpanalysis import episodes as E
from cpanalysis.indicators.profile import (
    LOCATION_CAVEAT,
    SHORT_BREAK_CAVEAT,
    cla31,
    location_audit,
    year_children,
)
from cpanalysis.indicators.registry import Context, Definition, indicator
from cpanalysis.indicators.stability import COUNTING_DEVIATION, COUNTING_RULES, three_plus_audit
from cpanalysis.model import collection_end, collection_start

#: One plain-English sentence per indicator, for councillors (``Definition.plain``).
PLAIN = {
    "foster_provider_other": ("The share of children in foster care on 31 March whose foster carers "
                              "were found by another council or public body."),
    "foster_provider_own": ("The share of children in foster care on 31 March who lived with the "
                            "council's own foster carers."),
    "foster_provider_private": ("The share of children in foster care on 31 March whose foster carers "
                                "were found by a private agency."),
    "foster_provider_voluntary": ("The share of children in foster care on 31 March whose foster "
                                  "carers were found by a charity or voluntary agency."),
    "placement_children_home": ("The share of children in care on 31 March who lived in a children's "
                                "home or secure children's home."),
    "placement_for_adoption": ("The share of children in care on 31 March who were living with the "
                               "family who plan to adopt them."),
    "placement_foster": "The share of children in care on 31 March who lived with foster carers.",
    "placement_kinship_foster": ("The share of children in care on 31 March who were fostered by "
                                 "relatives or family friends."),
    "placement_private_provision": ("The share of children in care on 31 March whose home was provided"
                                    " by a private company."),
    "placement_supported_accommodation": ("The share of children in care on 31 March who lived "
                                          "independently, semi-independently or in supported "
                                          "accommodation."),
    "placement_type_mix": "The children in care on 31 March, counted by the kind of place they lived in.",
    "placement_with_parents": "The share of children in care on 31 March who lived with their parents.",
    "residential_out_of_area": ("The share of children living in children's homes on 31 March whose "
                                "home was outside the council's area."),
    "residential_over_20_miles": ("The share of children living in children's homes on 31 March whose "
                                  "home was outside the council's area and more than 20 miles from "
                                  "where they used to live."),
    "stability_3plus_by_setting": ("The share of children in care on 31 March who had moved home three"
                                   " or more times in the year, for each kind of place they lived in."),
    "stability_3plus_residential": ("The share of children living in children's homes on 31 March who "
                                    "had moved home three or more times in the year."),
}

SOURCE = "SSDA903 Episodes"
FOSTER = frozenset({"U1", "U2", "U3", "U4", "U5", "U6"})
KINSHIP_FOSTER = frozenset({"U1", "U2", "U3"})
CHILDRENS_HOME = frozenset({"K1", "K2"})
WITH_PARENTS = frozenset({"P1"})
INDEPENDENT = frozenset({"H5", "P2", "K3"})
ADOPTION = frozenset({"A3", "A4", "A5", "A6"})

#: placement type groups at 31 March, in the order DfE publishes them (LAIT 396-401; EES 'Placement')
PLACEMENT_GROUPS: list[tuple[str, frozenset]] = [
    ("Foster placements", FOSTER),
    ("Placed for adoption", ADOPTION),
    ("Placed with parents or other person with parental responsibility", WITH_PARENTS),
    ("Other placements in the community", frozenset({"P3"})),
    ("Secure homes and children's homes", CHILDRENS_HOME),
    ("Independent and semi-independent living or supported accommodation", INDEPENDENT),
    ("Other residential settings", frozenset({"R1", "R2", "R3", "R5"})),
    ("Residential schools", frozenset({"S1"})),
    ("Other placements", frozenset({"Z1", "Z11", "Z12", "Z13", "Z14", "T0", "T1", "T2", "T3", "T4"})),
]
PLACE_GROUP = {code: label for label, codes in PLACEMENT_GROUPS for code in codes}
PROVIDER_LABELS = {"PR0": "Parents or other person with parental responsibility (PR0)",
                   "PR1": "Own council (PR1)", "PR2": "Other council (PR2)", "PR3": "Other public sector (PR3)",
                   "PR4": "Private provider (PR4)", "PR5": "Voluntary or third sector (PR5)"}
PLACE_CAVEATS = (SHORT_BREAK_CAVEAT,
                 "Supported accommodation had to be registered with Ofsted from 28 October 2023, so the group of "
                 "independent, semi-independent and supported living mixes old and new kinds of placement across "
                 "years.")
MIX_METHOD = ("PLACE of the episode open at the end of 31 March; groups as LAIT 396-401 / EES 'Placement': foster "
              "U1-U6, placed for adoption A3-A6, with parents P1, other community P3, secure and children's homes "
              "K1-K2, independent, semi-independent and supported accommodation H5, P2, K3, other residential "
              "R1, R2, R3, R5, residential schools S1, other Z1 (Z11-Z14 from 2025/26) and temporary T0-T4.")
MIX_DEVIATION = "The code-to-group mapping is inferred from the LAIT measure names."


def share_audit(ctx: Context, codes: frozenset, what: str) -> pd.DataFrame:
    """Percent of children looked after at 31 March whose open episode's PLACE is in ``codes``."""
    k = year_children(ctx)
    num = k["cla31"] & E.is_in(k["PLACE"], codes)
    txt = np.where(num, f"; {what}", f"; not {what}")
    reason = k["status"].where(~k["cla31"], k["status"] + pd.Series(txt, dtype="string"))
    return E.audit_frame(k["CHILD"], k["cla31"], num, reason)


def _share_def(id_, title, question, sub_question, numerator, codes_text, published, caveats=PLACE_CAVEATS,
               deviation=MIX_DEVIATION) -> Definition:
    return Definition(
        id=id_, plain=PLAIN[id_], title=title, question=question, sub_question=sub_question,
        cohort="Children looked after at 31 March, excluding short breaks (V3/V4)",
        numerator=numerator, denominator="Children looked after at 31 March", unit="percent", polarity="neutral",
        source=SOURCE, methodology=f"PLACE {codes_text} on the episode open at the end of 31 March. " + MIX_METHOD,
        deviation=deviation, caveats=caveats, published_measure=published)


@indicator(_share_def("placement_foster", "Children in foster placements", 6, "q6.foster_pool",
                      "Children in a foster placement (including with relatives or friends)", "U1-U6",
                      "placement_foster", deviation=""))
def placement_foster(ctx: Context) -> pd.DataFrame:
    return share_audit(ctx, FOSTER, "in foster care (U1-U6)")


@indicator(_share_def("placement_kinship_foster", "Children fostered by relatives or friends (kinship foster care)",
                      6, "q6.foster_pool",
                      "Children placed with a foster carer who is a relative or friend", "U1-U3", None,
                      caveats=PLACE_CAVEATS + ("Published tables do not separate kinship foster care at council "
                                               "level; nationally about 24% of foster placements in 2024.",),
                      deviation=""))
def placement_kinship_foster(ctx: Context) -> pd.DataFrame:
    return share_audit(ctx, KINSHIP_FOSTER, "fostered by a relative or friend (U1-U3)")


@indicator(_share_def("placement_children_home", "Children in secure homes and children's homes", 7,
                      "q7.profile",
                      "Children in a secure children's home (K1) or children's home (K2)", "K1-K2",
                      "placement_children_home", deviation=""))
def placement_children_home(ctx: Context) -> pd.DataFrame:
    return share_audit(ctx, CHILDRENS_HOME, "in a secure or children's home (K1-K2)")


@indicator(_share_def("placement_with_parents", "Children placed with parents", 6, "q6.foster_pool",
                      "Children placed with parents or another person with parental responsibility", "P1",
                      "placement_with_parents", deviation=""))
def placement_with_parents(ctx: Context) -> pd.DataFrame:
    return share_audit(ctx, WITH_PARENTS, "placed with parents (P1)")


@indicator(_share_def("placement_supported_accommodation",
                      "Children in independent or semi-independent living or supported accommodation", 7,
                      "q7.profile",
                      "Children in semi-independent living (H5), independent living (P2) or supported accommodation "
                      "(K3)", "H5, P2 or K3 (as valid by year)", "placement_supported_accommodation"))
def placement_supported_accommodation(ctx: Context) -> pd.DataFrame:
    return share_audit(ctx, INDEPENDENT, "in independent, semi-independent or supported accommodation (H5, P2, K3)")


@indicator(_share_def("placement_for_adoption", "Children placed for adoption", 6, "q6.foster_pool",
                      "Children placed for adoption (with or without their current foster carer)", "A3-A6",
                      "placement_for_adoption", deviation=""))
def placement_for_adoption(ctx: Context) -> pd.DataFrame:
    return share_audit(ctx, ADOPTION, "placed for adoption (A3-A6)")


BREAKDOWN_DEVIATION = ("Published as percentages of children looked after at 31 March; we publish counts per group "
                       "(they add up to the Total) because the registry computes each breakdown row over its own "
                       "rows. Shares are each count divided by the Total.")


@indicator(Definition(
    id="placement_type_mix", plain=PLAIN["placement_type_mix"],
    title="Children looked after at 31 March by placement type", question=6,
    sub_question="q6.foster_pool", cohort="Children looked after at 31 March, excluding short breaks (V3/V4)",
    numerator="Children in each placement type group", denominator="none (counts by group; the Total is all "
    "children looked after at 31 March)", unit="count", polarity="neutral", source=SOURCE,
    methodology=MIX_METHOD, deviation=MIX_DEVIATION + " " + BREAKDOWN_DEVIATION, caveats=PLACE_CAVEATS,
    published_measure=None))
def placement_type_mix(ctx: Context) -> pd.DataFrame:
    k = cla31(ctx)
    lab = k["PLACE"].map(PLACE_GROUP).astype("string").fillna("Placement type not recorded")
    n = len(k)
    return E.audit_frame(k["CHILD"], np.ones(n, dtype=bool), np.ones(n, dtype=bool),
                         k["status"] + "; " + lab, breakdown=lab)


# --------------------------------------------------------------------------- providers
def provider_audit(ctx: Context, codes: frozenset, what: str, foster_only: bool = True) -> pd.DataFrame:
    """Percent of children (in foster placements when ``foster_only``) at 31 March with PLACE_PROVIDER in ``codes``."""
    k = year_children(ctx)
    foster = E.is_in(k["PLACE"], FOSTER)
    cohort = k["cla31"] & (foster if foster_only else True)
    num = cohort & E.is_in(k["PLACE_PROVIDER"], codes)
    cohort = pd.Series(np.asarray(cohort, dtype=bool), index=k.index)
    # Reasons are built only for the rows they apply to (string work on every child of a national year adds up)
    reason = k["status"].astype("string").copy()
    inc = k[cohort]
    prov = inc["PLACE_PROVIDER"].map(PROVIDER_LABELS).astype("string").fillna("provider not recorded")
    reason[cohort] = inc["status"] + "; provider " + prov + ("; " + what if what else "")
    excl = k["cla31"].to_numpy(dtype=bool) & ~cohort.to_numpy()
    if excl.any():
        reason[excl] = "excluded: not in a foster placement at 31 March (" + k.loc[excl, "status"] + ")"
    return E.audit_frame(k["CHILD"], cohort, num, reason)


PROVIDER_METHOD = ("PLACE_PROVIDER of the episode open at the end of 31 March: PR0 parents, PR1 own council, PR2 other "
                   "council, PR3 other public sector, PR4 private, PR5 voluntary (validator rule 178).")


def _provider_def(id_, title, numerator, codes_text, question=6, foster_only=True, published=None) -> Definition:
    cohort = ("Children in a foster placement (U1-U6) at 31 March, excluding short breaks (V3/V4)" if foster_only
              else "Children looked after at 31 March, excluding short breaks (V3/V4)")
    return Definition(
        id=id_, plain=PLAIN[id_],
        title=title, question=question, sub_question={1: "q1.commissioning_outcomes", 6: "q6.foster_pool"}[question], cohort=cohort,
        numerator=numerator, denominator="Children in the cohort", unit="percent", polarity="neutral",
        source=SOURCE, methodology=f"PLACE_PROVIDER {codes_text}. " + PROVIDER_METHOD,
        caveats=(SHORT_BREAK_CAVEAT,), published_measure=published)


@indicator(_provider_def("foster_provider_own", "Foster placements with the council's own foster carers",
                         "Foster placements provided by the council (PR1)", "PR1"))
def foster_provider_own(ctx: Context) -> pd.DataFrame:
    return provider_audit(ctx, frozenset({"PR1"}), "")


@indicator(_provider_def("foster_provider_private", "Foster placements with private fostering agencies",
                         "Foster placements provided privately (PR4)", "PR4"))
def foster_provider_private(ctx: Context) -> pd.DataFrame:
    return provider_audit(ctx, frozenset({"PR4"}), "")


@indicator(_provider_def("foster_provider_voluntary", "Foster placements with voluntary fostering agencies",
                         "Foster placements provided by voluntary or third-sector agencies (PR5)", "PR5"))
def foster_provider_voluntary(ctx: Context) -> pd.DataFrame:
    return provider_audit(ctx, frozenset({"PR5"}), "")


@indicator(_provider_def("foster_provider_other", "Foster placements with other councils or public bodies",
                         "Foster placements provided by another council or public body (PR0, PR2, PR3)",
                         "PR0, PR2 or PR3"))
def foster_provider_other(ctx: Context) -> pd.DataFrame:
    return provider_audit(ctx, frozenset({"PR0", "PR2", "PR3"}), "")


@indicator(_provider_def("placement_private_provision", "Children in placements provided privately",
                         "Children placed with private providers (PR4)", "PR4", question=1, foster_only=False,
                         published="placement_private_provision"))
def placement_private_provision(ctx: Context) -> pd.DataFrame:
    return provider_audit(ctx, frozenset({"PR4"}), "", foster_only=False)


# --------------------------------------------------------------------------- residential care (question 7)
def _in_home(ctx: Context) -> pd.DataFrame:
    k = cla31(ctx)
    return k[E.is_in(k["PLACE"], CHILDRENS_HOME)].reset_index(drop=True)


@indicator(Definition(
    id="residential_out_of_area", plain=PLAIN["residential_out_of_area"],
    title="Children in children's homes placed outside the council", question=7,
    sub_question="q7.out_of_area_monitoring",
    cohort="Children in a secure children's home or children's home (K1, K2) at 31 March whose placement location "
           "is known", numerator="Children whose placement postcode lies in another council",
    denominator="Children in the cohort", unit="percent", polarity="lower_is_better",
    source="SSDA903 Episodes; postcode lookup (postcode, easting, northing, la_code)",
    methodology="As placed_outside_council, restricted to children whose open episode at 31 March has PLACE K1 or "
                "K2. NAO (2024): nationally 67% of children in children's homes lived outside their council.",
    deviation="Children with an unknown placement location are left out of the denominator (listed in the audit).",
    caveats=(LOCATION_CAVEAT, SHORT_BREAK_CAVEAT), published_measure=None))
def residential_out_of_area(ctx: Context) -> pd.DataFrame:
    return location_audit(ctx, _in_home(ctx), None)


@indicator(Definition(
    id="residential_over_20_miles", plain=PLAIN["residential_over_20_miles"],
    title="Children in children's homes placed outside the council and more than 20 miles from home", question=7,
    sub_question="q7.out_of_area_monitoring",
    cohort="Children in a secure children's home or children's home (K1, K2) at 31 March placed inside the council, "
           "or outside it with a known distance from home",
    numerator="Children placed outside the council more than 20 miles from their home postcode",
    denominator="Children in the cohort", unit="percent", polarity="lower_is_better",
    source="SSDA903 Episodes; postcode lookup (postcode, easting, northing, la_code)",
    methodology="As placed_outside_and_over_20_miles, restricted to children whose open episode at 31 March has PLACE K1 or K2.",
    deviation="Distance from HOME_POST on the open episode; unknown locations are left out of the denominator.",
    caveats=(LOCATION_CAVEAT, SHORT_BREAK_CAVEAT), published_measure=None))
def residential_over_20_miles(ctx: Context) -> pd.DataFrame:
    return location_audit(ctx, _in_home(ctx), True)


@indicator(Definition(
    id="stability_3plus_residential", plain=PLAIN["stability_3plus_residential"],
    title="Children in children's homes with 3 or more placements in the year",
    question=7, sub_question="q7.outcomes",
    cohort="Children in a secure children's home or children's home (K1, K2) at 31 March",
    numerator="Children in the cohort with 3 or more placements between 1 April and 31 March",
    denominator="Children in the cohort", unit="percent", polarity="lower_is_better", source=SOURCE,
    methodology="stability_3plus_placements restricted to children whose open episode at 31 March has PLACE K1 or "
                "K2; compare with stability_3plus_placements for all children. " + COUNTING_RULES,
    deviation=COUNTING_DEVIATION, caveats=(SHORT_BREAK_CAVEAT, "Small cohorts: read with the interval."),
    published_measure=None))
def stability_3plus_residential(ctx: Context) -> pd.DataFrame:
    k = year_children(ctx)
    home = k["cla31"] & E.is_in(k["PLACE"], CHILDRENS_HOME)
    base = k["status"].where(home | ~k["cla31"], "excluded: not in a children's home at 31 March; " + k["status"])
    return three_plus_audit(ctx, k, home, collection_start(ctx.year), collection_end(ctx.year), "in the year", base)


@indicator(Definition(
    id="stability_3plus_by_setting", plain=PLAIN["stability_3plus_by_setting"],
    title="Children with 3 or more placements in the year, by where they live",
    question=7, sub_question="q7.outcomes",
    cohort="Children looked after at 31 March, excluding short breaks (V3/V4)",
    numerator="Children with 3 or more placements between 1 April and 31 March",
    denominator="Children in the cohort (each breakdown row: children in that setting)", unit="percent",
    polarity="lower_is_better", source=SOURCE,
    methodology="stability_3plus_placements with a breakdown by the setting at 31 March: children's homes (K1, K2) "
                "against all other placements, so residential care can be compared with other children. "
                + COUNTING_RULES,
    deviation=COUNTING_DEVIATION, caveats=(SHORT_BREAK_CAVEAT,), published_measure=None))
def stability_3plus_by_setting(ctx: Context) -> pd.DataFrame:
    k = year_children(ctx)
    out = three_plus_audit(ctx, k, k["cla31"], collection_start(ctx.year), collection_end(ctx.year), "in the year",
                           k["status"])
    home = E.is_in(k["PLACE"], CHILDRENS_HOME).to_numpy()
    setting = np.where(home, "Children's homes (K1, K2)", "Other placements")
    out["breakdown"] = pd.Series(np.where(k["cla31"].to_numpy(), setting, None), dtype="string")
    return out

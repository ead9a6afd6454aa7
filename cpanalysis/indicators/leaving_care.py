"""Question 8: care leavers (the OC3 return).

The OC3 cohort for collection year Y (reference §2.1.4 and §2.1.5): relevant and former relevant children
(looked after for at least 13 weeks since the 14th birthday, some of it after the 16th, not adopted, short
breaks excluded) whose 17th, 18th, 19th, 20th or 21st birthday falls in the year (V rule 391). The age
band is the age reached on that birthday, which is the age at 31 March. The 17-18 group leaves out young
people still looked after on the birthday (V rules 1007, 1016).

Which young people are in the cohort is taken from two places, because a council's 903 history rarely
reaches back to a 21-year-old's 14th birthday:

* every OC3 row returned for year Y (the council's own list of care leavers), checked against the episodes
  where the episodes reach back far enough to judge relevance (from before the 14th birthday); where they
  do not, the OC3 return is trusted and the audit says so;
* every young person whom the episodes show to be relevant with a 17th to 21st birthday in the year but
  with no OC3 row: counted in the cohort with "no OC3 record", that is information not known.

Denominators (reference §2.2, LAIT 112, 113): the cohort excludes IN_TOUCH DIED and RHOM and includes
NO, REFU and NREQ; the suitable-accommodation measures further exclude ACCOM G (abroad), H (deported) and
R (residence not known).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpanalysis import episodes
from cpanalysis.indicators._util import _lookup, _memo
from cpanalysis.indicators.registry import Context, Definition, indicator
from cpanalysis.model import collection_end, collection_start

#: One plain-English sentence per indicator, for councillors (``Definition.plain``).
PLAIN = {
    "care_leavers_activity_not_known_19_21": ("The share of care leavers aged 19 to 21 whose work, "
                                              "study or training the council did not know."),
    "care_leavers_eet_17_18": ("The share of care leavers aged 17 to 18 who were in education, "
                               "employment or training."),
    "care_leavers_eet_19_21": ("The share of care leavers aged 19 to 21 who were in education, "
                               "employment or training."),
    "care_leavers_in_touch_17_18": ("The share of care leavers aged 17 to 18 with whom the council was"
                                    " in touch."),
    "care_leavers_in_touch_19_21": ("The share of care leavers aged 19 to 21 with whom the council was"
                                    " in touch."),
    "care_leavers_neet_17_18": ("The share of care leavers aged 17 to 18 who were not in education, "
                                "employment or training."),
    "care_leavers_neet_19_21": ("The share of care leavers aged 19 to 21 who were not in education, "
                                "employment or training."),
    "care_leavers_suitable_accom_17_18": ("The share of care leavers aged 17 to 18 whose accommodation"
                                          " the council judged suitable."),
    "care_leavers_suitable_accom_19_21": ("The share of care leavers aged 19 to 21 whose accommodation"
                                          " the council judged suitable."),
    "staying_put": ("The share of young people who left foster care at 18 and were still living with "
                    "their former foster carers."),
}

SOURCE = "SSDA903 Episodes, Header and OC3"
SUB_EET = "q8.neet"  # keys of cpanalysis/questions.yaml
SUB_ACCOM = "q8.support"
SUB_TOUCH = "q8.in_touch"
EET_ACTIV = frozenset({"F1", "P1", "F2", "P2", "F3", "P3", "F4", "P4", "F5", "P5"})  # F3/P3 before 2022
NEET_ACTIV = frozenset({"G4", "G5", "G6"})
EXCLUDED_TOUCH = frozenset({"DIED", "RHOM"})
ACCOM_EXCLUDED_LETTERS = frozenset({"G", "H", "R"})
FOSTER_PLACE = frozenset({"U1", "U2", "U3", "U4", "U5", "U6"})
BANDS = {"17_18": (17, 18), "19_21": (19, 21)}
TOUCH_LABELS = {"YES": "in touch", "NO": "not in touch", "DIED": "died", "REFU": "refuses contact",
                "NREQ": "no longer requires services", "RHOM": "returned home for 6 months or more"}
ACTIV_LABELS = {"F1": "higher education full time", "P1": "higher education part time",
                "F2": "other education full time", "P2": "other education part time",
                "F3": "training or employment full time", "P3": "training or employment part time",
                "F4": "apprenticeship full time", "P4": "apprenticeship part time",
                "F5": "training or employment full time", "P5": "training or employment part time",
                "G4": "NEET: illness or disability", "G5": "NEET: other", "G6": "NEET: pregnancy or parenting",
                "0": "activity not known"}

def _head(data) -> pd.Series:
    """Header DOB by child, indexed by plain Python strings (fast lookups), cached per data."""
    def build():
        hd = data.header.drop_duplicates("CHILD", keep="last")
        return pd.Series(hd["DOB"].to_numpy(), index=pd.Index(hd["CHILD"].to_numpy(dtype=object)), name="DOB")
    return _memo(data, "head", build)


def _isin(keys: pd.Series, values) -> pd.Series:
    """``keys.isin(values)`` for large sets of child ids (pandas' Arrow-string isin is slow at national scale)."""
    pool = values if isinstance(values, set) else set(pd.Series(values).dropna().to_numpy(dtype=object).tolist())
    k = keys.to_numpy(dtype=object, na_value=None)
    return pd.Series(np.fromiter((x in pool for x in k), dtype=bool, count=len(k)), index=keys.index)


def _in(s: pd.Series, values) -> pd.Series:
    return s.isin(list(values)).fillna(False).astype(bool)


def _txt(s: pd.Series) -> pd.Series:
    return s.dt.strftime("%d/%m/%Y").astype("string")


def _ordinal(n: pd.Series) -> pd.Series:
    n = n.astype("Int64")
    suffix = pd.Series(np.where(n.isin([1, 21]).fillna(False), "st", np.where(n.isin([2, 22]).fillna(False), "nd",
                                np.where(n.isin([3, 23]).fillna(False), "rd", "th"))), index=n.index, dtype="string")
    return n.astype("string") + suffix


# ------------------------------------------------------------------------------------ the cohort
def _history(data) -> pd.DataFrame:
    return _memo(data, "history", lambda: episodes.history(data))


def _base(ctx: Context) -> pd.DataFrame:
    return _memo(ctx.data, ("oc3_base", ctx.year), lambda: _build_base(ctx.data, ctx.year))


def _build_base(data, year: int) -> pd.DataFrame:
    """One row per young person considered for the OC3 cohort of ``year``, with the reasons."""
    end = collection_end(year)
    first_day = collection_start(min(data.years))
    oc3 = data.table("oc3", year).drop_duplicates("CHILD", keep="last")
    oc3 = oc3[["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"]].rename(columns={"DOB": "OC3_DOB"})
    head = _head(data)
    h = _history(data)
    in_h = _memo(data, "history_children", lambda: set(h["CHILD"].dropna().to_numpy(dtype=object).tolist()))
    # young people the episodes show as aged 17 to 21 at 31 March (birthday in the year)
    head_age = episodes.age_at(pd.Series(head.to_numpy(), index=head.index), end)
    cand = [c for c in head.index[head_age.between(17, 21).fillna(False).to_numpy(dtype=bool)] if c in in_h]
    ids = pd.unique(np.concatenate([oc3["CHILD"].dropna().to_numpy(dtype=object), np.asarray(cand, dtype=object)]))
    b = pd.DataFrame({"CHILD": pd.Series(ids, dtype="string")})
    b = b.merge(oc3, on="CHILD", how="left")
    b["has_oc3"] = _isin(b["CHILD"], oc3["CHILD"])
    dob = _lookup(b["CHILD"], head)
    b["dob"] = dob.where(dob.notna(), b["OC3_DOB"]).astype("datetime64[ns]")
    b["age"] = episodes.age_at(b["dob"], end)
    b["bday"] = episodes.birthday(b["dob"], b["age"].fillna(0).astype(int)).where(b["age"].notna())
    b["bday14"] = episodes.birthday(b["dob"], 14)
    b["has_eps"] = _isin(b["CHILD"], in_h)
    rel = episodes.care_leaver_relevant(data, b.loc[b["has_eps"], "CHILD"], end).drop_duplicates("CHILD")
    rel = rel.set_index(pd.Index(rel["CHILD"].to_numpy(dtype=object)))
    b["relevant"] = _lookup(b["CHILD"], rel["relevant"]).fillna(False).astype(bool)
    b["rel_reason"] = _lookup(b["CHILD"], rel["reason"].astype("string")).astype("string")
    sb = data.episodes.loc[_in(data.episodes["LS"], episodes.SHORT_BREAK_LS), "CHILD"]
    b["short_breaks_only"] = ~b["has_eps"] & _isin(b["CHILD"], sb)
    b["history_complete"] = (b["bday14"] >= first_day).fillna(False).astype(bool)
    # episodes of these young people only (a small slice of a national history)
    h_obj = _memo(data, "history_child_obj", lambda: h["CHILD"].to_numpy(dtype=object, na_value=None))
    pool = set(ids.tolist())
    hb = h[np.fromiter((c in pool for c in h_obj), dtype=bool, count=len(h_obj))]
    # looked after (not short breaks) at the end of the birthday
    m = hb[["CHILD", "DECOM", "END"]].merge(b[["CHILD", "bday"]], on="CHILD")
    la_bday = m.loc[(m["DECOM"] <= m["bday"]) & (m["END"] > m["bday"]), "CHILD"].unique()
    b["la_on_bday"] = _isin(b["CHILD"], la_bday)
    # ceased on the 18th birthday in a foster placement (staying put eligibility)
    b["bday18"] = episodes.birthday(b["dob"], 18)
    m = hb[["CHILD", "DEC", "REC", "PLACE"]].merge(b[["CHILD", "bday18"]], on="CHILD")
    ceased18 = m[(m["DEC"] == m["bday18"]) & m["REC"].notna() & (m["REC"] != "X1").fillna(False)]
    ceased18 = ceased18.drop_duplicates("CHILD", keep="last")
    ceased18 = ceased18.set_index(pd.Index(ceased18["CHILD"].to_numpy(dtype=object)))
    b["ceased18_place"] = _lookup(b["CHILD"], ceased18["PLACE"].astype("string")).astype("string")
    b["ceased18_foster"] = _in(b["ceased18_place"], FOSTER_PLACE)
    b["bday18_seen"] = (b["bday18"] >= first_day).fillna(False).astype(bool)

    b["band"] = pd.Series(np.select([b["age"].between(17, 18).fillna(False).to_numpy(),
                                     b["age"].between(19, 21).fillna(False).to_numpy()], ["17_18", "19_21"], ""),
                          index=b.index, dtype="string")
    bday_txt = (_ordinal(b["age"]) + " birthday " + _txt(b["bday"])).fillna("birthday not known")
    touch = b["IN_TOUCH"].astype("string")
    # exclusions, first match wins
    conds = [
        b["dob"].isna(),
        ~b["age"].between(17, 21).fillna(False).astype(bool),
        b["short_breaks_only"],
        b["rel_reason"].fillna("").str.contains("adopted").astype(bool),
        ~b["relevant"] & b["has_eps"] & (b["history_complete"] | ~b["has_oc3"]),
        (b["band"] == "17_18").fillna(False).astype(bool) & b["la_on_bday"],
        _in(touch, EXCLUDED_TOUCH),
    ]
    whys = [
        pd.Series("excluded: no date of birth", index=b.index, dtype="string"),
        "excluded: aged " + b["age"].astype("string").fillna("?") + f" at 31/03/{year} (OC3 covers the 17th to "
        "21st birthdays)",
        pd.Series("excluded: short breaks only (V3/V4)", index=b.index, dtype="string"),
        "excluded: " + b["rel_reason"].fillna(""),
        "excluded: " + b["rel_reason"].fillna(""),
        "excluded: still looked after on " + bday_txt,
        "excluded: IN_TOUCH " + touch.fillna("") + " (" + touch.map(TOUCH_LABELS).astype("string").fillna("") + ")",
    ]
    excluded = pd.Series(False, index=b.index)
    why = pd.Series(pd.NA, index=b.index, dtype="string")
    for c, w in zip(conds, whys, strict=True):
        c = c.fillna(False).astype(bool) & ~excluded
        why = why.mask(c, w)
        excluded |= c
    b["in_cohort"] = ~excluded
    # the description of those in the cohort
    rel_txt = pd.Series(np.select(
        [b["relevant"].to_numpy(), (~b["has_eps"]).to_numpy()],
        [b["rel_reason"].fillna("").to_numpy(dtype=object),
         "no episodes supplied; care leaver status taken from the OC3 return"],
        default=("episodes before " + first_day.strftime("%d/%m/%Y") + " not supplied ("
                 + b["rel_reason"].fillna("") + "); care leaver status taken from the OC3 return").to_numpy(
                     dtype=object)), index=b.index, dtype="string")
    activ = b["ACTIV"].astype("string")
    accom = b["ACCOM"].astype("string")
    oc3_txt = ("IN_TOUCH " + touch.fillna("blank") + "; ACTIV " + activ.fillna("blank")
               + (" (" + activ.map(ACTIV_LABELS).astype("string") + ")").fillna("") + "; ACCOM " + accom.fillna("blank"))
    oc3_txt = oc3_txt.where(b["has_oc3"], "no OC3 record (counted as information not known)")
    b["desc"] = (bday_txt + "; " + rel_txt + "; " + oc3_txt).astype("string")
    b["reason"] = b["desc"].where(b["in_cohort"], why).astype("string")
    b["accom_letter"] = accom.str[:1]
    b["accom_ok_den"] = b["in_cohort"] & ~_in(b["accom_letter"], ACCOM_EXCLUDED_LETTERS)
    return b.sort_values("CHILD", kind="mergesort").reset_index(drop=True)


def _audit(b: pd.DataFrame, cohort: pd.Series, num: pd.Series, reason: pd.Series, **extra) -> pd.DataFrame:
    out = pd.DataFrame({"CHILD": b["CHILD"].astype("string"), "in_cohort": cohort.astype(bool).to_numpy(),
                        "in_numerator": (cohort & num).fillna(False).astype(bool).to_numpy(),
                        "reason": reason.astype("string").to_numpy()})
    for k, v in extra.items():
        out[k] = v
    return out


def _band_audit(ctx: Context, band: str, numerator: pd.Series, accom: bool = False, note: str = "",
                by_age: bool = False) -> pd.DataFrame:
    b = _base(ctx)
    lo, hi = BANDS[band]
    in_band = (b["band"] == band).fillna(False).astype(bool)
    cohort = b["in_cohort"] & in_band
    reason = b["reason"]
    reason = reason.mask(b["in_cohort"] & ~in_band, "excluded: aged " + b["age"].astype("string")
                         + f" (this measure covers ages {lo} to {hi})")
    if accom:
        out = cohort & ~b["accom_ok_den"]
        cohort = cohort & b["accom_ok_den"]
        reason = reason.mask(out, "excluded: ACCOM " + b["ACCOM"].astype("string").fillna("")
                             + " (abroad, deported or residence not known); " + b["desc"])
    if note:
        reason = reason.mask(cohort, reason + note)
    if by_age:  # each age in the band separately, as councils' scorecards track them (19, 20 and 21)
        age = b["age"].astype("Int64").astype("string")
        return _audit(b, cohort, numerator, reason, breakdown=("Aged " + age).where(in_band).to_numpy(dtype=object))
    return _audit(b, cohort, numerator, reason)


COHORT_TEXT = {"17_18": "Care leavers whose 17th or 18th birthday fell in the year, not looked after on it",
               "19_21": "Care leavers whose 19th, 20th or 21st birthday fell in the year"}
COHORT_METHOD = ("OC3 cohort as in the DfE 903 guidance: relevant or former relevant children (13 weeks looked after "
                 "since the 14th birthday, some after the 16th, not adopted, short breaks excluded) whose birthday "
                 "in the age band fell in the collection year; the 17-18 group excludes those still looked after on "
                 "the birthday (V rules 391, 1007, 1016). IN_TOUCH DIED and RHOM are excluded; NO, REFU and NREQ "
                 "are included. A young person the episodes show as a care leaver but with no OC3 row counts as "
                 "information not known. ")
COHORT_DEVIATION = ("Where the episodes do not reach back to the 14th birthday, the council's OC3 rows are taken "
                    "as the cohort without re-deriving relevance (the audit marks these).")
BY_AGE = (" Breakdowns: aged 19, aged 20 and aged 21 (the age at 31 March, reached on the birthday in the year), "
          "as councils' scorecards track them.")
BY_AGE_DEVIATION = " DfE publishes council figures for ages 19 to 21 together only, so the single ages have no comparator."
CAV_TOUCH = "Information is collected around the birthday; 'not in touch' includes young people who refuse contact."


def _touch_def(band: str) -> Definition:
    lo, hi = BANDS[band]
    return Definition(
        id=f"care_leavers_in_touch_{band}", plain=PLAIN[f"care_leavers_in_touch_{band}"], counted=f"care leavers aged {lo} to {hi}",
        title=f"Care leavers aged {lo} to {hi} the council is in touch with",
        question=8, sub_question=SUB_TOUCH, cohort=COHORT_TEXT[band],
        numerator="Those with IN_TOUCH = YES", denominator=f"Care leavers aged {lo} to {hi} (as the EET measure)",
        unit="percent", polarity="higher_is_better", source=SOURCE,
        methodology=COHORT_METHOD + "Numerator IN_TOUCH = YES (LAIT 317: 'not in touch' excludes cases where a third "
        "party supplied the activity).", deviation=COHORT_DEVIATION + " DfE does not publish an 'in touch' "
        "percentage by council; REFU and NREQ count as not in touch here.", caveats=(CAV_TOUCH,),
        published_measure=None)


def _touch(ctx: Context, band: str) -> pd.DataFrame:
    b = _base(ctx)
    return _band_audit(ctx, band, (b["IN_TOUCH"] == "YES").fillna(False).astype(bool))


@indicator(_touch_def("17_18"))
def care_leavers_in_touch_17_18(ctx: Context) -> pd.DataFrame:
    return _touch(ctx, "17_18")


@indicator(_touch_def("19_21"))
def care_leavers_in_touch_19_21(ctx: Context) -> pd.DataFrame:
    return _touch(ctx, "19_21")


CAV_EET = ("Activity is recorded around the birthday, so it is a snapshot, not the whole year.",
           "Before 2022, training and employment were recorded together; they are counted as education, "
           "employment or training.")


def _activity_def(band: str, kind: str) -> Definition:
    lo, hi = BANDS[band]
    if kind == "eet":
        return Definition(
            id=f"care_leavers_eet_{band}", plain=PLAIN[f"care_leavers_eet_{band}"], counted=f"care leavers aged {lo} to {hi}",
            title=f"Care leavers aged {lo} to {hi} in education, employment or training",
            question=8, sub_question=SUB_EET, cohort=COHORT_TEXT[band],
            numerator="Those with ACTIV F1, P1, F2, P2, F4, P4, F5 or P5 (F3, P3 before 2022)",
            denominator=f"Care leavers aged {lo} to {hi}", unit="percent", polarity="higher_is_better", source=SOURCE,
            methodology=COHORT_METHOD + "Numerator: ACTIV in education, employment or training (LAIT 113; EES "
            "la_care_leavers_activity 'Total in education, employment or training')." + (BY_AGE if band == "19_21" else ""),
            deviation=COHORT_DEVIATION + (BY_AGE_DEVIATION if band == "19_21" else ""),
            caveats=CAV_EET, published_measure=f"care_leavers_eet_{band}")
    if kind == "neet":
        return Definition(
            id=f"care_leavers_neet_{band}", plain=PLAIN[f"care_leavers_neet_{band}"],
            counted=f"care leavers aged {lo} to {hi}",
            title=f"Care leavers aged {lo} to {hi} not in education, employment or training",
            question=8, sub_question=SUB_EET, cohort=COHORT_TEXT[band], numerator="Those with ACTIV G4, G5 or G6",
            denominator=f"Care leavers aged {lo} to {hi}", unit="percent", polarity="lower_is_better", source=SOURCE,
            methodology=COHORT_METHOD + "Numerator: ACTIV G4, G5 or G6 (EES 'Total not in education, employment or "
            "training').", deviation=COHORT_DEVIATION, caveats=CAV_EET,
            published_measure="care_leavers_neet_19_21" if band == "19_21" else None)
    return Definition(
        id=f"care_leavers_activity_not_known_{band}", plain=PLAIN[f"care_leavers_activity_not_known_{band}"], counted=f"care leavers aged {lo} to {hi}",
        title=f"Care leavers aged {lo} to {hi} whose activity is not "
        "known", question=8, sub_question=SUB_TOUCH, cohort=COHORT_TEXT[band],
        numerator="Those with ACTIV 0 or blank, or no OC3 record", denominator=f"Care leavers aged {lo} to {hi}",
        unit="percent", polarity="lower_is_better", source=SOURCE,
        methodology=COHORT_METHOD + "Numerator: activity not known (EES 'Total information not known').",
        deviation=COHORT_DEVIATION, caveats=CAV_EET,
        published_measure="care_leavers_activity_not_known_19_21" if band == "19_21" else None)


def _activity(ctx: Context, band: str, codes, by_age: bool = False) -> pd.DataFrame:
    b = _base(ctx)
    return _band_audit(ctx, band, _in(b["ACTIV"], codes), by_age=by_age)


def _not_known(ctx: Context, band: str) -> pd.DataFrame:
    b = _base(ctx)
    return _band_audit(ctx, band, (b["ACTIV"].isna() | (b["ACTIV"] == "0")).fillna(True).astype(bool))


@indicator(_activity_def("17_18", "eet"))
def care_leavers_eet_17_18(ctx: Context) -> pd.DataFrame:
    return _activity(ctx, "17_18", EET_ACTIV)


@indicator(_activity_def("19_21", "eet"))
def care_leavers_eet_19_21(ctx: Context) -> pd.DataFrame:
    return _activity(ctx, "19_21", EET_ACTIV, by_age=True)


@indicator(_activity_def("17_18", "neet"))
def care_leavers_neet_17_18(ctx: Context) -> pd.DataFrame:
    return _activity(ctx, "17_18", NEET_ACTIV)


@indicator(_activity_def("19_21", "neet"))
def care_leavers_neet_19_21(ctx: Context) -> pd.DataFrame:
    return _activity(ctx, "19_21", NEET_ACTIV)


@indicator(_activity_def("19_21", "not_known"))
def care_leavers_activity_not_known_19_21(ctx: Context) -> pd.DataFrame:
    return _not_known(ctx, "19_21")


def _accom_def(band: str) -> Definition:
    lo, hi = BANDS[band]
    return Definition(
        id=f"care_leavers_suitable_accom_{band}", plain=PLAIN[f"care_leavers_suitable_accom_{band}"], counted=f"care leavers aged {lo} to {hi}",
        title=f"Care leavers aged {lo} to {hi} in suitable accommodation",
        question=8, sub_question=SUB_ACCOM,
        cohort=COHORT_TEXT[band] + ", excluding ACCOM G (abroad), H (deported) and R (residence not known)",
        numerator="Those whose ACCOM ends in 1 (suitable)", denominator=f"Care leavers aged {lo} to {hi} "
        "(suitability total)", unit="percent", polarity="higher_is_better", source=SOURCE,
        methodology=COHORT_METHOD + "Denominator further excludes ACCOM G, H and R, so it is smaller than the EET "
        "denominator (LAIT 112; England 2025: 14,750 v 14,800 aged 17-18). Numerator: ACCOM ending in 1. ACCOM 0 "
        "or blank, and no OC3 record, stay in the denominator as not known to be suitable."
        + (BY_AGE if band == "19_21" else ""),
        deviation=COHORT_DEVIATION + (BY_AGE_DEVIATION if band == "19_21" else ""), caveats=("Suitability is the council's judgement, recorded around the birthday.",),
        published_measure=f"care_leavers_suitable_accom_{band}")


def _accom(ctx: Context, band: str, by_age: bool = False) -> pd.DataFrame:
    b = _base(ctx)
    return _band_audit(ctx, band, b["ACCOM"].astype("string").str.endswith("1").fillna(False).astype(bool),
                       accom=True, by_age=by_age)


@indicator(_accom_def("17_18"))
def care_leavers_suitable_accom_17_18(ctx: Context) -> pd.DataFrame:
    return _accom(ctx, "17_18")


@indicator(_accom_def("19_21"))
def care_leavers_suitable_accom_19_21(ctx: Context) -> pd.DataFrame:
    return _accom(ctx, "19_21", by_age=True)


@indicator(Definition(
    id="staying_put", plain=PLAIN["staying_put"], counted="care leavers aged 18 to 20",
    title="Care leavers aged 18 to 20 who left foster care at 18 and are staying put",
    question=8, sub_question="q8.staying_put",
    cohort="Care leavers whose 18th, 19th or 20th birthday fell in the year, who ceased to be looked after on their "
    "18th birthday in a foster placement (U1-U6)",
    numerator="Those living with their former foster carers (ACCOM Z1 or Z2)",
    denominator="The cohort", unit="percent", polarity="higher_is_better", source=SOURCE,
    methodology=COHORT_METHOD + "Staying put (LAIT 354): of young people aged 18 to 20 who ceased care on their "
    "18th birthday (an episode with REC other than X1 ending on the 18th birthday) in a foster placement (PLACE "
    "U1-U6), those whose OC3 ACCOM letter is Z (with former foster carers). Breakdowns: age 18, ages 19 to 20.",
    deviation="DfE's derivation is not public: 'ceased on the 18th birthday in a foster placement' is read from "
    "the episodes (DEC equal to the 18th birthday, PLACE U1-U6) and 'staying put' from ACCOM Z. Young people whose "
    "18th birthday is before the episodes supplied cannot be placed in the cohort and are left out (the audit "
    "says so). " + COHORT_DEVIATION,
    caveats=("The return records that a young person lives with their former foster carers, not whether a formal "
             "staying put arrangement exists.", "Needs episodes reaching back to the 18th birthday: with one year of returns "
             "only the 18-year-olds can be counted."),
    published_measure=None))
def staying_put(ctx: Context) -> pd.DataFrame:
    b = _base(ctx)
    ages = b["age"].between(18, 20).fillna(False).astype(bool)
    cohort = b["in_cohort"] & ages & b["ceased18_foster"]
    num = (b["accom_letter"] == "Z").fillna(False).astype(bool)
    b18 = _txt(b["bday18"]).fillna("?")
    reason = b["reason"].mask(b["in_cohort"] & ~ages, "excluded: aged " + b["age"].astype("string")
                              + " (this measure covers ages 18 to 20)")
    not_seen = b["in_cohort"] & ages & ~b["bday18_seen"] & ~b["ceased18_foster"]
    reason = reason.mask(not_seen, "excluded: 18th birthday " + b18 + " is before the episodes supplied; " + b["desc"])
    other = b["in_cohort"] & ages & b["bday18_seen"] & ~b["ceased18_foster"]
    how = pd.Series(np.where(b["ceased18_place"].notna(), "ceased on the 18th birthday in placement "
                             + b["ceased18_place"].fillna(""), "did not cease care on the 18th birthday"),
                    index=b.index, dtype="string")
    reason = reason.mask(other, "excluded: " + how + " (" + b18 + "), not in foster care; " + b["desc"])
    reason = reason.mask(cohort, "ceased care on 18th birthday " + b18 + " in foster placement "
                         + b["ceased18_place"].fillna("") + "; " + b["desc"])
    band = pd.Series(np.where(b["age"].fillna(0) == 18, "Age 18", "Age 19 to 20"), index=b.index, dtype="string")
    return _audit(b, cohort, num, reason, breakdown=band.where(cohort, pd.NA))

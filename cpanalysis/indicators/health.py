"""Question 3: children's health, emotional wellbeing and offending (the OC2 return).

Every indicator here is computed on the OC2 cohort: children looked after continuously for 12 months
at 31 March (:func:`cpanalysis.episodes.oc2_cohort`, reference §2.1.3), joined to the OC2 rows returned
for the same collection year. A child in the cohort with no OC2 row counts as "not received" (reason
"no OC2 record"); a blank flag counts as not received too, as DfE counts a refusal. OC2 rows for a child
with no episode in the year are listed in the audit as excluded so that nothing disappears silently.

Ages are completed years at 31 March (Header DOB, else the OC2 row's DOB).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpanalysis import episodes
from cpanalysis.indicators._util import _isin, _lookup, _memo
from cpanalysis.indicators.registry import Context, Definition, indicator
from cpanalysis.model import collection_end

#: One plain-English sentence per indicator, for councillors (``Definition.plain``).
PLAIN = {
    "convicted": ("The share of children aged 10 to 17, in care for at least a year, who were "
                  "convicted or given a youth caution during the year."),
    "dental_check": ("The share of children in care for at least a year who had their teeth checked by"
                     " a dentist."),
    "development_check": ("The share of children under 5, in care for at least a year, whose "
                          "development checks were up to date."),
    "health_assessment": ("The share of children in care for at least a year who had their yearly "
                          "health assessment."),
    "immunisations": "The share of children in care for at least a year whose immunisations were up to date.",
    "oc2_cohort_size": ("The number of children who had been in care for at least a year on 31 March, "
                        "the group the health measures describe."),
    "oc2_record_missing": ("The share of children in care for at least a year for whom the council "
                           "sent no health and wellbeing record."),
    "sdq_bands": ("The children aged 5 to 16, in care for at least a year, who had an emotional "
                  "wellbeing score, counted by how concerning the score was."),
    "sdq_borderline": ("The share of children with an emotional wellbeing score whose score was "
                       "borderline (14 to 16)."),
    "sdq_concern": ("The share of children with an emotional wellbeing score whose score was a cause "
                    "for concern (17 or more)."),
    "sdq_mean": ("The average emotional wellbeing score of children aged 5 to 16 in care for at least "
                 "a year, where higher means more difficulties."),
    "sdq_normal": ("The share of children with an emotional wellbeing score whose score was in the "
                   "normal range (0 to 13)."),
    "sdq_received": ("The share of children aged 5 to 16, in care for at least a year, whose emotional"
                     " wellbeing was scored."),
    "substance_intervention_received": ("The share of children with a substance misuse problem who "
                                        "received help for it."),
    "substance_intervention_refused": ("The share of children with a substance misuse problem who "
                                       "refused the help they were offered."),
    "substance_misuse": ("The share of children in care for at least a year who were identified as "
                         "having a substance misuse problem."),
}

SOURCE = "SSDA903 Episodes, Header and OC2"
SUB_HEALTH = "q3.assessments"  # keys of cpanalysis/questions.yaml
SUB_REPORTS = "q3.health_reports"
SUB_SUBSTANCE = "q3.substance_misuse"
SUB_SDQ = "q3.camhs"
SUB_OFFEND = "q3.substance_misuse"
COHORT_12M = "Children looked after continuously for 12 months at 31 March, excluding short breaks (V3/V4)"
OC2_RULE = ("Cohort by the DfE 903 validator's continuously-looked-after rule ( no new period of care, no ceasing "
            "before 31 March and no V3/V4 episode during the year; looked after on 1 April and at 31 March). ")
CAV_MISSING_OC2 = ("A child with no health record for the year, or with the answer left blank, is counted as not "
                   "having had it, so a council that has not sent its health records will show low figures.")

def _head(data) -> pd.Series:
    """Header DOB by child, indexed by plain Python strings (fast lookups), cached per data."""
    def build():
        hd = data.header.drop_duplicates("CHILD", keep="last")
        return pd.Series(hd["DOB"].to_numpy(), index=pd.Index(hd["CHILD"].to_numpy(dtype=object)), name="DOB")
    return _memo(data, "head", build)


def _base(ctx: Context) -> pd.DataFrame:
    """OC2 cohort joined to the year's OC2 rows: one row per child with an episode in the year or an OC2 row."""
    return _memo(ctx.data, ("oc2_base", ctx.year), lambda: _build_base(ctx.data, ctx.year))


def _build_base(data, year: int) -> pd.DataFrame:
    coh = episodes.oc2_cohort(data, year)
    coh = coh.assign(CHILD=coh["CHILD"].astype("string"), in_cohort=coh["in_cohort"].astype(bool),
                     reason=coh["reason"].astype("string"))
    oc2 = data.table("oc2", year)
    n_rows = oc2.groupby("CHILD").size() if len(oc2) else pd.Series(dtype="int64")
    oc2 = oc2.drop_duplicates("CHILD", keep="last")
    cols = [c for c in oc2.columns if c not in ("YEAR", "SOURCE_FILE", "SOURCE_ROW")]
    oc2 = oc2[cols].rename(columns={"DOB": "OC2_DOB"}).assign(has_oc2=True)
    b = coh.merge(oc2, on="CHILD", how="outer")
    orphan = b["in_cohort"].isna()
    b["in_cohort"] = b["in_cohort"].fillna(False).astype(bool)
    b["reason"] = b["reason"].mask(orphan, "excluded: OC2 record but no episode during the year").astype("string")
    b["has_oc2"] = b["has_oc2"].fillna(False).astype(bool)
    b["dup_oc2"] = _isin(b["CHILD"], n_rows[n_rows > 1].index)
    dob = _lookup(b["CHILD"], _head(data))
    dob = dob.where(dob.notna(), b["OC2_DOB"]).astype("datetime64[ns]")
    b["age"] = episodes.age_at(dob, collection_end(year))
    b["age_txt"] = ("aged " + b["age"].astype("string") + f" at 31/03/{year}").fillna("age unknown (no DOB)")
    # reason text shared by every measure, built once (string building dominates the cost at national scale)
    b["prefix"] = (b["reason"] + "; " + b["age_txt"] + "; ").astype("string")
    b["age_excl"] = ("excluded: " + b["age_txt"]).astype("string")
    return b.sort_values("CHILD", kind="mergesort").reset_index(drop=True)


def _age_filter(b: pd.DataFrame, ages: tuple[int, int] | None) -> tuple[pd.Series, pd.Series]:
    """(in age range, reason for those outside it) for the OC2 base."""
    if ages is None:
        return pd.Series(True, index=b.index), pd.Series("", index=b.index, dtype="string")
    lo, hi = ages
    ok = b["age"].between(lo, hi).fillna(False).astype(bool)
    why = (b["age_excl"] + f" (this measure covers ages {lo} to {hi})").astype("string")
    return ok, why


def _flag_desc(b: pd.DataFrame, col: str, yes: str, no: str) -> pd.Series:
    v = b[col]
    codes = np.select([~b["has_oc2"].to_numpy(), v.isna().to_numpy(), (v == 1).fillna(False).to_numpy()],
                      [0, 1, 2], default=3).astype("int8")
    cats = ["no OC2 record (counted as not received)", f"{col} blank (counted as {no})", f"{col}=1 ({yes})",
            f"{col}=0 ({no})"]
    # categorical codes, then one take: far cheaper than materialising a string per child
    return pd.Series(pd.Categorical.from_codes(codes, categories=cats), index=b.index).astype("string")


def _audit(b: pd.DataFrame, in_cohort: pd.Series, in_num: pd.Series, reason: pd.Series, **extra) -> pd.DataFrame:
    out = pd.DataFrame({"CHILD": b["CHILD"].astype("string"), "in_cohort": in_cohort.astype(bool),
                        "in_numerator": (in_num & in_cohort).astype(bool), "reason": reason.astype("string")})
    for k, v in extra.items():
        out[k] = v
    return out


def _flag_indicator(ctx: Context, col: str, yes: str, no: str, ages: tuple[int, int] | None = None,
                    restrict: pd.Series | None = None, restrict_why: pd.Series | None = None) -> pd.DataFrame:
    b = _base(ctx)
    age_ok, age_why = _age_filter(b, ages)
    cohort = b["in_cohort"] & age_ok
    if restrict is not None:
        cohort = cohort & restrict
    flag = (b[col] == 1).fillna(False).astype(bool) & b["has_oc2"]
    in_txt = b["prefix"] + _flag_desc(b, col, yes, no)
    if b["dup_oc2"].any():
        in_txt = in_txt.mask(b["dup_oc2"], in_txt + "; several OC2 rows for this child in the year (the last is used)")
    reason = in_txt.where(cohort, b["reason"])
    reason = reason.mask(b["in_cohort"] & ~age_ok, age_why)
    if restrict is not None and restrict_why is not None:
        reason = reason.mask(b["in_cohort"] & age_ok & ~restrict, restrict_why)
    return _audit(b, cohort, flag, reason)


DEV_BLANK = ("A blank flag, and a child in the cohort with no OC2 row, count as not received: DfE counts a refusal "
             "as not received, but how it treats blanks is not published (our reading). Ages come from the Header "
             "DOB (else the OC2 DOB).")


def _def(**kw) -> Definition:
    kw.setdefault("deviation", DEV_BLANK)
    kw.setdefault("question", 3)
    kw.setdefault("source", SOURCE)
    kw.setdefault("sub_question", SUB_HEALTH)
    return Definition(**kw)


# ------------------------------------------------------------------------------------ health checks
@indicator(_def(
    id="health_assessment", plain=PLAIN["health_assessment"],
    title="Children who had their annual health assessment",
    cohort=COHORT_12M, numerator="Children in the cohort with HEALTH_ASSESSMENT = 1 in the year's OC2 return",
    denominator="Children in the cohort (all ages)", unit="percent", polarity="higher_is_better",
    methodology=OC2_RULE + "Numerator HEALTH_ASSESSMENT = 1; a refusal or a blank counts as not received "
    "(LAIT 3; EES la_conviction_health_outcome_cla, 'Had their annual health assessment').",
    caveats=("Children under 5 need two health assessments a year; they count when the council recorded them "
             "as up to date.", CAV_MISSING_OC2),
    published_measure="health_assessment"))
def health_assessment(ctx: Context) -> pd.DataFrame:
    return _flag_indicator(ctx, "HEALTH_ASSESSMENT", "assessment up to date", "not received")


@indicator(_def(
    id="dental_check", plain=PLAIN["dental_check"], title="Children who had their teeth checked by a dentist",
    cohort=COHORT_12M, numerator="Children in the cohort with TEETH_CHECK = 1",
    denominator="Children in the cohort (all ages)", unit="percent", polarity="higher_is_better",
    methodology=OC2_RULE + "Numerator TEETH_CHECK = 1; refusal or blank counts as not received (LAIT 3; EES "
    "la_conviction_health_outcome_cla, 'Had their teeth checked by a dentist').",
    caveats=("Dental checks in 2021 were limited by the pandemic.", CAV_MISSING_OC2),
    published_measure="dental_check"))
def dental_check(ctx: Context) -> pd.DataFrame:
    return _flag_indicator(ctx, "TEETH_CHECK", "teeth checked", "not received")


@indicator(_def(
    id="immunisations", plain=PLAIN["immunisations"], title="Children whose immunisations were up to date",
    cohort=COHORT_12M, numerator="Children in the cohort with IMMUNISATIONS = 1",
    denominator="Children in the cohort (all ages)", unit="percent", polarity="higher_is_better",
    methodology=OC2_RULE + "Numerator IMMUNISATIONS = 1; refusal or blank counts as not up to date (LAIT 3; EES "
    "la_conviction_health_outcome_cla, 'Had their immunisations up to date').",
    caveats=(CAV_MISSING_OC2,), published_measure="immunisations"))
def immunisations(ctx: Context) -> pd.DataFrame:
    return _flag_indicator(ctx, "IMMUNISATIONS", "up to date", "not up to date")


@indicator(_def(
    id="development_check", plain=PLAIN["development_check"],
    title="Children aged under 5 whose development assessments were up to date",
    cohort="Children aged 0 to 4 at 31 March looked after continuously for 12 months, excluding short breaks",
    numerator="Children in the cohort with HEALTH_CHECK = 1",
    denominator="Children in the cohort aged 0 to 4", unit="percent", polarity="higher_is_better",
    methodology=OC2_RULE + "Restricted to ages 0 to 4 at 31 March (V rules 545, 546: HEALTH_CHECK applies to "
    "under-5s only). Numerator HEALTH_CHECK = 1 (EES la_conviction_health_outcome_cla, 'Development assessments "
    "up to date').",
    caveats=("Small cohorts: most councils have few under-5s looked after for a full year.", CAV_MISSING_OC2),
    published_measure="development_check"))
def development_check(ctx: Context) -> pd.DataFrame:
    return _flag_indicator(ctx, "HEALTH_CHECK", "development assessment up to date", "not up to date", ages=(0, 4))


# ------------------------------------------------------------------------------------ SDQ
SDQ_REASONS = {"SDQ1": "aged under 4 or over 16", "SDQ2": "carer refused", "SDQ3": "disability prevents it",
               "SDQ4": "other", "SDQ5": "young person refused"}
SDQ_BANDS = (("Normal (0 to 13)", 0, 13), ("Borderline (14 to 16)", 14, 16), ("Cause for concern (17 to 40)", 17, 40))
SDQ_COHORT = "Children aged 5 to 16 at 31 March looked after continuously for 12 months, excluding short breaks"
SDQ_METHOD = (OC2_RULE + "Restricted to ages 5 to 16 at 31 March (LAIT 162; LG Inform 2135). A score is an integer "
              "0 to 40 (V rule 180); scores outside 0 to 40 are treated as not received. Bands: 0-13 normal, 14-16 "
              "borderline, 17-40 cause for concern. ")
SDQ_CAVEATS = ("Higher scores mean more difficulties; the SDQ is a screening tool completed by carers, not a "
               "diagnosis.", "Councils record scores for children aged 4 to 16; DfE publishes, and this pack shows, "
               "ages 5 to 16.",
               CAV_MISSING_OC2)


def _sdq(ctx: Context) -> tuple[pd.DataFrame, pd.Series, pd.Series, pd.Series, pd.Series]:
    """(base, in SDQ cohort, score received, score as float, reason text for the cohort rows)."""
    return _memo(ctx.data, ("sdq", ctx.year), lambda: _build_sdq(ctx))


def _build_sdq(ctx: Context) -> tuple[pd.DataFrame, pd.Series, pd.Series, pd.Series, pd.Series]:
    b = _base(ctx)
    age_ok, age_why = _age_filter(b, (5, 16))
    cohort = b["in_cohort"] & age_ok
    score = pd.to_numeric(b["SDQ_SCORE"], errors="coerce").astype("Float64")
    received = score.between(0, 40).fillna(False).astype(bool) & b["has_oc2"]
    why_code = b["SDQ_REASON"].astype("string")
    why_txt = why_code.map(SDQ_REASONS).astype("string").fillna("")
    none_txt = ("no SDQ score" + ("; SDQ_REASON " + why_code + " (" + why_txt + ")").fillna("")).astype("string")
    bad = score.notna() & ~score.between(0, 40).fillna(False)
    none_txt = none_txt.mask(bad.astype(bool), "SDQ score " + score.astype("string") + " out of range 0-40 (ignored)")
    none_txt = none_txt.mask(~b["has_oc2"], "no OC2 record (no SDQ score)")
    desc = pd.Series("SDQ score " + score.astype("Int64", errors="ignore").astype("string"), index=b.index,
                     dtype="string").where(received, none_txt)
    reason = (b["prefix"] + desc).where(cohort, b["reason"])
    reason = reason.mask(b["in_cohort"] & ~age_ok, age_why)
    _memo(ctx.data, ("sdq_desc", ctx.year), lambda: desc)
    return b, cohort, received, score.astype(float), reason


@indicator(_def(
    id="sdq_received", plain=PLAIN["sdq_received"],
    title="Children aged 5 to 16 with an SDQ score", sub_question=SUB_SDQ,
    cohort=SDQ_COHORT, numerator="Children in the cohort with an SDQ_SCORE (0 to 40) in the OC2 return",
    denominator="Children in the cohort", unit="percent", polarity="higher_is_better",
    methodology=SDQ_METHOD + "Numerator: a score was returned (EES 'SDQ score was received').",
    caveats=SDQ_CAVEATS, published_measure="sdq_received"))
def sdq_received(ctx: Context) -> pd.DataFrame:
    b, cohort, received, _, reason = _sdq(ctx)
    return _audit(b, cohort, received, reason)


def _sdq_scored(ctx: Context) -> tuple[pd.DataFrame, pd.Series, pd.Series, pd.Series]:
    """Audit pieces for measures over children with a score: (base, cohort, score, reason)."""
    return _memo(ctx.data, ("sdq_scored", ctx.year), lambda: _build_sdq_scored(ctx))


def _build_sdq_scored(ctx: Context) -> tuple[pd.DataFrame, pd.Series, pd.Series, pd.Series]:
    b, cohort, received, score, reason = _sdq(ctx)
    scored = cohort & received
    desc = _memo(ctx.data, ("sdq_desc", ctx.year), lambda: None)
    reason = reason.mask(cohort & ~received, "excluded: " + desc)
    return b, scored, score, reason


@indicator(_def(
    id="sdq_mean", plain=PLAIN["sdq_mean"], title="Average SDQ score", sub_question=SUB_SDQ,
    cohort="Children aged 5 to 16 looked after continuously for 12 months with an SDQ score",
    numerator="Sum of SDQ scores", denominator="Children with a score", unit="mean", polarity="lower_is_better",
    methodology=SDQ_METHOD + "Value: the mean score of children with a score (LAIT 162, 'SDQ average score'). "
    "DfE publishes the average in the children_count column of la_conviction_health_outcome_cla.",
    caveats=SDQ_CAVEATS, published_measure="sdq_mean"))
def sdq_mean(ctx: Context) -> pd.DataFrame:
    b, scored, score, reason = _sdq_scored(ctx)
    return _audit(b, scored, scored, reason, value=score.where(scored))


def _sdq_band_pct(ctx: Context, lo: int, hi: int) -> pd.DataFrame:
    b, scored, score, reason = _sdq_scored(ctx)
    return _audit(b, scored, scored & score.between(lo, hi).fillna(False).astype(bool), reason)


@indicator(_def(
    id="sdq_concern", plain=PLAIN["sdq_concern"],
    title="Children whose SDQ score is a cause for concern", sub_question=SUB_SDQ,
    cohort="Children aged 5 to 16 looked after continuously for 12 months with an SDQ score",
    numerator="Children with a score of 17 or more", denominator="Children with a score", unit="percent",
    polarity="lower_is_better",
    methodology=SDQ_METHOD + "Percentage of children with a score whose score is 17 to 40 (EES 'SDQ score is a "
    "cause for concern').", caveats=SDQ_CAVEATS, published_measure="sdq_concern"))
def sdq_concern(ctx: Context) -> pd.DataFrame:
    return _sdq_band_pct(ctx, 17, 40)


@indicator(_def(
    id="sdq_borderline", plain=PLAIN["sdq_borderline"],
    title="Children whose SDQ score is borderline", sub_question=SUB_SDQ,
    cohort="Children aged 5 to 16 looked after continuously for 12 months with an SDQ score",
    numerator="Children with a score of 14 to 16", denominator="Children with a score", unit="percent",
    polarity="neutral", methodology=SDQ_METHOD + "Percentage of children with a score whose score is 14 to 16.",
    caveats=SDQ_CAVEATS))
def sdq_borderline(ctx: Context) -> pd.DataFrame:
    return _sdq_band_pct(ctx, 14, 16)


@indicator(_def(
    id="sdq_normal", plain=PLAIN["sdq_normal"],
    title="Children whose SDQ score is in the normal range", sub_question=SUB_SDQ,
    cohort="Children aged 5 to 16 looked after continuously for 12 months with an SDQ score",
    numerator="Children with a score of 0 to 13", denominator="Children with a score", unit="percent",
    polarity="higher_is_better", methodology=SDQ_METHOD + "Percentage of children with a score whose score is 0-13.",
    caveats=SDQ_CAVEATS))
def sdq_normal(ctx: Context) -> pd.DataFrame:
    return _sdq_band_pct(ctx, 0, 13)


@indicator(_def(
    id="sdq_bands", plain=PLAIN["sdq_bands"],
    title="Children with an SDQ score, by band", sub_question=SUB_SDQ,
    cohort="Children aged 5 to 16 looked after continuously for 12 months with an SDQ score",
    numerator="Children with a score (Total), and in each band (breakdown)", denominator="none (a count)",
    unit="count", polarity="neutral",
    methodology=SDQ_METHOD + "A count with one breakdown row per band, so the bands add up to the Total; the "
    "percentages are sdq_normal, sdq_borderline and sdq_concern.",
    deviation="Published as percentages of children with a score; given here as counts because a breakdown "
    "slice cannot carry the whole cohort as its denominator.", caveats=SDQ_CAVEATS))
def sdq_bands(ctx: Context) -> pd.DataFrame:
    b, scored, score, reason = _sdq_scored(ctx)
    band = pd.Series(np.select([score.between(lo, hi).fillna(False).to_numpy() for _, lo, hi in SDQ_BANDS],
                               [name for name, _, _ in SDQ_BANDS], default=""), index=b.index, dtype="string")
    band = band.where(scored & (band != ""), pd.NA)
    return _audit(b, scored, scored, reason, breakdown=band)


# ------------------------------------------------------------------------------------ offending, substances
@indicator(_def(
    id="convicted", plain=PLAIN["convicted"],
    title="Children aged 10 to 17 convicted or given a youth caution", sub_question=SUB_OFFEND,
    cohort="Children aged 10 to 17 at 31 March looked after continuously for 12 months, excluding short breaks",
    numerator="Children in the cohort with CONVICTED = 1 (convicted, youth caution or youth conditional caution "
    "during the year)", denominator="Children in the cohort aged 10 to 17", unit="percent",
    polarity="lower_is_better",
    methodology=OC2_RULE + "Restricted to ages 10 to 17 at 31 March (LAIT 202; V rules 542, 543). Numerator "
    "CONVICTED = 1.", caveats=("Many councils' figures are suppressed because the numbers are small.",
                               "A child whose record does not say is counted as not convicted.", CAV_MISSING_OC2),
    published_measure="convicted"))
def convicted(ctx: Context) -> pd.DataFrame:
    return _flag_indicator(ctx, "CONVICTED", "convicted or cautioned", "not convicted", ages=(10, 17))


@indicator(_def(
    id="substance_misuse", plain=PLAIN["substance_misuse"], sub_question=SUB_SUBSTANCE,
    title="Children identified as having a substance misuse problem",
    cohort=COHORT_12M, numerator="Children in the cohort with SUBSTANCE_MISUSE = 1",
    denominator="Children in the cohort (all ages)", unit="percent", polarity="neutral",
    methodology=OC2_RULE + "Numerator SUBSTANCE_MISUSE = 1 (LAIT 239).",
    caveats=("A higher figure can mean better identification, not more misuse.", CAV_MISSING_OC2),
    published_measure="substance_misuse"))
def substance_misuse(ctx: Context) -> pd.DataFrame:
    return _flag_indicator(ctx, "SUBSTANCE_MISUSE", "identified", "not identified")


def _identified(ctx: Context) -> tuple[pd.Series, pd.Series]:
    return _memo(ctx.data, ("identified", ctx.year), lambda: _build_identified(ctx))


def _build_identified(ctx: Context) -> tuple[pd.Series, pd.Series]:
    b = _base(ctx)
    ident = (b["SUBSTANCE_MISUSE"] == 1).fillna(False).astype(bool) & b["has_oc2"]
    why = ("excluded: not identified as having a substance misuse problem (" + b["age_txt"] + ")").astype("string")
    return ident, why


@indicator(_def(
    id="substance_intervention_received", plain=PLAIN["substance_intervention_received"], sub_question=SUB_SUBSTANCE,
    title="Children with a substance misuse problem who received an "
    "intervention", cohort="Children in the OC2 cohort identified as having a substance misuse problem",
    numerator="Those with INTERVENTION_RECEIVED = 1", denominator="Children identified (SUBSTANCE_MISUSE = 1)",
    unit="percent", polarity="higher_is_better",
    methodology=OC2_RULE + "Of children with SUBSTANCE_MISUSE = 1, those with INTERVENTION_RECEIVED = 1 (LAIT 239).",
    caveats=("Small numbers in most councils.", CAV_MISSING_OC2)))
def substance_intervention_received(ctx: Context) -> pd.DataFrame:
    ident, why = _identified(ctx)
    return _flag_indicator(ctx, "INTERVENTION_RECEIVED", "intervention received", "not received",
                           restrict=ident, restrict_why=why)


@indicator(_def(
    id="substance_intervention_refused", plain=PLAIN["substance_intervention_refused"], sub_question=SUB_SUBSTANCE,
    title="Children with a substance misuse problem who refused an "
    "intervention offered", cohort="Children in the OC2 cohort identified as having a substance misuse problem",
    numerator="Those with INTERVENTION_OFFERED = 1 (offered but refused)",
    denominator="Children identified (SUBSTANCE_MISUSE = 1)", unit="percent", polarity="lower_is_better",
    methodology=OC2_RULE + "Of children with SUBSTANCE_MISUSE = 1, those with INTERVENTION_OFFERED = 1, which the "
    "903 guidance defines as an intervention offered but refused (LAIT 239).",
    caveats=("Small numbers in most councils.", "This counts children who were offered help and refused it, not every "
             "child offered help.", CAV_MISSING_OC2)))
def substance_intervention_refused(ctx: Context) -> pd.DataFrame:
    ident, why = _identified(ctx)
    return _flag_indicator(ctx, "INTERVENTION_OFFERED", "offered and refused", "not refused",
                           restrict=ident, restrict_why=why)


# ------------------------------------------------------------------------------------ cohort and data quality
@indicator(_def(
    id="oc2_cohort_size", plain=PLAIN["oc2_cohort_size"], sub_question=SUB_REPORTS,
    title="Children looked after continuously for 12 months at 31 March",
    cohort=COHORT_12M, numerator="Children in the cohort", denominator="none (a count)", unit="count",
    polarity="neutral", methodology=OC2_RULE + "The denominator of the OC2 measures (EES 'Total all ages').",
    deviation="DfE's code for the cohort is not public; we apply the DfE 903 validator's continuity rule.",
    caveats=("The group is worked out from children's periods in care, not from the health records the council sent.",)))
def oc2_cohort_size(ctx: Context) -> pd.DataFrame:
    b = _base(ctx)
    rec = pd.Series(np.where(b["has_oc2"], "; OC2 record returned", "; no OC2 record"), index=b.index,
                    dtype="string")
    reason = (b["reason"] + rec).where(b["in_cohort"], b["reason"])
    return _audit(b, b["in_cohort"], b["in_cohort"], reason)


@indicator(_def(
    id="oc2_record_missing", plain=PLAIN["oc2_record_missing"], sub_question=SUB_REPORTS,
    title="Children in care for a year with no health and wellbeing record",
    cohort=COHORT_12M, numerator="Children in the cohort with no OC2 row in the year's return",
    denominator="Children in the cohort", unit="percent", polarity="lower_is_better",
    methodology=OC2_RULE + "A data-quality check: every child in the cohort should have an OC2 row.",
    deviation="Not a DfE measure; our check of the return.",
    caveats=("Children missing here are counted as 'not received' in every health measure.",)))
def oc2_record_missing(ctx: Context) -> pd.DataFrame:
    b = _base(ctx)
    rec = pd.Series(np.where(b["has_oc2"], "; OC2 record returned", "; no OC2 record"), index=b.index,
                    dtype="string")
    reason = (b["reason"] + rec).where(b["in_cohort"], b["reason"])
    return _audit(b, b["in_cohort"], ~b["has_oc2"], reason)

"""Question 5: adoption and permanence (Episodes, AD1 and PlacedAdoption).

Cohorts (reference §2.2):

* **ceased**: children who ceased to be looked after in the year, the last ceasing episode per child
  (:func:`cpanalysis.episodes.ceased`; REC other than X1; short breaks excluded);
* **adopted**: those whose last ceasing episode has REC E11 or E12.

For each adopted child the stage dates are read as follows (our reading of the EES stage definitions):

* *entry into care*: DECOM of the first episode of the period of care that ended in adoption (a period
  starts with RNE S or after a gap in care);
* *decision* that the child should be placed for adoption: the latest PlacedAdoption DATE_PLACED on or
  before the adoption date, else AD1 DATE_INT;
* *court authority* (scorecard A2): DECOM of the first episode in the period with legal status E1
  (placement order) or D1 (freeing order);
* *match*: AD1 DATE_MATCH (the AD1 row of the adoption year, else the latest one before it);
* *placed for adoption*: DECOM of the first episode in the period with PLACE A3 to A6;
* *moved in* for scorecard A10: for an adoption by the child's foster carer (AD1 FOSTER_CARE = 1 or PLACE
  A4/A6), the start of that foster placement: the DECOM of the latest placement start (RNE S, P or B, not a
  temporary placement or the return from one) on or before the adoptive placement; otherwise the date placed;
* *adopted*: DEC of the adoption episode.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpanalysis import episodes
from cpanalysis.definitions import window_identities
from cpanalysis.indicators._util import _isin, _lookup, _memo
from cpanalysis.indicators.registry import Context, Definition, indicator

#: One plain-English sentence per indicator, for councillors (``Definition.plain``).
PLAIN = {
    "adoption_a10_3yr": ("The average number of days, over three years, from a child entering care to "
                         "moving in with the family who adopted them, counting the start of a foster "
                         "placement where the foster carers adopted the child."),
    "adoption_a1_3yr": ("The average number of days, over three years, from a child entering care to "
                        "moving in with the family who adopted them."),
    "adoption_a2_3yr": ("The average number of days, over three years, from the court allowing a child"
                        " to be placed for adoption to the child being matched with a family."),
    "adoption_days_authority_to_match": ("The average number of days from the court allowing a child "
                                         "to be placed for adoption to the child being matched with a "
                                         "family."),
    "adoption_days_decision_to_match": ("The average number of days from the decision that a child "
                                        "should be adopted to the child being matched with a family."),
    "adoption_days_entry_to_adopted": ("The average number of days from a child entering care to being"
                                       " adopted."),
    "adoption_days_entry_to_placed": ("The average number of days from a child entering care to moving"
                                      " in with the family who went on to adopt them."),
    "adoption_days_match_to_placed": ("The average number of days from a child being matched with a "
                                      "family to moving in with them."),
    "adoption_days_placed_to_adopted": ("The average number of days from a child moving in with a "
                                        "family to the adoption order."),
    "adoption_placed_within_12_months": ("The share of children adopted in the year who moved in with "
                                         "their new family within 12 months of the decision that they "
                                         "should be adopted."),
    "adoptions": "The number of children adopted from the council's care during the year.",
    "adoption_within_18_months": ("The share of children adopted in the year who moved in with their adoptive "
                                  "family less than 18 months after they came into care."),
    "ceased_adopted": "The share of children leaving care in the year who left because they were adopted.",
    "ceased_sgo": "The share of children leaving care in the year who left to live with a special guardian.",
}

SOURCE_CEASED = "SSDA903 Episodes"
SOURCE_ADOPT = "SSDA903 Episodes, AD1 and PlacedAdoption"
SUB_PERM = "q5.adoption_timeliness"  # keys of cpanalysis/questions.yaml
SUB_TIME = "q5.adoption_decision"
ADOPTED_REC = frozenset({"E11", "E12"})
SGO_REC_FROM_2019 = frozenset({"E45", "E46", "E47", "E48"})
SGO_REC_BEFORE_2019 = frozenset({"E43", "E44"})
#: first collection year in which E45-E48 replaced E43/E44 (reference §1.3, diff of the 2017 and 2019 schemas)
SGO_SWITCH_YEAR = 2019
ADOPTION_PLACE = frozenset({"A3", "A4", "A5", "A6"})
WITH_FOSTER_CARER_PLACE = frozenset({"A4", "A6"})
AUTHORITY_LS = frozenset({"E1", "D1"})
REC_LABELS = {"E11": "adopted (application unopposed)", "E12": "adopted (consent dispensed with)",
              "E45": "SGO to former foster carer, relative or friend", "E46": "SGO to former foster carer, other",
              "E47": "SGO to carer other than former foster carer, relative or friend",
              "E48": "SGO to carer other than former foster carer, other", "E43": "SGO to former foster carer",
              "E44": "SGO to carer other than former foster carer", "E2": "died", "E3": "care taken over by another LA",
              "E4A": "returned home (planned)", "E4B": "returned home (unplanned)", "E41": "child arrangements order",
              "E13": "left to live with parents or relatives", "E5": "independent living with support",
              "E6": "independent living without support", "E7": "adult social care", "E9": "custody",
              "E14": "remand ended", "E15": "age assessed 18+", "E16": "moved abroad",
              "E17": "aged 18+ and remained with carers", "E8": "other"}
CAV_TIME = ("Averages over few children swing widely from year to year; the three-year scorecard measures are "
            "steadier.", "A child with a missing date is left out of the stages that need it.")

def _in(s: pd.Series, values) -> pd.Series:
    return s.isin(list(values)).fillna(False).astype(bool)


def _txt(s: pd.Series) -> pd.Series:
    return s.dt.strftime("%d/%m/%Y").astype("string")


# ------------------------------------------------------------------------------------ shared frames
def _history(data) -> pd.DataFrame:
    def build():
        h = episodes.history(data).copy()
        h["_rid"] = np.arange(len(h))
        prev_end = h.groupby("CHILD", sort=False)["END"].shift(1)
        new_period = (h["RNE"] == "S").fillna(False).astype(bool) | prev_end.isna() | (prev_end < h["DECOM"])
        h["_period"] = new_period.astype(int).groupby(h["CHILD"], sort=False).cumsum()
        h["_entry"] = h.groupby(["CHILD", "_period"], sort=False)["DECOM"].transform("first")
        temp = _in(h["PLACE"], episodes.TEMPORARY_PLACE)
        after_temp = temp.groupby(h["CHILD"], sort=False).shift(1, fill_value=False).astype(bool)
        h["_placement_start"] = _in(h["RNE"], {"S", "P", "B"}) & ~temp & ~after_temp
        return h
    return _memo(data, "history", build)


def _ceased(data, year: int) -> pd.DataFrame:
    return _memo(data, ("ceased", year), lambda: episodes.ceased(_history(data), year))


def _latest_before(table: pd.DataFrame, date_col: str, keys: pd.DataFrame) -> pd.Series:
    """For each row of ``keys`` (CHILD, DEC): the latest ``date_col`` in ``table`` on or before DEC."""
    t = table[["CHILD", date_col]].dropna()
    m = keys[["CHILD", "DEC"]].reset_index().merge(t, on="CHILD", how="inner")
    m = m[m[date_col] <= m["DEC"]]
    return m.groupby("index")[date_col].max().reindex(keys.index)


def _adopted(data, year: int) -> pd.DataFrame:
    return _memo(data, ("adopted", year), lambda: _build_adopted(data, year))


def _build_adopted(data, year: int) -> pd.DataFrame:
    """One row per child adopted in ``year`` with the stage dates (see the module docstring)."""
    c = _ceased(data, year)
    a = c[_in(c["REC"], ADOPTED_REC)][["CHILD", "DECOM", "DEC", "REC", "_rid", "_period", "_entry"]]
    a = a.rename(columns={"DECOM": "_adopt_decom"}).reset_index(drop=True)
    h = _history(data)
    eps = h.merge(a[["CHILD", "_period", "_adopt_decom"]], on=["CHILD", "_period"], how="inner")
    eps = eps[eps["DECOM"] <= eps["_adopt_decom"]]
    placed_eps = eps[_in(eps["PLACE"], ADOPTION_PLACE)].drop_duplicates("CHILD", keep="first")
    placed = placed_eps.set_index("CHILD")
    a["placed"] = _lookup(a["CHILD"], placed["DECOM"]).astype("datetime64[ns]")
    a["placed_place"] = _lookup(a["CHILD"], placed["PLACE"]).astype("string")
    a["placed_rne"] = _lookup(a["CHILD"], placed["RNE"]).astype("string")
    auth = eps[_in(eps["LS"], AUTHORITY_LS)].drop_duplicates("CHILD", keep="first").set_index("CHILD")
    a["authority"] = _lookup(a["CHILD"], auth["DECOM"]).astype("datetime64[ns]")
    a["authority_ls"] = _lookup(a["CHILD"], auth["LS"]).astype("string")
    # moved in with the foster carer who adopted: the latest placement start on or before the adoptive placement
    ps = eps[eps["_placement_start"]].merge(a[["CHILD", "placed"]], on="CHILD")
    ps = ps[ps["DECOM"] <= ps["placed"]]
    a["foster_start"] = _lookup(a["CHILD"], ps.groupby("CHILD")["DECOM"].max().astype("datetime64[ns]"))
    # AD1: the adoption year's row, else the latest before it
    ad1 = data.tables["ad1"]
    ad1 = ad1[ad1["YEAR"] <= year].sort_values("YEAR", kind="mergesort").drop_duplicates("CHILD", keep="last")
    ad1 = ad1.set_index("CHILD")
    a["match"] = _lookup(a["CHILD"], ad1["DATE_MATCH"]).astype("datetime64[ns]")
    a["date_int"] = _lookup(a["CHILD"], ad1["DATE_INT"]).astype("datetime64[ns]")
    a["has_ad1"] = _isin(a["CHILD"], ad1.index)
    fc = _lookup(a["CHILD"], ad1["FOSTER_CARE"])
    a["by_foster_carer"] = ((fc == 1).fillna(False).astype(bool) | _in(a["placed_place"], WITH_FOSTER_CARER_PLACE))
    pa = data.tables["placed_adoption"]
    pa = pa[pa["YEAR"] <= year]
    a["date_placed"] = _latest_before(pa, "DATE_PLACED", a).astype("datetime64[ns]")
    a["decision"] = a["date_placed"].where(a["date_placed"].notna(), a["date_int"])
    a["decision_src"] = pd.Series(np.where(a["date_placed"].notna(), "PlacedAdoption DATE_PLACED",
                                           np.where(a["date_int"].notna(), "AD1 DATE_INT", "")), dtype="string")
    a["moved_in_a10"] = a["placed"].where(~a["by_foster_carer"] | a["foster_start"].isna(), a["foster_start"])
    a["year"] = year
    a["story"] = _story(a)
    return a


def _story(a: pd.DataFrame) -> pd.Series:
    """A child's adoption dates in words, for audit reasons."""
    def part(label, col, extra=None):
        s = (label + " " + _txt(a[col]))
        if extra is not None:
            s = s + extra
        return s.fillna(label + " not known")
    fc = pd.Series(np.where(a["by_foster_carer"], " by the foster carer", ""), index=a.index, dtype="string")
    parts = [
        ("adopted " + _txt(a["DEC"]) + " (REC " + a["REC"].astype("string") + fc + ")").fillna("adopted"),
        part("entered care", "_entry"),
        part("decision", "decision", (" (" + a["decision_src"] + ")")),
        part("match", "match"),
        part("placed for adoption", "placed", (" (PLACE " + a["placed_place"] + ")")),
    ]
    out = parts[0]
    for p in parts[1:]:
        out = out + "; " + p
    return out.astype("string")


# ------------------------------------------------------------------------------------ ceased measures
def _ceased_audit(ctx: Context, codes, label: str, invalid=frozenset()) -> pd.DataFrame:
    c = _ceased(ctx.data, ctx.year)
    rec = c["REC"].astype("string")
    hit = _in(rec, codes)
    lab = rec.map(REC_LABELS).astype("string").fillna("other reason")
    reason = "ceased " + _txt(c["DEC"]) + " (REC " + rec + ": " + lab + ")"
    reason = reason + pd.Series(np.where(hit, f"; {label}", ""), index=c.index, dtype="string")
    bad = _in(rec, invalid)
    if bad.any():
        reason = reason.mask(bad, reason + f"; this code is not valid in {ctx.year} returns, so not counted "
                             "(check the return)")
    return pd.DataFrame({"CHILD": c["CHILD"].astype("string"), "in_cohort": True, "in_numerator": hit.to_numpy(),
                         "reason": reason.astype("string")})


CEASED_METHOD = ("Cohort: children who ceased to be looked after in the year, counted once on their last ceasing "
                 "episode (REC other than X1; LAIT 392), short breaks (V3/V4) excluded. ")


@indicator(Definition(
    id="ceased_adopted", plain=PLAIN["ceased_adopted"],
    title="Children leaving care who were adopted", question=5, sub_question=SUB_PERM,
    cohort="Children who ceased to be looked after in the year (last occasion), excluding short breaks",
    numerator="Those whose last episode ended with REC E11 or E12 (adopted)",
    denominator="Children who ceased to be looked after", unit="percent", polarity="neutral",
    source=SOURCE_CEASED, methodology=CEASED_METHOD + "Numerator REC E11 or E12 (LAIT 208).",
    caveats=("Children moving into another council's care count as leaving care, so some are counted twice nationally.",
             "A high or low share is not in itself good or bad: it depends on why children leave care."),
    published_measure="ceased_adopted"))
def ceased_adopted(ctx: Context) -> pd.DataFrame:
    return _ceased_audit(ctx, ADOPTED_REC, "adopted")


@indicator(Definition(
    id="ceased_sgo", plain=PLAIN["ceased_sgo"],
    title="Children leaving care on a special guardianship order", question=5, sub_question=SUB_PERM,
    cohort="Children who ceased to be looked after in the year (last occasion), excluding short breaks",
    numerator="Those whose last episode ended with an SGO code (E45 to E48 from 2019; E43, E44 before)",
    denominator="Children who ceased to be looked after", unit="percent", polarity="neutral",
    source=SOURCE_CEASED, methodology=CEASED_METHOD + "Numerator: the special guardianship codes valid in the "
    "collection year: E45-E48 from 2019 (E43/E44 were replaced in 2019), E43/E44 before (LAIT 390, "
    "whose text still says E43 or E44).",
    deviation="A retired code (E43/E44 from 2019, E45-E48 before) is not counted; the audit names the child so the "
    "return can be corrected.",
    caveats=("Children moving into another council's care count as leaving care, so some are counted twice nationally.",),
    published_measure="ceased_sgo"))
def ceased_sgo(ctx: Context) -> pd.DataFrame:
    if ctx.year >= SGO_SWITCH_YEAR:
        return _ceased_audit(ctx, SGO_REC_FROM_2019, "special guardianship order", invalid=SGO_REC_BEFORE_2019)
    return _ceased_audit(ctx, SGO_REC_BEFORE_2019, "special guardianship order", invalid=SGO_REC_FROM_2019)


@indicator(Definition(
    id="adoptions", plain=PLAIN["adoptions"], title="Children adopted", question=5, sub_question=SUB_PERM,
    cohort="Children who ceased to be looked after in the year through adoption (REC E11, E12)",
    numerator="Children adopted", denominator="none (a count)", unit="count", polarity="neutral",
    source=SOURCE_CEASED, methodology=CEASED_METHOD + "Count of those with REC E11 or E12 (EES 'Adopted').",
    caveats=("Small numbers: one or two adoptions more or fewer change the picture.",)))
def adoptions(ctx: Context) -> pd.DataFrame:
    return _ceased_audit(ctx, ADOPTED_REC, "adopted").assign(
        in_cohort=lambda d: d["in_numerator"].astype(bool))


# ------------------------------------------------------------------------------------ timeliness
TIME_COHORT = "Children adopted in the year (last ceasing episode REC E11 or E12), excluding short breaks"
TIME_METHOD = ("Cohort: children adopted in the year (REC E11/E12 on the last ceasing episode). Stage dates as in "
               "the EES stage tables (national_cla_adopted_average_time_between_adoption_process_stages): entry "
               "into care = start of the period of care that ended in adoption; decision = PlacedAdoption "
               "DATE_PLACED (else AD1 DATE_INT); match = AD1 DATE_MATCH; placed = DECOM of the first A3-A6 "
               "episode; adopted = DEC. Value per child in days; the figure is the mean. ")
TIME_DEVIATION = ("DfE's code is not public: the period of care, the choice of decision date and the first A3-A6 "
                  "episode as 'placed' are our reading of the stage definitions. DfE publishes these averages "
                  "nationally only, as years and months.")


def _days_audit(frames: list[pd.DataFrame], start: str, end: str, start_label: str, end_label: str,
                floor_zero: bool = False, require: pd.Series | None = None) -> pd.DataFrame:
    a = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    days = (a[end] - a[start]).dt.days.astype("Float64")
    known = days.notna()
    if require is not None:
        known &= require.reindex(a.index).fillna(False).astype(bool)
    val = days.clip(lower=0) if floor_zero else days
    missing = pd.Series(np.select([a[start].isna().to_numpy(), a[end].isna().to_numpy()],
                                  [f"excluded: {start_label} not known", f"excluded: {end_label} not known"],
                                  default="excluded"), index=a.index, dtype="string")
    val_txt = ("; " + days.astype("Int64").astype("string") + f" days from {start_label} to {end_label}")
    if floor_zero:
        val_txt = val_txt + pd.Series(np.where((days < 0).fillna(False), " (before authority: counted as 0)", ""),
                                      index=a.index, dtype="string")
    reason = (a["story"] + val_txt).where(known, missing + "; " + a["story"])
    return pd.DataFrame({"CHILD": a["CHILD"].astype("string"), "in_cohort": known.to_numpy(dtype=bool),
                         "in_numerator": known.to_numpy(dtype=bool), "reason": reason.astype("string"),
                         "value": val.astype(float).where(known, np.nan).to_numpy()})


def _timing(ctx: Context, start: str, end: str, start_label: str, end_label: str) -> pd.DataFrame:
    return _days_audit([_adopted(ctx.data, ctx.year)], start, end, start_label, end_label)


def _time_def(id, title, numerator, methodology, published=None, polarity="lower_is_better", **kw) -> Definition:
    return Definition(id=id, plain=PLAIN[id], title=title, question=5, sub_question=kw.pop("sub_question", SUB_TIME), cohort=kw.pop("cohort", TIME_COHORT),
                      numerator=numerator, denominator=kw.pop("denominator", "Children adopted with both dates "
                                                                              "known"),
                      unit=kw.pop("unit", "days"), polarity=polarity, source=SOURCE_ADOPT,
                      methodology=TIME_METHOD + methodology, deviation=kw.pop("deviation", TIME_DEVIATION),
                      caveats=kw.pop("caveats", CAV_TIME), published_measure=published, **kw)


@indicator(_time_def(
    "adoption_days_entry_to_placed", "Average days from entering care to being placed for adoption",
    "Days from entry into care to the first A3-A6 placement", "EES stage 4 ('entry into care and date placed for "
    "adoption'); England 2025 01:07.", published="adoption_days_entry_to_placed"))
def adoption_days_entry_to_placed(ctx: Context) -> pd.DataFrame:
    return _timing(ctx, "_entry", "placed", "entering care", "placement for adoption")


@indicator(_time_def(
    "adoption_days_entry_to_adopted", "Average days from entering care to adoption",
    "Days from entry into care to the adoption (DEC)", "EES stage 6 ('entry into care and adoption'); England "
    "2025 02:03.", published="adoption_days_entry_to_adopted"))
def adoption_days_entry_to_adopted(ctx: Context) -> pd.DataFrame:
    return _timing(ctx, "_entry", "DEC", "entering care", "adoption")


@indicator(_time_def(
    "adoption_days_decision_to_match", "Average days from the decision to place for adoption to matching",
    "Days from the decision (DATE_PLACED, else DATE_INT) to the match (DATE_MATCH)",
    "EES stage 2 ('decision that child should be placed for adoption and matching'); England 2025 00:10.",
    published="adoption_days_decision_to_match"))
def adoption_days_decision_to_match(ctx: Context) -> pd.DataFrame:
    return _timing(ctx, "decision", "match", "decision", "match")


@indicator(_time_def(
    "adoption_days_match_to_placed", "Average days from matching to being placed for adoption",
    "Days from the match (DATE_MATCH) to the first A3-A6 placement", "EES stage 3; England 2025 00:01."))
def adoption_days_match_to_placed(ctx: Context) -> pd.DataFrame:
    return _timing(ctx, "match", "placed", "match", "placement for adoption")


@indicator(_time_def(
    "adoption_days_placed_to_adopted", "Average days from being placed for adoption to adoption",
    "Days from the first A3-A6 placement to the adoption (DEC)", "EES stage 5; England 2025 00:09."))
def adoption_days_placed_to_adopted(ctx: Context) -> pd.DataFrame:
    return _timing(ctx, "placed", "DEC", "placement for adoption", "adoption")


A2_METHOD = ("Scorecard A2 (LG Inform 912): children adopted with a placement order (LS E1) or freeing order (LS D1) "
             "who were placed for adoption before the adoption order; days from court authority (DECOM of the "
             "first E1/D1 episode in the period of care) to the match (AD1 DATE_MATCH); 0 when matched before "
             "authority. ")


def _a2(frames: list[pd.DataFrame]) -> pd.DataFrame:
    a = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    placed_before = (a["placed"] < a["DEC"]).fillna(False).astype(bool)
    out = _days_audit([a], "authority", "match", "court authority", "match", floor_zero=True,
                      require=placed_before & a["authority"].notna())
    no_auth = a["authority"].isna().to_numpy()
    not_placed = (~placed_before).to_numpy()
    out["reason"] = pd.Series(np.select(
        [no_auth, not_placed],
        [("excluded: no placement order or freeing order (LS E1/D1) in the period of care; " + a["story"]).to_numpy(
            dtype=object),
         ("excluded: not placed for adoption before the adoption order; " + a["story"]).to_numpy(dtype=object)],
        default=out["reason"].to_numpy(dtype=object)), dtype="string")
    return out


@indicator(_time_def(
    "adoption_days_authority_to_match", "Average days from court authority to matching (A2, one year)",
    "Days from the placement or freeing order to the match, 0 if matched first", A2_METHOD + "One year of adoptions.",
    cohort="Children adopted in the year with a placement or freeing order, placed before the adoption order",
    deviation="The scorecard uses three years (adoption_a2_3yr); this one-year version is for trend-watching. The "
    "date of authority is taken from the legal status on the episodes, not from court records."))
def adoption_days_authority_to_match(ctx: Context) -> pd.DataFrame:
    return _a2([_adopted(ctx.data, ctx.year)])


def _three_years(ctx: Context) -> list[pd.DataFrame]:
    return [_adopted(ctx.data, y) for y in (ctx.year - 2, ctx.year - 1, ctx.year)]


SCORECARD_CAVEATS = ("Three-year rolling average: children adopted in the reporting year and the two before it.",
                     "Scorecard thresholds were last set for 2013-16 (A1 14 months, about 426 days; A2 4 months, "
                     "about 121 days).") + CAV_TIME


@indicator(_time_def(
    "adoption_a1_3yr", "Average days from entering care to moving in with the adoptive family (A1, 3 years)",
    "Days from entry into care to the first A3-A6 placement",
    "Scorecard A1: children adopted over three years; days from entry into care to moving in with the adoptive "
    "family (the first A3-A6 episode).", history_years=2,
    cohort="Children adopted in the reporting year and the two years before it", caveats=SCORECARD_CAVEATS,
    identities=window_identities("adoption_a1_3yr", "adoption_days_entry_to_placed")))
def adoption_a1_3yr(ctx: Context) -> pd.DataFrame:
    return _days_audit(_three_years(ctx), "_entry", "placed", "entering care", "moving in with the adoptive family")


@indicator(_time_def(
    "adoption_a10_3yr", "Average days from entering care to moving in with the adoptive family, adjusted for foster "
    "carer adoptions (A10, 3 years)", "Days from entry into care to moving in (foster carer adoptions: the start of "
    "the foster placement)",
    "Scorecard A10: as A1, but when the child's foster carer adopts (AD1 FOSTER_CARE = 1 or PLACE A4/A6) the date "
    "moved in is the start of that foster placement: the latest placement start (RNE S, P or B; temporary "
    "placements and returns from them excluded) on or before the adoptive placement.", history_years=2,
    cohort="Children adopted in the reporting year and the two years before it", caveats=SCORECARD_CAVEATS))
def adoption_a10_3yr(ctx: Context) -> pd.DataFrame:
    return _days_audit(_three_years(ctx), "_entry", "moved_in_a10", "entering care",
                       "moving in with the family who adopted")


@indicator(_time_def(
    "adoption_a2_3yr", "Average days from court authority to matching (A2, 3 years)",
    "Days from the placement or freeing order to the match, 0 if matched first", A2_METHOD + "Three years.",
    history_years=2, cohort="Children adopted over three years with a placement or freeing order, placed before "
    "the adoption order", caveats=SCORECARD_CAVEATS,
    identities=window_identities("adoption_a2_3yr", "adoption_days_authority_to_match"),
    deviation="The date of authority is taken from the legal status on the episodes, not from court records."))
def adoption_a2_3yr(ctx: Context) -> pd.DataFrame:
    return _a2(_three_years(ctx))


@indicator(_time_def(
    "adoption_placed_within_12_months", "Adopted children placed for adoption within 12 months of the decision",
    "Children placed (first A3-A6 episode) within 12 calendar months of the decision",
    "Percentage of adopted children with both dates known (EES 'placed within 12 months of decision'; England "
    "2025: 2,150 children).", unit="percent", polarity="higher_is_better", sub_question="q5.adoption_timeliness",
    denominator="Children adopted in the year with a decision date and a placement date"))
def adoption_placed_within_12_months(ctx: Context) -> pd.DataFrame:
    a = _adopted(ctx.data, ctx.year)
    known = (a["decision"].notna() & a["placed"].notna()).astype(bool)
    within = (a["placed"] <= a["decision"] + pd.DateOffset(months=12)).fillna(False).astype(bool) & known
    return _timeliness_audit(a, "decision", known, within, "the decision", ("within 12 months",
                             "after more than 12 months"), "excluded: decision date not known")


def _timeliness_audit(a: pd.DataFrame, start: str, known: pd.Series, within: pd.Series, since: str,
                      words: tuple[str, str], start_missing: str) -> pd.DataFrame:
    """The audit of a 'placed for adoption within N months of ``start``' measure: days taken and the verdict for
    each child with both dates, and why the others are left out."""
    days = (a["placed"] - a[start]).dt.days.astype("Int64").astype("string")
    verdict = pd.Series(np.where(within, words[0], words[1]), index=a.index, dtype="string")
    missing = pd.Series(np.where(a[start].isna(), start_missing, "excluded: placement for adoption not known"),
                        index=a.index, dtype="string")
    reason = (a["story"] + "; placed " + days + f" days after {since}, " + verdict).where(
        known, missing + "; " + a["story"])
    return pd.DataFrame({"CHILD": a["CHILD"].astype("string"), "in_cohort": known.to_numpy(),
                         "in_numerator": within.to_numpy(), "reason": reason.astype("string")})


@indicator(Definition(
    id="adoption_within_18_months", plain=PLAIN["adoption_within_18_months"],
    title="Adopted children who moved in with their adoptive family within 18 months of entering care",
    question=5, sub_question="q5.adoption_decision",
    cohort="Children adopted in the year (REC E11 or E12) with both the date they entered care and the date they "
           "were placed for adoption known",
    numerator="Children placed for adoption (first A3-A6 episode of the period of care) less than 18 calendar months "
              "after entering care",
    denominator="Children in the cohort", unit="percent", polarity="higher_is_better", source=SOURCE_ADOPT,
    methodology=TIME_METHOD + "A child counts if the placement for adoption is before the day 18 calendar months "
    "after entry into care (entry on 15 January 2023: placed by 14 July 2024 counts, placed on 15 July 2024 does not). This is "
    "the old adoption scorecard's 'children who wait less than N months between entering care and moving in with "
    "their adoptive family', with the 18-month threshold councils' own scorecards use.",
    deviation="The adoption scorecard measured this over three years with a threshold that changed (21, then 20, "
              "then 18 months) and is no longer published; this is one year of adoptions. " + TIME_DEVIATION,
    caveats=("Few children are adopted from one council in a year, so the share swings widely from year to year.",
             "Children whose dates are not known are left out."), counted="adopted children"))
def adoption_within_18_months(ctx: Context) -> pd.DataFrame:
    a = _adopted(ctx.data, ctx.year)
    known = (a["_entry"].notna() & a["placed"].notna()).astype(bool)
    within = ((a["placed"] < a["_entry"] + pd.DateOffset(months=18)).fillna(False).astype(bool) & known)
    return _timeliness_audit(a, "_entry", known, within, "entering care", ("under 18 months", "18 months or more"),
                             "excluded: date entered care not known")

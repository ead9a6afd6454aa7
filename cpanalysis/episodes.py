"""Episode toolkit: the shared cohorts and counting rules that the child-level indicators build on.

Everything here reads a :class:`cpanalysis.model.CLAData` and follows
``reference/ssda903-indicators-peers.md`` §2.1 (cohorts) and §2.3 (placement counting). All
functions are vectorised (no per-child Python loops) so they scale to a national 903.

Conventions
-----------
* A collection year ``year`` runs from :func:`collection_start` (1 April ``year - 1``) to
  :func:`collection_end` (31 March ``year``).
* "Open on day D" means open at the *end* of day D: ``DECOM <= D`` and (``DEC`` blank or
  ``DEC > D``). An episode with ``DEC`` exactly on 31 March ceased that day, so its child is not
  looked after at 31 March (unless a following episode starts that day).
* Short breaks (legal status V3/V4, :data:`SHORT_BREAK_LS`) are left out unless a function is asked
  to keep them (``exclude_short_breaks=False``), because every published CLA figure excludes them.
* Temporary placements are PLACE T0 to T4 (:data:`TEMPORARY_PLACE`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpanalysis import fastkeys
from cpanalysis.model import CLAData, collection_end, collection_start

#: legal statuses of short-break (respite) care, excluded from every published CLA figure
SHORT_BREAK_LS = frozenset({"V3", "V4"})
#: temporary placements (holiday, hospital, other temporary); not counted as placements (V rules 380-383)
TEMPORARY_PLACE = frozenset({"T0", "T1", "T2", "T3", "T4"})
#: reasons for new episode that mark a new placement (S started, P placement and carer, B all three)
NEW_PLACEMENT_RNE = frozenset({"S", "P", "B"})
#: reasons episode ceased that mean adoption
ADOPTED_REC = frozenset({"E11", "E12"})
#: "episode ends, new episode starts the same day": not a ceasing of care
CONTINUING_REC = "X1"

#: an open episode's END
OPEN_END = pd.Timestamp.max.normalize()


def fmt(when) -> str:
    """A date as dd/mm/yyyy for audit reasons ("" for a missing date)."""
    if when is None or pd.isna(when):
        return ""
    return pd.Timestamp(when).strftime("%d/%m/%Y")


def fmt_series(s: pd.Series) -> pd.Series:
    """Dates as dd/mm/yyyy strings ("" for missing), vectorised."""
    return fastkeys.date_labels(s)


#: ``s.isin(values)`` as a plain bool Series (NA -> False), fast for large ``values`` too
_is_in = fastkeys.is_in


def _eq(s: pd.Series, value) -> pd.Series:
    return (s == value).fillna(False).astype(bool)


#: public names for the NA-safe comparisons, for indicator modules
is_in = _is_in
eq = _eq


def lookup(keys: pd.Series, mapping: pd.Series) -> pd.Series:
    """``keys.map(mapping)`` that keeps ``mapping``'s dtype (also when it is empty) and ``keys``' index."""
    return fastkeys.lookup(keys, mapping)


def history(data: CLAData, exclude_short_breaks: bool = True) -> pd.DataFrame:
    """The merged episode history, one row per episode, sorted by CHILD then DECOM (then DEC).

    Adds ``END`` (DEC, or a far-future date when the episode is open), ``DOB`` and ``SEX`` from the
    Header (NaT / NA when the child has no header row), and keeps every Episodes column, including
    ``YEAR``, ``SOURCE_FILE`` and ``SOURCE_ROW``. Episodes with no DECOM cannot be placed in time and
    are left out. With ``exclude_short_breaks`` (the default) V3/V4 episodes are dropped.

    The result is cached on ``data`` (see :func:`memo`), so indicators can call this freely.
    """
    return memo(data, ("history", bool(exclude_short_breaks)), lambda: _history(data, exclude_short_breaks))


def memo(data: CLAData, key: tuple, compute):
    """Compute once per ``data`` (and the identity of its tables) and ``key``; later calls get a shallow copy.

    Indicators share expensive building blocks (the history, the children of a year, placement counts)
    this way. The cache lives on the CLAData object and is dropped when its tables are replaced.
    """
    stamp = tuple((k, id(v), len(v)) for k, v in sorted(data.tables.items()))
    cache = data.__dict__.setdefault("_episodes_cache", {})
    if cache.get("_stamp") != stamp:
        cache.clear()
        cache["_stamp"] = stamp
    if key not in cache:
        cache[key] = compute()
    value = cache[key]
    # a shallow copy (copy-on-write) so callers adding columns never touch the cached frame
    return value.copy(deep=False) if isinstance(value, (pd.DataFrame, pd.Series)) else value


def _history(data: CLAData, exclude_short_breaks: bool) -> pd.DataFrame:
    eps = data.episodes
    eps = eps[eps["DECOM"].notna()]
    if exclude_short_breaks:
        eps = eps[~_is_in(eps["LS"], SHORT_BREAK_LS)]
    head = data.header[["CHILD", "DOB", "SEX"]].drop_duplicates("CHILD", keep="last")
    out = eps.drop(columns=[c for c in ("DOB", "SEX") if c in eps.columns]).merge(head, on="CHILD", how="left")
    out = out.assign(END=out["DEC"].fillna(OPEN_END))
    out = out.sort_values(["CHILD", "DECOM", "END"], kind="mergesort").reset_index(drop=True)
    return out


def _open_mask(h: pd.DataFrame, when: pd.Timestamp) -> pd.Series:
    return (h["DECOM"] <= when) & (h["END"] > when)


def open_on(data: CLAData | pd.DataFrame, when, exclude_short_breaks: bool = True) -> pd.DataFrame:
    """Episodes open at the end of day ``when``, one per child (the latest-starting if several overlap).

    ``data`` may be a :class:`CLAData` or a frame already returned by :func:`history`.
    """
    when = pd.Timestamp(when)
    h = data if isinstance(data, pd.DataFrame) else history(data, exclude_short_breaks)
    out = h[_open_mask(h, when)]
    return out.drop_duplicates("CHILD", keep="last").reset_index(drop=True)


def cla_at_31_march(data: CLAData | pd.DataFrame, year: int) -> pd.DataFrame:
    """Children looked after at 31 March of ``year`` (one row each: the episode open that day)."""
    return open_on(data, collection_end(year))


def looked_after_during(data: CLAData | pd.DataFrame, year: int, exclude_short_breaks: bool = True) -> pd.DataFrame:
    """Episodes that overlap the collection year: DECOM on or before 31 March and END on or after 1 April.

    One row per episode (a child may have several); use ``.CHILD.unique()`` for the children.
    """
    h = data if isinstance(data, pd.DataFrame) else history(data, exclude_short_breaks)
    start, end = collection_start(year), collection_end(year)
    return h[(h["DECOM"] <= end) & (h["END"] >= start)].reset_index(drop=True)


def _period_starts(h: pd.DataFrame) -> pd.Series:
    """True for episodes that start a period of care: RNE S, or no episode of the child ending that day.

    The second arm catches a period whose first non-short-break episode has another RNE (e.g. a child
    moving from V3 short breaks into full care with RNE L) and histories whose RNE is wrong.
    """
    prev_end = h.groupby("CHILD", sort=False)["END"].shift(1)
    gap = prev_end.isna() | (prev_end < h["DECOM"])
    return _eq(h["RNE"], "S") | gap


def starts(data: CLAData | pd.DataFrame, year: int) -> pd.DataFrame:
    """Children who started to be looked after in the year: the *first* start per child (reference §2.2).

    A start is an episode with RNE S (or one that follows a gap in care; see ``_period_starts``) and
    DECOM between 1 April and 31 March. V3/V4 episodes are excluded. One row per child, the episode.
    """
    h = data if isinstance(data, pd.DataFrame) else history(data)
    start, end = collection_start(year), collection_end(year)
    mask = _period_starts(h) & (h["DECOM"] >= start) & (h["DECOM"] <= end)
    return h[mask].drop_duplicates("CHILD", keep="first").reset_index(drop=True)


def _period_ends(h: pd.DataFrame) -> pd.Series:
    """True for episodes that end a period of care: DEC set and REC other than X1."""
    rec = h["REC"]
    return h["DEC"].notna() & rec.notna().fillna(False).astype(bool) & ~_eq(rec, CONTINUING_REC)


def ceased(data: CLAData | pd.DataFrame, year: int) -> pd.DataFrame:
    """Children who ceased to be looked after in the year: the *last* ceasing episode per child (§2.2).

    A ceasing episode has DEC between 1 April and 31 March (inclusive) and REC present and not X1.
    V3/V4 episodes are excluded. One row per child: the last such episode.
    """
    h = data if isinstance(data, pd.DataFrame) else history(data)
    start, end = collection_start(year), collection_end(year)
    mask = _period_ends(h) & (h["DEC"] >= start) & (h["DEC"] <= end)
    return h[mask].drop_duplicates("CHILD", keep="last").reset_index(drop=True)


def age_at(dob: pd.Series, when) -> pd.Series:
    """Age in completed years at ``when`` (a date, or a Series aligned with ``dob``); Int64, NA for no DOB.

    A child born on 1 April 2008 is 16 on 31 March 2025 and 17 on 1 April 2025.
    """
    dob = pd.to_datetime(dob)
    if isinstance(when, pd.Series):
        w = pd.to_datetime(when)
        wy, wm, wd = w.dt.year, w.dt.month, w.dt.day
    else:
        w = pd.Timestamp(when)
        wy, wm, wd = w.year, w.month, w.day
    before = (wm < dob.dt.month) | ((wm == dob.dt.month) & (wd < dob.dt.day))
    age = wy - dob.dt.year - before.astype("Int64")
    return age.astype("Int64").where(dob.notna(), pd.NA)


def birthday(dob: pd.Series, years: int) -> pd.Series:
    """The date of the ``years``-th birthday (29 February birthdays fall on 28 February in other years)."""
    dob = pd.to_datetime(dob)
    y = dob.dt.year + years
    m = dob.dt.month
    d = dob.dt.day
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    d = d.where(~((m == 2) & (d == 29) & ~leap), 28)
    parts = pd.DataFrame({"year": y, "month": m, "day": d})
    out = pd.to_datetime(parts.dropna().astype(int), errors="coerce")
    return out.reindex(dob.index).astype("datetime64[ns]")


def continuous_cohort(data: CLAData, start, end, label: str | None = None) -> pd.DataFrame:
    """Children looked after continuously from ``start`` to ``end`` (V's rule, reference §2.1.3).

    Considers every child with an episode (short breaks included) overlapping [start, end] and returns
    ``CHILD, in_cohort, reason, since`` where ``since`` is the start of the child's current period of
    care (the DECOM of its last period-starting episode on or before ``end``). In the cohort when the
    child is looked after at the end of ``end`` and was looked after on ``start``, and none of V's
    three breaks applies:

    * an episode with RNE S has DECOM after ``start`` and on or before ``end`` (a new period of care);
    * an episode with REC other than X1 has DEC on or after ``start`` and before ``end`` (care ended);
    * a V3/V4 short-break episode overlaps the window.

    DEC exactly on ``end`` does not break continuity, but such a child is not looked after at ``end``
    unless another episode starts that day. A child starting on ``start`` is continuous (V's rule).
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    label = label or f"from {fmt(start)} to {fmt(end)}"
    return memo(data, ("continuous", start, end, label), lambda: _continuous_cohort(data, start, end, label))


def _continuous_cohort(data: CLAData, start: pd.Timestamp, end: pd.Timestamp, label: str) -> pd.DataFrame:
    full = history(data, exclude_short_breaks=False)
    during = full[(full["DECOM"] <= end) & (full["END"] >= start)]
    sb = _is_in(during["LS"], SHORT_BREAK_LS)
    children = pd.DataFrame({"CHILD": during["CHILD"].drop_duplicates().to_numpy()})
    nsb = during[~sb]
    cla_end = nsb.loc[_open_mask(nsb, end), "CHILD"].unique()
    on_start = nsb.loc[(nsb["DECOM"] <= start) & (nsb["END"] >= start), "CHILD"].unique()
    new_start = during[_eq(during["RNE"], "S") & (during["DECOM"] > start) & (during["DECOM"] <= end)]
    ended = during[_period_ends(during) & (during["DEC"] >= start) & (during["DEC"] < end)]
    first_new = new_start.groupby("CHILD")["DECOM"].min()
    first_end = ended.groupby("CHILD")["DEC"].min()
    sb_children = during.loc[sb, "CHILD"].unique()
    h = history(data)
    h = h[h["DECOM"] <= end]
    since = h[_period_starts(h)].groupby("CHILD")["DECOM"].max()

    c = children["CHILD"]
    is_cla = _is_in(c, cla_end)
    is_on = _is_in(c, on_start)
    has_new = _is_in(c, first_new.index)
    has_end = _is_in(c, first_end.index)
    has_sb = _is_in(c, sb_children)
    in_cohort = is_cla & is_on & ~has_new & ~has_end & ~has_sb
    new_txt = "started a new period of care on " + fmt_series(lookup(c, first_new))
    end_txt = "ceased care on " + fmt_series(lookup(c, first_end))
    since_s = lookup(c, since)
    reason = np.select(
        [in_cohort.to_numpy(), has_sb.to_numpy(), ~is_cla.to_numpy(), ~is_on.to_numpy(), has_new.to_numpy(),
         has_end.to_numpy()],
        [("looked after continuously " + label + " (in care since " + fmt_series(since_s) + ")").to_numpy(
            dtype=object),
         "excluded: short breaks (V3/V4) during the period",
         f"excluded: not looked after at {fmt(end)}",
         f"excluded: not looked after on {fmt(start)}",
         ("excluded: " + new_txt).to_numpy(dtype=object),
         ("excluded: " + end_txt).to_numpy(dtype=object)],
        default="excluded: not looked after continuously")
    return pd.DataFrame({"CHILD": c.astype("string"), "in_cohort": in_cohort.astype(bool),
                         "reason": pd.Series(reason, dtype="string"), "since": since_s})


def oc2_cohort(data: CLAData, year: int) -> pd.DataFrame:
    """Children looked after continuously for 12 months at 31 March (the OC2 cohort, reference §2.1.3).

    ``CHILD, in_cohort, reason`` (and ``since``) for every child with an episode (short breaks included)
    overlapping the year; see :func:`continuous_cohort` for the rules (window 1 April to 31 March).
    """
    return continuous_cohort(data, collection_start(year), collection_end(year),
                             label=f"from 01/04/{year - 1} to 31/03/{year}")


def _days_in_window(h: pd.DataFrame, lo: pd.Series, hi) -> pd.Series:
    """Days each episode overlaps [lo, hi) (lo a per-row Series, hi a date); episode covers [DECOM, END)."""
    hi = pd.Timestamp(hi)
    s = h["DECOM"].where(h["DECOM"] > lo, lo)
    e = h["END"].where(h["END"] < hi, hi)
    return (e - s).dt.days.clip(lower=0).fillna(0)


def care_leaver_relevant(data: CLAData, child_ids, when) -> pd.DataFrame:
    """Whether each child is a relevant / former relevant child at ``when`` (reference §2.1.4; V rule 1001).

    Relevant when, counting only non-short-break episodes up to ``when``:

    * looked after for at least 13 weeks (91 days) in total since the 14th birthday;
    * looked after for at least 1 day after the 16th birthday;
    * not adopted (the child's last episode did not cease with REC E11 or E12).

    Days are counted as in V rule 1001: an episode from DECOM to DEC (or to ``when`` if still open)
    contributes ``DEC - max(DECOM, birthday)`` days.

    Returns ``CHILD, relevant (bool), days_since_14 (Int64), reason`` for every id in ``child_ids``.
    Children with no DOB or no episodes are not relevant (the reason says why).
    """
    when = pd.Timestamp(when)
    ids = pd.Series(pd.unique(pd.Series(list(child_ids), dtype="string")), dtype="string")
    h = history(data)
    h = h[_is_in(h["CHILD"], ids) & (h["DECOM"] <= when)]
    # as V rule 1001: an open episode runs to `when`; days = end - max(DECOM, birthday)
    days14 = _days_in_window(h, birthday(h["DOB"], 14), when).groupby(h["CHILD"]).sum()
    days16 = _days_in_window(h, birthday(h["DOB"], 16), when).groupby(h["CHILD"]).sum()
    after16 = days16[days16 >= 1].index
    last = h.drop_duplicates("CHILD", keep="last")
    adopted = last.loc[_is_in(last["REC"], ADOPTED_REC) & (last["DEC"] <= when), "CHILD"].unique()
    head = data.header.drop_duplicates("CHILD", keep="last").set_index("CHILD")["DOB"]
    dob = lookup(ids, head)
    d14 = lookup(ids, days14.astype("float64")).fillna(0).astype("Int64")
    has16 = _is_in(ids, after16)
    is_adopted = _is_in(ids, adopted)
    relevant = dob.notna() & (d14 >= 91) & has16 & ~is_adopted
    reason = np.select(
        [dob.isna().to_numpy(), is_adopted.to_numpy(), (d14 < 91).fillna(True).to_numpy(), ~has16.to_numpy()],
        ["not relevant: no date of birth", "not relevant: adopted",
         ("not relevant: looked after " + d14.astype("string") + " days since 14th birthday (< 91)").to_numpy(
             dtype=object),
         "not relevant: not looked after after the 16th birthday"],
        default=("relevant: looked after " + d14.astype("string") + " days since 14th birthday and after 16th")
        .to_numpy(dtype=object))
    return pd.DataFrame({"CHILD": ids, "relevant": relevant.fillna(False).astype(bool), "days_since_14": d14,
                         "reason": pd.Series(reason, dtype="string")})


def placement_episodes(data: CLAData | pd.DataFrame, start, end) -> pd.DataFrame:
    """Episodes overlapping [start, end] with a ``counts`` flag following the §2.3 counting rules.

    The episode frame (from :func:`history`, short breaks excluded) restricted to episodes with DECOM on
    or before ``end`` and still open after ``start`` (DEC > start; an episode ending on ``start`` spent no
    time in the period), with two added columns:

    * ``temporary``: PLACE T0-T4 (never a placement) or the return to the normal placement straight after
      a temporary episode (not a new placement either);
    * ``counts``: the episode is a placement counted in the period: the child's first non-temporary
      episode in the period (the placement open on ``start`` or the first one after it), and each later
      one with RNE S, P or B. RNE L (legal status only) and T/U (same carer, including a foster carer
      adopting) are not moves. Episodes lasting no time at all (DEC == DECOM) are not counted as
      placements of 24 hours or more.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    h = data if isinstance(data, pd.DataFrame) else history(data)
    is_temp = _is_in(h["PLACE"], TEMPORARY_PLACE)
    after_temp = is_temp.groupby(h["CHILD"], sort=False).shift(1, fill_value=False).astype(bool)
    window = (h["DECOM"] <= end) & (h["END"] > start)
    w = h.assign(temporary=is_temp | after_temp, _tempplace=is_temp)[window]
    zero = (w["DEC"] == w["DECOM"]).fillna(False).astype(bool)
    eligible = ~w["_tempplace"] & ~zero
    # first eligible non-temporary-place episode per child within the window counts
    cum = eligible.astype(int).groupby(w["CHILD"], sort=False).cumsum()
    first = eligible & (cum == 1)
    later = eligible & ~first & ~w["temporary"] & _is_in(w["RNE"], NEW_PLACEMENT_RNE)
    return w.drop(columns="_tempplace").assign(counts=(first | later).astype(bool)).reset_index(drop=True)


def placement_count(data: CLAData | pd.DataFrame, start, end) -> pd.DataFrame:
    """Placements per child in [start, end] (reference §2.3): ``CHILD, placements, placement_starts``.

    ``placement_starts`` lists the DECOM of each counted placement ("12/06/2024, 03/01/2025") for
    audit reasons. Only children with an episode in the period appear; callers left-join and fill 0.
    See :func:`placement_episodes` for the rules.
    """
    if not isinstance(data, pd.DataFrame):
        start, end = pd.Timestamp(start), pd.Timestamp(end)
        return memo(data, ("placement_count", start, end), lambda: placement_count(history(data), start, end))
    w = placement_episodes(data, start, end)
    counted = w[w["counts"]]
    # joined in plain Python: a groupby string aggregation is far slower at national scale
    lists: dict[str, list[str]] = {}
    for c, d in zip(counted["CHILD"].to_numpy(dtype=object), fmt_series(counted["DECOM"]).to_numpy(dtype=object)):
        lists.setdefault(c, []).append(d)
    out = pd.DataFrame({"placements": [len(v) for v in lists.values()],
                        "placement_starts": [", ".join(v) for v in lists.values()]},
                       index=pd.Index(list(lists), dtype="string", name="CHILD"))
    children = pd.Index(w["CHILD"].unique(), name="CHILD")
    out = out.reindex(children.sort_values())
    out["placements"] = out["placements"].fillna(0).astype("Int64")
    out["placement_starts"] = out["placement_starts"].fillna("").astype("string")
    return out.reset_index()


#: metres in a mile, as V's PL_DISTANCE formula (sqrt(dE^2 + dN^2) / 1000 / 1.6093)
METRES_PER_MILE = 1609.3


def _norm_postcode(s: pd.Series) -> pd.Series:
    return s.astype("string").str.upper().str.strip().str.replace(r"\s+", " ", regex=True)


def _postcode_keys(pc: pd.Series) -> list[pd.Series]:
    """Candidate lookup keys for each postcode, most precise first: as given, sector, district."""
    pc = _norm_postcode(pc)
    # a full postcode written without a space: put the space before the inward code
    nospace = pc.str.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}").fillna(False).astype(bool)
    pc = pc.where(~nospace, pc.str[:-3] + " " + pc.str[-3:])
    parts = pc.str.split(" ", n=1, expand=False)
    outward = parts.str[0]
    inward = parts.str[1]
    sector = (outward + " " + inward.str[:1]).where(inward.notna() & (inward.str.len() > 0))
    return [pc, sector, outward]


def locate(postcodes_in: pd.Series, lookup_table: pd.DataFrame | None) -> pd.DataFrame:
    """Centroid and council of each postcode: ``easting, northing`` (float, NaN unknown), ``la_code``.

    ``lookup_table`` has columns postcode, easting, northing (metres), la_code; its postcodes may be
    full postcodes, sectors ("DM1 2") or districts ("DM1"). Each postcode is matched as given, then by
    its sector, then by its district. Unknown or blank postcodes give NaN/NA.
    """
    idx = postcodes_in.index
    out = pd.DataFrame({"easting": np.nan, "northing": np.nan, "la_code": pd.Series(pd.NA, index=idx, dtype="string")},
                       index=idx)
    if lookup_table is None or lookup_table.empty or postcodes_in.empty:
        return out
    lk = lookup_table.assign(postcode=_norm_postcode(lookup_table["postcode"])).drop_duplicates("postcode", keep="last")
    lk = lk.set_index("postcode")
    east = pd.to_numeric(lk["easting"], errors="coerce")
    north = pd.to_numeric(lk["northing"], errors="coerce")
    la = lk["la_code"].astype("string").str.strip().str.upper()
    found = pd.Series(False, index=idx)
    for key in _postcode_keys(postcodes_in):
        hit = ~found & _is_in(key, lk.index)
        if hit.any():
            k = key[hit]
            out.loc[hit, "easting"] = lookup(k, east).to_numpy()
            out.loc[hit, "northing"] = lookup(k, north).to_numpy()
            out.loc[hit, "la_code"] = lookup(k, la).to_numpy()
            found = found | hit
    return out


def placement_location(eps: pd.DataFrame, lookup_table: pd.DataFrame | None, la_code: str | None) -> pd.DataFrame:
    """Where each episode's placement is, relative to the council and to the child's home.

    For each row of ``eps`` (needs HOME_POST and PL_POST) returns, on the same index:

    * ``outside``: boolean with NA: the placement postcode lies in a council other than ``la_code``
      (NA when there is no lookup, no council code, or the placement postcode is blank or unknown);
    * ``distance``: straight-line miles between the HOME_POST and PL_POST centroids (V's formula;
      NaN when either is unknown);
    * ``location``: words for the audit ("outside the council (E06000047), 23.4 miles from home").
    """
    pl = locate(eps["PL_POST"], lookup_table)
    home = locate(eps["HOME_POST"], lookup_table)
    council = (la_code or "").strip().upper() or None
    if council is None:
        outside = pd.Series(pd.NA, index=eps.index, dtype="boolean")
    else:
        outside = (pl["la_code"] != council).astype("boolean")
    dist = np.hypot(pl["easting"] - home["easting"], pl["northing"] - home["northing"]) / METRES_PER_MILE
    dist = dist.round(1)
    if lookup_table is None:
        where = pd.Series("location unknown: no postcode lookup supplied", index=eps.index, dtype="string")
    elif council is None:
        where = pd.Series("location unknown: council code not supplied", index=eps.index, dtype="string")
    else:
        where = pd.Series("location unknown: placement postcode " + eps["PL_POST"].fillna("blank").astype("string")
                          + " not in the lookup", index=eps.index, dtype="string")
        inside_txt = "inside the council"
        outside_txt = "outside the council (" + pl["la_code"].fillna("") + ")"
        where = where.mask(outside.fillna(False).astype(bool), outside_txt)
        where = where.mask((outside == False).fillna(False).astype(bool), inside_txt)  # noqa: E712
        miles = dist.map(lambda d: f"{d:.1f} miles from home" if pd.notna(d) else "distance from home unknown")
        where = where.mask(outside.notna().to_numpy(), where + ", " + miles.astype("string"))
    return pd.DataFrame({"outside": outside, "distance": dist.astype(float), "location": where}, index=eps.index)


def audit_frame(child, in_cohort, in_numerator, reason, breakdown=None, value=None) -> pd.DataFrame:
    """An indicator audit (registry contract) from sequences aligned with ``child`` (scalars are repeated);
    in_numerator is forced False outside the cohort."""
    n = len(child)

    def arr(x, dtype):
        a = np.asarray(x, dtype=dtype)
        return np.full(n, a.item(), dtype=dtype) if a.ndim == 0 else a

    def text(x) -> pd.Series:
        # Arrow strings already (the usual case) are reused as they are: no round trip through Python objects
        if isinstance(x, pd.Series) and isinstance(x.dtype, pd.StringDtype) and len(x) == n:
            return x.reset_index(drop=True).astype("string")
        return pd.Series(arr(x, object), dtype="string")

    coh = pd.Series(arr(in_cohort, bool))
    num = pd.Series(arr(in_numerator, bool)) & coh
    out = pd.DataFrame({"CHILD": text(child), "in_cohort": coh, "in_numerator": num, "reason": text(reason)})
    if breakdown is not None:
        out["breakdown"] = text(breakdown)
    if value is not None:
        out["value"] = pd.Series(arr(value, float))
    return out

"""Findings: which results deserve a committee's attention, by one stated and tested rule.

Everything here works on plain tables that have already passed disclosure control (the pack's
``results`` and ``comparators``) and returns plain data; nothing here writes HTML. The settings named
below live in :mod:`cpanalysis.stats`, and the annex's "How we judge" is generated from them
(:func:`how_we_judge`), so the pack states exactly the rule the code applies.

**The unit of analysis.** Each measure declares what one counted unit is (``Definition.unit_of_analysis``,
read from ``counted`` when not declared). Only measures of independent units (children, pupils, care
leavers) are tested; a measure of school sessions, placements or incidents is never tested (one child
gives several, so a binomial test would overstate the evidence) and the pack says why.

**The comparison with England** (one rule, used by every sentence, table, scorecard row and funnel
caption): a percentage with its counts is "higher" or "lower" than England only when two tests agree at
the 99.8% level: the exact binomial tail at the council's cohort size, and a z-score that adds the real
spread between councils (Spiegelhalter's over-dispersion: a between-council variance estimated each year
from every council's figure, Winsorised as FunnelPlotR does). A figure with an interval but no counts
(an average over children) is compared by its interval widened by the spread of councils' figures. A
figure with neither is not tested. The region and the statistical neighbours are described, not tested:
their median is itself an uncertain figure, so the pack says where the council sits in the neighbours'
range. Where DfE publishes a "not known" share that could reverse the comparison, there is no verdict.

**Place among councils.** A figure with no test can still be a finding when it is extreme among all
councils: a robust z-score (median and scaled median absolute deviation of every council's figure)
beyond the 99.8% point. Quarters are descriptive and are not claimed where ties make them meaningless.

**The trend rule** (Fingertips' recent trend, made robust): for a percentage with counts, the chi-square
test for trend over the latest five years at 99.8%, and the same direction with any one year left out,
so that neither 2020-21 nor any other single year drives it. The council's change is set against
England's. Other figures get a descriptive direction (Mann-Kendall) that is never a judgement.

**The key-message rule.** A measure with a polarity raises a *concern* for each of: worse than England by
the comparison rule; extreme and unfavourable among councils when no test is possible; worsening by the
trend rule; the council's own target missed. The same in the other direction gives *going well*. Each
family of measures (complements, variants and age bands of one fact) gives at most one message, the
strongest. Messages are ranked by the strength of evidence (the over-dispersion-adjusted z-score, or
the robust z-score among councils), so a real outlier leads.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cpanalysis import stats
from cpanalysis.definitions import UNITS_OF_ANALYSIS, unit_of_analysis

MAX_CONCERNS = 6
MAX_STRENGTHS = 4

#: comparators in the order sentences and tables name them
COMPARATOR_KEYS = ("england", "region", "sn_median")
#: the comparator that is tested (the others are described)
TESTED_COMPARATORS = ("england",)
#: kept for callers that name the comparators whose verdict can make a finding
FINDING_COMPARATORS = TESTED_COMPARATORS
#: a figure resting on fewer children than this is not called extreme among councils (its place among
#: councils is then mostly chance)
EXTREME_MIN_DENOMINATOR = 30
#: a missed target ranks with a difference at the 99.8% level
TARGET_WEIGHT = stats.KEY_Z


def _nan(x) -> bool:
    try:
        return x is None or pd.isna(x) or (isinstance(x, float) and math.isnan(x))
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------------- what a figure is drawn from
@dataclass
class Spread:
    """What every council published for a measure in the year: the reference the comparison rule needs.

    ``values``: every council's published figure; ``nums``/``dens``: their counts where published;
    ``england_p``: England's proportion (a fraction, unrounded: national numerator over denominator);
    ``england_series``: year -> England's proportion, for the trend comparison; ``unknown_share``: the
    percentage points of this council's cohort whose category DfE records as not known."""

    values: np.ndarray = field(default_factory=lambda: np.array([]))
    nums: np.ndarray = field(default_factory=lambda: np.array([]))
    dens: np.ndarray = field(default_factory=lambda: np.array([]))
    england_p: float = math.nan
    england_series: dict = field(default_factory=dict)
    unknown_share: float = math.nan
    _od: dict | None = None

    def dispersion(self, p0: float) -> dict:
        if self._od is None or self._od.get("p0") != p0:
            od = stats.overdispersion(self.nums, self.dens, p0) if len(self.dens) else {"tau2": 0.0, "phi": math.nan,
                                                                                         "n_units": 0}
            self._od = {**od, "p0": p0}
        return self._od


# ------------------------------------------------------------------------------ the comparison rule
def test_against(value, comparator, *, unit: str = "", numerator=None, denominator=None, ci_low=None, ci_high=None,
                 spread: Spread | None = None, level: float = stats.LEVEL_KEY, independent: bool = True) -> dict:
    """The one comparison rule (module docstring), as a record: direction (higher/lower/similar/not judged),
    p, z (strength of evidence), level, method and, when not judged, why."""
    out = {"direction": "not judged", "p": math.nan, "z": math.nan, "level": level, "method": "", "why": "",
           "tau2": math.nan, "p_exact": math.nan}
    if _nan(value) or _nan(comparator):
        out["why"] = "there is no figure to compare"
        return out
    if not independent:
        out["why"] = "its unit is not independent"
        return out
    if unit == "percent" and not _nan(numerator) and not _nan(denominator) and float(denominator) > 0:
        p0 = float(comparator) / 100.0
        if 0.0 <= p0 <= 1.0:
            tau2 = spread.dispersion(p0)["tau2"] if spread is not None else 0.0
            r = stats.compare_to_benchmark(float(numerator), float(denominator), p0, tau2, level)
            out.update(direction=r["direction"], p=r["p"], z=r["z"], method=r["method"], tau2=tau2,
                       p_exact=r["p_exact"])
            return out
    if not _nan(ci_low) and not _nan(ci_high):
        sd = stats.robust_sd(spread.values) if spread is not None and len(spread.values) else 0.0
        r = stats.compare_interval_spread(value, ci_low, ci_high, comparator, 0.0 if _nan(sd) else sd, level)
        out.update(direction=r["direction"], p=r["p"], z=r["z"], method=r["method"])
        return out
    out["why"] = "no counts or interval are published for it"
    return out


def compare_with(value, comparator, *, unit: str = "", numerator=None, denominator=None,
                 ci_low=None, ci_high=None, spread: Spread | None = None, level: float = stats.LEVEL_KEY) -> str:
    """'higher', 'lower', 'similar' or 'not judged' by the one comparison rule (see :func:`test_against`)."""
    return test_against(value, comparator, unit=unit, numerator=numerator, denominator=denominator,
                        ci_low=ci_low, ci_high=ci_high, spread=spread, level=level)["direction"]


def better_or_worse(direction: str, polarity: str) -> str:
    """'better' / 'worse' for a supported higher/lower on a measure with a polarity, else ''."""
    if direction not in ("higher", "lower", "up", "down") or polarity not in ("higher_is_better", "lower_is_better"):
        return ""
    up = direction in ("higher", "up")
    return "better" if up == (polarity == "higher_is_better") else "worse"


def trend_words(ev) -> str:
    """'improving', 'worsening' (a judged trend on a measure with a polarity), 'rising', 'falling' (a direction
    only), 'no clear change' or 'not enough years'."""
    t = ev.trend or {}
    d = t.get("direction", "not enough years")
    if d in ("up", "down"):
        bw = better_or_worse(d, ev.polarity) if t.get("judged") else ""
        return {"better": "improving", "worse": "worsening"}.get(bw, "rising" if d == "up" else "falling")
    return d if d in ("no clear change",) else "not enough years"


def quarter_of(value, comp: dict | None) -> int | None:
    """The council's quarter among all councils' values (1 lowest to 4 highest, by value)."""
    if comp is None or _nan(value):
        return None
    q1, q2, q3 = (comp.get(k) for k in ("la_q1", "la_median", "la_q3"))
    if any(_nan(q) for q in (q1, q2, q3)) or not comp.get("n_councils"):
        return None
    v = float(value)
    return 1 if v <= q1 else 2 if v <= q2 else 3 if v <= q3 else 4


def _series(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """A measure's rows as plain arrays, sorted by year, once (pandas selections per call were the slow part)."""
    r = rows.sort_values("year") if len(rows) > 1 and not rows["year"].is_monotonic_increasing else rows
    n = len(r)
    out = {"year": r["year"].to_numpy(dtype=float)}
    for k in ("value", "numerator", "denominator", "ci_low", "ci_high"):
        out[k] = pd.to_numeric(r[k], errors="coerce").to_numpy(dtype=float, na_value=np.nan) if k in r \
            else np.full(n, np.nan)
    sym = r["symbol"].to_numpy(dtype=object) if "symbol" in r else np.full(n, "", dtype=object)
    out["symbol"] = np.array([s if isinstance(s, str) else "" for s in sym], dtype=object)
    return out


def trend_of(rows: pd.DataFrame | dict, unit: str, independent: bool = True, england: dict | None = None) -> dict:
    """The trend of a measure (rows: one per year, Total breakdown, disclosure-controlled), by the trend rule.

    A percentage of independent units with counts in every year shown gets the recent-trend rule
    (``judged``: its direction may be called improving or worsening); anything else a descriptive
    Mann-Kendall direction (``judged`` False). Adds ``years`` (first and last year of the window) and
    ``values`` (year, value) of the window."""
    a = rows if isinstance(rows, dict) else _series(rows)
    keep = ~np.isnan(a["value"]) & (a["symbol"] == "")
    yrs, val, num, den = a["year"][keep], a["value"][keep], a["numerator"][keep], a["denominator"][keep]
    if unit == "percent" and independent and len(yrs) and not np.isnan(num).any() and not np.isnan(den).any():
        out = stats.recent_trend(yrs.tolist(), num.tolist(), den.tolist(), england=england)
        out["judged"] = True
        w = np.isin(yrs, out["window"])
        yrs, val = yrs[w], val[w]
    else:
        yrs, val = yrs[-stats.TREND_WINDOW:], val[-stats.TREND_WINDOW:]
        out = stats.trend(yrs.tolist(), val.tolist(), kind="count" if unit == "count" else "mean")
        out.update(judged=False, window=[int(y) for y in yrs], driver=None, against_england=None, excluded=[],
                   flagged=[int(y) for y in yrs if int(y) in stats.FLAGGED_YEARS])
    out["years"] = (int(yrs[0]), int(yrs[-1])) if len(yrs) else None
    out["values"] = [(int(y), float(v)) for y, v in zip(yrs, val)]
    return out


# --------------------------------------------------------------------------------------- targets
def target_status(target, value, ci_low=None, ci_high=None, symbol: str = "") -> str:
    """'met', 'not met' or 'cannot tell' (the figure is suppressed or missing, or its 95% interval
    straddles the target, so data of this size cannot say which side of the target the council is)."""
    if symbol or _nan(value):
        return "cannot tell"

    def meets(x: float) -> bool:
        if target.below is not None:
            return x < target.below
        if target.above is not None:
            return x > target.above
        low, high = target.between
        return low <= x <= high

    if _nan(ci_low) or _nan(ci_high):
        return "met" if meets(float(value)) else "not met"
    lo, hi = float(ci_low), float(ci_high)
    if target.between is not None:
        low, high = target.between
        if low <= lo and hi <= high:
            return "met"
        if hi < low or lo > high:
            return "not met"
        return "cannot tell"
    a, b = meets(lo), meets(hi)
    if a and b:
        return "met"
    if not a and not b:
        return "not met"
    return "cannot tell"


# ------------------------------------------------------------------------------------ one measure
#: the label each kind of signal gives a measure's heading ("concern: worse than England")
SIGNAL_LABELS = {("england", False): "worse than England", ("england", True): "better than England",
                 ("extreme", False): "extreme among councils", ("extreme", True): "among the best of all councils",
                 ("trend", False): "worsening", ("trend", True): "improving",
                 ("target", False): "target missed", ("target", True): "target met"}


@dataclass
class Signal:
    kind: str        # "england", "extreme", "trend" or "target"
    good: bool       # True: going well; False: a concern
    words: str       # plain words, e.g. "worse than England (13%), beyond the usual spread between councils"
    weight: float = 1.0  # strength of evidence, for ranking (a z-score: larger is stronger)

    @property
    def label(self) -> str:
        return SIGNAL_LABELS.get((self.kind, self.good), self.kind)


@dataclass
class MeasureEvidence:
    """Everything the pack says about one measure in the reporting year."""

    id: str
    title: str
    question: int
    unit: str
    polarity: str
    year: int
    value: float = math.nan
    symbol: str = ""
    numerator: float = math.nan
    denominator: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    comparators: dict[str, float] = field(default_factory=dict)     # key -> value
    comparator_names: dict[str, str] = field(default_factory=dict)  # key -> name in a sentence
    verdicts: dict[str, str] = field(default_factory=dict)          # key -> higher/lower/similar/not judged
    #: the England test's record (stats): direction, p, z, level, method, why
    test: dict = field(default_factory=dict)
    #: why the figure is not tested against England, in plain words ('' when it is)
    not_judged: str = ""
    quarter: int | None = None
    n_councils: int = 0
    #: where the council sits among the statistical neighbours: 'above all', 'below all', 'within'
    neighbour_place: str = ""
    #: robust z-score among every council's figure
    robust_z: float = math.nan
    rank: int | None = None
    unknown_share: float = math.nan
    family: str = ""
    unit_of_analysis: str = ""
    trend: dict = field(default_factory=dict)
    target: Any = None
    target_status: str = ""
    signals: list[Signal] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return not self.symbol and not _nan(self.value)

    @property
    def concerns(self) -> list[Signal]:
        return [s for s in self.signals if not s.good]

    @property
    def strengths(self) -> list[Signal]:
        return [s for s in self.signals if s.good]

    @property
    def kind(self) -> str:
        """'concern', 'going well' or '' (nothing notable by the rule)."""
        return "concern" if self.concerns else "going well" if self.strengths else ""

    @property
    def label(self) -> str:
        """'concern: worse than England; worsening' (the kind and the signals it rests on), or ''."""
        sigs = self.concerns if self.concerns else self.strengths
        if not sigs:
            return ""
        return f"{self.kind}: " + "; ".join(dict.fromkeys(s.label for s in sigs))

    @property
    def strength(self) -> float:
        """The strength of evidence for ranking: the largest weight among the signals of its kind."""
        sigs = self.concerns if self.concerns else self.strengths
        return max((s.weight for s in sigs), default=0.0)

    @property
    def comparator_verdict(self) -> str:
        """One reading against England for tables: 'better', 'worse', 'higher', 'lower', 'similar' or
        'not judged'."""
        d = self.verdicts.get("england", "not judged")
        if d in ("higher", "lower"):
            return better_or_worse(d, self.polarity) or d
        return d if d == "similar" else "not judged"


_COMP_FIELDS = ("england", "region", "sn_median", "region_name", "sn_group", "n_councils", "la_q1", "la_median",
                "la_q3", "sn_min", "sn_max", "sn_n")


def _comparator_label(key: str, comp: dict | None) -> str:
    if key == "england":
        return "England"
    if key == "region":
        name = (comp or {}).get("region_name")
        return f"the {name} region" if isinstance(name, str) and name else "the region"
    group = (comp or {}).get("sn_group")
    if isinstance(group, str) and "own comparator group" in group:
        return "the council's own comparator group (median)"
    if isinstance(group, str) and "in the neighbour groups of" in group:  # a joint figure (compare.joint_group)
        return "the median of both councils' statistical neighbours"
    return "the statistical neighbours' median"


def evaluate(defn, rows: pd.DataFrame, comp_rows: pd.DataFrame | None, year: int, target=None,
             fmt: Callable[[Any, str], str] | None = None, england_override: float | None = None,
             spread: Spread | None = None) -> MeasureEvidence:
    """The evidence for one measure: its figure, verdicts, place among councils, trend, target and signals.

    ``rows``: the measure's Total rows for every year (disclosure-controlled). ``comp_rows``: its
    comparator rows (Total breakdown), any years. ``england_override``: DfE's unrounded England figure
    (per cent) when it can be computed. ``spread``: every council's figures for the year (:class:`Spread`)."""
    if fmt is None:
        from cpanalysis.narrative import fmt
    unit, polarity = defn.unit, defn.polarity
    ev = MeasureEvidence(id=defn.id, title=defn.title, question=int(defn.question), unit=unit,
                         polarity=polarity, year=year, target=target)
    ev.family = (getattr(defn, "family", "") or "") or defn.id
    try:
        ev.unit_of_analysis = unit_of_analysis(defn)
        kind, why_not = UNITS_OF_ANALYSIS[ev.unit_of_analysis]
    except ValueError as e:
        kind, why_not = "not independent", str(e)
    a = _series(rows) if len(rows) else None
    if a is not None:
        at = np.flatnonzero(a["year"] == year)
        if len(at):
            i = at[-1]
            ev.symbol = a["symbol"][i]
            for k in ("value", "numerator", "denominator", "ci_low", "ci_high"):
                setattr(ev, k, float(a[k][i]))
    comp = None
    have_comp = comp_rows is not None and not comp_rows.empty
    if have_comp:
        at = np.flatnonzero(comp_rows["year"].to_numpy() == year)
        if len(at):
            comp = {c: comp_rows[c].iat[at[0]] for c in _COMP_FIELDS if c in comp_rows.columns}
    for key in COMPARATOR_KEYS:
        v = (comp or {}).get(key)
        if not _nan(v):
            ev.comparators[key] = float(v)
            ev.comparator_names[key] = _comparator_label(key, comp)
    if comp:
        ev.n_councils = int(comp.get("n_councils") or 0)
    england_series = dict(spread.england_series) if spread is not None else {}
    if not england_series and unit == "percent" and have_comp and "england" in comp_rows.columns:
        england_series = {int(y): float(e) / 100.0 for y, e in zip(comp_rows["year"].tolist(),
                                                                   comp_rows["england"].tolist()) if not _nan(e)}
    ev.trend = trend_of(a, unit, independent=kind == "independent", england=england_series or None) \
        if a is not None else {}
    if not ev.shown:
        if target is not None:
            ev.target_status = "cannot tell"
        return ev
    # the test against England (the region and the neighbours are described)
    if "england" in ev.comparators:
        test_value = england_override if england_override is not None else ev.comparators["england"]
        ev.test = test_against(ev.value, test_value, unit=unit, numerator=ev.numerator, denominator=ev.denominator,
                               ci_low=ev.ci_low, ci_high=ev.ci_high, spread=spread, independent=kind == "independent")
        if ev.test["why"] == "its unit is not independent":
            ev.not_judged = why_not
        elif ev.test["direction"] == "not judged":
            ev.not_judged = ev.test["why"]
        if spread is not None and not _nan(spread.unknown_share) and ev.test["direction"] in ("higher", "lower"):
            lo, hi = ev.value, ev.value + spread.unknown_share
            if lo <= test_value <= hi:
                ev.test = {**ev.test, "direction": "not judged"}
                ev.not_judged = (f"DfE records the category of {fmt(spread.unknown_share, 'percent')} of this cohort "
                                 "as not known, enough to reverse the comparison")
        ev.verdicts["england"] = ev.test["direction"]
    for key in ("region", "sn_median"):
        if key in ev.comparators:
            ev.verdicts[key] = "not judged"
    if spread is not None:
        ev.unknown_share = spread.unknown_share
    # neighbours: the council's place in their range
    if comp and not _nan(comp.get("sn_min")) and not _nan(comp.get("sn_max")) and int(comp.get("sn_n") or 0) >= 3:
        lo, hi = float(comp["sn_min"]), float(comp["sn_max"])
        ev.neighbour_place = "above all" if ev.value > hi else "below all" if ev.value < lo else "within"
    # place among all councils
    values = spread.values if spread is not None else np.array([])
    ev.quarter = quarter_of(ev.value, comp)
    if ev.quarter is not None and len(values) and not stats.quarter_is_meaningful(ev.value, values):
        ev.quarter = None
    if len(values):
        ev.robust_z = stats.robust_z(ev.value, values)
        v = values[~np.isnan(values)]
        ev.rank = int((v > ev.value).sum() + 1)  # 1 = the highest figure
    if target is not None:
        ev.target_status = target_status(target, ev.value, ev.ci_low, ev.ci_high, ev.symbol)
    if polarity not in ("higher_is_better", "lower_is_better"):
        if target is not None and ev.target_status in ("met", "not met"):
            ev.signals.append(_target_signal(ev, fmt))
        return ev
    # 1. England, by the comparison rule
    d = ev.verdicts.get("england", "")
    bw = better_or_worse(d, polarity)
    if bw:
        ev.signals.append(Signal("england", bw == "better",
                                 f"{d} than England ({fmt_beside(fmt, ev.value, ev.comparators['england'], unit)}) by "
                                 "more than chance or the usual spread between councils would explain",
                                 abs(ev.test.get("z") or 0.0)))
    # 2. extreme among councils, when no test was possible
    tested = ev.test.get("direction") in ("higher", "lower", "similar")
    big_enough = _nan(ev.denominator) or ev.denominator >= EXTREME_MIN_DENOMINATOR
    n = int((~np.isnan(values)).sum()) if len(values) else 0
    from_end = (ev.rank if not _nan(ev.robust_z) and ev.robust_z > 0 else n - (ev.rank or 0) + 1) if n else n + 1
    if (not tested and kind != "not independent" and big_enough and not _nan(ev.robust_z)
            and abs(ev.robust_z) >= stats.EXTREME_Z and from_end <= max(1, math.floor(stats.EXTREME_SHARE * n))):
        high = ev.robust_z > 0
        good = high == (polarity == "higher_is_better")
        place = (f"the {_ordinal(ev.rank)}highest of {n} councils" if high
                 else f"the {_ordinal(n - ev.rank + 1)}lowest of {n} councils")
        ev.signals.append(Signal("extreme", good,
                                 f"far {'above' if high else 'below'} most councils ({place}; England "
                                 f"{fmt(ev.comparators['england'], unit) if 'england' in ev.comparators else 'not published'}"
                                 "): no interval is published for this figure, so this rests on its place among all "
                                 "councils", abs(ev.robust_z)))
    # 3. the trend rule
    t = ev.trend
    bw = better_or_worse(t.get("direction", ""), polarity) if t.get("judged") else ""
    if bw and not _nan(ev.unknown_share) and abs(t.get("change") or 0.0) <= ev.unknown_share:
        # the not-known share is as large as the change: a change in recording could explain it
        t["blocked"] = (f"DfE records {fmt(ev.unknown_share, 'percent')} of this group as not known, as much as the "
                        "change itself, so a change in recording could explain it")
        bw = ""
    ae = t.get("against_england")
    if bw and ae is not None and ae.get("direction") != t.get("direction"):
        bw = ""  # the council moved as England did: a national change, not a finding about the council
    if bw and t.get("years"):
        y0, y1 = t["years"]
        pandemic = [y for y in t.get("flagged") or [] if y in stats.FLAGGED_YEARS]
        eng = (f", and {'up' if t.get('direction') == 'up' else 'down'} relative to England, which went from "
               f"{fmt(ae['england_first'], unit)} to {fmt(ae['england_last'], unit)}") if ae else ""
        ev.signals.append(Signal("trend", bw == "better",
                                 f"{'improving' if bw == 'better' else 'worsening'} from {_yl(y0)} to {_yl(y1)}{eng} "
                                 f"(a test over those {t['n_years']} years that holds with any one year left out"
                                 + (f", including {_yl(pandemic[0])}, the pandemic year" if pandemic else "") + ")",
                                 abs(ae["z"]) if ae else abs(t.get("statistic") or 0.0)))
    # 4. the council's target
    if target is not None and ev.target_status in ("met", "not met"):
        ev.signals.append(_target_signal(ev, fmt))
    return ev


def _ordinal(n: int | None) -> str:
    if n is None:
        return ""
    if n == 1:
        return ""  # "the highest of 152", not "the 1st highest"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix} "


def fmt_beside(fmt, value, comparator, unit: str) -> str:
    """A comparator formatted beside the council's figure: with one more decimal place when the two would
    otherwise print the same ("9% ... higher than England (9%)" reads as a contradiction)."""
    c = fmt(comparator, unit)
    if unit in ("percent", "rate_per_10k") and not _nan(value) and c == fmt(value, unit):
        from cpanalysis.narrative import round_half_away

        return f"{round_half_away(float(comparator), 1):,.1f}" + ("%" if unit == "percent" else "")
    return c


def _target_signal(ev: MeasureEvidence, fmt) -> Signal:
    words = ev.target.wording(lambda v: fmt(v, ev.unit))
    met = ev.target_status == "met"
    return Signal("target", met, f"{'meets' if met else 'misses'} the council's target of {words}",
                  TARGET_WEIGHT if not met else TARGET_WEIGHT / 2)


def _yl(year: int) -> str:
    return f"{int(year) - 1}-{str(int(year))[2:]}"


# ----------------------------------------------------------------------------------- selection
def rank_key(ev: MeasureEvidence, good: bool) -> tuple:
    sigs = ev.strengths if good else ev.concerns
    return (-max((s.weight for s in sigs), default=0.0), -len(sigs), ev.question, ev.id)


def by_family(evidence: list[MeasureEvidence], kind: str) -> list[MeasureEvidence]:
    """The strongest measure of each family with a finding of ``kind``, ranked by strength of evidence."""
    good = kind == "going well"
    ranked = sorted((e for e in evidence if e.kind == kind), key=lambda e: rank_key(e, good))
    seen, out = set(), []
    for e in ranked:
        if (e.family or e.id) in seen:
            continue
        seen.add(e.family or e.id)
        out.append(e)
    return out


def select(evidence: list[MeasureEvidence], max_concerns: int = MAX_CONCERNS,
           max_strengths: int = MAX_STRENGTHS) -> tuple[list[MeasureEvidence], list[MeasureEvidence]]:
    """(concerns, going well), each ranked by strength of evidence, one measure per family (the
    strongest), at most ``max_concerns`` and ``max_strengths``. A family with both a concern and a
    strength among its measures (for example EET low but NEET also low) gives only its concern."""
    concerns = by_family(evidence, "concern")
    concern_families = {e.family or e.id for e in concerns}
    strengths = [e for e in by_family(evidence, "going well") if (e.family or e.id) not in concern_families]
    return concerns[:max_concerns], strengths[:max_strengths]


def count_concerns(evidence: list[MeasureEvidence]) -> int:
    """How many concerns the pack raises: families with a concern (the unit the calibration benchmark counts)."""
    return len(by_family(evidence, "concern"))


# ----------------------------------------------------------------------------------- the stated method
def how_we_judge() -> list[dict]:
    """The annex's "How we judge": each method, its level, where the pack uses it and its reference,
    generated from the settings the code applies."""
    lvl, d = f"{stats.LEVEL_KEY:.1%}", f"{stats.LEVEL_DESCRIBE:.0%}"
    not_ind = sorted(u for u, (k, _) in UNITS_OF_ANALYSIS.items() if k == "not independent")
    return [
        {"method": "Unit of analysis", "level": "",
         "use": "Every measure declares what one counted unit is. Only measures of children, pupils or care leavers "
                f"are tested; measures of {', '.join(u + 's' for u in not_ind)} are never tested, because one child "
                "gives several of them.", "reference": ""},
        {"method": "Intervals for a council's own figure", "level": "95%",
         "use": "Wilson score intervals for percentages, t-intervals for averages and exact Poisson limits for rates "
                "per 10,000, beside each figure.",
         "reference": stats.REFERENCES["wilson"] + " " + stats.REFERENCES["byar"]},
        {"method": "Comparison with England", "level": lvl,
         "use": f"A percentage with its counts is higher or lower than England only when the exact binomial tail at "
                f"the council's cohort size and a z-score that adds the real spread between councils both fall beyond "
                f"the {lvl} level. Funnel plots draw both the {d} and {lvl} limits for reference.",
         "reference": stats.REFERENCES["exact"] + " " + stats.REFERENCES["funnel"]},
        {"method": "Spread between councils (over-dispersion)", "level": f"Winsorised {stats.WINSOR_TRIM:.0%} each end",
         "use": "Each year and measure, the between-council variance is estimated from every council's figure on "
                "the arcsine scale and added to each council's own sampling variance.",
         "reference": stats.REFERENCES["overdispersion"]},
        {"method": "Place among all councils",
         "level": f"the most extreme {stats.EXTREME_SHARE:.0%} at one end, robust z at least {stats.EXTREME_Z:.2f}",
         "use": "A figure published without counts or an interval is a finding only when it is among the most extreme "
                f"{stats.EXTREME_SHARE:.0%} of all councils at one end and far from their median (robust z-score), and "
                f"only when it rests on at least {EXTREME_MIN_DENOMINATOR} people where the size is published. "
                "Quarters are descriptive, and not claimed where many councils share the figure.",
         "reference": stats.REFERENCES["robust"]},
        {"method": "Statistical neighbours and region", "level": "not tested",
         "use": "Described, not tested: the neighbours' median is itself uncertain, so the pack says where the "
                "council sits in their range.", "reference": ""},
        {"method": "Recent trend", "level": lvl,
         "use": f"Chi-square test for trend over the latest {stats.TREND_WINDOW} years with counts; the direction "
                f"must hold with any one year left out (at {stats.TREND_LEAVE_ONE_OUT_LEVEL:.0%}), so 2020-21 (the "
                "pandemic year) or any other single year never drives it alone. The council's change is set "
                f"against England's by a score test around England's yearly rates; a key message needs the council "
                f"to move against England too (at {lvl}), so a national change is not a finding about the council.",
         "reference": stats.REFERENCES["trend"] + " " + stats.REFERENCES["armitage"]},
        {"method": "Many measures at once", "level": lvl,
         "use": f"Key messages need the {lvl} level (about three standard errors), and each family of measures "
                "(complements, variants, age bands) gives at most one. A simulated council at England's rate on "
                "every measure gets on average fewer than 0.3 concerns (benchmarks/bench_calibration.py).",
         "reference": stats.REFERENCES["trend"]},
        {"method": "Not known shares", "level": "",
         "use": "Where DfE records a share of the cohort as not known and that share could reverse a comparison, "
                "there is no verdict and the share is stated.", "reference": ""},
    ]

"""Findings: which results deserve a committee's attention, by one stated and tested rule.

Everything here works on plain tables that have already passed disclosure control (the pack's
``results`` and ``comparators``) and returns plain data; nothing here writes HTML.

**The comparison rule** (one rule, used by every sentence, table, scorecard row and funnel caption):
a percentage with its numerator and denominator is compared with a comparator by the exact binomial
95% limits around the comparator at the council's cohort size (the limits of a funnel plot, so a
funnel plot and a sentence can never disagree); another figure with a 95% interval is compared by
whether the interval excludes the comparator; a figure with neither is **not judged** against
comparators. "Higher" or "lower" is said only when the test supports it.

**The trend rule**: a trend is a test over every year shown (Cochran-Armitage chi-square test for
trend for percentages with counts; Mann-Kendall, i.e. Kendall's tau against the year, for other
figures), never the first year against the last. With fewer than three years there is no trend.

**The key-message rule.** For the reporting year, a measure whose polarity says which way is better
raises a *concern* signal for each of:

1. it is worse than England, or than the statistical neighbours' median, by the comparison rule;
2. it sits in the unfavourable quarter of all councils' published values (LAIT's banding) and no
   comparison was possible (no interval): the judgement then rests on its position among councils;
3. the trend test shows it worsening over all the years shown;
4. it misses the council's own target (the whole interval is on the wrong side of the target, or, for
   a figure with no interval, the figure itself is).

The same four tests in the other direction give *going well* signals. A measure with a concern signal
is a concern (its going-well signals are mentioned as mitigation); otherwise one with a going-well
signal is going well. Suppressed figures and neutral measures (which describe the service, such as the
number of children in care) are never findings. Concerns are ranked by the number of signals, then a
missed target, then the strength of the statistical evidence; the pack shows at most
``MAX_CONCERNS`` and ``MAX_STRENGTHS`` and lists the rest in the scorecard.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cpanalysis import stats

MAX_CONCERNS = 6
MAX_STRENGTHS = 4

#: comparators in the order sentences and tables name them
COMPARATOR_KEYS = ("england", "region", "sn_median")
#: comparators whose verdict can make a finding (the region is shown, but neighbours are the fairer test)
FINDING_COMPARATORS = ("england", "sn_median")


def _nan(x) -> bool:
    try:
        return x is None or pd.isna(x) or (isinstance(x, float) and math.isnan(x))
    except (TypeError, ValueError):
        return False


# ------------------------------------------------------------------------------ the comparison rule
def compare_with(value, comparator, *, unit: str = "", numerator=None, denominator=None,
                 ci_low=None, ci_high=None) -> str:
    """'higher', 'lower', 'similar' or 'not judged': the one comparison rule (module docstring)."""
    if _nan(value) or _nan(comparator):
        return "not judged"
    if unit == "percent" and not _nan(numerator) and not _nan(denominator) and float(denominator) > 0:
        c = float(comparator) / 100.0
        if 0.0 <= c <= 1.0:
            return stats.compare_proportion(float(numerator), float(denominator), c, 0.95)
    if not _nan(ci_low) and not _nan(ci_high):
        return stats.compare(value, ci_low, ci_high, comparator)
    return "not judged"


def better_or_worse(direction: str, polarity: str) -> str:
    """'better' / 'worse' for a supported higher/lower on a measure with a polarity, else ''."""
    if direction not in ("higher", "lower", "up", "down") or polarity not in ("higher_is_better", "lower_is_better"):
        return ""
    up = direction in ("higher", "up")
    return "better" if up == (polarity == "higher_is_better") else "worse"


def quarter_of(value, comp: dict | None) -> int | None:
    """The council's quarter among all councils' values (1 lowest to 4 highest, by value)."""
    if comp is None or _nan(value):
        return None
    q1, q2, q3 = (comp.get(k) for k in ("la_q1", "la_median", "la_q3"))
    if any(_nan(q) for q in (q1, q2, q3)) or not comp.get("n_councils"):
        return None
    v = float(value)
    return 1 if v <= q1 else 2 if v <= q2 else 3 if v <= q3 else 4


def trend_of(rows: pd.DataFrame, unit: str) -> dict:
    """The trend test over every year shown (rows: one per year, Total breakdown, disclosure-controlled).

    Returns stats.trend's dict plus ``years`` (first and last year tested)."""
    r = rows.sort_values("year")
    sym = r["symbol"].fillna("").astype(str) if "symbol" in r else pd.Series("", index=r.index)
    r = r[r["value"].notna() & (sym == "")]
    if unit == "percent" and r["numerator"].notna().all() and r["denominator"].notna().all() and len(r):
        out = stats.trend(r["year"].tolist(), r["numerator"].tolist(), r["denominator"].tolist(), kind="percent")
    elif unit == "count":
        out = stats.trend(r["year"].tolist(), r["value"].tolist(), kind="count")
    else:
        out = stats.trend(r["year"].tolist(), r["value"].tolist(), kind="mean")
    out["years"] = (int(r["year"].iloc[0]), int(r["year"].iloc[-1])) if len(r) else None
    out["values"] = list(zip(r["year"].astype(int), r["value"].astype(float)))
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
@dataclass
class Signal:
    kind: str        # "comparator", "quarter", "trend" or "target"
    good: bool       # True: going well; False: a concern
    words: str       # plain words, e.g. "worse than England (13%) by more than chance would explain"
    weight: float = 1.0  # strength of evidence, for ranking (larger is stronger)


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
    quarter: int | None = None
    n_councils: int = 0
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
    def comparator_verdict(self) -> str:
        """One reading against comparators for tables: 'better', 'worse', 'higher', 'lower', 'mixed',
        'similar' or 'not judged' (England and the neighbours' median; the region when they are absent)."""
        keys = [k for k in FINDING_COMPARATORS if k in self.verdicts] or list(self.verdicts)
        ds = {self.verdicts[k] for k in keys}
        moved = ds & {"higher", "lower"}
        if len(moved) == 2:
            return "mixed"
        if moved:
            d = moved.pop()
            return better_or_worse(d, self.polarity) or d
        if "similar" in ds:
            return "similar"
        return "not judged"


def _comparator_label(key: str, comp: dict | None) -> str:
    if key == "england":
        return "England"
    if key == "region":
        name = (comp or {}).get("region_name")
        return f"the {name} region" if isinstance(name, str) and name else "the region"
    group = (comp or {}).get("sn_group")
    if isinstance(group, str) and "own comparator group" in group:
        return "the council's own comparator group (median)"
    return "the statistical neighbours' median"


def evaluate(defn, rows: pd.DataFrame, comp_rows: pd.DataFrame | None, year: int, target=None,
             fmt: Callable[[Any, str], str] | None = None, england_override: float | None = None
             ) -> MeasureEvidence:
    """The evidence for one measure: its figure, verdicts, quarter, trend, target status and signals.

    ``rows``: the measure's Total rows for every year (disclosure-controlled). ``comp_rows``: its
    comparator rows (Total breakdown), any years. ``england_override``: DfE's unrounded England figure
    (numerator over denominator of the national row) when it can be computed; it then replaces the
    rounded published one in the test (the same figure a funnel plot is centred on)."""
    fmt = fmt or (lambda v, u: f"{v:g}")
    unit, polarity = defn.unit, defn.polarity
    ev = MeasureEvidence(id=defn.id, title=defn.title, question=int(defn.question), unit=unit,
                         polarity=polarity, year=year, target=target)
    cur = rows[rows["year"] == year]
    if not cur.empty:
        row = cur.iloc[-1]
        ev.symbol = str(row.get("symbol") or "") if not _nan(row.get("symbol")) else ""
        for k in ("value", "numerator", "denominator", "ci_low", "ci_high"):
            v = row.get(k)
            setattr(ev, k, float(v) if not _nan(v) else math.nan)
    comp = None
    if comp_rows is not None and not comp_rows.empty:
        c = comp_rows[comp_rows["year"] == year]
        if not c.empty:
            comp = c.iloc[0].to_dict()
    for key in COMPARATOR_KEYS:
        v = (comp or {}).get(key)
        if not _nan(v):
            ev.comparators[key] = float(v)
            ev.comparator_names[key] = _comparator_label(key, comp)
    if comp:
        ev.n_councils = int(comp.get("n_councils") or 0)
    ev.trend = trend_of(rows, unit) if len(rows) else {}
    if not ev.shown:
        if target is not None:
            ev.target_status = "cannot tell"
        return ev
    for key, cval in ev.comparators.items():
        test_value = england_override if (key == "england" and england_override is not None) else cval
        ev.verdicts[key] = compare_with(ev.value, test_value, unit=unit, numerator=ev.numerator,
                                        denominator=ev.denominator, ci_low=ev.ci_low, ci_high=ev.ci_high)
    ev.quarter = quarter_of(ev.value, comp)
    if target is not None:
        ev.target_status = target_status(target, ev.value, ev.ci_low, ev.ci_high, ev.symbol)
    if polarity not in ("higher_is_better", "lower_is_better"):
        if target is not None and ev.target_status in ("met", "not met"):
            ev.signals.append(_target_signal(ev, fmt))
        return ev
    # 1. comparators (one signal per direction, naming every comparator that supports it)
    for d in ("higher", "lower"):
        keys = [k for k in FINDING_COMPARATORS if ev.verdicts.get(k) == d]
        bw = better_or_worse(d, polarity)
        if keys and bw:
            names = [f"{ev.comparator_names[k]} ({fmt_beside(fmt, ev.value, ev.comparators[k], unit)})" for k in keys]
            ev.signals.append(Signal("comparator", bw == "better",
                                     f"{d} than {' and '.join(names)} by more than chance would explain",
                                     2.0 * len(keys)))
    # 2. quarter, when no comparison test was possible
    tested = any(v in ("higher", "lower", "similar") for v in ev.verdicts.values())
    if ev.quarter in (1, 4) and not tested and ev.n_councils >= 20:
        high = ev.quarter == 4
        good = high == (polarity == "higher_is_better")
        ev.signals.append(Signal("quarter", good,
                                 f"in the {'highest' if high else 'lowest'} quarter of {ev.n_councils} councils "
                                 "(no interval is published for this figure, so this rests on the council's "
                                 "position among all councils)", 1.0))
    # 3. trend over all years
    t = ev.trend
    bw = better_or_worse(t.get("direction", ""), polarity)
    if bw and t.get("years"):
        y0, y1 = t["years"]
        p = t.get("p_value", math.nan)
        ev.signals.append(Signal("trend", bw == "better",
                                 f"{'improving' if bw == 'better' else 'worsening'} over the {t['n_years']} years "
                                 f"from {_yl(y0)} to {_yl(y1)} (a test over all the years supports a trend)",
                                 1.0 + (0 if _nan(p) else min(2.0, -math.log10(max(p, 1e-6)) / 3))))
    # 4. the council's target
    if target is not None and ev.target_status in ("met", "not met"):
        ev.signals.append(_target_signal(ev, fmt))
    return ev


def fmt_beside(fmt, value, comparator, unit: str) -> str:
    """A comparator formatted beside the council's figure: with one more decimal place when the two would
    otherwise print the same ("9% ... higher than England (9%)" reads as a contradiction)."""
    c = fmt(comparator, unit)
    if unit in ("percent", "rate_per_10k") and not _nan(value) and c == fmt(value, unit):
        return f"{float(comparator):,.1f}" + ("%" if unit == "percent" else "")
    return c


def _target_signal(ev: MeasureEvidence, fmt) -> Signal:
    words = ev.target.wording(lambda v: fmt(v, ev.unit))
    met = ev.target_status == "met"
    return Signal("target", met, f"{'meets' if met else 'misses'} the council's target of {words}", 3.0 if not met else 1.5)


def _yl(year: int) -> str:
    return f"{int(year) - 1}-{str(int(year))[2:]}"


# ----------------------------------------------------------------------------------- selection
def rank_key(ev: MeasureEvidence, good: bool) -> tuple:
    sigs = ev.strengths if good else ev.concerns
    return (-len(sigs), -int(any(s.kind == "target" for s in sigs)), -sum(s.weight for s in sigs), ev.question, ev.id)


def select(evidence: list[MeasureEvidence], max_concerns: int = MAX_CONCERNS,
           max_strengths: int = MAX_STRENGTHS) -> tuple[list[MeasureEvidence], list[MeasureEvidence]]:
    """(concerns, going well), each ranked, by the key-message rule (module docstring). One measure per
    near-duplicate family: a measure whose title starts like an already chosen one is skipped."""
    concerns = sorted((e for e in evidence if e.kind == "concern"), key=lambda e: rank_key(e, False))
    strengths = sorted((e for e in evidence if e.kind == "going well"), key=lambda e: rank_key(e, True))
    return concerns[:max_concerns], strengths[:max_strengths]

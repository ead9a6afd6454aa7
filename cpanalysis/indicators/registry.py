"""The indicator registry: our data dictionary.

An indicator is one :class:`Definition` plus one function, registered with :func:`indicator`::

    @indicator(Definition(
        id="stability_3plus_placements", title="Children with 3 or more placements in the year",
        question=4, sub_question="q4.stability",  # a key of cpanalysis/questions.yaml
        cohort="Children looked after at 31 March, excluding short breaks (V3/V4)",
        numerator="Children in the cohort with 3 or more placements during the year",
        denominator="Children in the cohort", unit="percent", polarity="lower_is_better",
        source="SSDA903 Episodes", methodology="...", deviation=""))
    def stability_3plus(ctx: Context) -> pd.DataFrame:
        ...return an audit frame...

The function returns the **cohort audit**: one row per unit considered (usually a child), with columns

* ``CHILD`` (str): the child (the audit is for analysts and never enters the published pack);
* ``in_cohort`` (bool): counted in the denominator;
* ``in_numerator`` (bool): counted in the numerator (always False when ``in_cohort`` is False);
* ``reason`` (str): why the unit is in or out, in words an analyst can check;
* optional ``value`` (float): the per-unit value for ``unit`` "mean" or "days" indicators;
* optional ``breakdown`` (str): a breakdown label ("Age 10 to 15", "Reason: CARPL"); the headline
  ("Total") is always computed over all rows, and one extra row per breakdown value.

Headline figures are derived from the audit by :func:`summarise`, so a figure always reconciles with
its own audit. Adding an indicator needs no other edit: topic notebooks, the summary, the CSV export
and the pack read the registry.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from cpanalysis import stats
from cpanalysis.definitions import RESULT_COLUMNS, Definition, Polarity, Unit
from cpanalysis.model import CLAData

__all__ = ["AUDIT_COLUMNS", "RESULT_COLUMNS", "Context", "Definition", "Indicator", "Polarity", "REGISTRY", "Unit",
           "all_indicators", "audit", "check_audit", "compute", "definitions_frame", "get", "indicator", "run",
           "summarise"]


@dataclass
class Context:
    """What an indicator function may read."""

    data: CLAData
    year: int
    #: ONS mid-year population aged 0 to 17 by collection year, for rates per 10,000
    population: dict[int, float] = field(default_factory=dict)
    la_code: str | None = None
    #: partial-postcode centroids (columns postcode, easting, northing in metres, la_code; strings) used for
    #: distances between HOME_POST and PL_POST; None when no lookup was supplied
    postcodes: pd.DataFrame | None = None


IndicatorFn = Callable[[Context], pd.DataFrame]


@dataclass(frozen=True)
class Indicator:
    definition: Definition
    fn: IndicatorFn
    #: the function works out from the returns supplied, child by child, whose history it can establish (see
    #: :data:`HISTORY_UNKNOWN`), so it runs even when fewer returns than ``history_years`` were supplied
    per_child_history: bool = False

    @property
    def id(self) -> str:
        return self.definition.id


REGISTRY: dict[str, Indicator] = {}


class DuplicateIndicatorError(ValueError):
    """Two different functions registered under one indicator id."""


def _place(fn: IndicatorFn) -> str:
    """Where a function is defined: ``module.function (file, line N)``."""
    code = getattr(fn, "__code__", None)
    where = f" ({code.co_filename}, line {code.co_firstlineno})" if code is not None else ""
    return f"{fn.__module__}.{fn.__qualname__}{where}"


#: the audit reason of a child whose history the returns supplied cannot establish: left out of the cohort,
#: counted in the figure's status, and the figure withheld when those children could change it materially
HISTORY_UNKNOWN = "history not in the returns supplied"
#: percentage points by which the left-out children could move a percentage before it is withheld
HISTORY_MATERIAL_POINTS = 5.0


#: families of the child-level indicators (complements, variants and age bands of one fact give one key message);
#: an indicator not listed takes its published measure's family (sources/catalogue.yaml), else its own id
FAMILIES = {
    **{i: "care_leavers_activity" for i in ("care_leavers_activity_not_known_19_21", "care_leavers_eet_17_18",
                                            "care_leavers_eet_19_21", "care_leavers_neet_17_18",
                                            "care_leavers_neet_19_21", "care_leavers_apprenticeship_17_18",
                                            "care_leavers_apprenticeship_19_21", "care_leavers_higher_education_19_21")},
    **{i: "care_leavers_in_touch" for i in ("care_leavers_in_touch_17_18", "care_leavers_in_touch_19_21")},
    **{i: "sdq" for i in ("sdq_bands", "sdq_borderline", "sdq_concern", "sdq_mean", "sdq_normal", "sdq_received")},
    **{i: "missing" for i in ("away_children", "away_incidents", "missing_children", "missing_incidents")},
    **{i: "placement_moves" for i in ("stability_3plus_placements", "stability_3plus_placements_2yr",
                                      "stability_3plus_by_setting", "stability_3plus_residential")},
    **{i: "adoption_timeliness" for i in ("adoption_a10_3yr", "adoption_a1_3yr", "adoption_a2_3yr",
                                          "adoption_days_authority_to_match", "adoption_days_decision_to_match",
                                          "adoption_days_entry_to_adopted", "adoption_days_entry_to_placed",
                                          "adoption_days_match_to_placed", "adoption_days_placed_to_adopted",
                                          "adoption_placed_within_12_months", "adoption_within_18_months")},
    **{i: "placement_distance" for i in ("placed_outside_and_over_20_miles", "placed_outside_council",
                                         "placed_over_20_miles", "placed_within_20_miles",
                                         "residential_out_of_area", "residential_over_20_miles")},
    **{i: "substance" for i in ("substance_intervention_received", "substance_intervention_refused",
                                "substance_misuse")},
    **{i: "foster_provider" for i in ("foster_provider_other", "foster_provider_own", "foster_provider_private",
                                      "foster_provider_voluntary")},
}


def indicator(definition: Definition, per_child_history: bool = False) -> Callable[[IndicatorFn], IndicatorFn]:
    """Register an indicator. An id already registered by another function is refused, naming both places;
    the same function registered again (a module reloaded, a notebook cell run twice) replaces itself."""
    def register(fn: IndicatorFn) -> IndicatorFn:
        if not fn.__module__.startswith(__name__.rpartition(".")[0] + "."):
            _load_all()  # an analyst's indicator is checked against every built-in one, imported or not yet
        old = REGISTRY.get(definition.id)
        if old is not None and (old.fn.__module__, old.fn.__qualname__) != (fn.__module__, fn.__qualname__):
            raise DuplicateIndicatorError(
                f"indicator id {definition.id!r} is already registered by {_place(old.fn)}; it cannot also be "
                f"registered by {_place(fn)}. Give the new indicator an id of its own.")
        defn = definition
        if not defn.family and defn.id in FAMILIES:
            defn = dataclasses.replace(defn, family=FAMILIES[defn.id])
        REGISTRY[definition.id] = Indicator(defn, fn, per_child_history)
        return fn

    return register


def get(indicator_id: str) -> Indicator:
    _load_all()
    try:
        return REGISTRY[indicator_id]
    except KeyError:
        raise KeyError(f"unknown indicator {indicator_id!r}; known: {', '.join(sorted(REGISTRY))}") from None


def all_indicators(question: int | None = None) -> list[Indicator]:
    _load_all()
    out = [i for i in REGISTRY.values() if question is None or i.definition.question == question]
    return sorted(out, key=lambda i: (i.definition.question, i.id))


def definitions_frame() -> pd.DataFrame:
    """Every indicator's definition, one row each; ``sub_question_text`` gives the words of its ``sub_question`` key."""
    from cpanalysis.questions import sub_question_text

    return pd.DataFrame([{**i.definition.as_dict(), "sub_question_text": sub_question_text(i.definition.sub_question)}
                         for i in all_indicators()])


_LOADING: list[bool] = []


def _load_all() -> None:
    # Importing the topic modules registers their indicators. They are found on disk (not through the
    # package object) so the registry does not import the package that imports it. Re-entrant calls (a
    # topic module registering while it is imported here) return at once.
    import importlib
    import pkgutil
    import sys
    from pathlib import Path

    if _LOADING:
        return
    package = __name__.rpartition(".")[0]
    _LOADING.append(True)
    try:
        for mod in pkgutil.iter_modules([str(Path(__file__).resolve().parent)]):
            name = f"{package}.{mod.name}"
            if mod.name not in {"registry"} and not mod.name.startswith("_") and name not in sys.modules:
                importlib.import_module(name)
    finally:
        _LOADING.pop()


AUDIT_COLUMNS = ["CHILD", "in_cohort", "in_numerator", "reason"]


def check_audit(audit: pd.DataFrame, definition: Definition) -> pd.DataFrame:
    missing = [c for c in AUDIT_COLUMNS if c not in audit.columns]
    if missing:
        raise ValueError(f"indicator {definition.id}: audit is missing columns {missing}")
    if definition.unit in ("mean", "days") and "value" not in audit.columns:
        raise ValueError(f"indicator {definition.id}: a {definition.unit} indicator needs a 'value' column")
    bad = audit["in_numerator"].astype(bool) & ~audit["in_cohort"].astype(bool)
    if bad.any():
        raise ValueError(f"indicator {definition.id}: {int(bad.sum())} rows are in the numerator but not the cohort")
    return audit


def summarise(audit: pd.DataFrame, definition: Definition, year: int, population: float | None = None,
              breakdown: str = "Total") -> dict:
    """Headline figure for one audit (or one breakdown slice of it)."""
    in_cohort = audit["in_cohort"].to_numpy(dtype=bool, na_value=False)  # masks, not a filtered copy of the audit
    den = int(in_cohort.sum())
    num = int((audit["in_numerator"].to_numpy(dtype=bool, na_value=False) & in_cohort).sum())
    value = ci_low = ci_high = np.nan
    status = "ok"
    unit = definition.unit
    if unit == "count":
        value, numerator, denominator = float(num), num, np.nan
    elif unit == "percent":
        numerator, denominator = num, den
        if den:
            value = 100.0 * num / den
            ci_low, ci_high = (100.0 * x for x in stats.wilson_interval(num, den))
        else:
            status = "no cohort"
    elif unit == "rate_per_10k":
        numerator, denominator = num, population if population else np.nan
        if population:
            value = 10000.0 * num / population
            ci_low, ci_high = stats.poisson_rate_interval(num, population)
        else:
            status = "no population"
    elif unit in ("mean", "days"):
        vals = pd.to_numeric(audit["value"][in_cohort], errors="coerce").dropna()
        numerator, denominator = (float(vals.sum()) if len(vals) else np.nan), int(len(vals))
        if len(vals):
            value = float(vals.mean())
            ci_low, ci_high = stats.mean_interval(vals.to_numpy())
        else:
            status = "no cohort"
    else:  # pragma: no cover - Literal guards this
        raise ValueError(unit)
    unknown_rows = audit["reason"].astype("string").str.startswith(HISTORY_UNKNOWN).fillna(False).to_numpy(bool) \
        if len(audit) else np.zeros(0, dtype=bool)
    unknown = int(unknown_rows.sum())
    if unknown and status == "ok":
        children = "child" if unknown == 1 else "children"
        # what each left-out child would add if the returns showed it in the cohort: 1 in the numerator, 0 not,
        # NaN not known (an indicator may say so in the optional column "numerator_if_in_cohort")
        would = (pd.to_numeric(audit.loc[unknown_rows, "numerator_if_in_cohort"], errors="coerce").to_numpy()
                 if "numerator_if_in_cohort" in audit.columns else np.full(unknown, np.nan))
        if _could_change(unit, num, den, int((would == 1).sum()), int((would == 0).sum()),
                         int(np.isnan(would).sum())):
            value = ci_low = ci_high = np.nan
            status = (f"withheld: {unknown} {children} whose history is not in the returns supplied could change "
                      f"the figure by more than {HISTORY_MATERIAL_POINTS:g} points")
        else:
            status = f"ok; {unknown} {children} left out: {HISTORY_UNKNOWN}"
    elif unknown and status == "no cohort":
        status = f"no cohort: {unknown} {'child' if unknown == 1 else 'children'} left out: {HISTORY_UNKNOWN}"
    return {"indicator_id": definition.id, "title": definition.title, "question": definition.question,
            "year": year, "breakdown": breakdown, "value": value, "numerator": numerator,
            "denominator": denominator, "ci_low": ci_low, "ci_high": ci_high, "unit": unit,
            "source": definition.source, "status": status}


def _could_change(unit: str, num: int, den: int, yes: int, no: int, unsure: int) -> bool:
    """Could the children left out move the figure materially? ``yes``/``no``/``unsure``: those who would be in
    the numerator, would not, or might be, were they in the cohort. For a percentage, the lowest figure (every
    one that may be outside the numerator in the cohort) and the highest (every one that may be inside) against
    the figure shown; other units: always."""
    if unit != "percent":
        return True
    shown = 100.0 * num / den
    low = 100.0 * num / (den + no + unsure)
    high = 100.0 * (num + yes + unsure) / (den + yes + unsure)
    return max(shown - low, high - shown) > HISTORY_MATERIAL_POINTS


def run(ind: Indicator, ctx: Context) -> tuple[pd.DataFrame, list[dict]]:
    """Run one indicator: its audit and its result rows (Total first, then each breakdown)."""
    audit = check_audit(ind.fn(ctx), ind.definition)
    pop = ctx.population.get(ctx.year)
    rows = [summarise(audit, ind.definition, ctx.year, pop)]
    if "breakdown" in audit.columns:
        for label, part in audit.groupby("breakdown", sort=True, dropna=True):
            rows.append(summarise(part, ind.definition, ctx.year, pop, breakdown=str(label)))
    return audit, rows


def audit(data: CLAData, indicator_id: str, year: int, **ctx_kwargs) -> pd.DataFrame:
    """The cohort audit of one indicator: which children it counted and why (analysts only)."""
    ind = get(indicator_id)
    return check_audit(ind.fn(Context(data=data, year=year, **ctx_kwargs)), ind.definition)


def compute(data: CLAData, years: list[int] | int | None = None, ids: list[str] | None = None,
            question: int | None = None, population: dict[int, float] | None = None,
            la_code: str | None = None, postcodes: pd.DataFrame | None = None, workers: int = 1, pool=None,
            fingerprint: Fingerprint | None = None, pool_years: int | None = None):
    """Every (selected) indicator for every requested year, as rows with :data:`RESULT_COLUMNS`: the one loop that
    computes indicators, used by the CLI, the pack, the batch and the tests.

    A year for which an indicator lacks the history it needs gets a row with status
    "insufficient history" rather than a wrong number; an indicator registered with ``per_child_history``
    instead works out child by child what the returns supplied show, leaves out (and counts) the children
    whose history they cannot establish, and is withheld only when those children could change it materially.

    ``fingerprint`` (disclosure control's set fingerprints, :class:`cpanalysis.linkage.Fingerprinter`): also
    fingerprint each audit, and return ``(rows, fingerprints)``; the rows are the same either way.
    ``workers`` > 1 computes the years in that many new processes (a large return); ``pool`` (an executor with a
    process already started, e.g. the pack builder's helper) computes every other year, from the second, while
    this process computes the rest (``pool_years``: at most that many, when the pool has other work queued first).
    Either way the result is that of a serial run (tests/test_registry.py).
    """
    if years is None:
        years = list(data.years)
    elif isinstance(years, int):
        years = [years]
    years = list(years)
    state = {"data": data, "ids": ids, "question": question, "population": population, "la_code": la_code,
             "postcodes": postcodes, "fingerprint": fingerprint}
    if pool is not None and len(years) > 1:
        import pickle

        theirs = sorted(years)[1::2]
        if pool_years is not None:  # the pool has other work queued first: fewer years
            theirs = theirs[:pool_years]
        # Pickled now, not by the executor's feeder thread while this process computes its own years (which fills
        # the data's memo caches as it goes).
        future = pool.submit(_years_from_pickle, pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL), theirs)
        parts = [_years(state, [y for y in years if y not in theirs]), future.result()]
    elif workers > 1 and len(years) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawned: forking a threaded parent can deadlock; the data is sent once per process
        with ProcessPoolExecutor(max_workers=min(workers, len(years)), mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_init_worker, initargs=(state,)) as executor:
            parts = list(executor.map(_worker_year, [[y] for y in years]))
    else:
        parts = [_years(state, years)]
    if len(parts) > 1:
        parts = _in_serial_order(parts, years, question)
    else:
        parts = parts[0]
    return parts if fingerprint is not None else parts[0]


class Fingerprint(Protocol):
    """What :func:`compute` asks of a fingerprinter: rows for one audit, and the frame of all of them."""

    def __call__(self, audit: pd.DataFrame, definition: Definition, year: int) -> list[dict]: ...

    def frame(self, rows: list[dict]) -> pd.DataFrame: ...


def _years(state: dict, years: list[int]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The loop: every selected indicator (registry order), then every year (in the order given)."""
    data, fingerprint = state["data"], state["fingerprint"]
    rows: list[dict] = []
    fps: list[dict] = []
    for ind in all_indicators(state["question"]):
        if state["ids"] is not None and ind.id not in state["ids"]:
            continue
        for year in years:
            if year - ind.definition.history_years < min(data.years) and not ind.per_child_history:
                rows.append({**summarise(pd.DataFrame(columns=AUDIT_COLUMNS + ["value"]), ind.definition, year),
                             "status": "insufficient history"})
                continue
            ctx = Context(data=data, year=year, population=state["population"] or {}, la_code=state["la_code"],
                          postcodes=state["postcodes"])
            audit_frame, r = run(ind, ctx)
            rows.extend(r)
            if fingerprint is not None:
                fps.extend(fingerprint(audit_frame, ind.definition, year))
    return (pd.DataFrame(rows, columns=RESULT_COLUMNS),
            fingerprint.frame(fps) if fingerprint is not None else None)


def _in_serial_order(parts: list[tuple], years: list[int], question: int | None) -> tuple:
    """Rows (and fingerprints) computed for different years, put in the order a serial run gives: by indicator
    (registry order), then year (as given), then the order each indicator returned them."""
    order = {ind.id: i for i, ind in enumerate(all_indicators(question))}
    position = {y: i for i, y in enumerate(years)}

    def sort(frames: list[pd.DataFrame]) -> pd.DataFrame:
        df = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
        key = pd.DataFrame({"i": df["indicator_id"].map(order), "y": df["year"].map(position), "r": range(len(df))})
        return df.iloc[key.sort_values(["i", "y", "r"], kind="stable").index].reset_index(drop=True)

    rows = sort([p[0] for p in parts])
    fps = sort([p[1] for p in parts]) if parts[0][1] is not None else None
    if fps is not None:
        fps = fps.astype({c: object for c in fps.columns if parts[0][1][c].dtype == object})
    return rows, fps


def _years_from_pickle(state: bytes, years: list[int]):
    import pickle

    return _years(pickle.loads(state), years)  # noqa: S301 - bytes the builder's own process made, through a pipe


_WORKER_STATE: dict = {}


def _init_worker(state: dict) -> None:
    _WORKER_STATE.update(state)


def _worker_year(years: list[int]):
    return _years(_WORKER_STATE, years)

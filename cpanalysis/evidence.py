"""Assembling the evidence (the one-way pipeline before presentation): sources, validation,
indicators, comparators, disclosure control, then each measure's findings.

:func:`prepare` loads and validates every source once, computes every indicator and applies
disclosure control; the result (a :class:`PackContext`) is cached for the build's notebooks.
:func:`measure_evidence` turns it into plain :class:`cpanalysis.findings.MeasureEvidence` records that
the presentation layer (``briefing.py``, ``render.py``, templates) reads. Nothing here writes HTML.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cpanalysis import config, findings, paths
from cpanalysis.config import Params
from cpanalysis.errors import FatalError


@dataclass
class PackContext:
    """Everything the notebooks need, prepared once per build and cached."""

    params: Params
    data: Any = None  # CLAData when child-level data was supplied
    raw_results: pd.DataFrame = field(default_factory=pd.DataFrame)  # never shown in the pack
    results: pd.DataFrame = field(default_factory=pd.DataFrame)  # disclosure-controlled
    #: fingerprints of the sets of children behind each child-level figure (cpanalysis.linkage), never shown
    fingerprints: pd.DataFrame = field(default_factory=pd.DataFrame)
    comparators: pd.DataFrame | None = None
    published: Any = None
    local: Any = None  # LocalData when local returns were supplied
    source_kind: str = "ssda903"  # "ssda903", "published" or "both"
    built_at: str = ""
    notes: list[str] = field(default_factory=list)
    #: the steps whose results came from the user's private cache (:mod:`cpanalysis.results_cache`)
    from_cache: list[str] = field(default_factory=list)
    #: Ofsted's inspection outcomes (:class:`cpanalysis.sources.ofsted.OfstedData`) found under the published folder
    ofsted: Any = None
    #: why Ofsted's judgements are not shown ('' when they are, or when no published folder was given)
    ofsted_note: str = ""

    def audit(self, indicator_id: str, year: int | None = None) -> pd.DataFrame:
        """Cohort audit for analysts (contains child identifiers: never put it in the pack)."""
        from cpanalysis.indicators import registry

        if self.data is None:
            raise ValueError("cohort audits need child-level SSDA903 data")
        return registry.audit(self.data, indicator_id, year or self.params.year, **_indicator_kwargs(self))


def _indicator_kwargs(ctx_or_params) -> dict:
    params = ctx_or_params.params if isinstance(ctx_or_params, PackContext) else ctx_or_params
    kw: dict[str, Any] = {"population": {int(k): float(v) for k, v in params.population.items()},
                          "la_code": params.council.old_la_code}
    from cpanalysis.indicators.registry import Context

    if "postcodes" in Context.__dataclass_fields__ and params.inputs.postcodes:
        kw["postcodes"] = pd.read_csv(paths.resolve(params.inputs.postcodes), dtype=str)
    return kw


def prepare(params: Params, published: Any = None, use_cache: bool = True,
            helper: Callable[[], Any] | None = None) -> PackContext:
    """Load and validate every source once, compute every indicator, apply disclosure control.

    ``published``: DfE's published files already parsed (a batch of councils parses them once). ``use_cache``:
    take the indicators and the disclosure-controlled figures from the user's private cache when the inputs
    they depend on are unchanged (:mod:`cpanalysis.results_cache`), and store them there when not. ``helper``:
    starts a second process (an executor) when the indicators must be computed; it is started before the
    return is read, so that its start overlaps the reading, and computes every other year."""
    from cpanalysis import disclosure, linkage, results_cache

    ctx = PackContext(params=params, built_at=dt.datetime.now().strftime("%d %B %Y %H:%M"))
    frames = []
    published_future = None
    known: set = set()  # counts DfE publishes for the council: known to an intruder, never hidden
    if params.inputs.ssda903:
        from cpanalysis.sources.ssda903 import load_ssda903

        kw = _indicator_kwargs(params)
        key = results_cache.indicators_key(
            paths.resolve(params.inputs.ssda903), params.year, kw["population"], kw["la_code"],
            paths.resolve(params.inputs.postcodes) if params.inputs.postcodes else None)
        pool = helper() if helper is not None and not (use_cache and results_cache.has(key)) else None
        if pool is not None and params.inputs.published and published is None:
            from cpanalysis.sources.published import load_published_captured

            # DfE's files are read by the helper first, while this process reads the return and computes its
            # share of the years
            published_future = pool.submit(load_published_captured, paths.resolve(params.inputs.published))
        ctx.data = load_ssda903(paths.resolve(params.inputs.ssda903))
        # Every year of the return, also those after the reporting year: disclosure control decides for the
        # council's whole history, so releases for different years never show what another hides.
        years = list(ctx.data.years)
        # Large returns (a big county, or many years) compute their years in parallel processes.
        par = min(os.cpu_count() or 1, len(years)) if len(ctx.data.episodes) > 50_000 else 1
        (rows, ctx.fingerprints), hit = results_cache.cached(
            key, ("rows", "fingerprints"),
            lambda: linkage.compute(ctx.data, years=years, population=kw["population"], la_code=kw["la_code"],
                                    workers=par, postcodes=kw.get("postcodes"), pool=pool if par == 1 else None,
                                    pool_years=PUBLISHED_HELPER_YEARS if published_future is not None else None),
            "figures computed from the SSDA903 return", use=use_cache)
        if hit:
            ctx.from_cache.append("indicators")
        frames.append(rows)
    if params.inputs.published:
        from cpanalysis.compare import comparator_table
        from cpanalysis.sources.published import load_published, published_indicators

        if published is None and published_future is not None:
            from cpanalysis.sources.published import say_captured

            published, said = published_future.result()
            say_captured(said)
        ctx.published = published if published is not None else load_published(paths.resolve(params.inputs.published))
        ctx.comparators = comparator_table(ctx.published, params)
        pub = published_indicators(ctx.published, params)
        known |= dfe_known(pub)
        # Measures DfE publishes only for England (adoption stage times) are not the council's figure: the
        # council's cell is "x" (not available) and the England figure appears as the comparator.
        eng_only = pub["status"].astype(str).str.startswith("England figure")
        if eng_only.any():
            pub = pub.copy()
            pub.loc[eng_only, ["value", "numerator", "denominator", "ci_low", "ci_high"]] = float("nan")
            pub.loc[eng_only, "symbol"] = "x"
            pub.loc[eng_only, "status"] = "not published for councils (England figure shown as the comparator)"
        if frames:
            # Child-level figures take precedence; published-only measures fill the gaps.
            have = set(frames[0]["indicator_id"])
            pub = pub[~pub["indicator_id"].isin(have)]
            ctx.source_kind = "both"
        else:
            ctx.source_kind = "published"
        frames.append(pub)
        from cpanalysis.sources import ofsted

        ctx.ofsted, ctx.ofsted_note = ofsted.from_folder(paths.resolve(params.inputs.published))
    if params.inputs.local:
        from cpanalysis.sources.local import local_results, read_local

        ctx.local = read_local(params.inputs.local)
        frames.append(local_results(ctx.local))
    raw = pd.concat([f for f in frames if not f.empty], ignore_index=True) if frames else pd.DataFrame()
    ctx.raw_results = raw[raw["year"] <= params.year] if not raw.empty else raw
    if not raw.empty:
        from cpanalysis.identities import annex_rows

        annex = annex_rows(getattr(ctx.data, "reconciliation", None))
        key = results_cache.disclosure_key(raw, ctx.fingerprints, {**params.disclosure.model_dump(),
                                                                   "release": params.year,
                                                                   "known": sorted(map(str, known)),
                                                                   "annex": [a["value"] for a in annex]})
        (ctx.results,), hit = results_cache.cached(
            key, ("results",), lambda: (disclosure.release(raw, params.year, params.disclosure, ctx.fingerprints,
                                                           known=known, annex=annex),),
            "disclosure-controlled figures", use=use_cache)
        if hit:
            ctx.from_cache.append("disclosure")
    else:
        ctx.results = raw
    mismatch = return_mismatch(ctx)
    if mismatch:
        ctx.notes.append(mismatch)
        import sys

        print(f"cpanalysis: warning: {mismatch}", file=sys.stderr)
    return ctx


#: years of indicators the helper computes when it reads DfE's files first (otherwise: every other year). On
#: the demo (five years, 2 cores) reading the files costs about two years' indicators: one year balances.
PUBLISHED_HELPER_YEARS = 1


def dfe_known(pub: pd.DataFrame) -> set:
    """(indicator, year, breakdown) of the counts DfE publishes for the council (a number, not a symbol)."""
    if pub is None or pub.empty:
        return set()
    sym = pub["symbol"].fillna("").astype(str) if "symbol" in pub else pd.Series("", index=pub.index)
    ok = (pub["unit"] == "count") & (sym == "") & pd.to_numeric(pub["value"], errors="coerce").notna()
    t = pub[ok]
    return {(a, int(b), c if isinstance(c, str) else "Total") for a, b, c in zip(t["indicator_id"], t["year"],
                                                                                  t["breakdown"])}


#: how far the child-level count of children in care may be from DfE's published figure for the same council and
#: year before the return is said to look like another council's. DfE's figure is counted from the council's own
#: return, so late returns and amendments move it by a few per cent; a quarter (the first rule) let the demo
#: return's 465 pass as Telford and Wrekin's 411 (13% apart). Both limits must be passed: a tenth, and
#: MISMATCH_CHILDREN children (so a small council's handful of amendments is not a warning).
MISMATCH_SHARE = 0.10
MISMATCH_CHILDREN = 10


def return_mismatch(ctx: PackContext) -> str:
    """A warning when the SSDA903 return looks like another council's: its children looked after at 31 March
    differ from DfE's published figure for the named council and year by more than ``MISMATCH_SHARE`` and more than
    ``MISMATCH_CHILDREN`` children."""
    if ctx.data is None or ctx.published is None or ctx.raw_results.empty:
        return ""
    code = ctx.params.council.old_la_code
    r = ctx.raw_results
    mine = r[(r["indicator_id"] == "cla_at_31_march") & (r["breakdown"] == "Total") & (r["year"] == ctx.params.year)
             & r["source"].astype(str).str.startswith("SSDA903")]
    f = ctx.published.figures
    pub = f[(f["indicator_id"] == "cla_at_31_march") & (f["geographic_level"] == "Local authority")
            & (f["old_la_code"].astype(str) == str(code)) & (f["year"] == ctx.params.year)]
    if not code or mine.empty or pub.empty or pd.isna(pub["value"].iloc[0]) or not pub["value"].iloc[0]:
        return ""
    a, b = float(mine["value"].iloc[0]), float(pub["value"].iloc[0])
    if abs(a - b) / b <= MISMATCH_SHARE or abs(a - b) <= MISMATCH_CHILDREN:
        return ""
    return (f"the SSDA903 return counts {a:,.0f} children looked after at 31 March {ctx.params.year}, but DfE "
            f"publishes {b:,.0f} for {ctx.params.council.name}: is this return another council's? Check the files "
            "under inputs ssda903 and the council named in the parameters.")


#: contexts prepared in this process, by key: the in-process runner (``cpanalysis.runner``) hands the notebooks
#: their context this way instead of through a file
IN_PROCESS: dict[str, PackContext] = {}


def open_context(params_file: str = "", params_json: str = "", cache_dir: str = "") -> PackContext:
    """Called at the top of every notebook: the build's cached context, or a fresh one.

    Opened by hand (JupyterLab: no ``params_json``), an error an officer can act on (a mistyped ``params_file``,
    a wrong value in the file, a return that cannot be read) is shown as one plain paragraph naming the file and
    the fix in notebook terms, not a traceback (:func:`install_notebook_errors`)."""
    if cache_dir in IN_PROCESS:
        return IN_PROCESS[cache_dir]
    if params_json:
        return prepare(config.from_json(params_json))
    install_notebook_errors()
    try:
        params = config.load(params_file or None)
    except config.ParameterError as err:
        raise NotebookError(notebook_message(err, params_file, parameters=True)) from None
    try:
        return prepare(params)
    except (config.ParameterError, FatalError) as err:
        raise NotebookError(notebook_message(err, params_file)) from None


class NotebookError(FatalError):
    """An error in a notebook opened by hand, already worded for the notebook (one paragraph)."""


#: the fix a notebook gives for a parameters file it cannot use
NOTEBOOK_FIX = ("In the notebook's first code cell, set params_file to a parameters file in the parameters/ folder "
                "(for example params_file: str = \"parameters/demo.yml\", or a file written by `cpanalysis init`), "
                "then choose Run > Run All Cells")


def notebook_message(err: Exception, params_file: str = "", parameters: bool = False) -> str:
    """The error as one plain paragraph for a notebook: the command line's "Give --params ..." becomes what to
    change in the notebook, and a problem with the parameters file says which ``params_file`` was used."""
    from cpanalysis.errors import plain

    text = " ".join(plain(str(err)).split())
    for cli_fix in (config.FIX_NOT_FOUND, config.FIX_NOT_TEXT):
        text = text.replace(cli_fix, NOTEBOOK_FIX)
    if parameters:
        used = params_file or str(paths.DEFAULT_PARAMS.relative_to(paths.ROOT))
        lead = f"This notebook could not read its parameters file (params_file = {used!r}, taken from the repository folder {paths.ROOT}): "
        if NOTEBOOK_FIX not in text:
            text = text.rstrip(".") + f". {NOTEBOOK_FIX}"
        text = lead + text
    else:
        text = "This notebook stopped: " + text
    return text.rstrip(".") + "."


def _plain_error(shell, etype, value, tb, tb_offset=None):  # noqa: ARG001 - IPython's handler signature
    """IPython's handler for cpanalysis's own errors in a notebook: one red paragraph, no traceback. The cell
    still fails (JupyterLab, Papermill and nbval see an error), but its message is the plain paragraph."""
    text = str(value) if isinstance(value, NotebookError) else notebook_message(value)
    stb = [f"\x1b[1;31m{etype.__name__}\x1b[0m: {text}"]
    shell._showtraceback(etype, value, stb)
    return None


def install_notebook_errors() -> None:
    """In a Jupyter or IPython session, show cpanalysis's errors (:class:`~cpanalysis.errors.FatalError` and
    :class:`~cpanalysis.config.ParameterError`) as one plain paragraph. Does nothing elsewhere, and never in the
    builder's own in-process shell (a build reports errors itself)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc") or getattr(shell, "_cpanalysis_build", False):
        return
    try:
        shell.set_custom_exc((FatalError, config.ParameterError), _plain_error)
    except Exception:  # noqa: BLE001 - an unusual shell keeps IPython's own tracebacks
        pass


def _definition(indicator_id: str, ctx: PackContext | None = None):
    """The definition to show beside a figure: the published measure's own when the council's figures for
    this indicator come from DfE's files, so the pack never describes a published figure as computed
    from the council's SSDA903 return."""
    from cpanalysis.indicators import registry

    if ctx is not None and not ctx.results.empty and "source" in ctx.results.columns:
        src = _rows_of(ctx, "results", indicator_id)["source"].astype(str)
        if len(src) and src.str.startswith("DfE").all():
            from cpanalysis.sources.published import definition_for

            try:
                return definition_for(indicator_id)
            except KeyError:
                pass
    try:
        return registry.get(indicator_id).definition
    except KeyError:
        pass
    from cpanalysis.sources import local

    try:
        return local.definition_for(indicator_id)
    except KeyError:
        from cpanalysis.sources.published import definition_for

        return definition_for(indicator_id)


def question_ids(ctx: PackContext, n: int) -> list[str]:
    if ctx.results.empty:
        return []
    ids = ctx.results.loc[ctx.results["question"] == n, "indicator_id"].drop_duplicates().tolist()
    return ids


def key_ids(ctx: PackContext, n: int) -> list[str]:
    """A question's indicators in the order of the LGA sub-questions they answer (unmapped ones last)."""
    from cpanalysis.questions import question

    order = {iid: i for i, iid in enumerate(question(n).indicator_ids)}
    ids = question_ids(ctx, n)
    return sorted(ids, key=lambda i: (order.get(i, len(order)), ids.index(i)))


def _rows_of(ctx: PackContext, which: str, indicator_id: str) -> pd.DataFrame:
    """``ctx.results`` or ``ctx.comparators`` rows of one indicator, grouped once per notebook (each
    notebook asks for every indicator several times; filtering the whole table each time added up)."""
    frame = getattr(ctx, which)
    if frame is None or frame.empty:
        return pd.DataFrame() if frame is None else frame.iloc[0:0]
    index = ctx.__dict__.setdefault("_rows_index", {})
    key = (which, id(frame), len(frame))  # a replaced table gets a fresh grouping
    if key not in index:
        index[key] = dict(tuple(frame.groupby("indicator_id", sort=False)))
    return index[key].get(indicator_id, frame.iloc[0:0])


def _comparators_for(ctx: PackContext, indicator_id: str) -> pd.DataFrame:
    if ctx.comparators is None or ctx.comparators.empty:
        return pd.DataFrame()
    c = _rows_of(ctx, "comparators", indicator_id)
    if "breakdown" in c.columns:
        c = c[c["breakdown"].fillna("Total") == "Total"]
    return c


def _total_rows(ctx: PackContext, indicator_id: str) -> pd.DataFrame:
    """The council's total rows of one indicator in year order (worked out once per table)."""
    r = _rows_of(ctx, "results", indicator_id)
    cache = ctx.__dict__.setdefault("_totals", {})
    key = (indicator_id, id(ctx.results), len(ctx.results))
    if key not in cache:
        cache[key] = r[r["breakdown"] == "Total"].sort_values("year")
    return cache[key]




# ------------------------------------------------------------------------------ measure evidence
def target_for(ctx: PackContext, indicator_id: str):
    for t in ctx.params.targets:
        if t.indicator == indicator_id:
            return t
    return None


#: how many years before the pack's year a measure's latest figure may be and still be shown as its latest
#: (DfE publishes some measures, such as suspensions, a year behind the others)
LATEST_WITHIN = 2


def latest_year(ctx: PackContext, indicator_id: str) -> int | None:
    """The year of the measure's latest figure: the pack's year, else the latest of the ``LATEST_WITHIN`` years
    before it that has a figure (or a suppression symbol); None when there is none that recent."""
    cache = ctx.__dict__.setdefault("_latest", {})
    if indicator_id not in cache:
        t = _total_rows(ctx, indicator_id)
        year = int(ctx.params.year)
        t = t[(t["year"] <= year) & (t["year"] >= year - LATEST_WITHIN)]
        sym = t["symbol"].fillna("").astype(str) if "symbol" in t else pd.Series("", index=t.index)
        have = t[t["value"].notna() | (sym != "")]
        if (t["year"] == year).any():
            cache[indicator_id] = year
        else:
            cache[indicator_id] = int(have["year"].max()) if len(have) else None
    return cache[indicator_id]


def funnel_points(ctx: PackContext, indicator_id: str) -> pd.DataFrame | None:
    """Every council's published proportion for the reporting year with control limits (cached), or
    None when DfE publishes no proportion with numerator and denominator for this measure."""
    cache = ctx.__dict__.setdefault("_funnels", {})
    if indicator_id not in cache:
        pts = None
        if ctx.published is not None:
            from cpanalysis.compare import funnel_data

            try:
                pts = funnel_data(ctx.published, indicator_id, latest_year(ctx, indicator_id) or ctx.params.year,
                                  ctx.params.council)
            except (KeyError, ValueError):
                pts = None
            if pts is not None and (len(pts[~pts["is_council"].astype(bool)]) < 10 or pd.isna(pts["centre"].iloc[0])):
                pts = None
        cache[indicator_id] = pts
    return cache[indicator_id]


@dataclass(frozen=True)
class ChartData:
    """What a measure's charts draw, gathered by the assembly (:func:`chart_data`) and
    handed down to :mod:`cpanalysis.figures` as plain data, so drawing never reaches back into the pack's context."""

    definition: object  # the definition shown beside the figure
    rows: pd.DataFrame  # the council's total rows over the years (year, value, ci_low, ci_high, symbol)
    comparators: pd.DataFrame  # comparators' rows over the years (year, england, region, sn_median)
    funnel: pd.DataFrame | None  # every council's proportion with limits, or None


def chart_data(ctx: PackContext, indicator_id: str, funnel: bool = False):
    """What a measure's charts draw, as plain data for :mod:`cpanalysis.figures` (drawing never reads the
    pack's context itself)."""
    return ChartData(definition=_definition(indicator_id, ctx), rows=_total_rows(ctx, indicator_id),
                     comparators=_comparators_for(ctx, indicator_id),
                     funnel=funnel_points(ctx, indicator_id) if funnel else None)


def measure_evidence(ctx: PackContext, indicator_id: str) -> findings.MeasureEvidence:
    """The findings record of one measure for the reporting year (cached per context)."""
    cache = ctx.__dict__.setdefault("_evidence", {})
    if indicator_id not in cache:
        from cpanalysis.narrative import fmt

        defn = _definition(indicator_id, ctx)
        england = None
        pts = funnel_points(ctx, indicator_id) if defn.unit == "percent" else None
        if pts is not None and pts.attrs.get("centre_from") == "England":
            england = float(pts["centre"].iloc[0])  # DfE's unrounded England figure (national num / den)
        year = latest_year(ctx, indicator_id) or ctx.params.year
        cache[indicator_id] = findings.evaluate(
            defn, _total_rows(ctx, indicator_id), _comparators_for(ctx, indicator_id), year,
            target=target_for(ctx, indicator_id), fmt=fmt, england_override=england,
            spread=spread_for(ctx, defn, year))
        joint = joint_with(ctx, indicator_id, year)
        if joint:
            _not_the_councils_own(cache[indicator_id], joint)
    return cache[indicator_id]


def joint_with(ctx: PackContext, indicator_id: str, year: int) -> str:
    """The other council's name when DfE publishes the council's figure for ``year`` jointly with it, else ''."""
    from cpanalysis.sources.published import JOINT_STATUS

    t = _total_rows(ctx, indicator_id)
    if t.empty or "status" not in t:
        return ""
    st = t.loc[t["year"] == year, "status"].astype(str)
    hit = [x.split(JOINT_STATUS, 1)[1] for x in st if JOINT_STATUS in x]
    return hit[0] if hit else ""


def _not_the_councils_own(ev: findings.MeasureEvidence, other: str) -> None:
    """A figure published for two councils together is shown for each, but no test that needs the council alone
    is made on it: no verdict against England, no place among councils or neighbours, no key message."""
    ev.signals = []
    ev.verdicts = {k: "not judged" for k in ev.verdicts}
    ev.not_judged = f"DfE publishes one figure for the council and {other} together, not the council's own"
    ev.quarter = None
    ev.neighbour_place = ""
    ev.robust_z = float("nan")
    ev.rank = None


def spread_for(ctx: PackContext, defn, year: int) -> findings.Spread | None:
    """What every council published for the measure in the year (the spread between councils), England's
    yearly proportions and the council's not-known share: the comparison rule's reference."""
    s = None
    if ctx.published is not None:
        from cpanalysis.compare import spread_data

        try:
            d = spread_data(ctx.published, getattr(defn, "published_measure", None) or defn.id, year)
        except (KeyError, ValueError):
            d = None
        if d is not None:
            s = findings.Spread(values=d["values"], nums=d["nums"], dens=d["dens"], england_p=d["england_p"],
                                england_series=d["england_series"] if defn.unit == "percent" else {})
    unknown = _unknown_share(ctx, defn, year)
    if not pd.isna(unknown):
        s = s or findings.Spread()
        s.unknown_share = unknown
    return s


def _unknown_share(ctx: PackContext, defn, year: int) -> float:
    """Percentage points of the measure's cohort whose category is not known (from the pack's own figures)."""
    def value_of(iid: str) -> float:
        t = _total_rows(ctx, iid)
        t = t[t["year"] == year]
        return float(t["value"].iloc[-1]) if len(t) and pd.notna(t["value"].iloc[-1]) else float("nan")

    if getattr(defn, "unknown_measure", ""):
        return value_of(defn.unknown_measure)
    parts = getattr(defn, "unknown_from", ()) or ()
    if parts:
        vals = [value_of(i) for i in parts]
        if not any(pd.isna(v) for v in vals):
            return max(0.0, 100.0 - sum(vals))
    return float("nan")


def all_evidence(ctx: PackContext) -> list[findings.MeasureEvidence]:
    """Evidence for every measure of the questions in this pack that has a figure for the reporting year."""
    out = []
    for n in ctx.params.topics:
        for iid in key_ids(ctx, n):
            if latest_year(ctx, iid) is not None:
                out.append(measure_evidence(ctx, iid))
    return out


def headline_ids(ctx: PackContext, n: int, limit: int = 4) -> list[str]:
    """The question's headline measures that have a figure this year (questions.yaml ``headline``)."""
    from cpanalysis.questions import question

    have = set(key_ids(ctx, n))
    return [i for i in question(n).headline if i in have
            and latest_year(ctx, i) == ctx.params.year][:limit]

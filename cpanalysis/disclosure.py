"""Statistical disclosure control: nothing published identifies a child, directly or by arithmetic.

Applied to the indicator results (``registry.RESULT_COLUMNS``) before anything reaches a notebook's output,
the pack or a ``--public`` export. Everything published (tables, charts and their alt text, the summary,
the annex, the CSV) is drawn from the one controlled table this returns, so controlling it controls them all.

**Method: cell suppression (primary and secondary), as DfE and ONS use, checked by linear programming.**

1. *Cells.* Every count a row publishes is a cell: a count's value, a percentage's numerator and
   denominator, a rate's numerator, the number of children behind an average. Child-level figures carry
   fingerprints of the sets of children behind them (:mod:`cpanalysis.linkage`), so the same set counted by
   two indicators (a breakdown row and a percentage's numerator, a Total and a denominator) is *one* cell,
   shown or hidden everywhere together. A percentage's complement (denominator minus numerator) is a cell too.
2. *Identities.* The linear identities an intruder can use are found from the fingerprints, not listed by
   hand: a Total is the sum of its breakdown; numerators that share a denominator and together make it up
   (own, private, voluntary and other foster placements); any cell that is the sum of two others
   (denominator = numerator + complement, a 2-year window = two years); any two cells whose sums agree
   (children looked after this year + leavers = last year's + starters). Rows without fingerprints (DfE's and
   local returns' figures) are linked by a breakdown that adds up to its Total. Identities the fingerprints
   cannot see are *declared* on the definitions and added by :mod:`cpanalysis.identities`: a local return's
   stock and flow, a 3-year window as the sum of its years (children and total days), annex A's row counts
   that equal a cohort.
3. *Primary suppression.* A count of 1 to ``suppress_counts_up_to`` (default 5) children, a numerator,
   complement or denominator of that size, and any percentage or average from fewer than
   ``min_denominator`` (default 11) children. Zero is shown: it identifies nobody.
4. *Secondary suppression.* For every hidden cell an LP (scipy's HiGHS) finds the range the intruder can
   work out from everything published and every identity, with the bounds the intruder may know (a hidden
   count of 1 to 5 lies in [1, 5]; a hidden non-zero count is at least 1; every count is at least 0). A cell
   whose range holds fewer than two whole numbers is not protected: the smallest published cell in the
   identities that pin it is hidden as well (trying the few smallest first and keeping the first that
   works), until every hidden cell is protected. Greedy with an exact check rather than an optimal MILP:
   the groups are small, the check is what guarantees safety, and the choice is deterministic.
   Cells DfE prints for the council (its published counts, the headline counts of :data:`DFE_PRINTS` above
   the threshold, any figure read from DfE's files) and annex A's counts are known to the intruder and never
   chosen; a small council's secondary cells are then each tried for showing again (:func:`_give_back`).
   Averages are published at one decimal place, so the total behind a shown average is known only to an
   interval; a hidden average's total must keep a range of at least :data:`AVERAGE_PROTECTION` of its value.
5. *Nothing beside a hidden figure reveals it.* A suppressed row shows no value, numerator, interval or
   denominator; sums of days behind averages are never
   published; and every suppressed row gives the same public reason (:func:`public_reason`), so primary and
   secondary suppression cannot be told apart. The internal rule is kept in ``suppression_rule``, a column
   that is never exported or shown.

Every published percentage comes with its exact numerator and denominator, so the rounding of percentages
adds nothing an intruder could use beyond the counts; charts plot values only at the precision the text
shows (:mod:`cpanalysis.charts`). Symbols already present (from DfE's published files) are kept.

Figures that are not about children (staff full-time equivalents, money, councillors) are exempt:
they are listed in :data:`NOT_ABOUT_CHILDREN_SOURCES` and :data:`NOT_ABOUT_CHILDREN_UNITS`.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable

import highspy
import numpy as np
import pandas as pd

from cpanalysis.identities import AVERAGE_DECIMALS
from cpanalysis.sdc_model import (  # noqa: F401 - part of this module's interface
    _M64,
    CHILD_UNITS,
    FAMILY_LIMIT,
    INTERNAL_COLUMNS,
    NOT_ABOUT_CHILDREN_SOURCES,
    NOT_ABOUT_CHILDREN_UNITS,
    PAIR_LIMIT,
    SUPPRESSED,
    CellModel,
    _cells_of_row,
    _fp_cell,
    _num,
    _small,
    _thresholds,
    about_children,
    annex_interval,
    build_model,
    primary_reason,
    public_reason,
)


# --------------------------------------------------------------------------------- the intruder's LP
def _relations_by_cell(model: CellModel) -> dict[int, list[int]]:
    """The identities each cell takes part in, indexed once per model (the search builds an intruder for every
    trial, and re-indexing every identity each time was a sixth of its cost). Rebuilt if identities are added."""
    cached = getattr(model, "_by_cell", None)
    if cached is None or cached[0] != len(model.relations):
        by_cell: dict[int, list[int]] = defaultdict(list)
        for r, rel in enumerate(model.relations):
            for c in rel:
                by_cell[c].append(r)
        cached = (len(model.relations), by_cell)
        model._by_cell = cached
    return cached[1]


def _highs() -> highspy.Highs:
    """A silent HiGHS solver. HiGHS prints its banner on the process's standard output (file descriptor 1, from
    C++) when the first solver is made, before any option can stop it: that once, descriptor 1 is pointed at
    the null device, so nothing reaches a user's terminal or a notebook."""
    global _BANNER_SHOWN
    if not _BANNER_SHOWN:
        import os
        import sys

        sys.stdout.flush()
        saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        try:
            h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
        _BANNER_SHOWN = True
    else:
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


_BANNER_SHOWN = False


class Intruder:
    """What can be worked out about hidden cells from the shown ones and the identities (LP ranges)."""

    def __init__(self, model: CellModel, shown: set[int], sensitive: set[int], k: int) -> None:
        self.m, self.shown, self.sensitive, self.k = model, shown | model.fixed, sensitive, k
        #: published cells known exactly (the others of ``shown`` are known to an interval)
        self.exact = {c for c in self.shown if c not in model.interval}
        self._components: dict[int, tuple[list[int], list[int]]] = {}
        self._solvers: dict[tuple, tuple] = {}
        self.by_cell = _relations_by_cell(model)

    def bounds(self, c: int) -> tuple[float | None, float | None]:
        v = self.m.value[c]
        if c in self.m.signed:
            lo, hi = (-float(self.k), float(self.k)) if c in self.sensitive else (None, None)
        elif c in self.m.sums:
            lo, hi = 0.0, None
        else:
            lo = 1.0 if v >= 1 else 0.0
            hi = float(self.k) if c in self.sensitive else None
        if c in self.shown and c in self.m.interval:
            a, b = self.m.interval[c]
            lo = a if lo is None else max(lo, a)
            hi = b if hi is None else min(hi, b)
        return lo, hi

    def component(self, c: int) -> tuple[list[int], list[int]]:
        """Hidden cells linked to ``c`` through identities with a hidden cell, and those identities."""
        if c in self._components:
            return self._components[c]
        cells, rels, todo = {c}, set(), [c]
        while todo:
            x = todo.pop()
            for r in self.by_cell.get(x, ()):
                if r in rels:
                    continue
                rels.add(r)
                for y in self.m.relations[r]:
                    if y not in self.exact and y not in cells:
                        cells.add(y)
                        todo.append(y)
        out = (sorted(cells), sorted(rels))
        for x in cells:
            self._components[x] = out
        return out

    def range(self, c: int) -> tuple[float, float]:
        """The least and greatest value of ``c`` the intruder can work out (an LP over its component)."""
        cells, rels = self.component(c)
        lo0, hi0 = self.bounds(c)
        if not rels:
            return (-math.inf if lo0 is None else lo0), (math.inf if hi0 is None else hi0)
        h, col = self._solver(c)
        j = col[c]
        h.changeColCost(j, 1.0)
        out = []
        try:
            for sense, sign in ((highspy.ObjSense.kMinimize, 1.0), (highspy.ObjSense.kMaximize, -1.0)):
                h.changeObjectiveSense(sense)
                h.run()
                status = h.getModelStatus()
                if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
                    out.append(-math.inf if sign > 0 else math.inf)  # feasible (the true figures are a solution)
                elif status == highspy.HighsModelStatus.kOptimal:
                    out.append(h.getInfo().objective_function_value)
                else:  # infeasible can only come from numerical trouble: treat as pinned (safe side)
                    out.append(self.m.value[c])
        finally:
            h.changeColCost(j, 0.0)
        return out[0], out[1]

    def _solver(self, c: int):
        """One HiGHS model per component, built once: each cell's least and greatest value is then a change
        of objective, solved from the last basis (scipy's linprog built the model afresh for every bound)."""
        cells, rels = self.component(c)
        key = (tuple(cells), tuple(rels))  # by content: a component can be recomputed (never by id())
        if key in self._solvers:
            return self._solvers[key]
        from scipy.sparse import csc_matrix

        col = {x: j for j, x in enumerate(cells)}
        a = np.zeros((len(rels), len(cells)))
        b = np.zeros(len(rels))
        for i, r in enumerate(rels):
            for x, coef in self.m.relations[r].items():
                if x in col:
                    a[i, col[x]] = coef
                else:
                    b[i] -= coef * self.m.value[x]
        a = csc_matrix(a)  # HiGHS takes the matrix column by column
        inf = highspy.kHighsInf
        bounds = [self.bounds(x) for x in cells]
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(cells), len(rels)
        lp.col_cost_ = np.zeros(len(cells))
        lp.col_lower_ = np.array([-inf if a is None else a for a, _ in bounds], dtype=float)
        lp.col_upper_ = np.array([inf if z is None else z for _, z in bounds], dtype=float)
        lp.row_lower_ = lp.row_upper_ = b
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_ = a.indptr.astype(np.int32), a.indices.astype(np.int32)
        lp.a_matrix_.value_ = a.data.astype(float)
        h = _highs()
        h.passModel(lp)
        self._solvers[key] = (h, col)
        return self._solvers[key]

    def protected(self, c: int) -> bool:
        lo, hi = self.range(c)
        return is_protected(self.m, c, lo, hi)

    def candidates(self, c: int) -> list[int]:
        """Shown cells in the identities that pin ``c``: hiding one of them may free it (never one DfE or the
        annex publishes anyway)."""
        _, rels = self.component(c)
        out = {x for r in rels for x in self.m.relations[r] if x in self.shown and x not in self.m.fixed}
        w = self.m.weight
        return sorted(out, key=lambda x: (self.m.value[x] == 0, w.get(x, abs(self.m.value[x])), x))


#: a hidden average (its total) must not be pinned more closely than this share of its value
AVERAGE_PROTECTION = 0.2


def is_protected(m: CellModel, c: int, lo: float, hi: float) -> bool:
    """Whether an intruder's range [lo, hi] for cell ``c`` protects it: two whole numbers or more for a count,
    a width of at least :data:`AVERAGE_PROTECTION` of its value for a total behind an average."""
    if math.isinf(hi) or math.isinf(lo):
        return True
    if c in m.sums:
        return hi - lo >= AVERAGE_PROTECTION * abs(m.value[c]) - 1e-9
    return math.floor(hi + 1e-6) - math.ceil(lo - 1e-6) >= 1


# ------------------------------------------------------------------------------------------ apply
def _row_primary(r: dict, cells: dict[str, int], m: CellModel, k: int, min_den: int) -> tuple[str, set[int]]:
    """The primary rule that hides a row ('' if none) and the cells it makes sensitive."""
    reason = primary_reason(r, k, min_den)
    sens = {c for role, c in cells.items() if role != "sum" and 1 <= abs(m.value[c]) <= k}
    if sens and not reason:
        reason = f"would reveal a group of fewer than {k + 1} children"
    if not reason:
        return "", set()
    return reason, sens


#: how many of the smallest candidate cells are tried (by LP) before the smallest is taken anyway
TRIALS = 2


def suppress(recs: list[dict], fps: dict | None, k: int, min_den: int, max_rounds: int = 400,
             known: set | None = None):
    """Rows to hide, with their internal rule, and the model and intruder that justify it."""
    m = build_model(recs, fps, known, k)
    reasons = [""] * len(recs)
    sensitive: set[int] = set()
    for i, r in enumerate(recs):
        if r.get("_symbol_in") or not about_children(r):
            continue
        why, sens = _row_primary(r, m.row_cells[i], m, k, min_den)
        if r.get("_dfe") and not sens:
            # DfE printed it under its own control: not hidden again, unless it is a count of 1 to k, which
            # never leaves this pack whoever printed it first
            continue
        if why:
            reasons[i] = "primary: " + why
            sensitive |= sens
    forced: set[int] = set(sensitive)  # cells that must not be shown anywhere
    rows_of: dict[int, list[int]] = defaultdict(list)
    for i, cells in enumerate(m.row_cells):
        for role, c in cells.items():
            if role != "comp":
                rows_of[c].append(i)

    def shown_cells() -> set[int]:
        for c in forced:
            for i in rows_of.get(c, ()):
                if not reasons[i]:
                    reasons[i] = "secondary: shows a hidden figure"
        return {c for i, cells in enumerate(m.row_cells) if not reasons[i]
                for role, c in cells.items() if role != "comp"}

    shown = shown_cells()
    dfe_only = Intruder(m, set(), sensitive, k)  # what DfE's figures and the annex alone tell
    secondary: list[int] = []
    safe: set[int] = set()  # hiding more only widens ranges: a protected cell stays protected
    for _ in range(max_rounds):
        intr = Intruder(m, shown, sensitive, k)
        targets = sorted({c for i, cells in enumerate(m.row_cells) if reasons[i] for role, c in cells.items()
                          if _is_target(m, role, c, k) and c not in shown and c not in safe},
                         key=lambda c: (m.value[c], c))
        bad = None
        for t in targets:
            if intr.protected(t):
                safe.add(t)
            elif m.fixed and not dfe_only.protected(t):
                # it follows from what DfE (or the annex) publishes alone: hiding more of ours cannot help
                safe.add(t)
                m.dfe_given.add(t)
                if t in sensitive:
                    m.unprotectable.add(t)
            else:
                bad = t
                break
        if bad is None:
            break
        cands = intr.candidates(bad)
        if not cands:  # nothing shown pins it (cannot happen: then it would be protected)
            safe.add(bad)
            continue
        pick = cands[0]
        for cand in cands[:TRIALS]:
            trial = Intruder(m, shown - {cand} - _row_mates(m, rows_of, reasons, cand, shown), sensitive, k)
            if trial.protected(bad):
                pick = cand
                break
        forced.add(pick)
        secondary.append(pick)
        shown = shown_cells()
    reasons = _give_back(m, reasons, forced, secondary, sensitive, k, rows_of)
    shown = {c for i, cells in enumerate(m.row_cells) if not reasons[i] for role, c in cells.items() if role != "comp"}
    return reasons, m, Intruder(m, shown, sensitive, k)


#: cells hidden by secondary suppression are each tried for showing again (the largest first) when there are
#: at most this many (a small council, where every figure counts)
GIVE_BACK_TRIALS = 60


def _give_back(m: CellModel, reasons: list[str], forced: set[int], secondary: list[int], sensitive: set[int],
               k: int, rows_of) -> list[str]:
    """Less information lost: each cell hidden by secondary suppression (the largest first) is shown again when
    every hidden cell stays protected without it (the greedy choice can over-hide)."""
    reasons, forced = list(reasons), set(forced)
    order = sorted(set(secondary), key=lambda c: (-m.weight.get(c, abs(m.value[c])), c))
    if len(order) > GIVE_BACK_TRIALS:  # a large council: each trial costs many LPs, and little is given back
        return reasons
    for cand in order:
        rest = forced - {cand}
        rows = [i for i in rows_of.get(cand, ()) if reasons[i].startswith("secondary")
                and not any(c in rest for role, c in m.row_cells[i].items() if role != "comp")]
        if not rows:
            continue
        trial = list(reasons)
        for i in rows:
            trial[i] = ""
        shown = {c for i, cells in enumerate(m.row_cells) if not trial[i] for role, c in cells.items() if role != "comp"}
        intr = Intruder(m, shown, sensitive, k)
        back = {c for i in rows for role, c in m.row_cells[i].items() if role != "comp"}
        back_rels = {r for c in back for r in intr.by_cell.get(c, ())}
        targets = {c for i, cells in enumerate(m.row_cells) if trial[i] for role, c in cells.items()
                   if _is_target(m, role, c, k) and c not in intr.shown}
        if all(intr.protected(t) for t in targets - m.dfe_given if set(intr.component(t)[1]) & back_rels):
            reasons, forced = trial, rest
    return reasons


def _is_target(m: CellModel, role: str, c: int, k: int) -> bool:
    """A hidden count that must not be recoverable: a suppressed row's value, numerator or denominator (not
    zero), a complement when it is 1 to ``k`` (a complement is not printed: it only matters when small), or
    the total behind a hidden average."""
    return abs(m.value[c]) >= 1 and (role != "comp" or abs(m.value[c]) <= k)


def _row_mates(m: CellModel, rows_of, reasons, cand: int, shown: set[int]) -> set[int]:
    """Cells that stop being shown when every row showing ``cand`` is hidden (approximation for trials)."""
    hidden_rows = set(rows_of.get(cand, ()))
    still = {c for i, cells in enumerate(m.row_cells) if not reasons[i] and i not in hidden_rows
             for role, c in cells.items() if role != "comp"}
    return shown - still


def apply(results: pd.DataFrame, settings=None, fingerprints: pd.DataFrame | None = None,
          known: set | None = None, annex: list[dict] | None = None) -> pd.DataFrame:
    """Disclosure-controlled copy of ``results`` with ``symbol``, ``suppression`` (the one public reason) and
    ``suppression_rule`` (internal: primary or secondary) columns. ``fingerprints`` (from
    :func:`cpanalysis.linkage.compute`) link child-level figures that count the same children. ``known``:
    (indicator, year, breakdown) of the counts DfE publishes for the council (known to the intruder, never
    hidden; default :func:`dfe_prints`). ``annex``: annex A's row counts
    (:func:`cpanalysis.identities.annex_rows`), published rounded, which the intruder knows too.

    Averages (units mean and days) are given at DfE's precision, one decimal place, as everywhere else."""
    k, min_den = _thresholds(settings)
    df = results.copy()
    if df.empty:
        for c in ("symbol", "suppression", "suppression_rule"):
            df[c] = pd.Series(dtype="string")
        return df
    if "symbol" not in df.columns:
        df["symbol"] = ""
    df["symbol"] = df["symbol"].fillna("").astype(object)
    for col in ("value", "numerator", "denominator", "ci_low", "ci_high"):
        if col in df.columns:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    recs = _records(df)
    n_rows = len(recs)
    known = dfe_prints(df, k) | set(known or ())
    reasons, m, intr = suppress(recs + list(annex or []), _fp_dict(fingerprints), k, min_den, known=known)
    reasons, m.row_cells = reasons[:n_rows], m.row_cells[:n_rows]
    reasons_arr = np.array(reasons, dtype=object)
    hide = reasons_arr != ""
    existing = (df["symbol"] != "").to_numpy()
    df["suppression"] = np.where(hide, public_reason(k, min_den), np.where(existing, "not available from the source", ""))
    df["suppression_rule"] = reasons_arr
    df.loc[hide, "symbol"] = SUPPRESSED
    for col in ("value", "numerator", "ci_low", "ci_high"):
        if col in df.columns:
            df.loc[hide, col] = np.nan
    if "denominator" in df.columns:
        # Nothing beside a hidden figure: not even a denominator published elsewhere (only a population, for a
        # rate, or a figure that is not about children).
        keep = np.array([("den" not in cells and not about_children(r)) or (r.get("unit") == "rate_per_10k")
                         for r, cells in zip(recs, m.row_cells)], dtype=bool)
        df.loc[hide & ~keep, "denominator"] = np.nan
    # Sums behind averages (days, scores) are never published: with the number of children they add nothing
    # to the average, and beside a breakdown or another year they are what an intruder would difference.
    avg = df["unit"].isin(["mean", "days"]).to_numpy()
    df.loc[avg, "numerator"] = np.nan
    for col in ("value", "ci_low", "ci_high"):
        if col in df.columns:
            df.loc[avg, col] = df.loc[avg, col].round(AVERAGE_DECIMALS)
    return df


#: the counts DfE prints for every council whenever they are more than the suppression threshold (children
#: looked after at 31 March, starting and ceasing to be looked after): known to an intruder from DfE's tables
DFE_PRINTS = ("cla_at_31_march", "cla_starts", "cla_ceased")


def dfe_prints(df: pd.DataFrame, k: int = 5) -> set:
    """(indicator, year, breakdown) of the rows of ``df`` that DfE prints itself: the Totals of :data:`DFE_PRINTS`
    above ``k``."""
    t = df[df["indicator_id"].isin(DFE_PRINTS) & (df["breakdown"].fillna("Total") == "Total")
           & (pd.to_numeric(df["value"], errors="coerce") > k)]
    return {(a, int(b), "Total") for a, b in zip(t["indicator_id"], t["year"])}


def _records(df: pd.DataFrame) -> list[dict]:
    recs = df.to_dict("records")
    for r in recs:
        r["_symbol_in"] = bool(r.get("symbol")) if isinstance(r.get("symbol"), str) else False
        r["breakdown"] = r.get("breakdown") if isinstance(r.get("breakdown"), str) else "Total"
        # a figure DfE printed (read from its published files): DfE's own disclosure control applied to it
        r["_dfe"] = not r["_symbol_in"] and str(r.get("source", "")).startswith("DfE ")
    return recs


def _fp_dict(fingerprints: pd.DataFrame | None) -> dict | None:
    if fingerprints is None or fingerprints.empty:
        return None
    cols = ["indicator_id", "year", "breakdown", "num_fp", "num_n", "den_fp", "den_n"]
    return {(a, int(b), c): {"num_fp": int(d), "num_n": int(e), "den_fp": int(f), "den_n": int(g)}
            for a, b, c, d, e, f, g in fingerprints[cols].itertuples(index=False)}


def hidden_ranges(raw: pd.DataFrame, controlled: pd.DataFrame, settings=None,
                  fingerprints: pd.DataFrame | None = None, known: set | None = None,
                  annex: list[dict] | None = None) -> list[dict]:
    """For every suppressed count of ``controlled`` (rows aligned with ``raw``): what an intruder can work out
    about it from everything ``controlled`` publishes and every identity found (the LP range), with its true
    value. Counts published in a shown row anyway are reported with ``shown=True``."""
    k, min_den = _thresholds(settings)
    recs = _records(raw.assign(symbol=raw["symbol"] if "symbol" in raw else ""))
    known = dfe_prints(raw, k) | set(known or ())
    m = build_model(recs + list(annex or []), _fp_dict(fingerprints), known, k)
    m.row_cells = m.row_cells[:len(recs)]
    sym = controlled["symbol"].fillna("").astype(str).to_numpy()
    hidden = (sym == SUPPRESSED)
    den_shown = (controlled["denominator"].notna().to_numpy() if "denominator" in controlled
                 else np.zeros(len(sym), bool))
    shown: set[int] = set()
    sensitive: set[int] = set()
    for i, (r, cells) in enumerate(zip(recs, m.row_cells)):
        if not hidden[i] and not sym[i]:
            shown |= {c for role, c in cells.items() if role != "comp"}
        elif hidden[i] and den_shown[i] and "den" in cells:
            shown.add(cells["den"])
        if about_children(r) and not r["_symbol_in"]:
            sensitive |= _row_primary(r, cells, m, k, min_den)[1]
    intr = Intruder(m, shown, sensitive, k)
    dfe_only = Intruder(m, set(), sensitive, k)
    out = []
    for i, (r, cells) in enumerate(zip(recs, m.row_cells)):
        if not hidden[i]:
            continue
        for role, c in cells.items():
            if not _is_target(m, role, c, k) and c not in sensitive:
                continue
            # a count that DfE's own figures (or annex A) give exactly is published, by them
            exact = c in intr.exact or bool(m.fixed) and c not in m.sums and not dfe_only.protected(c)
            lo, hi = (m.value[c], m.value[c]) if exact else intr.range(c)
            out.append({"indicator_id": r["indicator_id"], "year": r["year"], "breakdown": r["breakdown"],
                        "role": role, "value": m.value[c], "low": lo, "high": hi, "shown": exact,
                        "sensitive": c in sensitive, "protected": not exact and is_protected(m, c, lo, hi)})
    return out


def recoverable(raw: pd.DataFrame, controlled: pd.DataFrame, settings=None,
                fingerprints: pd.DataFrame | None = None, known: set | None = None,
                annex: list[dict] | None = None) -> list[str]:
    """Every suppressed count in ``controlled`` that an intruder could work out to one value from what it
    publishes (the intruder's LP over every identity found; see the module docstring). Empty when safe."""
    problems = []
    for h in hidden_ranges(raw, controlled, settings, fingerprints, known, annex):
        where = f"{h['indicator_id']} {h['year']} {h['breakdown']}: the {h['role']} ({h['value']:g})"
        if h["shown"] and h["sensitive"]:
            problems.append(f"{where} is shown elsewhere")
        elif not h["shown"] and not h["protected"]:
            problems.append(f"{where} can be worked out (between {h['low']:g} and {h['high']:g})")
    return sorted(set(problems))


# ----------------------------------------------------------------------------------------- checks
_ID_PATTERNS = {
    "date of birth": re.compile(r"\b\d{1,2}/\d{1,2}/(19|20)\d{2}\b"),
}


def find_disclosure_risks(records: Iterable[dict], k: int = 5) -> list[str]:
    """Problems in published result records (dicts with RESULT_COLUMNS, symbol): for tests and the pack build."""
    problems = []
    for r in records:
        if r.get("symbol"):
            for col in ("value", "numerator", "ci_low", "ci_high"):
                v = r.get(col)
                if v is not None and not (isinstance(v, float) and math.isnan(v)):
                    problems.append(f"{r.get('indicator_id')} {r.get('year')} {r.get('breakdown')}: suppressed "
                                    f"but {col}={v} is shown")
            continue
        if not about_children(r) or str(r.get("source", "")).startswith("DfE "):
            continue  # DfE's own published figures carry DfE's disclosure control
        reason = primary_reason(r, k, 11)
        if reason and "fewer than 11" not in reason and "average" not in reason:
            problems.append(f"{r.get('indicator_id')} {r.get('year')} {r.get('breakdown')}: {reason} but shown")
    return problems


def check_json_sidecar(path) -> list[str]:
    data = json.loads(open(path, encoding="utf-8").read())
    return find_disclosure_risks(data.get("figures", []))


def band_count(n, k: int = 5) -> str:
    """A row or record count for an annex: exact when 0 or above ``k``, otherwise 'fewer than k+1'."""
    n = int(n)
    return f"fewer than {k + 1}" if 1 <= n <= k else f"{n:,}"


def release_conflicts(a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    """Cells of the years both releases cover that one release shows and the other hides ('c')."""
    key = ["indicator_id", "year", "breakdown"]
    ya = a[a["year"].isin(set(b["year"]))][key + ["symbol"]]
    yb = b[b["year"].isin(set(a["year"]))][key + ["symbol"]]
    j = ya.merge(yb, on=key, suffixes=("_a", "_b"))
    sa, sb = j["symbol_a"].fillna("").astype(str), j["symbol_b"].fillna("").astype(str)
    diff = j[((sa == SUPPRESSED) & (sb == "")) | ((sa == "") & (sb == SUPPRESSED))]
    return [f"{r.indicator_id} {r.year} {r.breakdown}: {'hidden' if r.symbol_a == SUPPRESSED else 'shown'} in the "
            f"first release, {'hidden' if r.symbol_b == SUPPRESSED else 'shown'} in the second"
            for r in diff.itertuples(index=False)]


def release(raw: pd.DataFrame, year: int, settings=None, fingerprints: pd.DataFrame | None = None,
            known: set | None = None, annex: list[dict] | None = None) -> pd.DataFrame:
    """The release for ``year``: disclosure control decided over the council's whole history (every year of
    ``raw``, also those after ``year``), then the years up to ``year``. Releases for different years made from
    the same data therefore never show a cell another hides (:func:`release_conflicts` lists any that do)."""
    out = apply(raw, settings, fingerprints, known=known, annex=annex)
    return out[out["year"] <= year]

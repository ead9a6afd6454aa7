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

import math
from collections import defaultdict

import numpy as np
import pandas as pd

from cpanalysis.identities import AVERAGE_DECIMALS, SIGNED, add_declared

SUPPRESSED = "c"
NOT_ABOUT_CHILDREN_UNITS = frozenset({"fte", "gbp", "gbp_thousands"})
NOT_ABOUT_CHILDREN_SOURCES = frozenset({"Local return (workforce)", "Local return (spend)",
                                        "Local return (member_training)"})
CHILD_UNITS = ("count", "percent", "rate_per_10k", "mean", "days")
#: result columns that are never published (internal to the build)
INTERNAL_COLUMNS = ("suppression_rule",)


def _thresholds(settings) -> tuple[int, int]:
    if settings is None:
        return 5, 11
    if isinstance(settings, dict):
        return int(settings.get("suppress_counts_up_to", 5)), int(settings.get("min_denominator", 11))
    return int(settings.suppress_counts_up_to), int(settings.min_denominator)


def public_reason(k: int = 5, min_den: int = 11) -> str:
    """The one reason printed for every suppressed figure (primary or secondary alike)."""
    return (f"not shown to protect children's privacy (it concerns fewer than {k + 1} children, is a percentage "
            f"or average of fewer than {min_den}, or could reveal such a figure)")


def _num(x) -> float | None:
    try:
        if x is None or pd.isna(x):
            return None
    except (TypeError, ValueError):
        return None
    return float(x)


def _small(x, k: int) -> bool:
    v = _num(x)
    return v is not None and 1 <= v <= k


def about_children(row) -> bool:
    return row.get("unit") in CHILD_UNITS and str(row.get("source", "")) not in NOT_ABOUT_CHILDREN_SOURCES


def primary_reason(row, k: int, min_den: int) -> str:
    """Why a single result row must be suppressed ('' when it may be shown)."""
    if not about_children(row):
        return ""
    unit, num, den, val = row.get("unit"), row.get("numerator"), row.get("denominator"), row.get("value")
    if unit == "count" and row.get("indicator_id") in SIGNED:  # a net change: -k to -1 is as small as 1 to k
        val, num = (abs(x) if _num(x) is not None else x for x in (val, num))
    if unit == "count":
        if _small(val, k) or _small(num, k):
            return f"fewer than {k + 1} children"
        return ""
    if unit in ("percent", "rate_per_10k"):
        if unit == "percent" and pd.notna(den) and float(den) < min_den and float(den) > 0:
            return f"based on fewer than {min_den} children"
        if _small(num, k):
            return f"fewer than {k + 1} children"
        if unit == "percent" and pd.notna(num) and pd.notna(den) and _small(float(den) - float(num), k):
            return f"would reveal a group of fewer than {k + 1} children"
        return ""
    if unit in ("mean", "days"):
        if pd.notna(den) and 0 < float(den) < min_den:
            return f"average of fewer than {min_den} children"
        if pd.isna(den) and pd.notna(val) and pd.notna(num) and _small(num, k):
            return f"fewer than {k + 1} children"
    return ""


# ------------------------------------------------------------------------------------ the cell model
class CellModel:
    """Published cells, the identities between them and which rows show which cells."""

    def __init__(self) -> None:
        self.key_id: dict = {}
        self.value: list[float] = []
        self.fp: list[tuple[int, int] | None] = []  # (fingerprint, count) of fingerprinted cells
        self.relations: list[dict[int, int]] = []
        self._seen_rel: set = set()
        self.row_cells: list[dict[str, int]] = []  # per result row: role ("num", "den", "comp", "sum") -> cell
        #: cells the intruder knows only to an interval when they are published: the total behind an average
        #: printed at one decimal place, an annex row count printed as "about 20"
        self.interval: dict[int, tuple[float, float]] = {}
        self.signed: set[int] = set()  # cells that may be negative (a net change)
        self.sums: set[int] = set()  # totals behind averages (days): not counts of children
        self.fixed: set[int] = set()  # published whatever we do (by DfE, or in annex A): never chosen to hide
        self.weight: dict[int, float] = {}  # what hiding the cell costs (default: its value)
        self.unprotectable: set[int] = set()  # sensitive cells that DfE's own figures give away
        self.dfe_given: set[int] = set()  # hidden cells that DfE's own figures give exactly

    def cell(self, key, value: float, fp: tuple[int, int] | None = None) -> int:
        if key not in self.key_id:
            self.key_id[key] = len(self.value)
            self.value.append(float(value))
            self.fp.append(fp)
        return self.key_id[key]

    def relate(self, terms: dict[int, int]) -> None:
        """Add the identity sum(coef * cell) = 0 (terms on zero cells are dropped: their value is known)."""
        clean: dict[int, int] = defaultdict(int)
        for c, a in terms.items():
            if self.value[c] == 0 and self.fp[c] is not None and self.fp[c][1] == 0:
                continue
            clean[c] += a
        clean = {c: a for c, a in clean.items() if a}
        if len(clean) < 2:
            return
        sign = 1 if clean[min(clean)] > 0 else -1
        key = frozenset((c, a * sign) for c, a in clean.items())
        if key not in self._seen_rel:
            self._seen_rel.add(key)
            self.relations.append(clean)


_M64 = (1 << 64) - 1


def _fp_cell(model: CellModel, fp: int, n: int) -> int:
    return model.cell(("fp", int(fp) & _M64, int(n)), n, (int(fp) & _M64, int(n)))


def build_model(recs: list[dict], fps: dict | None, known: set | None = None, k: int = 5) -> CellModel:
    """Cells and identities for the result records ``recs`` (``fps``: (indicator, year, breakdown) ->
    fingerprint row, from :func:`cpanalysis.linkage.compute`; ``known``: (indicator, year, breakdown) of
    counts DfE publishes, which the intruder knows and which are never hidden)."""
    m = CellModel()
    fps = fps or {}
    for i, r in enumerate(recs):
        cells: dict[str, int] = {}
        m.row_cells.append(cells)
        if not about_children(r) or r.get("_symbol_in"):
            continue
        _cells_of_row(m, i, r, cells, fps)
        if "sum" in cells:
            m.sums.add(cells["sum"])
            m.weight[cells["sum"]] = m.value[cells["den"]] if "den" in cells else m.value[cells["sum"]]
            rv, n = _num(r.get("value")), m.value[cells["den"]] if "den" in cells else None
            if rv is not None and n:
                rv = round(rv, AVERAGE_DECIMALS)
                half = 0.5 * 10 ** -AVERAGE_DECIMALS
                m.interval[cells["sum"]] = (n * (rv - half), n * (rv + half))
        if r.get("indicator_id") in SIGNED and "num" in cells:
            m.signed.add(cells["num"])
        if r.get("_dfe"):  # printed by DfE: known to the intruder, and hiding it would be void
            m.fixed |= {c for role, c in cells.items() if role != "comp"}
        if r.get("_annex") and "num" in cells:
            m.fixed.add(cells["num"])
            m.interval[cells["num"]] = annex_interval(m.value[cells["num"]])
        key = (r.get("indicator_id"), int(r.get("year")), r.get("breakdown") or "Total")
        if known and key in known and r.get("unit") == "count" and "num" in cells and m.value[cells["num"]] > k:
            m.fixed.add(cells["num"])
    _breakdown_identities(m, recs)
    _family_identities(m, recs)
    _pair_identities(m)
    add_declared(m, recs)
    return m


def annex_interval(v: float, k: int = 5) -> tuple[float, float]:
    """What annex A's printed row count tells: 0 exactly, 'fewer than 6' or 'about N' (nearest 10)."""
    if v == 0:
        return 0.0, 0.0
    if v <= k:
        return 1.0, float(k)
    r = round(v, -1)
    return r - 5.0, r + 5.0


def _cells_of_row(m: CellModel, i: int, r: dict, cells: dict, fps: dict) -> None:
    unit = r.get("unit")
    num, den, val = _num(r.get("numerator")), _num(r.get("denominator")), _num(r.get("value"))
    if unit in ("mean", "days") and val is not None and den:
        cells["sum"] = m.cell(("row", i, "sum"), num if num is not None else val * den)
    f = fps.get((r.get("indicator_id"), int(r.get("year")), r.get("breakdown") or "Total"))
    if f is not None:
        if unit in ("count", "percent", "rate_per_10k"):
            cells["num"] = _fp_cell(m, f["num_fp"], f["num_n"])
        if unit in ("percent", "mean", "days"):
            cells["den"] = _fp_cell(m, f["den_fp"], f["den_n"])
        if unit == "percent":
            cells["comp"] = _fp_cell(m, int(f["den_fp"]) - int(f["num_fp"]), f["den_n"] - f["num_n"])
            m.relate({cells["den"]: 1, cells["num"]: -1, cells["comp"]: -1})
        return
    count = val if unit == "count" else num
    if unit in ("count", "percent", "rate_per_10k") and count is not None:
        cells["num"] = m.cell(("row", i, "num"), count)
    if unit in ("percent", "mean", "days") and den is not None:
        cells["den"] = m.cell(("row", i, "den"), den)
    if unit == "percent" and "num" in cells and "den" in cells:
        cells["comp"] = m.cell(("row", i, "comp"), den - num)
        m.relate({cells["den"]: 1, cells["num"]: -1, cells["comp"]: -1})


def _breakdown_identities(m: CellModel, recs: list[dict]) -> None:
    """Total = sum of breakdown rows, per indicator and year, for numerators and for denominators."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, r in enumerate(recs):
        if m.row_cells[i]:
            groups[(r.get("indicator_id"), r.get("year"))].append(i)
    for idxs in groups.values():
        total = [i for i in idxs if (recs[i].get("breakdown") or "Total") == "Total"]
        parts = [i for i in idxs if (recs[i].get("breakdown") or "Total") != "Total"]
        if not total or len(parts) < 2:
            continue
        for role in ("num", "den"):
            t = m.row_cells[total[0]].get(role)
            ps = [m.row_cells[i].get(role) for i in parts]
            if t is None or any(p is None for p in ps):
                continue
            if all(m.fp[c] is not None for c in [t, *ps]):
                s = sum(m.fp[c][0] for c in ps) & _M64
                ok = s == m.fp[t][0] and sum(m.fp[c][1] for c in ps) == m.fp[t][1]
            else:
                ok = math.isclose(sum(m.value[c] for c in ps), m.value[t])
            if ok:
                terms: dict[int, int] = defaultdict(int)
                terms[t] += 1
                for c in ps:
                    terms[c] -= 1
                m.relate(dict(terms))


#: largest group of numerators sharing a denominator searched for subsets that make the denominator up
FAMILY_LIMIT = 14


def _family_identities(m: CellModel, recs: list[dict]) -> None:
    """Numerators (and complements) of different rows that share one denominator cell and together make it up."""
    fam: dict[int, set[int]] = defaultdict(set)
    for cells in m.row_cells:
        d = cells.get("den")
        if d is None or m.fp[d] is None:
            continue
        for role in ("num", "comp"):
            c = cells.get(role)
            if c is not None and m.fp[c] is not None and 0 < m.fp[c][1] < m.fp[d][1]:
                fam[d].add(c)
    for d, members in fam.items():
        cand = sorted(members, key=lambda c: (m.fp[c][1], c))[:FAMILY_LIMIT]
        if len(cand) < 2:
            continue
        fp = np.array([m.fp[c][0] for c in cand], dtype=np.uint64)
        n = np.array([m.fp[c][1] for c in cand], dtype=np.int64)
        masks = ((np.arange(1 << len(cand))[:, None] >> np.arange(len(cand))) & 1).astype(np.uint64)
        with np.errstate(over="ignore"):
            fsum = (masks * fp[None, :]).sum(axis=1, dtype=np.uint64)
        nsum = masks.astype(np.int64) @ n
        hits = np.nonzero((nsum == m.fp[d][1]) & (fsum == np.uint64(m.fp[d][0])))[0]
        for h in hits[:50]:
            terms = {d: 1}
            for j, c in enumerate(cand):
                if (int(h) >> j) & 1:
                    terms[c] = -1
            m.relate(terms)


#: at most this many fingerprinted cells are searched pairwise (a large return has few small cells)
PAIR_LIMIT = 3000


def _pair_identities(m: CellModel) -> None:
    """A = B + C and A + B = C + D among all fingerprinted cells (e.g. flows between years)."""
    ids = [c for c, f in enumerate(m.fp) if f is not None and f[1] > 0]
    ids = sorted(ids, key=lambda c: (m.fp[c][1], c))[:PAIR_LIMIT]
    if len(ids) < 3:
        return
    fp = np.array([m.fp[c][0] for c in ids], dtype=np.uint64)
    n = np.array([m.fp[c][1] for c in ids], dtype=np.int64)
    iu, ju = np.triu_indices(len(ids), k=1)
    with np.errstate(over="ignore"):
        s = fp[iu] + fp[ju]
    sn = n[iu] + n[ju]
    # A = B + C
    lookup = {(int(f), int(k)): c for f, k, c in zip(fp, n, ids)}
    order = np.argsort(fp, kind="stable")
    pos = np.searchsorted(fp[order], s)
    pos[pos >= len(ids)] = 0
    hit = np.nonzero(fp[order][pos] == s)[0]
    for h in hit[:5000]:
        a = lookup.get((int(s[h]), int(sn[h])))
        if a is not None:
            m.relate({a: 1, ids[iu[h]]: -1, ids[ju[h]]: -1})
    # A + B = C + D
    key = np.argsort(s, kind="stable")
    ss = s[key]
    dup = np.nonzero(ss[1:] == ss[:-1])[0]
    for d in dup[:5000]:
        p, q = key[d], key[d + 1]
        if sn[p] != sn[q]:
            continue
        a, b, c, e = ids[iu[p]], ids[ju[p]], ids[iu[q]], ids[ju[q]]
        if len({a, b, c, e}) == 4:
            m.relate({a: 1, b: 1, c: -1, e: -1})


# --------------------------------------------------------------------------------- the intruder's LP
class Intruder:
    """What can be worked out about hidden cells from the shown ones and the identities (LP ranges)."""

    def __init__(self, model: CellModel, shown: set[int], sensitive: set[int], k: int) -> None:
        self.m, self.shown, self.sensitive, self.k = model, shown | model.fixed, sensitive, k
        #: published cells known exactly (the others of ``shown`` are known to an interval)
        self.exact = {c for c in self.shown if c not in model.interval}
        self._components: dict[int, tuple[list[int], list[int]]] = {}
        self.by_cell: dict[int, list[int]] = defaultdict(list)
        for r, rel in enumerate(model.relations):
            for c in rel:
                self.by_cell[c].append(r)

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
        from scipy.optimize import linprog

        cells, rels = self.component(c)
        lo0, hi0 = self.bounds(c)
        if not rels:
            return (-math.inf if lo0 is None else lo0), (math.inf if hi0 is None else hi0)
        col = {x: j for j, x in enumerate(cells)}
        a = np.zeros((len(rels), len(cells)))
        b = np.zeros(len(rels))
        for i, r in enumerate(rels):
            for x, coef in self.m.relations[r].items():
                if x in col:
                    a[i, col[x]] = coef
                else:
                    b[i] -= coef * self.m.value[x]
        # bounds None stay None (linprog: unbounded on that side)
        bounds = [self.bounds(x) for x in cells]
        obj = np.zeros(len(cells))
        obj[col[c]] = 1.0
        out = []
        for sign in (1.0, -1.0):
            res = linprog(sign * obj, A_eq=a, b_eq=b, bounds=bounds, method="highs")
            if res.status == 3:  # unbounded
                out.append(-math.inf if sign > 0 else math.inf)
            elif res.status == 0:
                out.append(sign * res.fun)
            else:  # infeasible can only come from numerical trouble: treat as pinned (safe side)
                out.append(self.m.value[c])
        return out[0], out[1]

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
        if r.get("_symbol_in") or r.get("_dfe") or not about_children(r):
            continue
        why, sens = _row_primary(r, m.row_cells[i], m, k, min_den)
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


# What an intruder can work out from a published table, and the checks of published records, live beside this
# module (kept apart so that each module stays one job); they are part of this module's interface.
from cpanalysis.disclosure_audit import (  # noqa: E402
    band_count,
    check_json_sidecar,
    find_disclosure_risks,
    hidden_ranges,
    recoverable,
    release,
    release_conflicts,
)

__all__ = ["SUPPRESSED", "CellModel", "Intruder", "apply", "band_count", "build_model", "check_json_sidecar",
           "dfe_prints", "find_disclosure_risks", "hidden_ranges", "primary_reason", "public_reason", "recoverable",
           "release", "release_conflicts", "suppress"]

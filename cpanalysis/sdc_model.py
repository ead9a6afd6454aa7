"""The cells of disclosure control and the identities between them (see :mod:`cpanalysis.disclosure`).

Which counts a result row publishes (its cells), which rows share a cell (set fingerprints), the linear
identities between cells (breakdowns, shared denominators, flows between years, and the declared identities
of :mod:`cpanalysis.identities`) and the primary rule for one row. :mod:`cpanalysis.disclosure` decides what
to hide from them."""

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

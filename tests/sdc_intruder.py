"""A motivated intruder, written independently of ``cpanalysis.disclosure`` for the tests.

The intruder knows how every figure is defined, so every linear identity that holds between the figures of
*any* council built the same way is available: these are found as the linear relations between the cells
of a large council in which every combination of categories occurs (:func:`structural_identities`), not
from disclosure control's own search. A hidden count is at least 0, at least 1 when it is not zero (zeros
are printed), and at most k when it is 1 to k (the intruder is assumed to know which hidden counts are
small: stronger than the truth, since the pack gives one reason for all). A hidden count is recovered when
its LP range leaves one whole number. A count whose exact set of children is published in another row
is published, not suppressed (a percentage hidden only because it is of fewer than 11 children can have
both its counts published as counts of 6 or more).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from cpanalysis import linkage
from cpanalysis.definitions import Definition
from cpanalysis.indicators import registry


def definition(iid: str, unit: str = "count") -> Definition:
    return Definition(id=iid, title=iid, question=1, sub_question="", cohort="c", numerator="n", denominator="d",
                      unit=unit, polarity="neutral", source="SSDA903 Episodes", methodology="m")


def audit(children: list[str], cohort, numerator, breakdown=None) -> pd.DataFrame:
    a = pd.DataFrame({"CHILD": children, "in_cohort": np.asarray(cohort, bool),
                      "in_numerator": np.asarray(numerator, bool) & np.asarray(cohort, bool), "reason": "r"})
    if breakdown is not None:
        a["breakdown"] = pd.Series(breakdown, dtype="string")
    return a


class Council:
    """Result rows, fingerprints and child vectors of hand-made audits."""

    def __init__(self, children: list[str]):
        self.children = list(children)
        self.index = {c: i for i, c in enumerate(self.children)}
        self.rows: list[dict] = []
        self.fps: list[dict] = []
        self.vectors: list[dict[str, np.ndarray]] = []  # per row: role -> vector over children

    def _vec(self, a: pd.DataFrame, mask) -> np.ndarray:
        v = np.zeros(len(self.children))
        for c in a.loc[np.asarray(mask, bool), "CHILD"]:
            v[self.index[c]] += 1
        return v

    def add(self, iid: str, unit: str, a: pd.DataFrame, year: int = 2025) -> None:
        d = definition(iid, unit)
        self.fps.extend(linkage.fingerprints(a, d, year))
        slices = [("Total", np.ones(len(a), bool))]
        if "breakdown" in a:
            for lab in sorted(a["breakdown"].dropna().unique()):
                slices.append((str(lab), (a["breakdown"] == lab).fillna(False).to_numpy(bool)))
        for lab, sel in slices:
            part = a[sel]
            self.rows.append(registry.summarise(part, d, year, breakdown=lab))
            coh = part["in_cohort"].to_numpy(bool)
            num = part["in_numerator"].to_numpy(bool) & coh
            vec = {"num": self._vec(part, num)}
            if unit == "percent":
                vec["den"] = self._vec(part, coh)
                vec["comp"] = vec["den"] - vec["num"]
            self.vectors.append(vec)

    def results(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=registry.RESULT_COLUMNS)

    def fingerprints(self) -> pd.DataFrame:
        return pd.DataFrame(self.fps, columns=linkage.FP_COLUMNS).astype({"num_fp": object, "den_fp": object})


def small_counts_shown(council: Council, controlled: pd.DataFrame, k: int = 5) -> list[str]:
    """Published counts (values, numerators, denominators, complements) of 1 to k."""
    sym = controlled["symbol"].fillna("").astype(str).to_numpy()
    out = []
    for i, vec in enumerate(council.vectors):
        if sym[i]:
            continue
        for role, v in vec.items():
            if 1 <= v.sum() <= k:
                out.append(f"{council.rows[i]['indicator_id']} {council.rows[i]['breakdown']} {role}={v.sum():g}")
    return out


# ------------------------------------------------------------------- the structural intruder
def keys(council: Council) -> list[tuple]:
    return [(r["indicator_id"], r["year"], r["breakdown"], role) for r, vec in zip(council.rows, council.vectors)
            for role in vec]


def structural_identities(generic: Council) -> tuple[list[tuple], np.ndarray]:
    """Identities that hold for *any* council built the same way: the linear relations between the cells of
    a large council in which every combination of categories occurs (so none holds by coincidence)."""
    from scipy.linalg import null_space

    ks = keys(generic)
    m = np.array([v for vec in generic.vectors for v in vec.values()])
    basis = null_space(m.T)  # columns: coefficient vectors over the cells
    return ks, basis


def recovered_structurally(council: Council, controlled: pd.DataFrame, identities, k: int = 5) -> list[str]:
    """Hidden counts pinned by the structural identities (an intruder who knows how the figures are defined
    but not which children are in which hidden cell)."""
    ks, basis = identities
    col = {key: i for i, key in enumerate(ks)}
    sym = controlled["symbol"].fillna("").astype(str).to_numpy()
    value = np.zeros(len(ks))
    known = np.ones(len(ks), bool)  # cells absent from this council (an empty category) are known zeros
    hidden_vec = {}
    published = set()
    for i, (r, vec) in enumerate(zip(council.rows, council.vectors)):
        for role, v in vec.items():
            j = col[(r["indicator_id"], r["year"], r["breakdown"], role)]
            value[j] = v.sum()
            shown = sym[i] == "" and role != "comp" or (role == "den" and pd.notna(controlled["denominator"].iloc[i]))
            if shown:
                published.add(tuple(v))
            else:
                known[j] = False
                hidden_vec[j] = v
    # a complement of a shown percentage follows from its counts: known too (the identity gives it anyway)
    unknown = np.nonzero(~known)[0]
    if not len(unknown):
        return []
    a_eq = basis[unknown].T
    b_eq = -(basis[known].T @ value[known])
    bounds = [(1.0 if value[j] >= 1 else 0.0, float(k) if 1 <= value[j] <= k else None) for j in unknown]
    out = []
    for pos, j in enumerate(unknown):
        if value[j] < 1 or tuple(hidden_vec[j]) in published or (ks[j][3] == "comp" and value[j] > k):
            continue  # zero; published in another row; or a complement that is not small (never printed)
        obj = np.zeros(len(unknown))
        obj[pos] = 1.0
        lo = linprog(obj, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        hi = linprog(-obj, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        assert lo.status in (0, 3) and hi.status in (0, 3), (lo.message, hi.message)
        if lo.status == 3 or hi.status == 3:
            continue
        if math.floor(-hi.fun + 1e-6) - math.ceil(lo.fun - 1e-6) < 1:
            out.append(f"{ks[j]}={value[j]:g} in [{lo.fun:.3g}, {-hi.fun:.3g}]")
    return out

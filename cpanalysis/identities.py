"""Every identity between published figures that an intruder can read from the definitions, for disclosure control.

The set fingerprints of :mod:`cpanalysis.linkage` find the identities between child-level counts (a Total and
its breakdown, shared denominators, flows between years). Some identities cannot be found that way, and are
*declared* where the figures are defined (:class:`cpanalysis.definitions.Identity` on a
:class:`~cpanalysis.definitions.Definition`):

* the stock and flow of a local return (fostering households at 31 March minus at 1 April is the net change;
  ``sources/local.py``'s validation enforces it);
* a 3-year window as the sum of its single years, for the children *and* the total days behind an average
  (``indicators/adoption.py``);
* the row counts of technical annex A that equal a cohort (:data:`ANNEX_COHORTS`): rows of a table used for
  a year are printed there, so they are published figures too.

:func:`add_declared` states each declared identity between the cells of
:class:`cpanalysis.disclosure.CellModel`, for every year of its first figure, and only when it
holds on the figures (an identity that does not hold is not one the intruder can use). A term whose figure
is absent (a year with no adoptions has no average) enters as an unpublished cell. Nothing here depends
on how fingerprints are computed.

``tests/test_sdc_identities.py`` fails when a validation rule or a definition implies an identity that is
not declared here or on a definition.
"""

from __future__ import annotations

import math
from collections import defaultdict

from cpanalysis.definitions import Identity, Term

#: figures whose value may be negative (a net change): a hidden one can lie either side of zero, and one of
#: -k to -1 is as small as one of 1 to k
SIGNED = frozenset({"foster_households_net_change"})

#: 3-year windows with no one-year version among the published figures (so no window identity to declare)
NO_SINGLE_YEARS = {"adoption_a10_3yr": "DfE's A10 is published over three years only, and so is ours"}

#: the precision at which averages (units mean and days) are published: DfE's, one decimal place
AVERAGE_DECIMALS = 1

#: which columns of a local return each published figure is: (indicator, role) -> {column: coefficient}.
#: The test of declared identities derives from it every identity that a validation rule implies.
FIGURE_COLUMNS: dict[str, dict[tuple[str, str], dict[str, int]]] = {
    "fostering_households": {
        ("foster_households", "num"): {"households_end": 1},
        ("foster_households_net_change", "num"): {"approved": 1, "deregistered": -1},
        ("foster_household_deregistration_rate", "num"): {"deregistered": 1},
        ("foster_household_deregistration_rate", "den"): {"households_start": 1},
    },
}

#: technical annex A's row counts that count a published cohort: SSDA903 table -> the figures its rows used
#: in a year add up to (a table of one row per child and event)
ANNEX_COHORTS: dict[str, tuple[Term, ...]] = {
    "prev_perm": (Term("cla_starts", "num"),),
    "oc2": (Term("oc2_cohort_size", "num"),),
    "ad1": (Term("adoptions", "num"),),
    "missing": (Term("missing_incidents", "num"), Term("away_incidents", "num")),
}


def annex_indicator(table: str) -> str:
    """The id under which annex A's count of ``table``'s rows used enters the cell model."""
    return f"annex_rows_used:{table}"


def annex_identities() -> list[Identity]:
    """Rows of a table used in a year = the cohort it counts (:data:`ANNEX_COHORTS`)."""
    return [Identity(f"annex A: {table} rows used = {' + '.join(t.indicator for t in terms)}",
                     (Term(annex_indicator(table), "num", 1),) + tuple(Term(t.indicator, t.role, -1) for t in terms))
            for table, terms in ANNEX_COHORTS.items()]


def declared() -> list[Identity]:
    """Every declared identity: on the indicators' definitions, the local returns' and the annex's."""
    from cpanalysis.indicators.registry import all_indicators
    from cpanalysis.sources.local import DEFINITIONS as LOCAL

    out: list[Identity] = []
    for d in [i.definition for i in all_indicators()] + list(LOCAL.values()):
        out.extend(d.identities)
    out.extend(annex_identities())
    return out


def add_declared(model, recs: list[dict], identities: list[Identity] | None = None) -> int:
    """State every declared identity between ``model``'s cells (a :class:`cpanalysis.disclosure.CellModel` built
    from ``recs``); returns how many were stated."""
    identities = declared() if identities is None else identities
    where: dict[tuple, int] = {}
    years: dict[str, set[int]] = defaultdict(set)
    for i, r in enumerate(recs):
        key = (r.get("indicator_id"), int(r.get("year")), r.get("breakdown") or "Total")
        where[key] = i
        years[key[0]].add(key[1])
    stated = 0
    for ident in identities:
        anchor = ident.terms[0]
        for y in sorted(years.get(anchor.indicator, ())):
            terms: dict[int, int] = defaultdict(int)
            total, scale = 0.0, 1.0
            absent: list[Term] = []
            for t in ident.terms:
                i = where.get((t.indicator, y + t.year_offset, ident.breakdown))
                c = None if i is None else model.row_cells[i].get(t.role)
                if c is None:
                    absent.append(t)
                    continue
                terms[c] += t.coef
                total += t.coef * model.value[c]
                scale += abs(model.value[c])
            if absent and not _absent_cell(model, ident, y, absent, total, terms):
                continue
            if not absent and not math.isclose(total, 0.0, abs_tol=1e-6 * scale):
                continue
            model.relate(dict(terms))
            stated += 1
    return stated


def _absent_cell(model, ident: Identity, year: int, absent: list[Term], total: float,
                 terms: dict[int, int]) -> bool:
    """A term of an identity whose figure is not among the results (a year with no children adopted, a year
    before the return begins) is still a figure the intruder can reason about: the identity holds with it,
    so the present terms pin the absent ones' total. It enters the model as one unpublished cell (the
    absent terms' total) with the value the identity gives it; a total of zero is dropped (the intruder may
    well know it is zero). False when the absent terms cannot be one cell (mixed signs) or the identity does
    not hold (a negative total that cannot be negative)."""
    coefs = {t.coef for t in absent}
    if len(coefs) != 1:
        return False
    a = coefs.pop()
    value = -total / a
    signed = any(t.indicator in SIGNED for t in absent)
    if abs(value) < 1e-6:
        return True
    if value < 0 and not signed:
        return False
    c = model.cell(("absent", ident.name, year), value)
    if absent[0].role == "sum":
        model.sums.add(c)
        model.weight[c] = value
    if signed:
        model.signed.add(c)
    terms[c] += a
    return True


def annex_rows(reconciliation, la_unit: str = "count") -> list[dict]:
    """Annex A's row counts (rows used, per table and year) as result-like records for the cell model, for the
    tables of :data:`ANNEX_COHORTS`."""
    out = []
    if reconciliation is None or len(reconciliation) == 0:
        return out
    for r in reconciliation.to_dict("records"):
        table = str(r.get("table"))
        if table not in ANNEX_COHORTS or r.get("year") is None or r.get("rows_used") is None:
            continue
        try:
            year, used = int(r["year"]), float(r["rows_used"])
        except (TypeError, ValueError):
            continue
        out.append({"indicator_id": annex_indicator(table), "year": year, "breakdown": "Total", "value": used,
                    "numerator": used, "denominator": float("nan"), "unit": la_unit, "source": "SSDA903 Annex A",
                    "symbol": "", "_annex": True})
    return out

"""Which children stand behind each published count: set fingerprints for disclosure control.

Disclosure control (:mod:`cpanalysis.disclosure`) must know how published figures are linked: a Total
and its breakdown, a denominator and the numerators that share it, the same children counted by two
indicators, this year's children looked after and last year's plus starters minus leavers. Those
identities hold between the *sets* of children each figure counts, so they can be found from the cohort
audits without a hand-written list that a new indicator could fall outside of.

Each result row gets a fingerprint of its numerator's set and of its cohort's set: the sum, modulo 2**64,
of a fixed 64-bit hash of each audit row's child (a child counted twice, e.g. for two placement moves,
adds twice). Fingerprints add like the sets: if A and B are disjoint, ``fp(A) + fp(B) = fp(A | B)``; the
same set always has the same fingerprint. A false match needs a 64-bit hash collision (about 1 in 10**19
per comparison). Fingerprints are a property of the data, so an identity that holds by coincidence is
treated as known to an intruder too: that errs on the safe side. Fingerprints never leave the build.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: key a fingerprint row by these result columns
KEY = ["indicator_id", "year", "breakdown"]
FP_COLUMNS = KEY + ["num_fp", "num_n", "den_fp", "den_n"]


def child_hashes(children: pd.Series) -> np.ndarray:
    """A fixed 64-bit hash per child id (the same id gives the same hash in every audit and build)."""
    return pd.util.hash_pandas_object(pd.Series(children.astype(str).to_numpy(dtype=object)), index=False,
                                      hash_key="cpanalysis-sdc-1").to_numpy(dtype=np.uint64)


def _fp(h: np.ndarray, mask: np.ndarray) -> int:
    with np.errstate(over="ignore"):
        return int(h[mask].sum(dtype=np.uint64)) if mask.any() else 0


def fingerprints(audit: pd.DataFrame, definition, year: int) -> list[dict]:
    """One fingerprint row per result row of ``audit`` (Total first, then each breakdown, as ``registry.run``)."""
    h = child_hashes(audit["CHILD"]) if len(audit) else np.zeros(0, dtype=np.uint64)
    coh = audit["in_cohort"].to_numpy(dtype=bool, na_value=False) if len(audit) else np.zeros(0, bool)
    num = (audit["in_numerator"].to_numpy(dtype=bool, na_value=False) & coh) if len(audit) else coh
    if definition.unit in ("mean", "days") and len(audit):
        coh = coh & pd.to_numeric(audit["value"], errors="coerce").notna().to_numpy()

    def row(label: str, sel: np.ndarray) -> dict:
        n, c = num & sel, coh & sel
        return {"indicator_id": definition.id, "year": year, "breakdown": label,
                "num_fp": _fp(h, n), "num_n": int(n.sum()), "den_fp": _fp(h, c), "den_n": int(c.sum())}

    out = [row("Total", np.ones(len(audit), dtype=bool))]
    if "breakdown" in audit.columns and len(audit):
        lab = audit["breakdown"]
        for label in sorted(lab.dropna().astype(str).unique()):
            out.append(row(label, (lab.astype("string") == label).fillna(False).to_numpy(dtype=bool)))
    return out


def compute(data, years: list[int], population: dict[int, float] | None = None, la_code: str | None = None,
            postcodes: pd.DataFrame | None = None, workers: int = 1, pool=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every indicator for every year (exactly ``registry.compute``'s rows) and their set fingerprints.

    ``workers`` > 1 computes the years in that many new processes (a large return); ``pool`` (an executor with
    a process already started, e.g. the pack builder's helper) computes every other year, from the second,
    while this process computes the rest. Either way the rows and fingerprints come back in the order of a serial run."""
    state = {"data": data, "population": population, "la_code": la_code, "postcodes": postcodes}
    if pool is not None and len(years) > 1:
        theirs = sorted(years)[1::2]
        import pickle

        # Pickled now, not by the executor's feeder thread while this process computes its own years (which fills
        # the data's memo caches as it goes).
        future = pool.submit(_compute_with, pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL), theirs)
        mine = _compute(data, [y for y in years if y not in theirs], population, la_code, postcodes)
        return _in_serial_order([mine, future.result()])
    if workers > 1 and len(years) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(workers, len(years)),
                                 mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_init_worker, initargs=(state,)) as pool:
            parts = list(pool.map(_compute_year, years))
        return _in_serial_order(parts)
    return _compute(data, years, population, la_code, postcodes)


def _in_serial_order(parts: list[tuple[pd.DataFrame, pd.DataFrame]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows and fingerprints computed for different years, put in the order a serial run gives: by indicator
    (registry order), then year, then the order each indicator returned them."""
    from cpanalysis.indicators.registry import RESULT_COLUMNS, all_indicators

    order = {ind.id: i for i, ind in enumerate(all_indicators())}

    def sort(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
        df = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
        df["_i"] = df["indicator_id"].map(order)
        df["_r"] = range(len(df))
        return df.sort_values(["_i", "year", "_r"], kind="stable")[columns].reset_index(drop=True)

    rows = sort([p[0] for p in parts], RESULT_COLUMNS)
    fps = sort([p[1] for p in parts], FP_COLUMNS).astype({"num_fp": object, "den_fp": object})
    return rows, fps


def _compute_with(state: bytes, years: list[int]):
    import pickle

    s = pickle.loads(state)  # noqa: S301 - bytes the builder's own process made a moment ago, through a pipe
    return _compute(s["data"], years, s["population"], s["la_code"], s["postcodes"])


def _compute(data, years, population, la_code, postcodes) -> tuple[pd.DataFrame, pd.DataFrame]:
    from cpanalysis.indicators import registry

    rows: list[dict] = []
    fps: list[dict] = []
    for ind in registry.all_indicators():
        for year in years:
            if year - ind.definition.history_years < min(data.years):
                rows.append({**registry.summarise(pd.DataFrame(columns=registry.AUDIT_COLUMNS + ["value"]),
                                                  ind.definition, year), "status": "insufficient history"})
                continue
            ctx = registry.Context(data=data, year=year, population=population or {}, la_code=la_code,
                                   postcodes=postcodes)
            audit, r = registry.run(ind, ctx)
            rows.extend(r)
            fps.extend(fingerprints(audit, ind.definition, year))
    return (pd.DataFrame(rows, columns=registry.RESULT_COLUMNS),
            pd.DataFrame(fps, columns=FP_COLUMNS).astype({"num_fp": object, "den_fp": object}))


_STATE: dict = {}


def _init_worker(state: dict) -> None:
    _STATE.update(state)


def _compute_year(year: int):
    s = _STATE
    return _compute(s["data"], [year], s["population"], s["la_code"], s["postcodes"])

"""Benchmark: calibration of the key-message rule on a simulated, exactly average council.

An exactly average council has England's true rate on every measure in every year. For each of a few real
councils, the simulation keeps that council's own cohort sizes (the denominators DfE published for it, every
measure and year) and every other council's real published figures (the spread between councils, the
quartiles), draws the council's counts from Binomial(its cohort size, England's proportion that year), and
runs the package's own findings code (``cpanalysis.findings.evaluate``, then the pack's count of concerns) on
them. Measures DfE publishes without counts are set to England's figure (an average council with no sampling
error). It prints, per council: the mean number of false concerns, P(at least one), and the power to flag a
real large gap: one measure whose true rate is three between-council standard deviations (on the arcsine
scale, at least 10 percentage points) worse than England, all else average.

Prints figures; asserts nothing. ``make bench`` runs it. Usage:
    .venv/bin/python benchmarks/bench_calibration.py [--published DIR] [--reps N] [--councils A,B,C] [--seed S]

The same harness runs an older version of the package (``PYTHONPATH=<old checkout>``): ``evaluate`` is then
called without the arguments it does not know, and concerns are counted as measures with a concern.
"""

from __future__ import annotations

import argparse
import inspect
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

if "--installed" not in sys.argv:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cpanalysis import findings  # noqa: E402
from cpanalysis.sources.catalogue import catalogue, definition_for  # noqa: E402

NEW_API = "spread" in inspect.signature(findings.evaluate).parameters


def council_code(pub, name: str) -> str:
    la = pub.figures[pub.figures["geographic_level"] == "Local authority"]
    hit = la[la["la_name"].str.lower() == name.lower()]
    if hit.empty:
        raise SystemExit(f"no council named {name!r} in the published files")
    return str(hit["old_la_code"].iloc[0])


def setup(pub, code: str, year: int) -> list[dict]:
    """Per measure with a polarity: the council's real cohort sizes and every council's figures."""
    out = []
    f = pub.figures
    for m in catalogue().values():
        if m.polarity == "neutral" or m.national_only:
            continue
        g = f[f["measure_id"] == m.id]
        nat = g[g["geographic_level"] == "National"].set_index("year")
        me = g[(g["geographic_level"] == "Local authority") & (g["old_la_code"] == code)].set_index("year")
        if year not in me.index or year not in nat.index or pd.isna(nat.loc[year, "value"]):
            continue
        years = sorted(y for y in me.index if y <= year and y in nat.index)[-5:]
        la = g[(g["geographic_level"] == "Local authority") & (g["year"] == year)]
        sym = la["symbol"].fillna("").astype(str)
        vals = la.loc[sym == "", "value"].to_numpy(dtype=float)
        ok = la["numerator"].notna() & la["denominator"].notna() & (la["denominator"] > 0) & (sym == "")
        eng = {}
        for y in years:
            r = nat.loc[y]
            if m.unit == "percent" and pd.notna(r.get("numerator")) and pd.notna(r.get("denominator")) and r["denominator"] > 0:
                eng[int(y)] = float(r["numerator"]) / float(r["denominator"])
            elif pd.notna(r.get("value")):
                eng[int(y)] = float(r["value"]) / (100.0 if m.unit == "percent" else 1.0)
        dens = {int(y): float(me.loc[y, "denominator"]) for y in years
                if pd.notna(me.loc[y].get("denominator")) and float(me.loc[y, "denominator"]) > 0}
        q1, q2, q3 = np.percentile(vals, [25, 50, 75]) if len(vals) else (math.nan,) * 3
        out.append({"defn": definition_for(m.id), "years": years, "dens": dens, "england": eng,
                    "counts": m.unit == "percent" and len(dens) == len(years) and bool(m.numerator),
                    "values": vals, "nums_all": la.loc[ok, "numerator"].to_numpy(dtype=float),
                    "dens_all": la.loc[ok, "denominator"].to_numpy(dtype=float),
                    "comp": {"la_q1": q1, "la_median": q2, "la_q3": q3, "n_councils": len(vals)}})
    return out


def simulate_one(measure: dict, rng: np.random.Generator, year: int, shift: float = 0.0):
    """One simulated measure: rows and comparator rows; ``shift`` moves the true rate on the arcsine scale."""
    d, yrs, eng = measure["defn"], measure["years"], measure["england"]
    recs, comps = [], []
    for y in yrs:
        p = eng.get(y, math.nan)
        if measure["counts"] and not math.isnan(p):
            n = int(measure["dens"][y])
            pt = float(np.sin(np.clip(np.arcsin(np.sqrt(p)) + shift, 0, math.pi / 2)) ** 2)
            x = int(rng.binomial(n, pt))
            recs.append({"year": y, "breakdown": "Total", "value": 100.0 * x / n, "numerator": x, "denominator": n,
                         "ci_low": math.nan, "ci_high": math.nan, "symbol": ""})
        else:
            v = p * (100.0 if d.unit == "percent" else 1.0)
            recs.append({"year": y, "breakdown": "Total", "value": v, "numerator": math.nan, "denominator": math.nan,
                         "ci_low": math.nan, "ci_high": math.nan, "symbol": ""})
        comps.append({"year": y, "england": eng.get(y, math.nan) * (100.0 if d.unit == "percent" else 1.0),
                      "region": math.nan, "sn_median": math.nan, "region_name": "", "sn_group": "",
                      **measure["comp"]})
    rows, comp = pd.DataFrame(recs), pd.DataFrame(comps)
    kw = {}
    if NEW_API:
        if "spread" not in measure:  # one Spread per measure: its over-dispersion estimate is computed once
            measure["spread"] = findings.Spread(values=measure["values"], nums=measure["nums_all"],
                                                dens=measure["dens_all"], england_p=eng.get(year, math.nan),
                                                england_series=eng if d.unit == "percent" else {})
        kw["spread"] = measure["spread"]
    return findings.evaluate(d, rows, comp, year, **kw)


def concerns_of(evs) -> int:
    if hasattr(findings, "count_concerns"):
        return findings.count_concerns(evs)
    return sum(1 for e in evs if e.kind == "concern")


def tau_of(measure: dict, year: int) -> float:
    from cpanalysis import stats

    if not hasattr(stats, "overdispersion"):
        return 0.0
    return math.sqrt(stats.overdispersion(measure["nums_all"], measure["dens_all"],
                                          measure["england"].get(year, math.nan))["tau2"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--published", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--councils", default="Rutland,Telford and Wrekin,Kent")
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--installed", action="store_true", help="use the cpanalysis on sys.path (an older checkout)")
    args = ap.parse_args()
    if not Path(args.published).exists():
        print(f"calibration: skipped ({args.published} not found)")
        return
    from cpanalysis.sources.published import load_published

    pub = load_published(Path(args.published))
    rng = np.random.default_rng(args.seed)
    print(f"calibration of the key-message rule: an exactly average council, {args.reps} simulations per council, "
          f"seed {args.seed} ({'current rule' if NEW_API else 'older rule'})")
    for name in [c.strip() for c in args.councils.split(",") if c.strip()]:
        t = time.perf_counter()
        ms = setup(pub, council_code(pub, name), args.year)
        tested = [m for m in ms if m["counts"]]
        counts = []
        for _ in range(args.reps):
            evs = [simulate_one(m, rng, args.year) for m in ms]
            counts.append(concerns_of(evs))
        counts = np.array(counts)
        # power: one measure with counts moved k between-council SDs (and at least 10 points) the wrong way
        power = {}
        for k in (3, 4):
            hits, trials = 0, 0
            for m in tested:
                p = m["england"].get(args.year)
                if p is None or math.isnan(p):
                    continue
                worse_up = m["defn"].polarity == "lower_is_better"
                tau = tau_of(m, args.year)
                ten = abs(np.arcsin(np.sqrt(min(1.0, p + 0.10) if worse_up else max(0.0, p - 0.10)))
                          - np.arcsin(np.sqrt(p)))
                step = max(k * tau, ten)
                for _ in range(max(1, args.reps // 20)):
                    ev = simulate_one(m, rng, args.year, shift=step if worse_up else -step)
                    trials += 1
                    hits += int(ev.kind == "concern")
            power[k] = (hits / max(trials, 1), trials)
        print(f"  {name}: {len(ms)} measures with a polarity ({len(tested)} with counts); false concerns: mean "
              f"{counts.mean():.2f}, P(at least one) {np.mean(counts >= 1):.0%}; power to flag one real gap of "
              f"3 between-council SDs (and at least 10 points): {power[3][0]:.0%}, of 4 SDs: {power[4][0]:.0%} "
              f"(of {power[4][1]} trials each; {time.perf_counter() - t:.0f} s)")


if __name__ == "__main__":
    main()

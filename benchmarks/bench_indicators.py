"""Benchmark: every child-level indicator on a national-scale SSDA903 history.

Loads a national-scale return (default ``/tmp/cpanalysis-national``, written by
``benchmarks/make_national.py``; this script runs that first when the folder is missing, or, if that
script is not there, writes one with :func:`cpanalysis.synth.generate_return`) with
:func:`cpanalysis.sources.ssda903.load_ssda903`, then times ``registry.compute(data, years=data.years)``
module by module (one call per indicator module, so the figures add up to the whole registry) and prints
the wall time per module, the total including ingestion, and the peak resident memory. Target (DESIGN.md
§4): under 60 s and 4 GB including ingestion. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_indicators.py [--path DIR] [--children 80000] [--profile MODULE]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
import traceback
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from cpanalysis.indicators import registry  # noqa: E402

DEFAULT_PATH = Path("/tmp/cpanalysis-national")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def ensure_data(path: Path, children: int) -> None:
    if path.exists() and any(path.iterdir()):
        return
    maker = ROOT / "benchmarks" / "make_national.py"
    t = time.perf_counter()
    if maker.exists():
        print(f"{path} is missing: running {maker.relative_to(ROOT)} ...", flush=True)
        subprocess.run([sys.executable, str(maker), str(path)], check=True)
    else:
        print(f"{path} is missing and benchmarks/make_national.py is not there: generating {children:,} children "
              "with cpanalysis.synth ...", flush=True)
        from cpanalysis import synth
        synth.write_return(synth.generate_return(children=children, years=5, la_code="999"), path)
    print(f"  written in {time.perf_counter() - t:.1f} s (not counted below)", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--path", type=Path, default=DEFAULT_PATH)
    ap.add_argument("--children", type=int, default=80000, help="children at 31 March when generating (fallback)")
    ap.add_argument("--workers", type=int, default=2, help="processes for the one-call run of every indicator")
    ap.add_argument("--profile", default=None, help="cProfile one module (e.g. cpanalysis.indicators.health)")
    args = ap.parse_args()
    ensure_data(args.path, args.children)

    from cpanalysis.sources.ssda903 import load_ssda903

    t0 = time.perf_counter()
    data = load_ssda903(args.path)
    t_load = time.perf_counter() - t0
    eps = len(data.episodes)
    kids = data.header["CHILD"].nunique()
    print(f"ingestion: {t_load:6.1f} s  ({kids:,} children, {eps:,} episodes, years {data.years[0]}-{data.years[-1]}"
          f"; peak so far {peak_mb():,.0f} MB)", flush=True)

    # Years an indicator lacks history for get an "insufficient history" row at no cost; they are left out here
    # so that a failure building that placeholder row cannot hide the timing of the real work.
    by_module: dict[str, list[tuple[str, list[int]]]] = defaultdict(list)
    for ind in registry.all_indicators():
        years = [y for y in data.years if y - ind.definition.history_years >= data.years[0]]
        by_module[ind.fn.__module__].append((ind.id, years))
    total = 0.0
    rows = 0
    failed = []
    for module, items in sorted(by_module.items()):
        ids = [i for i, _ in items]
        t = time.perf_counter()
        try:
            prof = None
            if args.profile == module:
                import cProfile
                prof = cProfile.Profile()
                prof.enable()
            res = pd.concat([registry.compute(data, years=years, ids=[i]) for i, years in items if years],
                            ignore_index=True)
            if prof is not None:
                import pstats
                prof.disable()
                pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
            status = f"{len(res):5d} rows"
            rows += len(res)
        except Exception as exc:  # report and carry on: a benchmark prints, it does not stop
            status = f"FAILED: {type(exc).__name__}: {exc}"
            failed.append((module, traceback.format_exc()))
        dt = time.perf_counter() - t
        total += dt
        print(f"  {module.rsplit('.', 1)[-1]:<16} {len(ids):3d} indicators x {len(data.years)} years: {dt:6.1f} s  "
              f"{status}", flush=True)
    print(f"indicators, module by module in one process: {total:6.1f} s ({rows:,} result rows)")
    t = time.perf_counter()
    res = registry.compute(data, years=data.years, workers=args.workers)
    t_all = time.perf_counter() - t
    print(f"indicators, every one in one call as the pack does it (registry.compute, workers={args.workers}): "
          f"{t_all:6.1f} s ({len(res):,} result rows)")
    print(f"total including ingestion: {t_load + t_all:6.1f} s  (target < 60 s)")
    print(f"peak memory: {peak_mb():,.0f} MB  (target < 4,096 MB)")
    for module, tb in failed:
        print(f"\n--- {module} failed:\n{tb}")


if __name__ == "__main__":
    main()

"""Benchmark: load every DfE published file in ../shared/data, build the comparators and funnel data.

Run: .venv/bin/python benchmarks/bench_published.py [FOLDER]
Prints wall time and peak memory (RSS) for each step.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

from cpanalysis import config, councils, paths
from cpanalysis.compare import comparator_table, funnel_data
from cpanalysis.sources.published import load_published, published_indicators


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else paths.SHARED_DATA_DIR
    if not folder.exists():
        print(f"{folder} not found: nothing to benchmark")
        return 0
    t0 = time.perf_counter()
    pub = load_published(folder, cache=False)
    t1 = time.perf_counter()
    tables = pub.files[pub.files["layout"].isin(["EES", "LAIT long"])]
    by_layout = tables.groupby("layout")["rows"].agg(["count", "sum"])
    detail = "; ".join(f"{lay}: {int(r['count'])} files, {int(r['sum']):,} rows" for lay, r in by_layout.iterrows())
    print(f"load_published, parsing every file: {t1 - t0:.2f} s ({detail}), {len(pub.figures):,} catalogue "
          f"figures; peak {_peak_mb():.0f} MB")
    load_published(folder)  # writes the cache if it is not there yet
    t = time.perf_counter()
    load_published(folder)
    print(f"load_published from the cache: {time.perf_counter() - t:.2f} s")
    t1 = time.perf_counter()
    cells = pub.cells()
    t2 = time.perf_counter()
    print(f"every cell in long form: {t2 - t1:.2f} s, {len(cells):,} cells; peak {_peak_mb():.0f} MB")
    for name in ("Telford and Wrekin", "Walsall", "Cheshire East", "Bromley"):
        p = config.from_dict({"council": {"name": name}, "year": 2025, "inputs": {"published": str(folder)}})
        p.council = councils.resolve_council(name, folder=folder)
        t = time.perf_counter()
        ct = comparator_table(pub, p)
        pi = published_indicators(pub, p)
        fd = funnel_data(pub, "stability_3plus_placements", 2025, p.council)
        print(f"{name}: comparators {len(ct)} rows, indicators {len(pi)} rows, funnel {len(fd)} councils in "
              f"{time.perf_counter() - t:.2f} s")
    print(f"total {time.perf_counter() - t0:.2f} s; peak {_peak_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

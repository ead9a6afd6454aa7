"""Write a national-scale synthetic SSDA903 return (about 100,000 children, 400,000 episodes, five years).

Run: .venv/bin/python benchmarks/make_national.py [DEST] [--children N] [--seed N]
DEST defaults to /tmp/cpanalysis-national. The return is the demo council's generator
(``cpanalysis.synth.generate_return``) scaled up: ``--children`` is the number looked after at each
31 March (30,000 gives about 100,000 distinct children over 2021 to 2025). Prints rows per table, wall
time and peak memory. Used by the ingest and indicator benchmarks.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

from cpanalysis import synth


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", nargs="?", type=Path, default=Path("/tmp/cpanalysis-national"))
    parser.add_argument("--children", type=int, default=30_000,
                        help="children looked after at each 31 March (default 30,000)")
    parser.add_argument("--seed", type=int, default=903)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    tables = synth.generate_return(seed=args.seed, children=args.children, years=synth.DEFAULT_YEARS,
                                   la_code="999", child_prefix="N")
    t1 = time.perf_counter()
    written = synth.write_return(tables, args.dest)
    t2 = time.perf_counter()

    children = set()
    totals: dict[str, int] = {}
    for by_key in tables.values():
        children.update(by_key["header"]["CHILD"].tolist())
        for key, df in by_key.items():
            totals[key] = totals.get(key, 0) + len(df)
    size = sum(p.stat().st_size for p in written)
    print(f"national synthetic 903: {len(children):,} children, {totals['episodes']:,} episode rows, "
          f"{sum(totals.values()):,} rows in {len(written)} files ({size / 1e6:.0f} MB) under {args.dest}")
    for key, n in totals.items():
        print(f"  {key:16s} {n:>10,}")
    print(f"generate {t1 - t0:.1f} s, write {t2 - t1:.1f} s, total {t2 - t0:.1f} s; peak memory {_peak_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: every council in England in one batch, on local worker processes or on a Dask LocalCluster.

Prints the wall time, councils a minute, each worker's peak memory (its own high-water mark), the index page's
size and the SHA-256 of ``councils.csv`` (the two paths give the same packs when the hashes match). Asserts
nothing. About 6 to 9 minutes on the 2-core development machine. Usage:
    .venv/bin/python benchmarks/bench_england.py local|dask [--published DIR] [--year 2025] [--councils all]
        [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cpanalysis import paths  # noqa: E402
from cpanalysis.batch import run_batch  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("engine", choices=["local", "dask"])
    ap.add_argument("--published", default=str(paths.SHARED_DATA_DIR))
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--councils", default="all")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=None, help="folder for the packs (default: a temporary one, removed after)")
    args = ap.parse_args()
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="england-"))
    t = time.perf_counter()
    try:
        if args.engine == "dask":
            from dask import distributed

            with distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                          dashboard_address=None) as cluster:
                res = run_batch(args.councils, args.published, args.year, out, scheduler=cluster.scheduler_address,
                                progress=False)
        else:
            res = run_batch(args.councils, args.published, args.year, out, workers=args.workers, progress=False)
        wall = time.perf_counter() - t
        csv = (out / "councils.csv").read_bytes()
        peak = max((c.peak_mb for c in res.councils), default=0)
        print(f"{args.engine}, {args.workers} workers: {len(res.councils)} councils, {len(res.failed)} failed, "
              f"{wall:.0f} s ({len(res.councils) / wall * 60:.1f} councils a minute); peak memory per worker "
              f"{peak:.0f} MiB; index {(out / 'index.html').stat().st_size / 1024:.0f} KiB; councils.csv "
              f"{len(csv) / 1024 / 1024:.1f} MiB, SHA-256 {hashlib.sha256(csv).hexdigest()[:16]}")
    finally:
        if not args.out:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()

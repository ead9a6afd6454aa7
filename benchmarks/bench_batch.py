"""Benchmark: published-data packs for a batch of real councils, several builds at once.

Each council gets a complete pack from DfE's published files alone (no child-level data). Builds run
``--parallel`` at a time (each with ``--workers`` notebook workers); parsed published files are cached
after the first build (see ``cpanalysis.sources.published.cache_dir``). Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_batch.py [--councils 6] [--parallel 2] [--workers 1] [--published DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cpanalysis import config, councils, pack, paths  # noqa: E402
from cpanalysis.sources import published  # noqa: E402


def build_one(args: tuple[str, str, str, int]) -> tuple[str, float, int]:
    code, folder, out, workers = args
    params = config.from_dict({"council": {"name": code}, "year": 2025, "inputs": {"published": folder},
                               "output_dir": out}, "benchmark")
    params.council = councils.resolve_council(code, params)
    t = time.perf_counter()
    res = pack.build_pack(params, workers=workers)
    return params.council.name, time.perf_counter() - t, res.html.stat().st_size


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--councils", type=int, default=6)
    ap.add_argument("--parallel", type=int, default=2)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--published", default=str(paths.SHARED_DATA_DIR))
    args = ap.parse_args()
    folder = str(Path(args.published).resolve())
    t = time.perf_counter()
    published.load_published(folder)  # warm the parsed-file cache once, as a batch run would
    print(f"parse and cache the published files: {time.perf_counter() - t:.1f} s")
    codes = councils.directory(folder)["old_la_code"].tolist()[: args.councils]
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [(c, folder, str(Path(tmp) / c), args.workers) for c in codes]
        t = time.perf_counter()
        with ProcessPoolExecutor(max_workers=args.parallel, mp_context=multiprocessing.get_context("spawn")) as pool:
            for name, secs, size in pool.map(build_one, jobs):
                print(f"  {name}: {secs:.1f} s, HTML {size / 1024:,.0f} KiB")
        wall = time.perf_counter() - t
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{len(codes)} council packs, {args.parallel} at a time x {args.workers} notebook worker(s): "
          f"{wall:.1f} s wall, {wall / len(codes):.1f} s per council; largest child process {kids:,.0f} MiB")


if __name__ == "__main__":
    main()

"""Benchmark: the floor, the demo pack by stage, a published-only pack and a small batch, in one run.

Prints figures; asserts nothing (speed is measured, not tested). ``make bench`` runs it. Usage:
    .venv/bin/python benchmarks/bench_pack.py [--runner cpanalysis|cpanalysis-kernel] [--workers N]
        [--published DIR] [--batch N]

* floor: one Jupyter kernel start plus the notebooks' imports (what any kernel-based notebook costs);
* the demo pack (wall time, its ratio to the floor, and each stage) with the chosen runner (default in-process):
  cold with an empty cache, then a second build from unchanged inputs, then with warm kernels for comparison;
* a published-only pack for a real council, twice (when ``--published`` exists);
* a batch of ``--batch`` councils on local workers: councils per minute and peak memory per worker.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cpanalysis import config, kernels, pack, paths  # noqa: E402


def floor_seconds() -> float:
    """One kernel start plus the imports every notebook does."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    t = time.perf_counter()
    km = KernelManager(kernel_name="python3", transport_encryption="auto")
    km.start_kernel()
    try:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(kernels.WARM_UP.format(parent=os.getpid()))])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        NotebookClient(nb, km=km, timeout=120, kernel_name="python3").execute()
    finally:
        km.shutdown_kernel(now=True)
    return time.perf_counter() - t


STAGES = ("prepare", "notebooks", "export", "guard")


def demo(runner: str, workers: int, tmp: Path, label: str) -> float:
    params = config.load(paths.DEFAULT_PARAMS, {"output_dir": str(tmp / f"demo-{runner}")})
    t = time.perf_counter()
    res = pack.build_pack(params, workers=workers, runner=runner)
    wall = time.perf_counter() - t
    tm = res.timings or {}
    stages = ", ".join(f"{k} {tm[k]:.1f} s" for k in STAGES if k in tm)
    print(f"demo pack, {label} (runner={runner}, workers={workers}): {wall:.1f} s wall, HTML "
          f"{res.html.stat().st_size / 1024:,.0f} KiB; stages: {stages}")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runner", default="cpanalysis", choices=["cpanalysis", "cpanalysis-kernel", "inprocess", "warm"])
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--published", default=str(paths.SHARED_DATA_DIR))
    ap.add_argument("--batch", type=int, default=4)
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}")
    floor = floor_seconds()
    print(f"floor (one kernel start plus the notebooks' imports): {floor:.1f} s")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        # A cache of its own, empty at the start: the first build is cold, the second reuses its figures.
        os.environ["CPANALYSIS_CACHE_DIR"] = str(tmp / "cache")
        wall = demo(args.runner, args.workers, tmp, "cold, empty cache")
        print(f"  ratio to the floor: {wall / floor:.1f}x")
        wall = demo(args.runner, args.workers, tmp, "second build, unchanged inputs")
        print(f"  ratio to the floor: {wall / floor:.1f}x")
        if args.runner not in ("warm", "cpanalysis-kernel"):
            os.environ["CPANALYSIS_CACHE_MAX_MB"] = "0"  # the kernels' figure without the cache, for comparison
            wall = demo("cpanalysis-kernel", args.workers, tmp, "warm Jupyter kernels, no cache")
            print(f"  ratio to the floor: {wall / floor:.1f}x")
            del os.environ["CPANALYSIS_CACHE_MAX_MB"]
        if Path(args.published).exists():
            from cpanalysis import cli
            from cpanalysis.sources.published import load_published

            t = time.perf_counter()
            load_published(args.published)
            print(f"parsing every DfE file in {args.published} once (then cached): {time.perf_counter() - t:.1f} s")
            for label in ("first", "second"):
                t = time.perf_counter()
                cli.main(["pack", "--council", "Telford and Wrekin", "--published", args.published, "--year",
                          "2025", "--out", str(tmp / "telford"), "--runner", args.runner,
                          "--workers", str(args.workers)])
                print(f"published-only pack (Telford and Wrekin, runner={args.runner}, {label} build): "
                      f"{time.perf_counter() - t:.1f} s")
            from cpanalysis.batch import run_batch

            spec = ",".join(["Telford and Wrekin", "Shropshire", "Cheshire East", "Bromley", "Walsall",
                             "Wolverhampton", "Dudley", "Sandwell"][: args.batch])
            res = run_batch(spec, args.published, 2025, tmp / "batch", workers=args.workers, progress=False)
            per_min = len(res.councils) / res.seconds * 60
            peak = max((c.peak_mb for c in res.councils), default=0)
            print(f"batch of {len(res.councils)} councils on {args.workers} local workers: {res.seconds:.1f} s "
                  f"({per_min:.1f} councils a minute; {len(res.failed)} failed); peak memory per worker "
                  f"{peak:,.0f} MiB")
    from cpanalysis.batch import peak_memory_mb

    print(f"peak memory of this process (the builder of the single packs): {peak_memory_mb():,.0f} MiB")


if __name__ == "__main__":
    main()

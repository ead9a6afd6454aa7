"""Benchmark: wall time and peak memory to build the demonstration evidence pack.

Prints figures; asserts nothing (speed is measured, not tested). Usage:
    .venv/bin/python benchmarks/bench_pack.py [--runner warm|papermill|inprocess] [--workers N] [--repeat N]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cpanalysis import config, pack, paths, present  # noqa: E402


def peak_mib() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runner", default="warm", choices=["warm", "papermill", "inprocess"])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        params = config.load(paths.DEFAULT_PARAMS, {"output_dir": str(Path(tmp) / "demo")})
        t = time.perf_counter()
        present.prepare(params)
        prep = time.perf_counter() - t
        print(f"prepare (load + validate + all indicators + disclosure): {prep:.2f} s")
        for i in range(args.repeat):
            t = time.perf_counter()
            res = pack.build_pack(params, workers=args.workers, runner=args.runner)
            wall = time.perf_counter() - t
            size = res.html.stat().st_size / 1024
            print(f"run {i + 1}: demo pack, {len(res.notebooks)} notebooks, runner={args.runner}, "
                  f"workers={args.workers}: {wall:.1f} s wall, HTML {size:,.0f} KiB")
            tm = res.timings or {}
            stages = ", ".join(f"{k} {tm[k]:.1f} s" for k in ("prepare", "notebooks", "export") if k in tm)
            print(f"  stages: {stages} (prepare runs while the kernels start, inside 'notebooks')")
            per_nb = {k: v for k, v in tm.items() if k not in ("prepare", "notebooks", "export")}
            if per_nb:
                print("  notebooks (s in kernel): " + ", ".join(f"{k} {v:.1f}" for k, v in per_nb.items())
                      + f"; sum {sum(per_nb.values()):.1f} s")
    own, kids = peak_mib()
    print(f"peak RSS: builder process {own:,.0f} MiB; largest worker/kernel process {kids:,.0f} MiB")


if __name__ == "__main__":
    main()

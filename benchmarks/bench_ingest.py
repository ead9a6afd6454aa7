"""Benchmark: load and validate a national-scale SSDA903 return (five years).

    python benchmarks/bench_ingest.py [DIR] [--children N] [--regenerate]

DIR (default /tmp/cpanalysis-national) holds ``<year>/<table>.csv``. If it is missing (or --regenerate) the
synthetic council of ``cpanalysis.synth`` is generated at national scale (``--children`` looked after at 31 March,
default 30,000, which gives about 100,000 children and 400,000 episode rows over five returns) and written there.
The load + validate step then runs in a fresh Python process so that its peak memory (``ru_maxrss``) is its own.
Prints rows read, wall time and peak memory. Targets: under 60 s and 4 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_DIR = Path("/tmp/cpanalysis-national")


def generate(dest: Path, children: int) -> None:
    from cpanalysis import synth

    t0 = time.perf_counter()
    tables = synth.generate_return(children=children, years=5)
    synth.write_return(tables, dest)
    print(f"generated {dest} in {time.perf_counter() - t0:.1f} s", flush=True)


def measure(dest: Path) -> dict:
    t0 = time.perf_counter()
    from cpanalysis.validation import validate

    t_import = time.perf_counter() - t0
    t1 = time.perf_counter()
    rep = validate(dest)
    t_load = time.perf_counter() - t1
    text = rep.text()
    t_all = time.perf_counter() - t0
    rec = rep.reconciliation
    ep = rec[rec["table"] == "episodes"]
    hdr = rep.data.header if rep.data is not None else None
    return {
        "rows_read": int(rec["rows_read"].sum()),
        "episode_rows_read": int(ep["rows_read"].sum()),
        "children": int(len(hdr)) if hdr is not None else 0,
        "merged_episodes": int(len(rep.data.episodes)) if rep.data is not None else 0,
        "errors": rep.n_errors, "warnings": rep.n_warnings, "exit_code": rep.exit_code,
        "import_s": round(t_import, 2), "load_validate_s": round(t_load, 2), "total_s": round(t_all, 2),
        "report_chars": len(text),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--children", type=int, default=30000)
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure_only:
        print(json.dumps(measure(args.dir)))
        return 0
    if args.regenerate or not any(args.dir.glob("*/episodes.csv")):
        generate(args.dir, args.children)
    out = subprocess.run([sys.executable, __file__, str(args.dir), "--measure-only"], capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stderr, file=sys.stderr)
        return out.returncode
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"SSDA903 ingest benchmark: {args.dir}")
    print(f"  rows read {r['rows_read']:,} (episodes {r['episode_rows_read']:,}); children {r['children']:,}; "
          f"merged episodes {r['merged_episodes']:,}")
    print(f"  findings: {r['errors']:,} errors, {r['warnings']:,} warnings (exit code {r['exit_code']})")
    print(f"  wall time: load + validate {r['load_validate_s']:.2f} s; with imports and report "
          f"{r['total_s']:.2f} s (target < 60 s)")
    print(f"  peak memory (max RSS of the measuring process): {r['peak_rss_mb']:,.0f} MB (target < 4,096 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The committee's pack on paper: build the demo pack and published-only packs for real councils, print
each to A4 with headless Chromium, and print pages, words and charts (committee part and whole pack)
with the build time. The budget (DESIGN section 5) is 40 pages from the cover to the end of question 10.

    python benchmarks/bench_pages.py [--councils "Telford and Wrekin" "Cheshire East"] [--published DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from cpanalysis import cli, config, pack, paths, printing


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--councils", nargs="*", default=["Telford and Wrekin", "Cheshire East"])
    ap.add_argument("--published", default=str(paths.SHARED_DATA_DIR))
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cpa-pages-"))
    rows = []
    t0 = time.perf_counter()
    res = pack.build_pack(config.load(paths.DEFAULT_PARAMS, {"output_dir": str(work / "demo")}))
    rows.append(("Demoshire (demo)", time.perf_counter() - t0, printing.measure(res.html, work / "demo-print")))
    for council in a.councils if Path(a.published).exists() else []:
        out = work / council.replace(" ", "_")
        t0 = time.perf_counter()
        cli.main(["pack", "--council", council, "--published", a.published, "--year", "2025", "--out", str(out)])
        rows.append((council, time.perf_counter() - t0, printing.measure(out / "evidence-pack.html", out.with_suffix(".print"))))
    print(f"{'pack':<22}{'build s':>8}{'pages':>7}{'words':>8}{'charts':>7}   whole pack: pages words charts")
    for name, secs, m in rows:
        print(f"{name:<22}{secs:>8.1f}{m['committee_pages']:>7}{m['committee_words']:>8,}{m['committee_charts']:>7}"
              f"   {m['whole_pages']:>5} {m['whole_words']:>6,} {m['whole_charts']:>5}")


if __name__ == "__main__":
    main()

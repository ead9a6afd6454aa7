"""Print published-only councils' key messages (what needs attention, what is going well) from the package's own
findings code: the sentences the front section of each pack would print.

Usage: .venv/bin/python benchmarks/key_messages.py [--published DIR] [--year YYYY] COUNCIL [COUNCIL ...]
e.g.   .venv/bin/python benchmarks/key_messages.py Rutland Kent "Telford and Wrekin" Birmingham
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cpanalysis import briefing, cli, evidence  # noqa: E402
from cpanalysis.sources.published import load_published  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("councils", nargs="+")
    ap.add_argument("--published", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--year", type=int, default=2025)
    args = ap.parse_args()
    pub = load_published(Path(args.published))
    for council in args.councils:
        ns = argparse.Namespace(params=None, council=council, published=Path(args.published), year=args.year,
                                ssda903=None, local=None, evidence=None, out=None)
        params = cli.load_params(ns)
        front = briefing.front(evidence.prepare(params, published=pub))
        print(f"## {params.council.name}: {front['n_measures']} measures; concerns {len(front['concerns'])} "
              f"(+{front['more_concerns']}), going well {len(front['strengths'])} (+{front['more_strengths']})")
        for title, key in (("What needs attention", "concerns"), ("What is going well", "strengths")):
            print(f"{title}:")
            for m in front[key]:
                print(f"  - {m['text']}")
        print()


if __name__ == "__main__":
    main()

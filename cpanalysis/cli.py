"""Command line: ``cpanalysis pack | run | validate | indicators | demo-data | data download``.

Exit codes are a public interface: 0 success, 1 data errors found, 2 usage or fatal input error, 3 an
unexpected internal failure (a bug: the message says where to report it; no traceback unless
``CPANALYSIS_DEBUG=1``). Every command takes ``--params FILE`` (default parameters/demo.yml) and the
overrides below, so a user need not write YAML for a quick look.

Paths given on the command line (``--params``, ``--out``, ``--ssda903``, ``--published``, ``--local``) are taken
from the current working directory; relative paths inside a parameters file are taken from the repository
root (so ``parameters/demo.yml`` works from anywhere).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cpanalysis import paths
from cpanalysis.config import TOPICS, ParameterError

EXIT_OK, EXIT_DATA_ERRORS, EXIT_FATAL, EXIT_INTERNAL = 0, 1, 2, 3


def _add_common(p: argparse.ArgumentParser, out_help: str = "output folder") -> None:
    p.add_argument("--params", type=Path, default=None,
                   help=f"parameters YAML file (default {paths.DEFAULT_PARAMS.relative_to(paths.ROOT)})")
    p.add_argument("--council", help="council name, old three-digit or new nine-character code")
    p.add_argument("--year", type=int, help="reporting year ending 31 March (2025 means 2024-25)")
    p.add_argument("--ssda903", type=Path, help="folder of SSDA903 files (subfolders per year, or one year flat)")
    p.add_argument("--published", type=Path, help="folder searched recursively for DfE published files")
    p.add_argument("--local", type=Path, help="folder of local returns")
    p.add_argument("--out", type=Path, help=out_help)


def _parse_topics(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        topics = sorted({int(t) for t in text.split(",") if t.strip()})
    except ValueError:
        raise ParameterError(f"--topics: {text!r} is not a list of question numbers; accepted: 1 to 10, "
                             "comma-separated, e.g. --topics 4,8") from None
    bad = [t for t in topics if t not in TOPICS]
    if bad:
        raise ParameterError(f"--topics: unknown question(s) {bad}; accepted: 1 to 10")
    return topics


def load_params(args: argparse.Namespace):
    """Parameters file plus command-line overrides."""
    from cpanalysis import config

    overrides: dict = {}
    if getattr(args, "params", None) is not None:
        args.params = _from_cwd(args.params)
    if getattr(args, "year", None):
        overrides["year"] = args.year
    if getattr(args, "ssda903", None):
        overrides["inputs.ssda903"] = str(args.ssda903.resolve())
    if getattr(args, "published", None):
        overrides["inputs.published"] = str(args.published.resolve())
    if getattr(args, "local", None):
        overrides["inputs.local"] = str(args.local.resolve())
    council = getattr(args, "council", None)
    if args.params is None and (getattr(args, "ssda903", None) or council):
        # A quick look without a parameters file: start from a neutral base, not the demo council.
        raw = _bare_params(args)
        params = config.from_dict(raw, "command-line options")
    else:
        params = config.load(args.params, overrides)
    if council:
        from cpanalysis.councils import resolve_council

        params.council = resolve_council(council, params)
        params.demonstration = False
    return params


def _from_cwd(path: Path) -> Path:
    """A command-line path, taken from the working directory (``~`` expanded)."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else Path.cwd() / p


def _bare_params(args: argparse.Namespace) -> dict:
    import datetime as dt

    year = args.year or (dt.date.today().year if dt.date.today().month > 3 else dt.date.today().year - 1)
    inputs = {}
    if args.ssda903:
        inputs["ssda903"] = str(args.ssda903.resolve())
    if args.published:
        inputs["published"] = str(args.published.resolve())
    elif args.council:
        inputs["published"] = str(paths.SHARED_DATA_DIR) if paths.SHARED_DATA_DIR.exists() else None
    if getattr(args, "local", None):
        inputs["local"] = str(args.local.resolve())
    return {"council": {"name": args.council or "Council (from command line)"}, "year": year,
            "inputs": {k: v for k, v in inputs.items() if v}, "output_dir": "outputs/cli",
            "comparators": {"statistical_neighbours": "2025" if args.council else "none"}}


def cmd_pack(args: argparse.Namespace) -> int:
    from cpanalysis.pack import build_pack

    params = load_params(args)
    topics = _parse_topics(args.topics)
    result = build_pack(params, topics=topics, out=args.out and _from_cwd(args.out), workers=args.workers,
                        runner=args.runner)
    print(f"Evidence pack: {result.html}")
    print(f"Built {len(result.notebooks)} notebooks in {result.seconds:.1f} s")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from cpanalysis.pack import build_pack

    params = load_params(args)
    topic = _topic_from_name(args.topic)
    result = build_pack(params, topics=[topic], out=args.out and _from_cwd(args.out), workers=1, summary=False,
                        html_name=f"{topic:02d}_{TOPICS[topic]}.html")
    print(f"Executed notebook: {result.notebooks[-1]}")
    print(f"HTML: {result.html}")
    return EXIT_OK


def _topic_from_name(text: str) -> int:
    t = text.strip().lower()
    if t.isdigit() and int(t) in TOPICS:
        return int(t)
    for n, slug in TOPICS.items():
        if t in (slug, slug.replace("_", "-"), f"{n:02d}_{slug}"):
            return n
    raise ParameterError(f"topic {text!r} is not known; accepted: "
                         + ", ".join(f"{n} ({s})" for n, s in TOPICS.items()))


def cmd_validate(args: argparse.Namespace) -> int:
    from cpanalysis.validation import cli_validate

    return cli_validate(load_params(args))


def cmd_indicators(args: argparse.Namespace) -> int:
    from cpanalysis.export import export_indicators

    params = load_params(args)
    out = _from_cwd(args.out) if args.out else (params.output_path / "indicators.csv")
    df = export_indicators(params, Path(out), public=args.public)
    print(f"Wrote {len(df)} rows to {out}")
    return EXIT_OK


def cmd_demo_data(args: argparse.Namespace) -> int:
    from cpanalysis import synth

    dest = args.out or paths.DEMO_SSDA903_DIR
    kwargs = {k: v for k, v in {"seed": args.seed, "children": args.children, "years": args.years}.items()
              if v is not None}
    written = synth.write_demo(dest=dest, **kwargs)
    print(f"Wrote {len(written)} SSDA903 files under {dest}")
    if dest == paths.DEMO_SSDA903_DIR:
        try:
            from cpanalysis.sources.published import write_demo_published

            pub = write_demo_published(paths.DEMO_PUBLISHED_DIR)
            print(f"Wrote {len(pub)} published-format files under {paths.DEMO_PUBLISHED_DIR}")
        except ImportError:
            pass
    return EXIT_OK


def cmd_download(args: argparse.Namespace) -> int:
    from cpanalysis.download import download_all

    files = download_all(args.dest, base_url=args.base_url)
    print(f"Downloaded {len(files)} files to {args.dest}")
    return EXIT_OK


def cmd_batch(args: argparse.Namespace) -> int:
    from cpanalysis.batch import run_batch

    if not args.published:
        raise ParameterError("batch needs --published: a folder of DfE published files (e.g. ../shared/data)")
    result = run_batch(args.councils, _from_cwd(args.published), args.year, _from_cwd(args.out),
                       workers=args.workers, scheduler=args.scheduler, progress=not args.quiet)
    ok = len(result.councils) - len(result.failed)
    print(f"Built {ok} of {len(result.councils)} council packs in {result.seconds:.0f} s "
          f"({len(result.councils) / max(result.seconds, 1e-9) * 60:.1f} councils a minute); index: "
          f"{result.out / 'index.html'}; every council's indicators: {result.out / 'councils.csv'}")
    for c in result.failed:
        print(f"  {c.name or c.code}: {c.status}", file=sys.stderr)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cpanalysis", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("pack", help="run the summary and topic notebooks and export the HTML evidence pack")
    _add_common(p)
    p.add_argument("--topics", help="LGA question numbers to include, e.g. 4,8 (default: all in the parameters)")
    p.add_argument("--workers", type=int, default=None, help="parallel notebook workers (default: CPU count)")
    p.add_argument("--runner", choices=["warm", "papermill", "inprocess"], default="warm",
                   help="warm: Jupyter kernels kept warm, one per worker (default); papermill: a fresh kernel per "
                        "notebook; inprocess: no kernel, the notebooks' cells run in this process (fastest)")
    p.set_defaults(func=cmd_pack)

    p = sub.add_parser("run", help="run one topic notebook: executed copy plus its HTML")
    p.add_argument("topic", help="question number or name, e.g. 4 or stability")
    _add_common(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("validate", help="check every input and print the data-quality report")
    _add_common(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("indicators", help="write every indicator to a CSV file")
    _add_common(p, out_help="CSV file to write")
    p.add_argument("--public", action="store_true", help="apply disclosure control (for publication)")
    p.set_defaults(func=cmd_indicators)

    p = sub.add_parser("batch", help="published-data packs for many councils, with an index page and one CSV")
    p.add_argument("--councils", default="all",
                   help="'all', a region (e.g. 'West Midlands') or names and codes separated by commas")
    p.add_argument("--published", type=Path, help="folder searched recursively for DfE published files")
    p.add_argument("--year", type=int, default=2025, help="reporting year ending 31 March (default 2025)")
    p.add_argument("--out", type=Path, required=True, help="folder for the packs, index.html and councils.csv")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: CPU count)")
    p.add_argument("--scheduler", default=None, help="address of a Dask distributed scheduler, e.g. tcp://host:8786")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("demo-data", help="regenerate the synthetic demonstration council")
    p.add_argument("--seed", type=int)
    p.add_argument("--children", type=int)
    p.add_argument("--years", type=int)
    p.add_argument("--out", type=Path, help=f"destination (default {paths.DEMO_SSDA903_DIR.relative_to(paths.ROOT)})")
    p.set_defaults(func=cmd_demo_data)

    p = sub.add_parser("data", help="published data commands")
    dsub = p.add_subparsers(dest="data_command", required=True)
    d = dsub.add_parser("download", help="fetch the DfE published files (needs internet)")
    d.add_argument("--dest", type=Path, required=True)
    d.add_argument("--base-url", default=None, help="alternative server (for testing or a local mirror)")
    d.set_defaults(func=cmd_download)
    return parser


def main(argv: list[str] | None = None) -> int:
    import os

    from cpanalysis.errors import FatalError, plain

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ParameterError, FatalError) as err:  # fatal input errors carry their own plain message
        print(f"cpanalysis: {plain(str(err))}", file=sys.stderr)
        return EXIT_FATAL
    except KeyboardInterrupt:
        print("cpanalysis: interrupted; nothing was replaced.", file=sys.stderr)
        return 130
    except MemoryError:
        print("cpanalysis: ran out of memory. Close other programs or use fewer --workers, and run again.",
              file=sys.stderr)
        return EXIT_INTERNAL
    except Exception as err:  # noqa: BLE001 - an unexpected failure: a plain message, not a traceback
        if os.environ.get("CPANALYSIS_DEBUG"):
            raise
        where = ""
        tb = err.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        if tb is not None:
            where = f" (in {Path(tb.tb_frame.f_code.co_filename).name}, line {tb.tb_lineno})"
        print(f"cpanalysis: an unexpected internal error stopped the command{where}: "
              f"{type(err).__name__}: {plain(str(err))[:500]}\n"
              "Nothing was replaced. This is a fault in cpanalysis, not in your data as far as it can tell: please "
              "report it with the command you ran. Run again with CPANALYSIS_DEBUG=1 for the full details.",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())

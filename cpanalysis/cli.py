"""Command line: ``cpanalysis init | pack | run | validate | indicators | demo-data | data download | cache clear``.

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
    p.add_argument("--local", type=Path, help="folder of local returns (templates in data/templates/)")
    p.add_argument("--evidence", type=Path, help="folder of written evidence, one Markdown file per question (q04.md)")
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
    """Parameters file plus command-line overrides. Refuses the demonstration council's data under a real
    council's name, and a council that did not exist in the reporting year."""
    from cpanalysis import config

    overrides: dict = {}
    if getattr(args, "params", None) is not None:
        args.params = _from_cwd(args.params)
    if getattr(args, "year", None):
        overrides["year"] = args.year
    for key in ("ssda903", "published", "local", "evidence"):
        if getattr(args, key, None):
            overrides[f"inputs.{key}"] = str(_from_cwd(getattr(args, key)).resolve())
    if getattr(args, "since", None):
        overrides["since"] = str(_from_cwd(args.since).resolve())
    council = getattr(args, "council", None)
    if args.params is None and (getattr(args, "ssda903", None) or council):
        # A quick look without a parameters file: start from a neutral base, not the demo council.
        from cpanalysis.councils import fill_default_year

        raw = _bare_params(args)
        params = config.from_dict(raw, "command-line options", default_year=fill_default_year)
    else:
        from cpanalysis.councils import fill_default_year

        params = config.load(args.params, overrides, default_year=fill_default_year)
    if council:
        from cpanalysis.councils import resolve_council, slug

        before = params.council.name
        params.council = resolve_council(council, params)
        params.demonstration = False
        if args.params is None or params.council.name != before:
            # another council than the file's: its pack goes to its own folder, never over the file's council's
            params.output_dir = Path("outputs") / slug(params.council.name)
    elif params.council.old_la_code or params.council.new_la_code:
        from cpanalysis.councils import check_exists, default_folder, directory

        d = directory(default_folder(params))
        code = params.council.old_la_code
        row = d[d["old_la_code"] == code] if code else d.iloc[0:0]
        if len(row) == 1:
            check_exists(row.iloc[0].to_dict(), params.year, default_folder(params))
    config.check_not_mixed(params)
    return params


def _from_cwd(path: Path) -> Path:
    """A command-line path, taken from the working directory (``~`` expanded)."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else Path.cwd() / p


def _bare_params(args: argparse.Namespace) -> dict:
    from cpanalysis import config
    from cpanalysis.councils import slug

    inputs = {}
    if args.ssda903:
        inputs["ssda903"] = str(_from_cwd(args.ssda903).resolve())
    if args.published:
        inputs["published"] = str(_from_cwd(args.published).resolve())
    elif args.council:
        inputs["published"] = str(paths.SHARED_DATA_DIR) if paths.SHARED_DATA_DIR.exists() else None
    for key in ("local", "evidence"):
        if getattr(args, key, None):
            inputs[key] = str(_from_cwd(getattr(args, key)).resolve())
    name = args.council or config.ANONYMOUS_COUNCIL
    # year: None -> the latest year in the data supplied (config.fill_default_year says which)
    return {"council": {"name": name}, "year": args.year,
            "inputs": {k: v for k, v in inputs.items() if v},
            "output_dir": f"outputs/{slug(args.council) if args.council else 'cli'}",
            "comparators": {"statistical_neighbours": "2025" if args.council else "none"}}


INIT_TEMPLATE = """\
# Parameters for {name}, written by `cpanalysis init` on {today}.
# A real council: the demonstration council's data (data/demo/) cannot be used with it.
# Check each value, then:
#   cpanalysis validate --params {params_path}
#   cpanalysis pack --params {params_path}
council:
  name: {name_q}
  old_la_code: {old_q}        # DfE three-digit LA number
  new_la_code: {new_q}  # ONS nine-character code
  region: {region_q}
year: {year}                    # {year_label}: {year_why}
comparators:
  statistical_neighbours: "2025"   # DfE's 2025 model; "2021", "custom" (then list councils under custom) or "none"
  custom: []
  region: true
  england: true
inputs:
{inputs}
disclosure:
  suppress_counts_up_to: 5         # counts 1 to 5 are shown as "c" (the minimum)
  min_denominator: 11              # no percentage or average from fewer than 11 children (the minimum)
topics: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
output_dir: {out_q}
# The council's own pledges, one per measure, in the measure's unit (per cent for percentages). Ids are in the
# pack's technical annex and in cpanalysis/questions.yaml. For example:
# targets:
#   - indicator: stability_3plus_placements
#     below: 10                      # or above: 70, or between: [95, 100]
#     baseline: 12
#     baseline_year: 2024
#     by: 31 March 2026
#     source: "Corporate parenting scorecard, agreed by the committee in June 2025"
targets: []
"""

INPUT_HELP = {
    "published": "DfE's published statistics (cpanalysis data download --dest DIR fetches them)",
    "ssda903": "your SSDA903 return: one subfolder per collection year (2025/), or one year's files",
    "local": "local returns, filled in from the templates in data/templates/",
    "evidence": "written evidence: q01.md ... q10.md, one Markdown file per question",
    "postcodes": "postcode lookup CSV (postcode, easting, northing, la_code) for placement distances",
}


def cmd_init(args: argparse.Namespace) -> int:
    """Write a parameters file for a real council: codes, region, the latest year in the data, the inputs."""
    import datetime as dt
    import json

    from cpanalysis import config, councils

    given = {k: _from_cwd(getattr(args, k)).resolve() for k in ("published", "ssda903", "local", "evidence",
                                                                "postcodes") if getattr(args, k, None)}
    if "published" not in given and paths.SHARED_DATA_DIR.exists():
        given["published"] = paths.SHARED_DATA_DIR.resolve()
    if "published" not in given:
        raise ParameterError("init needs DfE's published files to find the council (codes, region, neighbours): "
                             "give --published DIR. Fetch them once with: cpanalysis data download --dest dfe-data")
    demo = paths.DEMO_DIR.resolve()
    mixed = [k for k, p in given.items() if p == demo or demo in p.parents]
    if mixed:
        raise ParameterError(f"--{', --'.join(mixed)} point at the demonstration council's fictional data ({demo}); "
                             "init writes a parameters file for a real council, which must use its own data. The "
                             "demonstration council already has parameters/demo.yml.")
    for k, p in given.items():
        if not p.exists():
            raise ParameterError(f"--{k} {p}: not found. {INPUT_HELP[k][0].upper()}{INPUT_HELP[k][1:]}.")
    if args.year:
        year, why = args.year, "given with --year"
    else:
        found = councils.latest_year_in(given.get("ssda903"), given.get("published"))
        if found is None:
            raise ParameterError("no reporting year could be found in the data given; give --year YYYY "
                                 "(2025 means 2024-25)")
        year, why = found
    council = councils.resolve_council(args.council, folder=given["published"], year=year)
    name_slug = councils.slug(council.name)
    out = _from_cwd(args.out) if args.out else paths.PARAMETERS_DIR / f"{name_slug}.yml"
    if out.exists() and not args.force:
        raise ParameterError(f"{out} already exists; it was not changed. Give --force to replace it, or --out "
                             "for another file.")
    lines = []
    for key, help_text in INPUT_HELP.items():
        if key in given:
            lines.append(f"  {key}: {json.dumps(paths.for_parameters(given[key]))}   # {help_text}")
        else:
            lines.append(f"  # {key}: path/to/{key}   # optional: {help_text}")
    try:
        shown = out.relative_to(Path.cwd())
    except ValueError:
        shown = out
    text = INIT_TEMPLATE.format(
        name=council.name, today=dt.date.today().strftime("%d %B %Y"), params_path=shown,
        name_q=json.dumps(council.name), old_q=json.dumps(council.old_la_code),
        new_q=json.dumps(council.new_la_code) if council.new_la_code else "null",
        region_q=json.dumps(council.region) if council.region else "null", year=year,
        year_label=config.year_label(year), year_why=why.split(" (")[0] if not args.year else why,
        inputs="\n".join(lines), out_q=json.dumps(f"outputs/{name_slug}"))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    config.load(tmp)  # what was written must load
    tmp.replace(out)
    found = ", ".join(k for k in INPUT_HELP if k in given)
    print(f"Wrote {shown} for {council.name} ({council.old_la_code}, {council.region}); year "
          f"{config.year_label(year)}: {why}; inputs: {found}.")
    print(f"Next: cpanalysis validate --params {shown}\n      cpanalysis pack --params {shown}")
    return EXIT_OK


def cmd_pack(args: argparse.Namespace) -> int:
    from cpanalysis.pack import build_pack

    params = load_params(args)
    topics = _parse_topics(args.topics)
    _docx_template(args, params)  # a wrong template stops before the build (exit 2)
    result = build_pack(params, topics=topics, out=args.out and _from_cwd(args.out), workers=args.workers,
                        runner=args.runner, progress=True, use_cache=not args.no_cache, replace=args.replace)
    print(f"Evidence pack: {result.html}")
    print(f"Built {len(result.notebooks)} notebooks in {result.seconds:.1f} s")
    _paper(args, params, result.html)
    if result.report is not None:
        print(result.report.text())
        print(f"(full list: {result.out_dir / 'build-report.txt'})")
    return EXIT_OK


def _docx_template(args: argparse.Namespace, params) -> Path | None:
    """The Word reference document from --docx-template or the parameters' docx_template:, checked."""
    from cpanalysis import paper

    template = _from_cwd(args.docx_template) if args.docx_template else (
        paths.resolve(params.docx_template) if params.docx_template else None)
    return paper.check_template(template) if template is not None else None


def _paper(args: argparse.Namespace, params, html: Path) -> None:
    """The PDF and Word files beside the HTML pack (--pdf, --docx, or pdf: / docx: in the parameters)."""
    from cpanalysis import paper

    written = paper.after_pack(html, pdf=args.pdf or params.pdf,
                               docx=args.docx or args.docx_questions or params.docx,
                               docx_template=_docx_template(args, params), docx_questions=args.docx_questions)
    for kind, path in written.items():
        print(f"{'PDF' if kind == 'pdf' else 'Word report'}: {path}")


def cmd_run(args: argparse.Namespace) -> int:
    from cpanalysis.pack import build_pack, topic_out_dir

    params = load_params(args)
    topic = _topic_from_name(args.topic)
    # Without --out the topic goes beside the council's pack (its topics/ folder): a pack is never removed.
    out = _from_cwd(args.out) if args.out else topic_out_dir(params, topic)
    result = build_pack(params, topics=[topic], out=out, workers=1, summary=False,
                        html_name=f"{topic:02d}_{TOPICS[topic]}.html", progress=True,
                        use_cache=not args.no_cache, replace=args.replace)
    print(f"Executed notebook: {result.notebooks[-1]}")
    print(f"HTML: {result.html}")
    if result.report is not None:
        print(result.report.text())
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
    from cpanalysis.pack import default_out_dir

    if args.public and args.unsuppressed:
        raise ParameterError("--public and --unsuppressed ask for opposite files; give one of them (the public, "
                             "disclosure-controlled file is the default)")
    public = not args.unsuppressed  # the public file by default; --public is kept and changes nothing
    name = "indicators.csv" if public else "indicators-unsuppressed.csv"
    out = _from_cwd(args.out) if args.out else (default_out_dir(params) / name)
    if not args.out and not out.parent.exists():
        # the council's output folder, made here: marked as cpanalysis's, so a pack may be built there later
        from cpanalysis import safe_output

        out.parent.mkdir(parents=True)
        safe_output.mark(out.parent)
    df = export_indicators(params, Path(out), public=public)
    if public:
        print(f"Wrote {len(df)} rows to {out} (disclosure-controlled: counts of 1 to "
              f"{params.disclosure.suppress_counts_up_to} children suppressed)")
    else:
        from cpanalysis.export import unsuppressed_warning

        print(f"Wrote {len(df)} rows to {out} (UNSUPPRESSED, not for publication)")
        print(f"cpanalysis: {unsuppressed_warning(params.disclosure.suppress_counts_up_to)}", file=sys.stderr)
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
                       workers=args.workers, scheduler=args.scheduler, progress=not args.quiet,
                       timings=args.timings, since=_from_cwd(args.since) if args.since else None)
    ok = len(result.councils) - len(result.failed)
    print(f"Built {ok} of {len(result.councils)} council packs in {result.seconds:.0f} s "
          f"({len(result.councils) / max(result.seconds, 1e-9) * 60:.1f} councils a minute); index: "
          f"{result.out / 'index.html'}; every council's indicators: {result.out / 'councils.csv'}")
    for c in result.failed:
        print(f"  {c.name or c.code}: {c.status}", file=sys.stderr)
    if result.exit_code == 2:
        print("cpanalysis: no council pack was built: every council named failed (see above).", file=sys.stderr)
    elif result.exit_code == 1:
        print(f"cpanalysis: {len(result.failed)} of {len(result.councils)} council packs failed (see above); the "
              "others were built.", file=sys.stderr)
    return result.exit_code  # 0 every pack built, 1 some failed, 2 none built


def cmd_cache(args: argparse.Namespace) -> int:
    from cpanalysis.sources import published as pub

    d = pub.cache_dir()
    if args.cache_command == "clear":
        n, size = pub.clear_cache(d)
        print(f"Emptied the cache {d}: {n} entr{'y' if n == 1 else 'ies'}, {size / 1024 / 1024:.1f} MB.")
        return EXIT_OK
    entries = pub.cache_entries(d)
    size = sum(e[1] for e in entries)
    kinds = {k: sum(1 for p, _, _ in entries if p.name.startswith(k)) for k in ("published-", "results-")}
    print(f"Cache: {d}\n{len(entries)} entr{'y' if len(entries) == 1 else 'ies'} ({kinds['published-']} of parsed "
          f"published files, {kinds['results-']} of a build's figures), {size / 1024 / 1024:.1f} MB of "
          f"{pub.cache_limit_bytes() / 1024 / 1024:.0f} MB (CPANALYSIS_CACHE_MAX_MB; older entries are removed "
          "first). `cpanalysis cache clear` empties it.")
    return EXIT_OK


def _add_replace(p: argparse.ArgumentParser) -> None:
    p.add_argument("--replace", action="store_true",
                   help="replace an evidence pack in the output folder even with something else (one topic, fewer "
                        "questions, another council); without it such a build stops and says so")


def _add_no_cache(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-cache", action="store_true",
                   help="compute every figure afresh and keep none in the cache (by default the figures of an earlier "
                        "build from unchanged inputs are reused from your private cache; `cpanalysis cache clear` "
                        "empties it)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cpanalysis", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="write a parameters file for a real council (codes, region, year, inputs)")
    p.add_argument("council", help="council name, old three-digit or new nine-character code")
    p.add_argument("--published", type=Path, help="folder of DfE published files (default ../shared/data if present)")
    p.add_argument("--ssda903", type=Path, help="folder of your SSDA903 return (subfolders per year, or one year)")
    p.add_argument("--local", type=Path, help="folder of local returns")
    p.add_argument("--evidence", type=Path, help="folder of written evidence (q01.md ... q10.md)")
    p.add_argument("--postcodes", type=Path, help="postcode lookup CSV for placement distances")
    p.add_argument("--year", type=int, help="reporting year (default: the latest year in the data)")
    p.add_argument("--out", type=Path, help="parameters file to write (default parameters/<council>.yml)")
    p.add_argument("--force", action="store_true", help="replace the file if it exists")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("pack", help="run the summary and topic notebooks and export the HTML evidence pack")
    _add_common(p)
    p.add_argument("--topics", help="LGA question numbers to include, e.g. 4,8 (default: all in the parameters)")
    p.add_argument("--workers", type=int, default=None, help="parallel notebook workers (default: CPU count)")
    p.add_argument("--runner", choices=["cpanalysis", "cpanalysis-kernel", "inprocess", "warm", "papermill"],
                   default="cpanalysis", metavar="ENGINE",
                   help="the Papermill engine that runs the notebooks: cpanalysis (default, fastest): no kernel, the "
                        "cells run in processes forked from this one and, on two or more cores, one helper process; "
                        "cpanalysis-kernel: Jupyter kernels kept warm, one per worker (the earlier names inprocess, "
                        "and warm or papermill, still work)")
    p.add_argument("--since", type=Path, default=None,
                   help="a previous pack folder or its findings.json: adds 'What has changed since' after the key "
                        "messages (also the since: parameter)")
    _add_no_cache(p)
    _add_replace(p)
    p.add_argument("--pdf", action="store_true", help="also write evidence-pack.pdf (A4, tagged, bookmarked; needs "
                                                       "Chromium)")
    p.add_argument("--docx", action="store_true", help="also write committee-report.docx (Word): cover, key messages, "
                                                        "scorecard and lines of enquiry")
    p.add_argument("--docx-questions", action="store_true", help="put the question briefings in the Word report too")
    p.add_argument("--docx-template", type=Path, default=None,
                   help="a Word reference document (.docx) whose styles and letterhead the report takes")
    p.set_defaults(func=cmd_pack)

    p = sub.add_parser("run", help="run one topic notebook: executed copy plus its HTML")
    p.add_argument("topic", help="question number or name, e.g. 4 or stability")
    _add_common(p, out_help="output folder (default: beside the council's pack, in its topics/ folder, e.g. "
                            "outputs/demoshire/topics/04_stability)")
    _add_no_cache(p)
    _add_replace(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("validate", help="check every input and print the data-quality report")
    _add_common(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("indicators", help="write every indicator to a CSV file")
    _add_common(p, out_help="CSV file to write")
    p.add_argument("--unsuppressed", action="store_true",
                   help="write the raw figures, with counts of 1 to 5 children, for use inside the council only "
                        "(not for publication: a warning is printed and every row is marked)")
    p.add_argument("--public", action="store_true",
                   help="the disclosure-controlled file, for publication (the default; kept for earlier scripts)")
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
    p.add_argument("--timings", action="store_true", help="show each council's build time on the index page")
    p.add_argument("--since", type=Path, default=None,
                   help="an earlier batch folder: each council's pack is compared with its own record there "
                        "(<folder>/<council>/findings.json), and the index shows new and resolved concerns")
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("demo-data", help="regenerate the synthetic demonstration council")
    p.add_argument("--seed", type=int)
    p.add_argument("--children", type=int)
    p.add_argument("--years", type=int)
    p.add_argument("--out", type=Path, help=f"destination (default {paths.DEMO_SSDA903_DIR.relative_to(paths.ROOT)})")
    p.set_defaults(func=cmd_demo_data)

    p = sub.add_parser("cache", help="the cache of parsed DfE files: info or clear")
    csub = p.add_subparsers(dest="cache_command", required=True)
    csub.add_parser("clear", help="empty the cache").set_defaults(func=cmd_cache)
    csub.add_parser("info", help="where the cache is, its size and its limit").set_defaults(func=cmd_cache)

    p = sub.add_parser("data", help="published data commands")
    dsub = p.add_subparsers(dest="data_command", required=True)
    d = dsub.add_parser("download", help="fetch the DfE published files (needs internet)")
    d.add_argument("--dest", type=Path, required=True)
    d.add_argument("--base-url", default=None, help="alternative server (for testing or a local mirror)")
    d.set_defaults(func=cmd_download)
    return parser


def main(argv: list[str] | None = None) -> int:
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
    except OSError as err:  # the disk or the folder, not cpanalysis: name the cause (exit 2)
        text = disk_problem(err)
        if text is None:
            return _internal_fault(err)
        print(f"cpanalysis: {plain(text)}", file=sys.stderr)
        return EXIT_FATAL
    except Exception as err:  # noqa: BLE001 - an unexpected failure: a plain message, not a traceback
        return _internal_fault(err)


#: errors of the file system that a user can act on: (cause, fix)
_DISK_ERRORS = {
    "ENOSPC": ("the disk is full", "Free some space, or give --out a folder on another disk, and run again."),
    "EDQUOT": ("your disk quota is used up", "Free some space, or give --out a folder on another disk, and run again."),
    "EROFS": ("the file system is read-only", "Give --out a folder on a disk you can write to."),
    "EACCES": ("you do not have permission", "Check its permissions, or give --out a folder you can write to."),
    "EPERM": ("the operation is not permitted there", "Check its permissions, or give --out a folder you can "
              "write to."),
    "EISDIR": ("it is a folder where a file is expected", "Give a file name, not a folder."),
    "ENOTDIR": ("part of the path is a file, not a folder", "Check the path, or give --out a new folder."),
    "ENAMETOOLONG": ("the path is too long", "Give --out a shorter path."),
    "EFBIG": ("the file is too large for this file system", "Give --out a folder on another disk."),
}


def disk_problem(err: OSError) -> str | None:
    """A plain message for a file-system error a user can act on (full or read-only disk, no permission, a folder
    where a file is expected), naming the path, the cause and the fix; None for any other error."""
    import errno

    name = errno.errorcode.get(err.errno or -1, "")
    if name not in _DISK_ERRORS:
        return None
    cause, fix = _DISK_ERRORS[name]
    where = err.filename or getattr(err, "filename2", None)
    what = f"{where}: cannot be used" if where else "cannot write the output"
    return f"{what}: {cause} ({err.strerror or name}). {fix} Nothing was replaced."


def _internal_fault(err: BaseException) -> int:
    import os

    from cpanalysis.errors import plain

    if os.environ.get("CPANALYSIS_DEBUG"):
        raise err
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

"""Build the evidence pack: prepare data once, run the notebooks in parallel with Papermill, merge
them and export one self-contained HTML file with nbconvert.

A build happens in a private staging folder beside the output folder; only a complete, successful build
replaces the previous pack, so a failed build never overwrites the last good one, and cpanalysis never
replaces a folder it did not create (:mod:`cpanalysis.safe_output`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from cpanalysis import paths
from cpanalysis.build_report import (  # noqa: F401  (re-exported: the build report's home is build_report)
    NEEDS,
    NEEDS_TABLE_PREFIX,
    BuildReport,
    _absent_tables,
    _why_missing,
    build_report,
)
from cpanalysis.config import TOPIC_TITLES, TOPICS, Params
from cpanalysis.errors import PackBuildError
from cpanalysis.workers import _wait_reporting  # noqa: F401  (re-exported: the builder's watch on its workers)

SUMMARY = "00_summary"
ANNEX = "99_annex"
TEMPLATE_DIR = paths.PACKAGE_DIR / "templates"


@dataclass
class PackResult:
    html: Path
    notebooks: list[Path]
    seconds: float
    out_dir: Path
    #: wall seconds by stage ("prepare", "notebooks", "export") and by notebook name, for benchmarks
    timings: dict[str, float] | None = None
    #: what the pack shows and what it lacks (also written to ``build-report.txt`` beside the pack)
    report: BuildReport | None = None


def notebook_name(n: int) -> str:
    return f"{n:02d}_{TOPICS[n]}"


def notebook_path(name: str) -> Path:
    return paths.NOTEBOOKS_DIR / f"{name}.ipynb"


Job = tuple[str, str, dict, str]  # (template notebook, executed copy, parameters, working directory)

#: how an in-process result says its notebook must run in a Jupyter kernel instead (``runner.NeedsKernel``)
NEEDS_KERNEL = "needs a kernel: "


def run_notebooks(jobs: list[Job], workers: int, runner: str = "cpanalysis",
                  prepare: Callable[[], None] | None = None, progress: Callable[[str], None] | None = None,
                  context_key: str | None = None, first: tuple[int, ...] = ()) -> list[tuple[str, str | None]]:
    """Execute notebooks with the engine ``runner`` names (:func:`cpanalysis.engines.engine_name`), up to
    ``workers`` at once: ``(executed copy, error or None)`` for each job, in order.

    ``prepare`` is the builder's data preparation: it leaves the evidence in ``evidence.IN_PROCESS[context_key]``.
    With kernels on several workers it runs while the kernels start; otherwise first. ``progress`` is called with
    each notebook's name as it finishes. ``first``: positions of the longest jobs, started first when several
    run at once."""
    from cpanalysis import engines, kernels
    from cpanalysis.runner import CellError, NeedsKernel
    from cpanalysis.workers import can_isolate, execute_isolated

    engine = engines.engine_name(runner)
    workers = max(1, min(workers, len(jobs)))
    if engine == engines.KERNEL_ENGINE:
        return kernels.run_in_kernels(jobs, workers, prepare, progress, context_key)
    if prepare is not None:
        prepare()
    if not can_isolate():  # not Linux: one after the other in this process
        results = []
        for src, dst, parameters, cwd in jobs:
            try:
                engines.execute(src, dst, parameters, engines.ENGINE, cwd=cwd)
                results.append((dst, None))
            except NeedsKernel as err:
                results.append((dst, NEEDS_KERNEL + str(err)))
            except CellError as err:
                results.append((dst, str(err)))
            if progress is not None:
                progress(Path(src).stem)
        return _kernel_for_the_rest(results, jobs, context_key)
    names = {j[1]: Path(j[0]).stem for j in jobs}
    outcomes = execute_isolated([(src, dst, p) for src, dst, p, _cwd in jobs], parallel=workers,
                                done=(lambda dst: progress(names[dst])) if progress else None, first=first)
    results = [(dst, NEEDS_KERNEL + err if kernel else err) for dst, err, kernel in outcomes]
    return _kernel_for_the_rest(results, jobs, context_key)


def _kernel_for_the_rest(results: list[tuple[str, str | None]], jobs: list[Job],
                         context_key: str | None) -> list[tuple[str, str | None]]:
    """Run in a Jupyter kernel the notebooks the in-process engine handed back (a GUI backend, the debugger)."""
    import sys

    from cpanalysis import kernels

    back = {d for d, e in results if e and e.startswith(NEEDS_KERNEL)}
    if not back:
        return results
    for d, e in results:
        if d in back:
            print(f"cpanalysis: {e[len(NEEDS_KERNEL):]}: running {Path(d).stem} in a Jupyter kernel.", file=sys.stderr)
    again = dict(kernels.run_in_kernel([j for j in jobs if j[1] in back], context_key,
                                       kernels.context_message(context_key)))
    return [(d, again[d]) if d in again else (d, e) for d, e in results]


def _helper_init() -> None:
    """The helper's start (after it asked to die with the builder): import what computing the indicators needs."""
    import importlib

    for name in ("cpanalysis.linkage", "cpanalysis.indicators.registry"):
        importlib.import_module(name)


def helper_pool() -> ProcessPoolExecutor:
    """A second process for a build that must compute its indicators, on a machine with two or more cores. It is
    spawned before the return is read, so its imports overlap the reading, then computes every other year's
    indicators (:func:`cpanalysis.linkage.compute`); the data reaches it through a pipe, never a file, and it
    dies with the builder. The notebooks all run in the builder: their findings are worked out once and shared
    (memoised on the evidence), and a second process working half of them out again was measured no faster on
    this 2-core machine."""
    from cpanalysis import workers

    pool = workers.pool(1, _helper_init)
    pool.submit(os.getpid)  # an executor starts its process at the first task: start it now
    return pool


def build_pack(params: Params, topics: list[int] | None = None, out: Path | None = None,
               workers: int | None = None, summary: bool = True,
               html_name: str = "evidence-pack.html", runner: str = "cpanalysis", published=None,
               context=None, progress: bool = False, use_cache: bool = True, replace: bool = False) -> PackResult:
    """Build the pack into ``out`` (default :func:`default_out_dir`).

    ``runner``: the Papermill engine that runs the notebooks (:mod:`cpanalysis.engines`): "cpanalysis" (the
    default: no kernel, :mod:`cpanalysis.runner`; on two or more cores a helper process computes half the
    indicators; each notebook runs in a process forked from the builder, up to ``workers`` at once, so no notebook
    can change another's figures or the export guard) or "cpanalysis-kernel" (Jupyter kernels kept warm, one per
    worker). The earlier names "inprocess", "warm" and "papermill" still work.
    ``published``: DfE's files already parsed (a batch parses them once for every council); ``context``: the
    evidence already prepared for these parameters (the batch keeps it for its index and CSV).

    Safe output (see :mod:`cpanalysis.safe_output`): the folder is replaced only if it is new, empty or was
    written by cpanalysis (it carries the marker file); a lock stops a second build into the same folder; the
    build happens in a private staging folder that is removed on every exit path. The prepared evidence
    (child-level data) stays in memory and is handed to the notebooks by the engine, never written to a file.

    ``use_cache``: reuse the figures of an earlier build from unchanged inputs (:mod:`cpanalysis.results_cache`;
    figures only, in the user's private cache, never child records).

    ``progress`` shows a progress bar on standard error (tqdm; shown only on a terminal). The result carries a
    :class:`BuildReport`, also written to ``build-report.txt`` in the pack folder.

    A folder holding an evidence pack is replaced without ``replace`` only by a fresh build of the same pack (the
    same council, at least the same questions); any other build (one topic, fewer questions, another council)
    says so and stops (:func:`check_keeps_pack`). A pack rebuilt in place keeps its ``topics/`` folder (the
    topics run on their own with ``cpanalysis run``).
    """
    from cpanalysis import safe_output

    out_dir = Path(out).expanduser().resolve() if out else default_out_dir(params)
    safe_output.check_replaceable(out_dir)
    built_topics = sorted(topics or params.topics)
    if not replace:
        check_keeps_pack(out_dir, params, built_topics, whole=summary and html_name == PACK_HTML)
    check_inputs(params)
    with safe_output.output_lock(out_dir):
        safe_output.sweep_stale(out_dir)
        safe_output.check_replaceable(out_dir)  # again, now that no other build can be changing it
        if not replace:
            check_keeps_pack(out_dir, params, built_topics, whole=summary and html_name == PACK_HTML)
        with safe_output.private_staging(out_dir) as staging:
            return _build_in(staging, out_dir, params, topics, workers, summary, html_name, runner, progress,
                             published, context, use_cache)


PACK_HTML = "evidence-pack.html"
#: the folder inside a pack's folder where ``cpanalysis run`` writes each topic, one folder per topic
TOPICS_DIR = "topics"


class PackWouldBeReplaced(PackBuildError):
    """The build would replace a folder holding an evidence pack with something else (exit code 2)."""


def pack_in(folder: Path) -> dict | None:
    """What evidence pack ``folder`` holds: ``{"council": name or "", "topics": [question numbers]}``, or None
    when it holds no ``evidence-pack.html``. The council is read from the pack's figure sidecars."""
    import json

    folder = Path(folder)
    if not (folder / PACK_HTML).is_file():
        return None
    nb = folder / "notebooks"
    topics = sorted(int(p.name[:2]) for p in nb.glob("[0-9][0-9]_*.ipynb")
                    if p.name[:2].isdigit() and int(p.name[:2]) in TOPICS) if nb.is_dir() else []
    council = ""
    for f in sorted((folder / "figures").glob("*.json")):
        try:
            council = str(json.loads(f.read_text(encoding="utf-8")).get("council") or "")
        except (OSError, ValueError, AttributeError):
            continue
        if council:
            break
    return {"council": council, "topics": topics}


def check_keeps_pack(out_dir: Path, params: Params, topics: list[int], whole: bool) -> None:
    """Raise :class:`PackWouldBeReplaced` when ``out_dir`` holds an evidence pack that this build would replace
    with something else: one topic (``whole`` False), fewer questions, or another council's pack."""
    held = pack_in(out_dir)
    if held is None:
        return
    name = params.council.name
    what = ("one topic's notebook" if not whole else
            f"a pack for {name}" if held["council"] and held["council"] != name else
            f"a pack of {len(topics)} question{'s' if len(topics) != 1 else ''}"
            if set(held["topics"]) - set(topics) else "")
    if not what:
        return
    council = f" for {held['council']}" if held["council"] else ""
    n = len(held["topics"])
    raise PackWouldBeReplaced(
        f"{out_dir}: holds the evidence pack{council} ({n} question{'s' if n != 1 else ''}); this build would replace "
        f"it with {what}, and the pack would be lost. Give --replace to replace it, or --out another folder"
        + (" (without --out, `cpanalysis run` writes beside the pack, in its topics/ folder)." if not whole else "."))


def topic_out_dir(params: Params, topic: int) -> Path:
    """Where ``cpanalysis run TOPIC`` writes without ``--out``: beside the council's pack, in the pack folder's
    ``topics/`` subfolder, one folder per topic (``outputs/demoshire/topics/04_stability``). The pack itself is
    never touched. The pack folder must be one cpanalysis may write in (new, empty, marked or an old pack); a
    new one is marked so the next ``cpanalysis pack`` may build there."""
    from cpanalysis import safe_output

    base = default_out_dir(params)
    safe_output.check_replaceable(base)
    if not safe_output.is_marked(base):
        base.mkdir(parents=True, exist_ok=True)
        safe_output.mark(base)
    return base / TOPICS_DIR / notebook_name(topic)


def default_out_dir(params: Params) -> Path:
    """Where a pack goes without ``--out``: the parameters' ``output_dir``; when that is left at its default
    (``outputs``), a folder of the council's own (``outputs/telford-and-wrekin``), so packs never overwrite
    each other."""
    if Path(params.output_dir) == Path("outputs"):
        from cpanalysis.councils import slug

        return paths.OUTPUTS_DIR / slug(params.council.name)
    return params.output_path


def check_inputs(params: Params) -> None:
    """Quick checks before any kernel starts, so a bad input fails in a second with its file named; the
    demonstration council's data is refused under a real council's name."""
    from cpanalysis.config import check_not_mixed
    from cpanalysis.sources.local import check_evidence

    check_not_mixed(params)
    check_evidence(params)
    if getattr(params, "since", None) is not None:
        from cpanalysis import changes

        changes.previous_record(params.since, params)  # a missing or unreadable record stops the build at once


def _progress_bar(enabled: bool, total: int):
    """A tqdm bar on standard error, or a stand-in that does nothing. tqdm hides itself when standard error is
    not a terminal (``disable=None``), so logs and tests get no bar."""
    if enabled:
        try:
            import sys

            from tqdm import tqdm

            tqdm.monitor_interval = 0  # no monitor thread: the notebooks run in processes forked from this one
            return tqdm(total=total, desc="Building the pack", unit="step", disable=None, file=sys.stderr,
                        bar_format="{desc}: {n}/{total} {bar} {elapsed} {postfix}", leave=False)
        except ImportError:  # pragma: no cover - tqdm is a dependency
            pass

    class _Quiet:
        def update(self, n: int = 1) -> None: ...
        def set_postfix_str(self, s: str) -> None: ...
        def close(self) -> None: ...

    return _Quiet()


def _build_in(staging: Path, out_dir: Path, params: Params, topics: list[int] | None, workers: int | None,
              summary: bool, html_name: str, runner: str, progress: bool = False, published=None,
              context=None, use_cache: bool = True) -> PackResult:
    from cpanalysis import engines, evidence, present, safe_output

    t0 = time.perf_counter()
    engine = engines.engine_name(runner)
    context_key = f"in-memory:{staging.name}"  # where the notebooks find the evidence (evidence.IN_PROCESS)
    topics = sorted(topics or params.topics)
    # The notebooks (summary, annex) see exactly the questions built, so no link points at a missing section.
    params = params.model_copy(update={"topics": topics})
    (staging / "notebooks").mkdir(parents=True)

    timings: dict[str, float] = {}
    reports: list[BuildReport] = []
    names = ([SUMMARY] if summary else []) + [notebook_name(n) for n in topics] + ([ANNEX] if summary else [])
    bar = _progress_bar(progress, total=len(names) + 2)  # the data, each notebook, the export
    guard_terms: dict = {}

    def prepare() -> None:
        from cpanalysis import guard

        started = time.perf_counter()
        bar.set_postfix_str("reading and checking the data")
        try:
            ctx = context if context is not None else present.prepare(params, published=published,
                                                                      use_cache=use_cache, helper=start_helper)
        finally:
            for pool in helpers:
                pool.shutdown(wait=True, cancel_futures=True)
        _require_usable(ctx, params)
        guard_terms["terms"] = guard.terms_from(ctx.data)
        # handed to the notebooks in memory, never written: a forked process inherits it, a kernel gets it
        # through a pipe (cpanalysis.workers)
        evidence.IN_PROCESS[context_key] = ctx
        # the findings every notebook shares, worked out once here: each notebook starts with them
        evidence.all_evidence(ctx)
        timings["prepare"] = time.perf_counter() - started
        reports.append(build_report(ctx, topics))
        from cpanalysis import pack_record

        pack_record.write_record(ctx, staging)  # findings.json: scanned by the export guard with the rest
        bar.update(1)
        bar.set_postfix_str("running the notebooks")

    # With two or more cores (and not in a batch, whose workers already use them) a build that must compute its
    # indicators starts a helper process for half of them.
    helpers: list[ProcessPoolExecutor] = []

    def start_helper() -> ProcessPoolExecutor | None:
        if engine != engines.ENGINE or (workers or os.cpu_count() or 1) < 2:
            return None
        helpers.append(helper_pool())
        return helpers[-1]

    def notebook_done(name: str) -> None:
        bar.update(1)
        bar.set_postfix_str(f"{name} done")

    nb_params = {"params_json": notebook_params_json(params), "cache_dir": context_key,
                 "record_dir": str(staging / "figures")}
    jobs = [(str(notebook_path(n)), str(staging / "notebooks" / f"{n}.ipynb"), nb_params, str(paths.ROOT))
            for n in names]
    workers = workers or min(len(jobs), os.cpu_count() or 2)
    started = time.perf_counter()
    try:
        # the annex (every figure's table) takes longest, then the summary: started first, they do not run
        # alone at the end
        first = tuple(names.index(n) for n in (ANNEX, SUMMARY) if n in names)
        results = run_notebooks(jobs, workers, engine, prepare=prepare, progress=notebook_done,
                                context_key=context_key, first=first)
    except BaseException:
        bar.close()
        raise
    finally:
        for pool in helpers:
            pool.shutdown(wait=False, cancel_futures=True)
        evidence.IN_PROCESS.pop(context_key, None)  # the evidence held for the notebooks: not kept past the build
    timings["notebooks"] = time.perf_counter() - started
    if engine != engines.KERNEL_ENGINE or workers == 1:  # run one after the other: the notebooks' own time is the rest
        timings["notebooks"] -= timings.get("prepare", 0.0)
    failed = [(Path(d).name, e) for d, e in results if e]
    if failed:
        bar.close()
        detail = "; ".join(f"{n}: {e}" for n, e in failed)
        raise PackBuildError(f"{len(failed)} notebook(s) failed, so the pack was not replaced "
                             f"(last good pack, if any, is still in {out_dir}). {detail}.")
    executed = [Path(d) for d, _ in results]
    title = (f"Evidence pack: {params.council.name}, {params.year - 1}-{str(params.year)[2:]}"
             + (" (demonstration data)" if params.demonstration else ""))
    started = time.perf_counter()
    bar.set_postfix_str("writing the HTML pack")
    export_html(executed, staging / html_name, title=title, demonstration=params.demonstration,
                toc=_toc(names, params))
    timings["export"] = time.perf_counter() - started
    from cpanalysis import guard

    # The export guard: nothing written for users (pack, sidecars, executed notebooks) may carry a child's
    # identifier, date of birth or postcode, or a printed cohort audit. A failure leaves the last good pack.
    started = time.perf_counter()
    guard.check(guard.scan_files(staging, guard_terms.get("terms") or guard.Terms()),
                f"The pack (last good pack, if any, is still in {out_dir})")
    timings["guard"] = time.perf_counter() - started
    bar.update(1)
    bar.close()
    report = reports[0] if reports else None
    if report is not None:
        (staging / "build-report.txt").write_text(report.text(limit=10_000) + "\n", encoding="utf-8")
    for path in executed:
        secs = nbformat.read(path, as_version=4).metadata.get("cpanalysis", {}).get("seconds")
        if secs is not None:
            timings[path.stem] = float(secs)
    safe_output.mark(staging)
    os.chmod(staging, 0o755)  # staging is private; the finished pack gets the usual folder permissions

    # Swap in the new build only now that it is complete. The old pack (checked replaceable under the lock)
    # goes to a private folder that is removed on every exit path.
    with safe_output.private_staging(out_dir, kind="old") as old_parent:
        old = old_parent / "previous"
        if out_dir.exists():
            out_dir.rename(old)
        kept = old / TOPICS_DIR  # topics run on their own beside the pack stay beside the new pack
        carried = kept.is_dir() and not kept.is_symlink() and not (staging / TOPICS_DIR).exists()
        try:
            if carried:
                kept.rename(staging / TOPICS_DIR)
            staging.rename(out_dir)
        except OSError:
            if carried and (staging / TOPICS_DIR).exists():
                (staging / TOPICS_DIR).rename(kept)
            if old.exists():
                old.rename(out_dir)
            raise
    return PackResult(html=out_dir / html_name, notebooks=[out_dir / "notebooks" / p.name for p in executed],
                      seconds=time.perf_counter() - t0, out_dir=out_dir, timings=timings, report=report)


def notebook_params_json(params: Params) -> str:
    """The parameters as the executed notebooks record them: every path as the parameters file names it (relative
    to the repository, where relative paths are taken from) when it lies inside the repository, otherwise only
    its last part (the folder's or file's name), so no notebook carries an absolute path of an input. The
    notebooks of a build read their evidence from memory, never from these paths."""
    from pydantic import BaseModel

    root = paths.ROOT.resolve()

    def shown(value):
        if isinstance(value, Path):
            p = paths.resolve(value)
            try:
                return p.relative_to(root)
            except ValueError:
                return Path(p.name)
        if isinstance(value, BaseModel):
            return value.model_copy(update={k: shown(getattr(value, k)) for k in type(value).model_fields})
        return value

    return shown(params).model_dump_json()


def _require_usable(ctx, params: Params) -> None:
    """Stop before any figure is drawn when the reporting year's return cannot give true figures."""
    from cpanalysis.validation import blocking_findings

    data = getattr(ctx, "data", None)
    if data is None:
        return
    _refuse_demo_children(data, params)
    blocking = blocking_findings(data, params.year)
    if blocking:
        from cpanalysis.validation.errors import FatalInputError

        raise FatalInputError(" ".join(blocking), "FILE-EMPTY-TABLE")


def _refuse_demo_children(data, params: Params) -> None:
    """The demonstration council's return under a real council's name is refused by its content, in whatever
    format or folder it was copied (config.check_not_mixed also recognises a CSV copy before anything is read)."""
    from cpanalysis.config import ANONYMOUS_COUNCIL, demo_children, demo_refusal, is_demo_council

    council = getattr(params, "council", None)
    header = getattr(data, "tables", {}).get("header")
    if council is None or header is None or is_demo_council(council) or council.name == ANONYMOUS_COUNCIL:
        return
    if demo_children(header["CHILD"].head(500).tolist(), header["UPN"].head(500).tolist()):
        raise demo_refusal(params, "its Header's child ids and UPNs are the demonstration council's")


def _toc(names: list[str], params: Params | None = None) -> list[tuple[str, str]]:
    toc = []
    for name in names:
        if name == SUMMARY:
            toc.extend([("key-messages", "Key messages")]
                       + ([("changes", "What has changed")] if params is not None and params.since else [])
                       + [("scorecard", "Scorecard")]
                       + ([("actions", "Actions since the last review")]
                          if params is not None and params.recommendations else [])
                       + [("enquiry", "Lines of enquiry")])
        elif name == ANNEX:
            toc.append(("annex-quality", "Technical annex A: data quality"))
            toc.append(("annex-methods", "Technical annex B: definitions, methods and sources"))
        else:
            n = int(name[:2])
            toc.append((f"q{n}", f"Question {n}: {TOPIC_TITLES[n]}"))
    return toc


def merge_notebooks(executed: list[Path]) -> nbformat.NotebookNode:
    """One notebook from many: cells in order, metadata from the first."""
    nbs = [nbformat.read(p, as_version=4) for p in executed]
    merged = nbformat.v4.new_notebook()
    merged.metadata = nbs[0].metadata
    for nb in nbs:
        merged.cells.extend(nb.cells)
    return merged


def html_exporter():
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    c = Config()
    c.TemplateExporter.extra_template_basedirs = [str(TEMPLATE_DIR)]
    c.HTMLExporter.template_name = "scrutiny"
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.embed_images = True
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = {"remove_cell", "parameters", "injected-parameters"}
    c.TagRemovePreprocessor.remove_input_tags = {"remove_input"}
    c.TagRemovePreprocessor.remove_all_outputs_tags = {"remove_output"}
    return HTMLExporter(config=c)


def export_html(executed: list[Path], dest: Path, title: str, demonstration: bool,
                toc: list[tuple[str, str]] | None = None) -> Path:
    """Merge executed notebooks and write one offline HTML file: no code, no scripts, images inline."""
    nb = merge_notebooks(executed) if len(executed) > 1 else nbformat.read(executed[0], as_version=4)
    # Papermill's error banners and stream output (warnings) are not for a committee.
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "stream"]
    nb.metadata["cpanalysis"] = {"demonstration": bool(demonstration), "toc": toc or []}
    body, _ = html_exporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    dest.write_text(body, encoding="utf-8")
    return dest

"""Build the evidence pack: prepare data once, run the notebooks in parallel with Papermill, merge
them and export one self-contained HTML file with nbconvert.

A build happens in a private staging folder beside the output folder; only a complete, successful build
replaces the previous pack, so a failed build never overwrites the last good one, and cpanalysis never
replaces a folder it did not create (:mod:`cpanalysis.safe_output`).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from cpanalysis import paths
from cpanalysis.config import TOPIC_TITLES, TOPICS, Params
from cpanalysis.errors import PackBuildError

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


def notebook_name(n: int) -> str:
    return f"{n:02d}_{TOPICS[n]}"


def notebook_path(name: str) -> Path:
    return paths.NOTEBOOKS_DIR / f"{name}.ipynb"


Job = tuple[str, str, dict, str]  # (template notebook, executed copy, parameters, working directory)


def _execute_papermill(job: Job) -> tuple[str, str | None]:
    """Run one notebook in a fresh kernel with Papermill (the reference path; used by ``runner="papermill"``)."""
    import papermill as pm
    from traitlets.config import Config

    src, dst, parameters, cwd = job
    cfg = Config({"KernelManager": {"transport_encryption": "auto"}})
    for attempt in (1, 2):  # retry the rare kernel-start race (papermill#239, #776)
        try:
            pm.execute_notebook(src, dst, parameters=parameters, cwd=cwd, kernel_name="python3",
                                progress_bar=False, log_output=False, execution_timeout=600,
                                start_timeout=60, config=cfg)
            return dst, None
        except RuntimeError as err:
            if "didn't respond" in str(err) and attempt == 1:
                continue
            return dst, f"{type(err).__name__}: {err}"
        except Exception as err:  # PapermillExecutionError carries the failing cell and message
            return dst, f"{type(err).__name__}: {getattr(err, 'evalue', err)}"
    return dst, "kernel did not start"


WARM_UP = "import cpanalysis.present, cpanalysis.charts, pandas, matplotlib.pyplot"
RESET = "%reset -f\nimport matplotlib.pyplot as _plt; _plt.close('all'); del _plt"


def _wait_until_ready(ready: str, timeout: float = 3600.0) -> str:
    """Wait for the builder to finish preparing the data: the file ``ready`` then holds "ok" or a reason."""
    deadline = time.monotonic() + timeout
    path = Path(ready)
    while time.monotonic() < deadline:
        if path.exists():
            return path.read_text(encoding="utf-8").strip() or "ok"
        time.sleep(0.05)
    return "timed out waiting for the data to be prepared"


def _execute_warm(jobs: list[Job], ready: str | None = None) -> list[tuple[str, str | None]]:
    """Run several notebooks in one kernel kept warm: started once, imports done once, user namespace
    reset between notebooks. Parameters are injected exactly as Papermill does (same function).

    With ``ready`` (a file path) the kernel starts and does its imports at once, then waits for the
    builder to write that file: kernel start-up overlaps the builder's data preparation."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    out: list[tuple[str, str | None]] = []
    if not jobs:
        return out
    from cpanalysis import safe_output

    km = KernelManager(kernel_name="python3", transport_encryption="auto")  # CurveZMQ; silences ipykernel 7.4
    km.start_kernel(cwd=jobs[0][3])
    kernel_pid = getattr(km.provisioner, "pid", None)
    if kernel_pid:
        safe_output.register_child(kernel_pid)  # killed with this worker if the builder dies
    try:
        def run_source(source: str) -> None:
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
            nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
            NotebookClient(nb, km=km, timeout=120, kernel_name="python3").execute()

        run_source(WARM_UP)
        if ready is not None:
            status = _wait_until_ready(ready)
            if status != "ok":
                return [(j[1], f"not run: {status}") for j in jobs]
        for src, dst, parameters, cwd in jobs:
            nb = load_notebook_node(src)  # papermill's reader: adds the metadata parameterize_notebook needs
            nb = parameterize_notebook(nb, parameters, report_mode=False)
            started = time.perf_counter()
            try:
                run_source(RESET)
                NotebookClient(nb, km=km, timeout=600, kernel_name="python3",
                               resources={"metadata": {"path": cwd}}).execute()
                out.append((dst, None))
            except CellExecutionError as err:
                out.append((dst, f"{err.ename}: {err.evalue}"))
            except Exception as err:  # noqa: BLE001 - reported to the user with the notebook name
                out.append((dst, f"{type(err).__name__}: {err}"))
            nb.metadata["cpanalysis"] = {"seconds": round(time.perf_counter() - started, 3)}
            nbformat.write(nb, dst)
    finally:
        km.shutdown_kernel(now=True)
        if kernel_pid:
            safe_output.unregister_child(kernel_pid)
    return out


#: Worker processes are spawned, not forked: forking a process that runs threads (pytest-xdist, Jupyter,
#: a web server embedding us) can deadlock the child. The cost is one fresh interpreter per worker.
_MP = multiprocessing.get_context("spawn")


def _pool(workers: int) -> ProcessPoolExecutor:
    """Spawned workers that exit when this process dies (even by ``kill -9``), so none outlives a build."""
    from cpanalysis.safe_output import die_with_parent

    return ProcessPoolExecutor(max_workers=workers, mp_context=_MP, initializer=die_with_parent,
                               initargs=(os.getpid(),))


def _weight(job: Job) -> int:
    """Rough cost of a notebook: its question's number of indicators (charts dominate the run time)."""
    name = Path(job[0]).stem
    if not name[:2].isdigit() or int(name[:2]) not in TOPICS:
        return 2
    from cpanalysis.questions import question

    return 2 + len(question(int(name[:2])).indicator_ids)


def _shares(jobs: list[Job], workers: int) -> list[list[Job]]:
    """Deal notebooks to workers, heaviest first, each to the least-loaded worker (greedy balancing)."""
    loads = [0] * workers
    shares: list[list[Job]] = [[] for _ in range(workers)]
    for job in sorted(jobs, key=_weight, reverse=True):
        i = loads.index(min(loads))
        shares[i].append(job)
        loads[i] += _weight(job)
    return [s for s in shares if s]


def run_notebooks(jobs: list[Job], workers: int, runner: str = "warm",
                  prepare: Callable[[], None] | None = None, ready: Path | None = None
                  ) -> list[tuple[str, str | None]]:
    """Execute notebooks across ``workers`` processes. ``runner="warm"`` keeps one kernel per worker;
    ``"papermill"`` starts a fresh kernel per notebook (slower; the behaviour of the papermill CLI).

    ``prepare`` (with ``ready``, the file it signals through) is the builder's data preparation. With the
    warm runner on several workers it runs while the kernels start; otherwise it runs first.
    """
    workers = max(1, min(workers, len(jobs)))
    order = {j[1]: i for i, j in enumerate(jobs)}
    if runner == "warm" and workers > 1 and prepare is not None and ready is not None:
        with _pool(workers) as pool:
            futures = [pool.submit(_execute_warm, share, str(ready)) for share in _shares(jobs, workers)]
            try:
                prepare()
            except BaseException as err:
                ready.parent.mkdir(parents=True, exist_ok=True)
                ready.write_text(f"preparing the data failed ({type(err).__name__})", encoding="utf-8")
                for f in futures:
                    f.cancel()
                raise
            ready.write_text("ok", encoding="utf-8")
            results = [r for f in futures for r in f.result()]
        return sorted(results, key=lambda r: order[r[0]])
    if prepare is not None:
        prepare()
    if runner == "papermill":
        if workers == 1:
            return [_execute_papermill(j) for j in jobs]
        with _pool(workers) as pool:
            return list(pool.map(_execute_papermill, jobs))
    if workers == 1:
        results = _execute_warm(jobs)
    else:
        with _pool(workers) as pool:
            results = [r for part in pool.map(_execute_warm, _shares(jobs, workers)) for r in part]
    return sorted(results, key=lambda r: order[r[0]])


def build_pack(params: Params, topics: list[int] | None = None, out: Path | None = None,
               workers: int | None = None, summary: bool = True,
               html_name: str = "evidence-pack.html", runner: str = "warm") -> PackResult:
    """Build the pack into ``out`` (default ``params.output_path``).

    Safe output (see :mod:`cpanalysis.safe_output`): the folder is replaced only if it is new, empty or was
    written by cpanalysis (it carries the marker file); a lock stops a second build into the same folder; the
    build happens in a private staging folder that is removed on every exit path, with the cached context
    (child-level data) inside it deleted as soon as the notebooks are done.
    """
    from cpanalysis import safe_output

    out_dir = Path(out).expanduser().resolve() if out else params.output_path
    safe_output.check_replaceable(out_dir)
    check_inputs(params)
    with safe_output.output_lock(out_dir):
        safe_output.sweep_stale(out_dir)
        safe_output.check_replaceable(out_dir)  # again, now that no other build can be changing it
        with safe_output.private_staging(out_dir) as staging:
            return _build_in(staging, out_dir, params, topics, workers, summary, html_name, runner)


def check_inputs(params: Params) -> None:
    """Quick checks before any kernel starts, so a bad input fails in a second with its file named."""
    from cpanalysis.sources.local import check_evidence

    check_evidence(params)


def _build_in(staging: Path, out_dir: Path, params: Params, topics: list[int] | None, workers: int | None,
              summary: bool, html_name: str, runner: str) -> PackResult:
    from cpanalysis import present, safe_output

    t0 = time.perf_counter()
    topics = sorted(topics or params.topics)
    # The notebooks (summary, annex) see exactly the questions built, so no link points at a missing section.
    params = params.model_copy(update={"topics": topics})
    (staging / "notebooks").mkdir(parents=True)
    cache = staging / "cache"

    timings: dict[str, float] = {}
    guard_terms: dict = {}

    def prepare() -> None:
        from cpanalysis import guard

        started = time.perf_counter()
        ctx = present.prepare(params)
        _require_usable(ctx, params)
        guard_terms["terms"] = guard.terms_from(ctx.data)
        present.save_context(ctx, cache)
        timings["prepare"] = time.perf_counter() - started

    names = ([SUMMARY] if summary else []) + [notebook_name(n) for n in topics] + ([ANNEX] if summary else [])
    nb_params = {"params_json": params.model_dump_json(), "cache_dir": str(cache),
                 "record_dir": str(staging / "figures")}
    jobs = [(str(notebook_path(n)), str(staging / "notebooks" / f"{n}.ipynb"), nb_params, str(paths.ROOT))
            for n in names]
    workers = workers or min(len(jobs), os.cpu_count() or 2)
    started = time.perf_counter()
    try:
        results = run_notebooks(jobs, workers, runner, prepare=prepare, ready=cache / "READY")
    finally:
        shutil.rmtree(cache, ignore_errors=True)  # the cache holds child-level data: never keep it
    timings["notebooks"] = time.perf_counter() - started  # includes prepare when it overlaps kernel start
    failed = [(Path(d).name, e) for d, e in results if e]
    if failed:
        detail = "; ".join(f"{n}: {e}" for n, e in failed)
        raise PackBuildError(f"{len(failed)} notebook(s) failed, so the pack was not replaced "
                             f"(last good pack, if any, is still in {out_dir}). {detail}.")
    executed = [Path(d) for d, _ in results]
    title = (f"Evidence pack: {params.council.name}, {params.year - 1}-{str(params.year)[2:]}"
             + (" (demonstration data)" if params.demonstration else ""))
    started = time.perf_counter()
    export_html(executed, staging / html_name, title=title, demonstration=params.demonstration,
                toc=_toc(names))
    timings["export"] = time.perf_counter() - started
    from cpanalysis import guard

    # The export guard: nothing written for users (pack, sidecars, executed notebooks) may carry a child's
    # identifier, date of birth or postcode, or a printed cohort audit. A failure leaves the last good pack.
    guard.check(guard.scan_files(staging, guard_terms.get("terms") or guard.Terms()),
                f"The pack (last good pack, if any, is still in {out_dir})")
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
        try:
            staging.rename(out_dir)
        except OSError:
            if old.exists():
                old.rename(out_dir)
            raise
    return PackResult(html=out_dir / html_name, notebooks=[out_dir / "notebooks" / p.name for p in executed],
                      seconds=time.perf_counter() - t0, out_dir=out_dir, timings=timings)


def _require_usable(ctx, params: Params) -> None:
    """Stop before any figure is drawn when the reporting year's return cannot give true figures."""
    from cpanalysis.validation import blocking_findings

    data = getattr(ctx, "data", None)
    if data is None:
        return
    blocking = blocking_findings(data, params.year)
    if blocking:
        from cpanalysis.validation.errors import FatalInputError

        raise FatalInputError(" ".join(blocking), "FILE-EMPTY-TABLE")


def _toc(names: list[str]) -> list[tuple[str, str]]:
    toc = []
    for name in names:
        if name == SUMMARY:
            toc.extend([("key-messages", "Key messages"), ("scorecard", "Scorecard"),
                        ("enquiry", "Lines of enquiry")])
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

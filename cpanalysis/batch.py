"""Published-data packs for many councils in one run: local worker processes, or a Dask cluster.

``run_batch`` parses DfE's published files once, then builds one pack per council (the same notebooks, run
in each worker's process without a kernel: :mod:`cpanalysis.runner`), on worker processes of this machine
or, given a scheduler address, on a ``dask.distributed`` cluster (the parsed files are scattered to every
worker once). One council's failure never stops the others. Beside the packs it writes ``index.html``
(every council with its status, time and key figures beside England's and its region's, sortable, linking to
each pack) and ``councils.csv`` (every council's indicators for the year with comparators, quarter and the
comparison rule's reading: the regional analyst's table).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cpanalysis.errors import FatalError

#: headline measures shown side by side on the index page (all published for every council)
INDEX_MEASURES = ("cla_rate_per_10k", "stability_3plus_placements", "stability_long_term", "health_assessment",
                  "care_leavers_suitable_accom_19_21", "care_leavers_eet_19_21", "workforce_agency_rate")
CSV_COLUMNS = ["old_la_code", "council", "region", "indicator_id", "title", "unit", "polarity", "year", "value",
               "symbol", "numerator", "denominator", "england", "region_value", "sn_median", "quarter", "n_councils",
               "reading"]


@dataclass
class CouncilResult:
    code: str
    requested: str = ""  # the council as the batch named it (a name or a code)
    name: str = ""
    region: str = ""
    status: str = "not run"
    seconds: float = 0.0
    pack: str = ""  # path of the pack relative to the batch folder
    key: dict[str, str] = field(default_factory=dict)  # indicator id -> value as shown
    #: indicator id -> the reading against England by the pack's comparison rule (:func:`england_reading`)
    reading: dict[str, str] = field(default_factory=dict)
    region_key: dict[str, str] = field(default_factory=dict)  # indicator id -> the region's value as shown
    rows: list[dict] = field(default_factory=list)  # the council's lines of councils.csv
    peak_mb: float = 0.0
    #: new and resolved concerns since the council's earlier record (``batch --since``), in words
    since: str = ""


@dataclass
class BatchResult:
    out: Path
    councils: list[CouncilResult]
    seconds: float
    prepare_seconds: float
    england: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> list[CouncilResult]:
        return [c for c in self.councils if c.status != "ok"]

    @property
    def exit_code(self) -> int:
        """0 when every council's pack was built, 1 when some failed, 2 when none was built."""
        if not self.failed:
            return 0
        return 2 if len(self.failed) == len(self.councils) else 1


def select_councils(spec: str, published, year: int) -> list[str]:
    """Council codes for ``all`` (every council with published figures for ``year``), a region's name, or a
    comma-separated list of names and codes (resolved later, so a wrong one fails alone)."""
    from cpanalysis import councils

    d = councils.directory(published.folder)
    la = published.figures[(published.figures["geographic_level"] == "Local authority")
                           & (published.figures["year"] == year) & published.figures["value"].notna()]
    live = set(la["old_la_code"].astype(str))
    for row in d.to_dict("records"):  # a council abolished before the year (or created after it) is left out
        try:
            councils.check_exists(row, year, published.folder)
        except councils.CouncilNotInYear:
            live.discard(str(row["old_la_code"]))
    spec = spec.strip()
    if spec.lower() == "all":
        return [c for c in d["old_la_code"].astype(str) if c in live]
    regions = {r.lower(): r for r in d["region_name"].dropna().unique()}
    if spec.lower() in regions or spec.lower() == "london":
        want = [r for r in regions.values() if spec.lower() in r.lower()]
        return [c for c, r in zip(d["old_la_code"].astype(str), d["region_name"]) if r in want and c in live]
    return [s.strip() for s in spec.split(",") if s.strip()]


def unique_councils(specs: list[str], published, year: int) -> list[str]:
    """The councils named, each once: names and codes of one council ("999, Demoshire") are one council, kept
    where first named. A name that matches no council is kept (it fails alone, with its own message)."""
    from cpanalysis import councils

    seen: set[str] = set()
    out = []
    for spec in specs:
        try:
            key = "code " + str(councils.find_council(spec, published.folder, year=year)["old_la_code"])
        except Exception:  # noqa: BLE001 - resolved again, and reported, when its pack is built
            key = "name " + " ".join(str(spec).lower().split())
        if key not in seen:
            seen.add(key)
            out.append(spec)
    return out


# ------------------------------------------------------------------------------------ one council
_PUBLISHED = None  # the parsed files in a local worker process (loaded once by the initializer)


def _init_local_worker(folder: str) -> None:
    from cpanalysis import workers
    from cpanalysis.sources.published import load_published

    workers.die_with_parent()  # SIGKILL when the batch's builder dies, even by kill -9
    global _PUBLISHED
    _PUBLISHED = load_published(folder)  # from the cache the parent wrote: parsed once for the whole batch


def _build_local(code: str, year: int, out: str, since: str | None = None) -> CouncilResult:
    return build_council(_PUBLISHED, code, year, Path(out), since)


def build_council(published, code: str, year: int, out: Path, since: str | Path | None = None) -> CouncilResult:
    """One council's pack in ``out/<council>/``, never raising: a failure is the result's status. ``since``: an
    earlier batch folder; the council's own record there (``<since>/<council>/findings.json``) is compared."""

    from cpanalysis import config, councils, evidence, pack

    res = CouncilResult(code=str(code), requested=str(code))
    t0 = time.perf_counter()
    try:
        params = config.from_dict({"council": {"name": str(code)}, "year": int(year),
                                   "inputs": {"published": str(published.folder)}, "output_dir": str(out)}, "batch")
        params.council = councils.resolve_council(str(code), params, folder=published.folder, year=int(year))
        params.demonstration = config.is_demo_council(params.council)  # the demo's fictional councils are marked
        res.name, res.region = params.council.name, params.council.region or ""
        res.code = params.council.old_la_code or str(code)
        folder = out / councils.slug(res.name)
        earlier = Path(since) / councils.slug(res.name) / "findings.json" if since else None
        if earlier is not None and earlier.is_file():
            params.since = earlier
        ctx = evidence.prepare(params, published=published)
        built = pack.build_pack(params, out=folder, workers=1, runner="cpanalysis", context=ctx)
        res.pack = str(built.html.relative_to(out))
        from cpanalysis.narrative import fmt

        for ev in evidence.all_evidence(ctx):
            res.rows.append(_csv_row(res, ev))
            if ev.id in INDEX_MEASURES:
                res.key[ev.id] = fmt(ev.value, ev.unit, ev.symbol or None)
                res.reading[ev.id] = england_reading(ev)
                if "region" in ev.comparators:
                    res.region_key[ev.id] = fmt(ev.comparators["region"], ev.unit)
        if params.since is not None:
            res.since = since_words(ctx)
        elif since:
            res.since = "no earlier record for this council"
        res.status = "ok"
    except FatalError as err:
        res.status = f"failed: {err}"
    except Exception as err:  # noqa: BLE001 - one council's failure never stops the batch; reported in the index
        res.status = f"failed: {type(err).__name__}: {err}"
    res.seconds = time.perf_counter() - t0
    res.peak_mb = peak_memory_mb()
    release_memory()
    return res


def since_words(ctx) -> str:
    """'since 2023-24: 2 new concerns, 1 resolved' for the index (the council's pack shows the page itself)."""
    from cpanalysis import changes
    from cpanalysis.narrative import year_label

    comp = changes.compare_with_record(ctx, changes.previous_record(ctx.params.since, ctx.params))
    new = sum("new concern" in c.kinds for c in comp.changes)
    gone = sum("resolved concern" in c.kinds for c in comp.changes)
    return (f"since {year_label(comp.old_year)}: {new} new concern{'s' if new != 1 else ''}, {gone} resolved")


def release_memory() -> None:
    """Between councils: collect cycles and hand freed heap back to the system. Without it a worker's memory crept
    up by fragments of each council's frames (glibc keeps freed memory in its arenas, one per thread, and a Dask
    worker runs tasks on a thread of its own); glibc's ``malloc_trim`` is called through ctypes because no library
    we use exposes it (Dask's nanny only sets ``MALLOC_TRIM_THRESHOLD_``). Does nothing elsewhere."""
    import gc

    gc.collect()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):
            pass


def peak_memory_mb() -> float:
    """This process's own peak resident memory in MiB: Linux's VmHWM, the high-water mark of this process's
    memory since it started its program. ``getrusage``'s ru_maxrss is not used where VmHWM exists: a worker
    spawned by a parent that had just parsed every DfE file inherits the parent's size at the fork as its
    ru_maxrss (measured: 897 MiB reported for workers whose own peak was under 610 MiB)."""
    import resource

    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def england_reading(ev) -> str:
    """The council's reading against England, as the pack's scorecard words it: 'better' or 'worse' where the
    comparison rule (:func:`cpanalysis.findings.compare_with`, already applied in ``ev.verdicts``) supports a
    difference on a measure with a polarity, 'higher' or 'lower' on one without, else 'similar' or 'not judged';
    '' when the figure is not shown."""
    from cpanalysis import findings

    if not ev.shown or "england" not in ev.verdicts:
        return ""
    d = ev.verdicts["england"]
    if d in ("higher", "lower"):
        return findings.better_or_worse(d, ev.polarity) or d
    return d


def _csv_row(res: CouncilResult, ev) -> dict:
    def num(x):
        return "" if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 6)

    return {"old_la_code": res.code, "council": res.name, "region": res.region, "indicator_id": ev.id,
            "title": ev.title, "unit": ev.unit, "polarity": ev.polarity, "year": ev.year,
            "value": "" if ev.symbol else num(ev.value), "symbol": ev.symbol,
            "numerator": "" if ev.symbol else num(ev.numerator), "denominator": "" if ev.symbol else num(ev.denominator),
            "england": num(ev.comparators.get("england")), "region_value": num(ev.comparators.get("region")),
            "sn_median": num(ev.comparators.get("sn_median")), "quarter": ev.quarter or "",
            "n_councils": ev.n_councils or "", "reading": ev.comparator_verdict if ev.shown and ev.comparators else ""}


# ------------------------------------------------------------------------------------------ the batch
def run_batch(spec: str, published_dir: str | Path, year: int, out: str | Path, workers: int | None = None,
              scheduler: str | None = None, progress: bool = True, timings: bool = False,
              since: str | Path | None = None) -> BatchResult:
    """Build every selected council's pack into ``out`` and write the index page and the CSV beside them
    (``timings``: each council's build time on the index page too)."""
    from cpanalysis import safe_output

    out = Path(out).expanduser().resolve()
    safe_output.check_batch_folder(out)  # only a folder a batch created or marked: never a user's index.html
    # One batch at a time into a folder: a second fails at once (each council's pack has its own lock too).
    with safe_output.output_lock(out):
        return _run_batch(spec, published_dir, year, out, workers, scheduler, progress, timings,
                          str(Path(since).expanduser().resolve()) if since else None)


def _run_batch(spec: str, published_dir: str | Path, year: int, out: Path, workers: int | None,
               scheduler: str | None, progress: bool, timings: bool = False, since: str | None = None) -> BatchResult:
    from cpanalysis import safe_output
    from cpanalysis.sources.published import load_published

    if scheduler:
        check_scheduler(scheduler)  # before the files are parsed: a wrong address fails in seconds
    t0 = time.perf_counter()
    published = load_published(Path(published_dir).expanduser().resolve())  # parsed (and cached) once
    prepare_seconds = time.perf_counter() - t0
    codes = unique_councils(select_councils(spec, published, year), published, year)
    if not codes:
        raise FatalError(f"no council matches {spec!r} with published figures for {year}. Give 'all', a region "
                         "(e.g. 'West Midlands') or a comma-separated list of councils.")
    safe_output.check_batch_folder(out)  # again, now that no other batch can be changing it
    out.mkdir(parents=True, exist_ok=True)
    safe_output.mark(out)
    results = (_on_dask(published, codes, year, out, scheduler, progress, since) if scheduler
               else _on_local(published, codes, year, out, workers, progress, since))
    order = {c: i for i, c in enumerate(codes)}
    results.sort(key=lambda r: order.get(r.requested, len(order)))
    batch = BatchResult(out=out, councils=results, seconds=time.perf_counter() - t0, prepare_seconds=prepare_seconds,
                        england=_england(results))
    write_csv(batch, out / "councils.csv")
    write_index(batch, out / "index.html", year, show_seconds=timings)
    return batch


def _bar(total: int, progress: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="council", disable=not progress, desc="councils", dynamic_ncols=True)


def _tick(bar, res: CouncilResult, failed: list[int]) -> None:
    if res.status != "ok":
        failed[0] += 1
    bar.set_postfix_str(f"failed {failed[0]}")
    bar.update(1)


def _on_local(published, codes: list[str], year: int, out: Path, workers: int | None,
              progress: bool, since: str | None = None) -> list[CouncilResult]:
    workers = max(1, min(workers or os.cpu_count() or 2, len(codes)))
    results, failed = [], [0]
    with _bar(len(codes), progress) as bar:
        if workers == 1:
            for c in codes:
                results.append(build_council(published, c, year, out, since))
                _tick(bar, results[-1], failed)
            return results
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_local_worker,
                                 initargs=(str(published.folder),)) as pool:
            futures = [pool.submit(_build_local, c, year, str(out), since) for c in codes]
            for f in as_completed(futures):
                results.append(f.result())
                _tick(bar, results[-1], failed)
    return results


class DaskError(FatalError):
    """The Dask cluster could not be reached or failed (an error reported by Dask, not a fault in cpanalysis)."""


#: seconds to wait for a Dask scheduler to answer (None: Dask's own ``distributed.comm.timeouts.connect``)
CONNECT_TIMEOUT: float | None = None


def _connect_timeout() -> float:
    if CONNECT_TIMEOUT is not None:
        return float(CONNECT_TIMEOUT)
    import dask
    from dask.utils import parse_timedelta

    return float(parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), default="seconds"))


def check_scheduler(scheduler: str) -> None:
    """Raise :class:`DaskError` unless a Dask scheduler at ``scheduler`` completes Dask's handshake within the
    connection timeout. ``Client()`` alone waited for ever on a port that accepts connections but never answers
    (its timeout covers the connection, not the handshake)."""
    import asyncio

    timeout = _connect_timeout()

    async def probe() -> None:
        from distributed.comm import connect

        comm = await asyncio.wait_for(connect(scheduler, timeout=timeout), timeout)
        await comm.close()

    def run() -> None:  # on a thread of its own: the caller may have an event loop running (Jupyter)
        try:
            asyncio.run(probe())
        except BaseException as err:  # noqa: BLE001 - raised again below, on the caller's thread
            failed.append(err)

    import threading

    failed: list[BaseException] = []
    thread = threading.Thread(target=run, name="cpanalysis-dask-probe", daemon=True)
    thread.start()
    thread.join(timeout + 10)
    try:
        if thread.is_alive():
            raise TimeoutError
        if failed:
            raise failed[0]
    except TimeoutError:
        raise DaskError(f"no Dask scheduler answered at {scheduler} within {timeout:.0f} s. Check the address "
                        "(for example tcp://host:8786), that the scheduler is running and that this machine can "
                        "reach it; or leave out --scheduler to use this machine's cores.") from None
    except Exception as err:  # noqa: BLE001 - Dask's own error, named as Dask's
        raise DaskError(_dask_message(scheduler, err)) from None


def _dask_message(scheduler: str, err: BaseException) -> str:
    return (f"Dask reported an error with the cluster at {scheduler}: {type(err).__name__}: "
            f"{str(err)[:300] or 'no detail'}. The error is Dask's, not a fault in cpanalysis: check the address, the "
            "scheduler and its workers (their logs say more), or leave out --scheduler to use this machine's cores.")


def _is_dask_error(err: BaseException) -> bool:
    mod = type(err).__module__ or ""
    return mod.split(".")[0] in ("distributed", "dask", "tornado") or isinstance(err, (OSError, TimeoutError))


def _on_dask(published, codes: list[str], year: int, out: Path, scheduler: str, progress: bool,
             since: str | None = None) -> list[CouncilResult]:
    """The same builds as tasks on a Dask cluster: the parsed files go to every worker once (scatter). An error
    from Dask itself (a lost connection, a worker killed, a task that could not be sent) stops the batch with a
    plain :class:`DaskError`; a council's own failure is its status, as on local workers."""
    try:
        return _dask_builds(published, codes, year, out, scheduler, progress, since)
    except Exception as err:
        if isinstance(err, FatalError) or not _is_dask_error(err):
            raise
        raise DaskError(_dask_message(scheduler, err)) from err


def _dask_builds(published, codes: list[str], year: int, out: Path, scheduler: str, progress: bool,
                 since: str | None = None) -> list[CouncilResult]:
    from dask.distributed import Client
    from dask.distributed import as_completed as dask_completed

    results, failed = [], [0]
    with Client(scheduler, timeout=_connect_timeout()) as client:
        pub = client.scatter(published, broadcast=True)
        futures = [client.submit(build_council, pub, c, year, out, since, pure=False) for c in codes]
        with _bar(len(codes), progress) as bar:
            for f in dask_completed(futures):
                results.append(f.result())
                f.release()  # the worker keeps a task's result while the client holds its future
                _tick(bar, results[-1], failed)
            futures.clear()
    return results


def _england(results: Iterable[CouncilResult]) -> dict[str, str]:
    from cpanalysis.narrative import fmt

    for r in results:
        eng = {row["indicator_id"]: fmt(row["england"], row["unit"]) for row in r.rows
               if row["indicator_id"] in INDEX_MEASURES and row["england"] != ""}
        if eng:
            return eng
    return {}


def write_csv(batch: BatchResult, path: Path) -> Path:
    """Every council's indicators for the year with comparators, quarter and reading; text cells that a
    spreadsheet would run as a formula are neutralised."""
    from cpanalysis.export import neutralise_formulas

    rows = [row for r in batch.councils for row in r.rows]
    neutralise_formulas(pd.DataFrame(rows, columns=CSV_COLUMNS)).to_csv(path, index=False, encoding="utf-8")
    return path


#: the index page's only script: sort the table by a column (the page's Content-Security-Policy allows this
#: script alone, by its hash). Written by hand: a dozen lines do not justify a library.
SORT_SCRIPT = """
document.querySelectorAll('#councils thead button').forEach(function (b) {
  b.addEventListener('click', function () {
    var col = +b.dataset.col, num = b.dataset.num === '1', body = document.querySelector('#councils tbody.cpa-councils');
    var rows = Array.prototype.slice.call(body.rows), dir = b.dataset.dir === 'asc' ? -1 : 1;
    function key(r) { var t = r.cells[col].textContent.trim(); var v = parseFloat(t.replace(/[^0-9.\\-]/g, ''));
      return num ? (isNaN(v) ? -Infinity : v) : t.toLowerCase(); }
    rows.sort(function (x, y) { var a = key(x), c = key(y); return a < c ? -dir : a > c ? dir : 0; });
    rows.forEach(function (r) { body.appendChild(r); });
    b.dataset.dir = dir === 1 ? 'asc' : 'desc';
  });
});
"""


def _csp_hash(script: str) -> str:
    import base64
    import hashlib

    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def _regions(results: Iterable[CouncilResult]) -> list[tuple[str, dict[str, str]]]:
    """(region name, indicator id -> the region's value as shown) for each region of the councils built, in the
    order the regions first appear."""
    out: dict[str, dict[str, str]] = {}
    for r in results:
        if r.region and r.region_key:
            row = out.setdefault(r.region, {})
            for k, v in r.region_key.items():
                row.setdefault(k, v)
    return list(out.items())


def write_index(batch: BatchResult, path: Path, year: int, show_seconds: bool = False) -> Path:
    """The index page, read like the pack's scorecard: England's row and each region's row first, then every
    council with each key figure and its reading against England (the pack's symbols and comparison rule), and
    a key to the symbols. ``show_seconds`` adds each council's build time (``cpanalysis batch --timings``)."""
    from cpanalysis import render
    from cpanalysis.briefing import READING_SYMBOLS, rule_text
    from cpanalysis.narrative import year_label

    titles = {}
    for r in batch.councils:
        for row in r.rows:
            titles.setdefault(row["indicator_id"], row["title"])
    measures = [(i, titles.get(i, i.replace("_", " "))) for i in INDEX_MEASURES]
    key = [(READING_SYMBOLS[w], w) for w in ("better", "worse", "higher", "lower", "similar", "not judged")]
    html = render.render("batch_index.html.j2", year=year_label(year), councils=batch.councils, measures=measures,
                         england=batch.england, regions=_regions(batch.councils), seconds=round(batch.seconds),
                         n_failed=len(batch.failed), show_seconds=show_seconds, symbols=READING_SYMBOLS,
                         symbol_key=key, rule=rule_text()["comparison"],
                         script=SORT_SCRIPT, script_hash=_csp_hash(SORT_SCRIPT))
    path.write_text(html, encoding="utf-8")
    return path

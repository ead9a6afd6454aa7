"""Jupyter kernels kept warm for the ``cpanalysis-kernel`` engine, and the evidence handed to them in memory.

A :class:`Kernel` is started by the process that uses it, dies with it (:func:`cpanalysis.workers.kernel_start_options`)
and inherits the read end of a pipe: :meth:`Kernel.hand_over` sends the build's prepared evidence through it
(pickled in memory, never written to a file), and :func:`receive_context` reads it in the kernel.
:func:`run_in_kernels` runs a build's notebooks in one kernel in the builder, or in one worker process a share
(:func:`cpanalysis.workers.pool`), each with a warm kernel started while the builder prepares the data and then
sent the evidence through a pipe.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

from cpanalysis.runner import CellError
from cpanalysis.workers import (
    _MP,
    Job,
    _wait_reporting,
    kernel_start_options,
    pool,
    register_child,
    unregister_child,
)

#: run in a warm kernel once, when it starts: the imports every notebook needs, and die with the process that
#: started it (``{parent}``: that process's id; also asked for at the kernel's start, see kernel_start_options)
WARM_UP = ("import cpanalysis.present, cpanalysis.charts, pandas, matplotlib.pyplot\n"
           "from cpanalysis import workers as _w; _w.die_with_parent({parent}); del _w")
#: run in a warm kernel before each notebook
RESET = "%reset -f\nimport matplotlib.pyplot as _plt; _plt.close('all'); del _plt"


class Kernel:
    """A Jupyter kernel kept warm for several notebooks, started by this process and dying with it.

    It inherits the read end of a pipe when it starts: :meth:`hand_over` sends the build's prepared evidence
    through it (pickled in memory, never written to a file)."""

    def __init__(self, cwd: str | Path, kernel_name: str = "python3"):
        from jupyter_client.manager import KernelManager

        r, w = os.pipe()
        self.km = KernelManager(kernel_name=kernel_name, transport_encryption="auto")  # CurveZMQ
        try:
            self.km.start_kernel(cwd=str(cwd), pass_fds=(r,), **kernel_start_options())
        except BaseException:
            os.close(w)
            raise
        finally:
            os.close(r)
        self._fd, self._w, self.kernel_name = r, w, kernel_name
        self.pid = getattr(self.km.provisioner, "pid", None)
        if self.pid:
            register_child(self.pid)
        self.run(WARM_UP.format(parent=os.getpid()))

    def run(self, source: str) -> None:
        """Run ``source`` in the kernel as one cell (not part of any notebook)."""
        import nbformat
        from nbclient import NotebookClient

        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
        nb.metadata["kernelspec"] = {"name": self.kernel_name, "display_name": "Python 3", "language": "python"}
        NotebookClient(nb, km=self.km, timeout=120, kernel_name=self.kernel_name).execute()

    def hand_over(self, key: str, data: bytes) -> None:
        """Give the kernel the pickled evidence ``data`` under ``key`` (``evidence.IN_PROCESS``), through its
        pipe; once per kernel."""
        if self._w is None:
            raise RuntimeError("this kernel has already been given its evidence")
        w, self._w = self._w, None

        def write() -> None:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(w, view):]
            except OSError:
                pass  # the kernel stopped reading: its cell reports why
            finally:
                os.close(w)

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        try:
            self.run(f"from cpanalysis import kernels as _k; _k.receive_context({self._fd}, {key!r}); del _k")
        finally:
            writer.join()

    def reset(self) -> None:
        """A fresh namespace and no open figure, before the next notebook (``%reset -f``)."""
        self.run(RESET)

    def shutdown(self) -> None:
        if self._w is not None:
            os.close(self._w)
            self._w = None
        self.km.shutdown_kernel(now=True)
        if self.pid:
            unregister_child(self.pid)


def receive_context(fd: int, key: str) -> None:
    """In a kernel: read the build's pickled evidence from the inherited pipe ``fd`` (see
    :meth:`cpanalysis.engines.Kernel.hand_over`) and keep it in memory for the notebooks' ``open_context``."""
    import pickle

    from cpanalysis import evidence

    chunks = []
    try:
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(fd)
    evidence.IN_PROCESS[key] = pickle.loads(b"".join(chunks))  # noqa: S301 - from the builder's memory


_OK, _FAILED, _NONE = b"\x01", b"\x00", b"\x02"  # the first byte of a worker's message: evidence, failure, none


def context_message(key: str | None) -> bytes:
    """What a kernel is sent: the pickled evidence prepared under ``key``, or that there is none."""
    import pickle

    from cpanalysis import evidence

    if key is None or key not in evidence.IN_PROCESS:
        return _NONE
    return _OK + pickle.dumps(evidence.IN_PROCESS[key], protocol=pickle.HIGHEST_PROTOCOL)


def run_in_kernel(jobs: list[Job], key: str | None, message: bytes | Callable[[], bytes]
                  ) -> list[tuple[str, str | None]]:
    """Run ``jobs`` one after another in one warm kernel started here, after handing it ``message`` (see
    :func:`context_message`; a callable is called once the kernel is warm, so that its start overlaps the
    builder's preparation)."""
    from cpanalysis import engines

    if not jobs:
        return []
    kernel = Kernel(jobs[0][3])
    try:
        message = message() if callable(message) else message
        if message[:1] == _FAILED:
            return [(j[1], f"not run: {message[1:].decode('utf-8', 'replace')}") for j in jobs]
        if message[:1] == _OK:
            kernel.hand_over(str(key), message[1:])
        out: list[tuple[str, str | None]] = []
        for src, dst, parameters, cwd in jobs:
            try:
                nbformat.write(engines.run(src, parameters, engines.KERNEL_ENGINE, cwd=cwd, kernel=kernel), dst)
                out.append((dst, None))
            except CellError as err:
                out.append((dst, str(err)))
            except Exception as err:  # noqa: BLE001 - reported to the user with the notebook name
                out.append((dst, f"{Path(src).name}: {type(err).__name__}: {err}"))
        return out
    finally:
        kernel.shutdown()


_CONN = None


def _kernel_worker_init(conn) -> None:
    global _CONN
    _CONN = conn


def _kernel_share(jobs: list[Job], key: str | None) -> list[tuple[str, str | None]]:
    """A worker process's share: a warm kernel, the evidence from the builder's pipe, the notebooks."""
    return run_in_kernel(jobs, key, lambda: _CONN.recv_bytes())


def _weight(job: Job) -> int:
    """Rough cost of a notebook: its question's number of indicators (charts dominate the run time)."""
    from cpanalysis.config import TOPICS

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


def run_in_kernels(jobs: list[Job], workers: int, prepare, progress, key: str | None
                    ) -> list[tuple[str, str | None]]:
    """The kernel engine: in this process on one worker; else one worker process a share, each with a warm
    kernel started while the builder prepares the data, then sent the evidence through a pipe."""
    order = {j[1]: i for i, j in enumerate(jobs)}
    if workers == 1:
        if prepare is not None:
            prepare()
        results = run_in_kernel(jobs, key, context_message(key))
        for src, *_ in jobs:
            if progress is not None:
                progress(Path(src).stem)
        return results
    pools: list[ProcessPoolExecutor] = []
    futures, senders = [], []
    try:
        for share in _shares(jobs, workers):
            reader, writer = _MP.Pipe(duplex=False)
            executor = pool(1, _kernel_worker_init, (reader,))
            pools.append(executor)
            futures.append(executor.submit(_kernel_share, share, key))
            reader.close()
            senders.append(writer)
        try:
            if prepare is not None:
                prepare()
            message = context_message(key)
        except BaseException as err:
            message = _FAILED + f"preparing the data failed ({type(err).__name__})".encode()
            raise
        finally:
            threads = [threading.Thread(target=_send_quietly, args=(w, message), daemon=True) for w in senders]
            for t in threads:
                t.start()
        _wait_reporting(futures, jobs, progress)
        results = [r for f in futures for r in f.result()]
        for t in threads:
            t.join()
    finally:
        for w in senders:
            w.close()
        for executor in pools:
            executor.shutdown(wait=True, cancel_futures=True)
    return sorted(results, key=lambda r: order[r[0]])


def _send_quietly(conn, message: bytes) -> None:
    with contextlib.suppress(OSError, EOFError):
        conn.send_bytes(message)

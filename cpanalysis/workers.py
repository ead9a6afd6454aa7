"""The processes that run the pack's notebooks, and how they die with the builder.

Every process started here dies with the process that started it, even after ``kill -9``: each asks Linux for
``SIGKILL`` when its parent dies (``prctl(PR_SET_PDEATHSIG)``: :func:`die_with_parent` in a worker, a forked
notebook and a kernel's warm-up, and :func:`kernel_start_options` for a Jupyter kernel from its first instruction;
elsewhere the pipes' closing ends them), and the builder ends every one before it returns. The build's prepared
evidence (child-level data) reaches them only in memory: a forked process inherits it, a kernel receives it through
a pipe (:mod:`cpanalysis.kernels`). Nothing child-level is written to a file by any runner, so a killed build
leaves none behind.

The ``cpanalysis`` engine runs each notebook of a build in a process forked from the builder
(:func:`execute_isolated`); :func:`pool` gives the spawned worker processes (the helper process, the kernels'
workers).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

from cpanalysis.runner import CellError, NeedsKernel

Job = tuple[str, str, dict, str]  # (template notebook, executed copy, parameters, working directory)


#: Worker processes are spawned, not forked: forking a process that runs threads (pytest-xdist, Jupyter,
#: a web server embedding us) can deadlock the child. The cost is one fresh interpreter per worker.
_MP = multiprocessing.get_context("spawn")


# ------------------------------------------------------------------------------------ dying with the builder
_CHILDREN: set[int] = set()


def register_child(pid: int) -> None:
    """A process this one started (a Jupyter kernel) that must end with it."""
    _CHILDREN.add(int(pid))


def unregister_child(pid: int) -> None:
    _CHILDREN.discard(int(pid))


def die_with_parent(parent_pid: int | None = None) -> None:
    """Ask Linux to send this process ``SIGKILL`` when its parent dies (even by ``kill -9``): ``SIGKILL``, which
    nothing can ignore or delay; exit at once if the parent is already gone. Elsewhere, the closing of the pipes
    to the parent ends the process."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)


_PRCTL = None


def _pdeathsig_at_start() -> None:
    """``preexec_fn`` of a Jupyter kernel: ``SIGKILL`` when the process that started it dies, set before the
    kernel runs a line (the function is looked up before the fork, so the child only calls it)."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGKILL, 0, 0, 0)


def kernel_start_options() -> dict:
    """Extra ``Popen`` options for starting a Jupyter kernel that dies with this process (Linux)."""
    global _PRCTL
    if not sys.platform.startswith("linux"):
        return {}
    if _PRCTL is None:
        try:
            import ctypes

            _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            return {}
    return {"preexec_fn": _pdeathsig_at_start}


def pool(workers: int, initializer=None, initargs: tuple = ()) -> ProcessPoolExecutor:
    """Spawned worker processes that die with this one (even by ``kill -9``): :func:`die_with_parent` first,
    then ``initializer(*initargs)``."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=_MP, initializer=_pool_init,
                               initargs=(os.getpid(), initializer, initargs))


def _pool_init(parent_pid: int, initializer, initargs: tuple) -> None:
    die_with_parent(parent_pid)
    if initializer is not None:
        initializer(*initargs)


def _wait_reporting(futures, jobs: list[Job], progress: Callable[[str], None] | None) -> None:
    """Wait for the workers, calling ``progress(name)`` as each executed notebook appears."""
    import concurrent.futures as cf

    pending = set(futures)
    reported: set[str] = set()
    while pending:
        _, pending = cf.wait(pending, timeout=0.25)
        if progress is None:
            continue
        for job in jobs:
            if job[1] not in reported and Path(job[1]).exists():
                reported.add(job[1])
                progress(Path(job[0]).stem)
    if progress is not None:
        for job in jobs:
            if job[1] not in reported:
                progress(Path(job[0]).stem)


# ------------------------------------------------------------------------------------ one process a notebook
#: seconds one cell may run before its notebook is stopped (the kernel runners' ``execution_timeout``)
CELL_TIMEOUT = 600.0
#: exit status of a copy of a notebook's process made by ``os.fork()`` in a cell, when it reaches the runner
_STRAY_FORK = 70
_HEADER = 8  # bytes of a message's length, before its JSON


def can_isolate() -> bool:
    """Whether notebooks can run in forked processes here (Linux: fork is cheap and safe without threads)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def execute_isolated(jobs: list[tuple[str, str, dict]], parallel: int = 1, timeout: float = CELL_TIMEOUT,
                     done=None, first: Iterable[int] = ()) -> list[tuple[str, str | None, bool]]:
    """Run each notebook ``(src, dst, parameters)`` in a process of its own, forked from this one, and write the
    executed notebook to ``dst`` here: ``(dst, error or None, needs_kernel)`` for each job, in order.

    A fork is a copy of this process made in about a millisecond: the notebook starts with everything prepared
    here (the data, the findings already worked out, the shell with its imports), and whatever its cells change
    (a module's function, the export guard, the evidence's memo, matplotlib's or pandas' settings) dies with
    its process, so no notebook can change another's figures or this process's code. The child sends its
    executed notebook back through a pipe as JSON (never pickle: nothing a cell sends can run code here) and
    this process writes it; the export guard then runs here, on the output, from code no cell could reach.

    The child announces each cell before running it, so whatever ends it is reported here, naming the notebook
    and the cell, and never counts as success: ``os._exit()``, a crash (a segmentation fault), being killed,
    a cell running longer than ``timeout`` seconds, or a cell calling ``os.fork()`` (the copy is stopped as
    soon as it would run the rest of the notebook; ``multiprocessing`` and ``subprocess`` work as usual). Every
    process a notebook started is killed with it (it leads a process group of its own), and it dies with this
    process. Up to ``parallel`` notebooks run at once, those at the positions ``first`` (the longest) before the
    rest, so that no long notebook runs alone at the end. ``done(dst)`` is called as each finishes."""
    import gc
    import selectors

    _warm()  # imports and the shell done once here, so that every child starts with them
    early = [k for k in first if 0 <= k < len(jobs)]
    pending = [(k, jobs[k]) for k in early] + [(k, j) for k, j in enumerate(jobs) if k not in early]
    results: list = [None] * len(jobs)
    running: dict[int, _Child] = {}
    sel = selectors.DefaultSelector()
    gc.freeze()  # the objects prepared here are left alone by the children's collector (fewer pages copied)
    try:
        while pending or running:
            while pending and len(running) < max(1, parallel):
                k, (src, dst, parameters) = pending.pop(0)
                child = _Child(k, src, dst, parameters, timeout)
                running[child.fd] = child
                sel.register(child.fd, selectors.EVENT_READ, child)
            for key, _ in sel.select(timeout=0.02):
                key.data.read()
                if key.data.eof and key.data.outcome is None:
                    sel.unregister(key.fd)
                    key.data.registered = False
            for child in list(running.values()):
                if child.outcome is None:
                    child.poll()
                if child.outcome is not None:
                    if child.registered:
                        sel.unregister(child.fd)
                    del running[child.fd]
                    child.close()
                    results[child.index] = child.outcome
                    if done is not None:
                        done(child.dst)
    finally:
        for child in running.values():
            child.kill()
            child.close()
        sel.close()
        gc.unfreeze()
    return results


def _warm() -> None:
    """What every notebook needs before its first cell (imports, the shell), done once in the builder."""
    import matplotlib.pyplot  # noqa: F401
    import matplotlib_inline.backend_inline  # noqa: F401
    import pandas  # noqa: F401
    import papermill.iorw  # noqa: F401
    import papermill.parameterize  # noqa: F401

    import cpanalysis.engines  # noqa: F401
    import cpanalysis.present  # noqa: F401
    from cpanalysis.runner import _shell

    _shell()


class _Child:
    """One notebook's forked process, seen from the builder."""

    def __init__(self, index: int, src: str, dst: str, parameters: dict, timeout: float):
        self.index, self.src, self.dst, self.timeout = index, str(src), str(dst), timeout
        self.name = Path(src).name
        self.cell = 0
        self.buf = bytearray()
        self.outcome: tuple[str, str | None, bool] | None = None
        self.deadline = time.monotonic() + timeout
        self.eof = self.reaped = False
        self.registered = True
        parent = os.getpid()
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(r)
            _child_main(w, self.src, parameters, parent)
        os.close(w)
        self.pid, self.fd = pid, r
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)  # also done by the child; whichever runs first
        os.set_blocking(r, False)

    def read(self) -> None:
        while self.outcome is None:
            try:
                chunk = os.read(self.fd, 1 << 20)
            except BlockingIOError:
                return
            if not chunk:  # every writer gone (the child ended, or a cell closed the pipe): poll() tells which
                self.eof = True
                return
            self.buf += chunk
            self._messages()

    def _messages(self) -> None:
        import json

        while self.outcome is None and len(self.buf) >= _HEADER:
            size = int.from_bytes(self.buf[:_HEADER], "big")
            if len(self.buf) < _HEADER + size:
                return
            raw = bytes(self.buf[_HEADER:_HEADER + size])
            del self.buf[:_HEADER + size]
            try:
                msg = json.loads(raw)
            except ValueError:
                msg = None
            if not isinstance(msg, dict):
                self._finish(f"{self.name}, cell {self.cell}: the notebook's process sent something that is not a "
                             "result (a cell wrote to the runner's pipe?), so the pack was not built.")
            elif "cell" in msg:
                self.cell = int(msg["cell"]) if str(msg["cell"]).isdigit() else self.cell
                self.deadline = time.monotonic() + self.timeout
            elif "done" in msg:
                text = msg["done"]
                try:
                    ok = isinstance(json.loads(text), dict)
                except (TypeError, ValueError):
                    ok = False
                if not ok:
                    self._finish(f"{self.name}: the notebook's process sent back a damaged notebook, so the pack "
                                 "was not built.")
                else:
                    Path(self.dst).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
                    self._finish(None)
            elif "kernel" in msg:
                self._finish(str(msg["kernel"]), needs_kernel=True)
            else:
                self._finish(str(msg.get("error") or f"{self.name}: failed"))

    def _finish(self, error: str | None, needs_kernel: bool = False) -> None:
        self.outcome = (self.dst, error, needs_kernel)
        self.kill()  # its work is done (or it failed): it, and every process it started, end now

    def poll(self) -> None:
        """Notice the child's end (or its cell's time running out) when it sent no result."""
        if self.outcome is not None:
            return
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.pid, 0
        if pid == 0:
            if time.monotonic() > self.deadline:
                self._finish(f"{self._where()} was still running after {self.timeout:.0f} s, so the notebook was "
                             "stopped and the pack was not built. A cell that waits for ever (for input, a lock, or "
                             "worker processes that never finish) cannot be part of a pack.")
            return
        self.reaped = True
        self.read_rest()
        if self.outcome is None:
            self.outcome = (self.dst, _ended(self._where(), status), False)
            self.kill()

    def read_rest(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                chunk = os.read(self.fd, 1 << 20)
                if not chunk:
                    break
                self.buf += chunk
        self._messages()

    def _where(self) -> str:
        return f"{self.name}, cell {self.cell}" if self.cell else f"{self.name}, before its first cell"

    def kill(self) -> None:
        import signal

        with contextlib.suppress(OSError):
            os.killpg(self.pid, signal.SIGKILL)
        if not self.reaped:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            self.reaped = True

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


def _ended(where: str, status: int) -> str:
    """Why a notebook's process ended without a result, in words."""
    import signal

    code = os.waitstatus_to_exitcode(status)
    if code >= 0:
        return (f"{where}: the cell ended the notebook's process (exit status {code}, as os._exit() does) before the "
                "notebook finished, so the pack was not built. A notebook cannot end the build: remove that call.")
    sig = -code
    try:
        signame = signal.Signals(sig).name
    except ValueError:
        signame = f"signal {sig}"
    why = {"SIGSEGV": "a segmentation fault: a crash in compiled code, for example from ctypes or an extension "
                      "module",
           "SIGBUS": "a bus error: a crash in compiled code",
           "SIGABRT": "compiled code aborted",
           "SIGFPE": "an arithmetic fault in compiled code",
           "SIGKILL": "killed from outside, often by the system when memory runs out"}.get(signame, "a signal")
    return (f"{where}: the notebook's process was stopped by {signame} ({why}) while this cell ran, so the pack was "
            "not built.")


_NOTEBOOK_PID = 0
_FORKED_IN_CELL: list[int] = []
_CURRENT_CELL = [0]


def _child_main(fd: int, src: str, parameters: dict, parent: int) -> None:
    """A notebook's forked process: run the cells, send the result, exit (never returns to the builder's code)."""
    global _NOTEBOOK_PID
    try:
        import signal

        _NOTEBOOK_PID = os.getpid()
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)  # its own process group: everything it starts is killed with it
        with contextlib.suppress(ValueError, OSError):  # ValueError: not the main thread (it is, after a fork)
            for sig in (signal.SIGTERM, signal.SIGHUP):  # not the builder's clean-up: that is the builder's to do
                signal.signal(sig, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
        _CHILDREN.clear()  # the builder's kernels are the builder's
        die_with_parent(parent)
        os.register_at_fork(after_in_parent=_forked)
        name = Path(src).name

        def on_cell(number: int) -> None:
            _check_forks(name)
            _CURRENT_CELL[0] = number
            _send(fd, {"cell": number})

        try:
            from cpanalysis import engines

            nb = engines.run(src, parameters, engines.ENGINE, on_cell=on_cell)
            _check_forks(name)
            _send(fd, {"done": nbformat.writes(nb)})
        except NeedsKernel as err:
            _send(fd, {"kernel": str(err)})
        except CellError as err:
            _send(fd, {"error": str(err)})
        except BaseException as err:  # noqa: BLE001 - reported by the builder, naming the notebook
            _send(fd, {"error": f"{name}: {type(err).__name__}: {err}"})
    finally:
        os._exit(0)


def _forked() -> None:
    """After ``os.fork()`` in a notebook's process (in the parent): note a fork the cell made itself, not
    ``multiprocessing``'s or ``subprocess``'s (whose children run their own code, never the notebook's)."""
    frame = sys._getframe(1)
    for _ in range(3):
        if frame is None:
            break
        path = frame.f_code.co_filename.replace("\\", "/")
        if "/multiprocessing/" in path or path.endswith("/subprocess.py"):
            return
        frame = frame.f_back
    _FORKED_IN_CELL.append(_CURRENT_CELL[0])


def _check_forks(name: str) -> None:
    if os.getpid() != _NOTEBOOK_PID:  # a copy made by os.fork() in a cell, about to run the notebook again
        os._exit(_STRAY_FORK)
    if _FORKED_IN_CELL:
        raise CellError(f"{name}, cell {_FORKED_IN_CELL[0]}: the cell called os.fork(), which would run the rest of "
                        "the notebook twice; the pack was not built. Use subprocess or multiprocessing instead.")


def _send(fd: int, message: dict) -> None:
    import json

    if os.getpid() != _NOTEBOOK_PID:
        os._exit(_STRAY_FORK)
    data = json.dumps(message).encode("utf-8")
    view = memoryview(len(data).to_bytes(_HEADER, "big") + data)
    while view:
        view = view[os.write(fd, view):]

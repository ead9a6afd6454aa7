"""Run the pack's notebooks in this Python process, without a Jupyter kernel (the default runner).

Each notebook's code cells run in an IPython :class:`~IPython.core.interactiveshell.InteractiveShell` kept in
this process, with parameters injected by Papermill's own ``parameterize_notebook``. The shell is IPython's
own machinery, so a cell behaves as it does in a Jupyter kernel: magics (``%time``, ``%%time``,
``!echo``, ``?`` help), a last bare expression (an ``execute_result`` with IPython's rich mimebundle; none
after ``;`` or for ``None``), ``display(...)`` (``display_data``), ``print`` and warnings (``stream``
outputs, in order with the rest), and matplotlib figures left open at the end of a cell (one ``image/png``
``display_data`` each, drawn by ``matplotlib_inline`` as the inline backend does, then closed). The HTML
that :mod:`cpanalysis.present` renders is collected through ``present.SINK`` as one ``text/html``
``display_data`` per call, in order with the cell's other outputs, exactly as before. The outputs are
those a kernel gives, so the executed notebooks and the exported pack are the same documents.

Compared with a kernel (``cpanalysis.pack``'s warm runner) this saves a kernel start and its imports (about
3 s per worker); the shell costs about 0.15 s once per process and a few milliseconds per notebook. Each notebook gets a fresh namespace, and
afterwards matplotlib's rcParams, pandas options, ``warnings`` filters, the working directory, environment
variables, IPython's display formatters and ``present.SINK`` are restored and all figures closed, even when
a cell fails; a failing cell raises :class:`CellError` naming the notebook and cell. As in the warm kernel
(``%reset -f`` between notebooks), IPython's own configuration (``%config``, ``%load_ext``) carries over.

The builder runs each notebook with :func:`execute_isolated`: in a process forked from the builder after the
data and the shared findings are prepared, so a notebook starts with everything ready (no kernel, no imports)
and whatever its cells change (modules, the shared evidence, the export guard) dies with it; the executed
notebook comes back through a pipe, the builder writes it and runs the export guard on it. A cell that ends or
breaks its process (``os._exit``, a crash, ``os.fork()``, ``exit()``, running past :data:`CELL_TIMEOUT`) fails
the build naming the notebook and the cell. :func:`execute` runs a notebook in the calling process.

A notebook goes to a kernel instead when it uses what only a kernel with a frontend can do: a GUI or widget
matplotlib backend (``%matplotlib qt``/``widget``/...), ``%gui``, ``%qtconsole``, ``%connect_info`` or the
interactive debugger (``%debug``, ``%pdb``). For these :func:`execute` raises :class:`NeedsKernel` before any
cell runs, naming the notebook and cell, so that the builder runs that notebook in a Jupyter kernel
(``cpanalysis.pack``'s warm runner) instead. Other magics (``%time``, ``%%time``, ``%matplotlib inline``, ``!cmd``,
``?``) run here as in a kernel. ``input()`` fails as under ``nbclient``, which gives a notebook no stdin.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import sys
import time
import types
from pathlib import Path

import nbformat


class CellError(RuntimeError):
    """A notebook cell failed; the message names the notebook and the cell."""


class NeedsKernel(CellError):
    """The notebook uses something only a Jupyter kernel provides (see the module docstring); raised before
    any of its cells runs, naming the notebook, the cell and the reason, so the builder can run it in a
    kernel. A subclass of :class:`CellError`, so a caller that does not fall back still reports it."""


#: line magics that need a kernel and its frontend (GUI event loops, consoles, the interactive debugger)
KERNEL_ONLY_MAGICS = frozenset({"gui", "qtconsole", "connect_info", "debug", "pdb"})
#: %matplotlib / %pylab arguments the in-process runner handles: the inline backend's behaviour
INLINE_BACKENDS = frozenset({"", "inline", "module://matplotlib_inline.backend_inline"})


def execute(src: str | Path, dst: str | Path, parameters: dict) -> Path:
    """Execute notebook ``src`` with ``parameters`` (injected as Papermill does) and write it to ``dst``, in this
    process (the builder uses :func:`execute_isolated`: each notebook in a forked process of its own).

    Raises :class:`NeedsKernel` (before running anything) or :class:`CellError`; ``dst`` is only written
    when every cell ran."""
    nb = run_notebook(src, parameters)
    nbformat.write(nb, str(dst))
    return Path(dst)


def run_notebook(src: str | Path, parameters: dict, on_cell=None) -> nbformat.NotebookNode:
    """The executed notebook (see :func:`execute`); ``on_cell(number)`` is called before each code cell runs."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    name = Path(src).name
    nb = parameterize_notebook(load_notebook_node(str(src)), parameters, report_mode=False)
    shell = _shell()
    code_cells = [(i, cell) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    for i, cell in code_cells:
        reason = _needs_kernel(shell, cell.source)
        if reason:
            raise NeedsKernel(f"{name}, cell {i + 1}: {reason}; run this notebook in a Jupyter kernel")
    started = time.perf_counter()
    with _isolated(shell):
        for i, cell in code_cells:
            if on_cell is not None:
                on_cell(i + 1)
            cell.outputs, cell.execution_count = shell.run(cell.source, f"{name}, cell {i + 1}")
    nb.metadata["cpanalysis"] = {"seconds": round(time.perf_counter() - started, 3), "runner": "in-process"}
    return nb


# ------------------------------------------------------------------------------------ static checks
def _magic_calls(shell, source: str) -> list[tuple[str, str, str]]:
    """``(kind, name, argument)`` for each magic the cell calls, as IPython transforms it ("line"/"cell")."""
    if "%" not in source:
        return []
    try:
        tree = ast.parse(shell.transform_cell(source))
    except SyntaxError:
        return []  # reported by the shell when the cell runs, as a kernel would
    calls = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("run_line_magic", "run_cell_magic") and len(node.args) >= 2
                and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args[:2])):
            calls.append((node.func.attr[4:8], node.args[0].value, node.args[1].value))
    return calls


def _needs_kernel(shell, source: str) -> str | None:
    """Why this cell needs a kernel, or None."""
    for kind, magic, arg in _magic_calls(shell, source):
        if kind == "line" and magic in KERNEL_ONLY_MAGICS:
            return f"%{magic} needs a kernel"
        if kind == "line" and magic in ("matplotlib", "pylab"):
            backend = next((w for w in arg.split() if not w.startswith("-")), "")
            if backend not in INLINE_BACKENDS:
                return f"%{magic} {backend} (an interactive matplotlib backend) needs a kernel"
    return None


# ------------------------------------------------------------------------------------ the shell
_SHELL = None


def _shell():
    """The process's notebook shell, created on first use (about 0.15 s with IPython's imports)."""
    global _SHELL
    if _SHELL is None:
        _SHELL = _make_shell()
    return _SHELL


def _make_shell():
    from IPython.core import page
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.error import StdinNotImplementedError
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.pylabtools import select_figure_formats
    from matplotlib_inline.config import InlineBackend
    from traitlets import Type
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        """``display(...)`` -> display_data outputs of the running cell (as ipykernel's publisher sends them)."""

        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            self.shell.outputs.display(data, metadata or {}, (transient or {}).get("display_id"), update)

        def clear_output(self, wait=False):
            self.shell.outputs.clear(wait)

    class Hook(DisplayHook):
        """A last bare expression -> an execute_result output (as ipykernel's display hook sends it)."""

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            self.shell.outputs.add(nbformat.v4.new_output("execute_result", data=format_dict,
                                                          metadata=md_dict or {},
                                                          execution_count=self.prompt_count))

        def finish_displayhook(self):
            self._is_active = False

        def flush(self):
            # what reset() needs (the namespace is cleared next), without the base class's gc.collect(),
            # which takes over 0.1 s in a builder holding a council's data
            oh = self.shell.user_ns.get("_oh")
            if oh is not None:
                oh.clear()
            self._, self.__, self.___ = "", "", ""

    class NoStdin(io.TextIOBase):
        """``input()`` fails as under nbclient (which does not allow stdin) instead of reading the builder's.

        A real text file otherwise (``io.TextIOBase``): ``close()``, ``closed``, ``fileno()`` (which raises
        ``io.UnsupportedOperation`` as a file with no descriptor does), ``readable()``, a context manager. A
        ``multiprocessing`` child closes its stdin when it starts; without ``close()`` every pool worker died at
        once and was replaced endlessly, hanging the build."""

        encoding = "utf-8"

        def readline(self, *args):
            raise StdinNotImplementedError("input() was called, but notebooks run without a frontend to answer")

        def read(self, *args):
            return self.readline()

        def readlines(self, *args):
            return self.readline()

        def readable(self):
            return True

        def isatty(self):
            return False

    class Shell(InteractiveShell):
        outputs: _Outputs

        def init_sys_modules(self):
            pass  # sys.modules["__main__"] is swapped only while a notebook runs (see _isolated)

        display_pub_class = Type(Publisher)
        displayhook_class = Type(Hook)

        def _showtraceback(self, etype, evalue, stb):
            self.outputs.add(nbformat.v4.new_output("error", ename=etype.__name__, evalue=str(evalue),
                                                    traceback=list(stb)))

        def ask_exit(self):
            # exit() and quit() in a cell (IPython's ExitAutocall): a kernel would shut down; here the cell fails
            raise SystemExit("exit()")

        def enable_matplotlib(self, gui=None):
            # %matplotlib [inline] and %pylab: this runner always behaves as the inline backend; the global
            # backend of the builder's process is left alone (interactive backends raise NeedsKernel first)
            return "inline", "module://matplotlib_inline.backend_inline"

        def run(self, source: str, where: str) -> tuple[list, int]:
            """Run one cell: its outputs and execution count, or CellError."""
            from matplotlib import pyplot as plt
            from matplotlib_inline.backend_inline import show

            from cpanalysis import present

            count = self.execution_count
            self.outputs = outs = _Outputs()
            saved = sys.stdout, sys.stderr, sys.stdin, present.SINK
            sys.stdout, sys.stderr, sys.stdin = outs.stream("stdout"), outs.stream("stderr"), NoStdin()
            present.SINK = outs.sink()
            try:
                result = self.run_cell(source, store_history=True)
                if plt.get_fignums():  # the inline backend's flush: each open figure as image/png, closed
                    show(close=True)
            finally:
                sys.stdout, sys.stderr, sys.stdin, present.SINK = saved
            err = result.error_before_exec or result.error_in_exec
            if isinstance(err, KeyboardInterrupt):
                raise err
            if isinstance(err, SystemExit):
                raise CellError(f"{where}: the cell called exit(), quit() or sys.exit(), which would end the "
                                "build; a notebook in the pack must run to its end. Remove that call.") from err
            if err is not None:
                raise CellError(f"{where}: {type(err).__name__}: {err}") from err
            return outs.cells, count

    # no history database and no pager: a notebook's history and help go nowhere, as under nbclient
    cfg = Config({"HistoryManager": {"enabled": False}})
    with _process_globals_kept():  # the shell's builtins (__IPYTHON__, display) and prompts: see _isolated
        shell = Shell(config=cfg, user_module=types.ModuleType("__main__"))
    shell.set_hook("show_in_pager", page.as_hook(lambda *args, **kwargs: None), 99)
    inline = InlineBackend.instance(parent=shell)
    select_figure_formats(shell, inline.figure_formats, **inline.print_figure_kwargs)
    return shell


class _Outputs:
    """A cell's outputs as a kernel's messages build them: streams merged while consecutive.

    A stream's text is kept as a list of pieces while it grows and joined once, when another output follows or
    the cell's outputs are read: appending to one string each time made printing many lines quadratic
    (320,000 lines took minutes)."""

    def __init__(self):
        self._cells: list = []
        self._by_id: dict[str, list] = {}
        self._wait_clear = False
        self._stream = None  # the stream output being written to, and its pieces of text so far
        self._pieces: list[str] = []

    @property
    def cells(self) -> list:
        self._join()
        return self._cells

    def _join(self) -> None:
        if self._stream is not None:
            self._stream.text = "".join(self._pieces)
            self._stream, self._pieces = None, []

    def add(self, output) -> None:
        self._join()
        if self._wait_clear:
            self._cells.clear()
            self._wait_clear = False
        self._cells.append(output)

    def display(self, data: dict, metadata: dict, display_id: str | None, update: bool) -> None:
        if update:  # update_display_data: replaces the earlier outputs with that display id
            for out in self._by_id.get(display_id, []):
                out.data, out.metadata = data, metadata
            return
        out = nbformat.v4.new_output("display_data", data=data, metadata=metadata)
        if display_id:
            self._by_id.setdefault(display_id, []).append(out)
        self.add(out)

    def clear(self, wait: bool) -> None:
        self._join()
        if wait:
            self._wait_clear = True
        else:
            self._cells.clear()

    def write(self, name: str, text: str) -> None:
        if not text:
            return
        if self._stream is not None and self._stream.name == name:
            self._pieces.append(text)
            return
        last = self._cells[-1] if self._cells and not self._wait_clear else None
        if last is not None and last.output_type == "stream" and last.name == name:
            self._stream, self._pieces = last, [last.text, text]
        else:
            self.add(nbformat.v4.new_output("stream", name=name, text=text))
            self._stream, self._pieces = self._cells[-1], [text]

    def stream(self, name: str) -> _Stream:
        return _Stream(self, name)

    def sink(self) -> _Sink:
        return _Sink(self)


class _Stream:
    """``sys.stdout``/``sys.stderr`` while a cell runs."""

    encoding = "utf-8"
    errors = "strict"

    def __init__(self, outputs: _Outputs, name: str):
        self._outputs, self.name = outputs, name

    def write(self, text: str) -> int:
        self._outputs.write(self.name, text)
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


class _Sink(list):
    """``present.SINK`` while a cell runs: each HTML part becomes a text/html display_data, in order."""

    def __init__(self, outputs: _Outputs):
        super().__init__()
        self._outputs = outputs

    def append(self, markup: str) -> None:
        super().append(markup)
        self._outputs.add(nbformat.v4.new_output("display_data", data={"text/html": markup}, metadata={}))


# ------------------------------------------------------------------------------------ isolation
#: builtins an IPython shell adds for good (its builtin trap adds get_ipython, exit, quit while a cell runs)
SHELL_BUILTINS = ("__IPYTHON__", "display")


@contextlib.contextmanager
def _process_globals_kept():
    """Undo what creating or using the shell leaves in the builder's process: builtins and REPL prompts."""
    import builtins

    saved_builtins = {k: builtins.__dict__.get(k, _MISSING) for k in SHELL_BUILTINS}
    saved_prompts = {k: getattr(sys, k, _MISSING) for k in ("ps1", "ps2", "ps3")}
    try:
        yield
    finally:
        for k, v in saved_builtins.items():
            if v is _MISSING:
                builtins.__dict__.pop(k, None)
            else:
                builtins.__dict__[k] = v
        for k, v in saved_prompts.items():
            if v is _MISSING:
                if hasattr(sys, k):
                    delattr(sys, k)
            else:
                setattr(sys, k, v)


_MISSING = object()


def _pandas_options() -> dict:
    """Every registered pandas option's value (pandas has no public snapshot; ``option_context`` needs names)."""
    import warnings

    import pandas as pd
    from pandas._config.config import _registered_options

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reading a deprecated option warns
        return {k: pd.get_option(k) for k in _registered_options}


@contextlib.contextmanager
def _isolated(shell):
    """One notebook's run: fresh namespace; the process's state restored afterwards, even after a failure."""
    import builtins
    import warnings

    import matplotlib
    import pandas as pd
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display
    from matplotlib import pyplot as plt

    from cpanalysis import present

    formatters = {k: (f.enabled, dict(f.type_printers), dict(f.deferred_printers))
                  for k, f in shell.display_formatter.formatters.items()}
    callbacks = {k: list(v) for k, v in shell.events.callbacks.items()}
    options, cwd, environ = _pandas_options(), os.getcwd(), dict(os.environ)
    saved_sink, saved_main = present.SINK, sys.modules.get("__main__")
    saved_instance = InteractiveShell.__dict__.get("_instance")
    InteractiveShell._instance = shell  # display(), get_ipython() reach this shell (even inside Jupyter)
    sys.modules["__main__"] = shell.user_module  # pickle finds notebook-defined classes, as in a kernel
    try:
        with _process_globals_kept(), matplotlib.rc_context(), warnings.catch_warnings():
            builtins.__IPYTHON__, builtins.display = True, display  # as in a kernel
            # as in a kernel's __main__ (multiprocessing's spawn reads it; a bare module has none)
            shell.user_ns.setdefault("__spec__", None)
            try:
                yield
            finally:
                if plt.get_fignums():  # close() only when needed: it can trigger a slow gc.collect()
                    plt.close("all")
    finally:
        InteractiveShell._instance = saved_instance
        if saved_main is None:
            sys.modules.pop("__main__", None)
        else:
            sys.modules["__main__"] = saved_main
        present.SINK = saved_sink
        os.chdir(cwd)
        if dict(os.environ) != environ:
            os.environ.clear()
            os.environ.update(environ)
        for key, value in _pandas_options().items():
            if key in options and value is not options[key] and value != options[key]:
                pd.set_option(key, options[key])
        for k, (enabled, types_, deferred) in formatters.items():
            f = shell.display_formatter.formatters[k]
            f.enabled, f.type_printers, f.deferred_printers = enabled, types_, deferred
        shell.events.callbacks.update(callbacks)
        shell.reset(new_session=True)  # a fresh namespace for the next notebook; this one's objects released


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
                     done=None) -> list[tuple[str, str | None, bool]]:
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
    process. Up to ``parallel`` notebooks run at once. ``done(dst)`` is called as each finishes."""
    import gc
    import selectors

    _warm()  # imports and the shell done once here, so that every child starts with them
    pending = list(enumerate(jobs))
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
            for key, _ in sel.select(timeout=0.2):
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

    import cpanalysis.present  # noqa: F401

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
        from cpanalysis import safe_output

        safe_output._CHILDREN.clear()  # the builder's kernels are the builder's
        if sys.platform.startswith("linux"):
            with contextlib.suppress(OSError, AttributeError):
                import ctypes

                ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # dies with the builder
        if os.getppid() != parent:
            os._exit(1)
        os.register_at_fork(after_in_parent=_forked)
        name = Path(src).name

        def on_cell(number: int) -> None:
            _check_forks(name)
            _CURRENT_CELL[0] = number
            _send(fd, {"cell": number})

        try:
            nb = run_notebook(src, parameters, on_cell)
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

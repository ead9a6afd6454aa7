"""Run a notebook's cells in this Python process, without a Jupyter kernel: the ``cpanalysis`` Papermill engine.

The engine itself is :class:`cpanalysis.engines.InProcessEngine`; Papermill parameterises the notebook and calls
it, and it runs the code cells here (:func:`run_cells`). Each notebook's code cells run in an IPython
:class:`~IPython.core.interactiveshell.InteractiveShell` kept in this process. The shell is IPython's own
machinery, so a cell behaves as it does in a Jupyter kernel: magics (``%time``, ``%%time``, ``!echo``, ``?``
help), a last bare expression (an ``execute_result`` with IPython's rich mimebundle; none after ``;`` or for
``None``), ``display(...)`` (``display_data``), ``print`` and warnings (``stream`` outputs, in order with the
rest), and matplotlib figures left open at the end of a cell (one ``image/png`` ``display_data`` each, drawn by
``matplotlib_inline`` as the inline backend does, then closed). HTML shown through :mod:`cpanalysis.sink` (what
the presentation renders) is collected as one ``text/html`` ``display_data`` per call, in order with the cell's
other outputs. The outputs are those a kernel gives, so the executed notebooks and the exported pack are the same
documents. This module knows nothing of the presentation: it only fills the neutral hook ``sink.SINK``.

Compared with a kernel this saves a kernel start and its imports (about 3 s per worker); the shell costs about
0.15 s once per process and a few milliseconds per notebook. Each notebook gets a fresh namespace, and afterwards
matplotlib's rcParams, pandas options, ``warnings`` filters, the working directory, environment variables,
IPython's display formatters and ``sink.SINK`` are restored and all figures closed, even when a cell fails. A
failing cell keeps its error output and stops the notebook, as under nbclient (Papermill then raises its
``PapermillExecutionError``; :func:`cpanalysis.engines.execute` turns it into :class:`CellError` naming the
notebook and cell). As in a warm kernel (``%reset -f`` between notebooks), IPython's own configuration
(``%config``, ``%load_ext``) carries over.

The builder runs each notebook in a process forked from it (:mod:`cpanalysis.workers`), so whatever its cells
change dies with it.

A notebook goes to a kernel instead when it uses what only a kernel with a frontend can do: a GUI or widget
matplotlib backend (``%matplotlib qt``/``widget``/...), ``%gui``, ``%qtconsole``, ``%connect_info`` or the
interactive debugger (``%debug``, ``%pdb``). For these :func:`check_kernel_free` raises :class:`NeedsKernel`
before any cell runs, naming the notebook and cell, so that the builder runs that notebook in a Jupyter kernel
(the ``cpanalysis-kernel`` engine) instead. Other magics (``%time``, ``%%time``, ``%matplotlib inline``,
``!cmd``, ``?``) run here as in a kernel. ``input()`` fails as under ``nbclient``, which gives a notebook no stdin.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import sys
import types

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


def check_kernel_free(nb: nbformat.NotebookNode, name: str) -> None:
    """Raise :class:`NeedsKernel` when a code cell of ``nb`` needs a kernel (before any cell runs)."""
    shell = _shell()
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            reason = _needs_kernel(shell, cell.source)
            if reason:
                raise NeedsKernel(f"{name}, cell {i + 1}: {reason}; run this notebook in a Jupyter kernel")


def run_cells(nb: nbformat.NotebookNode, name: str, on_start=None, on_end=None) -> BaseException | None:
    """Run the code cells of the (parameterised) notebook ``nb`` in this process, filling their outputs.

    ``on_start(index, cell)`` is called before each code cell runs and ``on_end(index, cell, error)`` after it.
    The first failing cell keeps its ``error`` output and stops the run: its exception is returned (None when
    every cell ran). A cell that calls ``exit()`` raises :class:`CellError`; Ctrl-C is raised as it is."""
    shell = _shell()
    with _isolated(shell):
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if on_start is not None:
                on_start(i, cell)
            cell.outputs, cell.execution_count, err = shell.run(cell.source, f"{name}, cell {i + 1}")
            if on_end is not None:
                on_end(i, cell, err)
            if err is not None:
                return err
    return None


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

        def run(self, source: str, where: str) -> tuple[list, int, BaseException | None]:
            """Run one cell: its outputs, execution count and error (None, or kept as an ``error`` output)."""
            from matplotlib import pyplot as plt
            from matplotlib_inline.backend_inline import show

            from cpanalysis import sink

            count = self.execution_count
            self.outputs = outs = _Outputs()
            saved = sys.stdout, sys.stderr, sys.stdin, sink.SINK
            sys.stdout, sys.stderr, sys.stdin = outs.stream("stdout"), outs.stream("stderr"), NoStdin()
            sink.SINK = outs.sink()
            try:
                result = self.run_cell(source, store_history=True)
                if plt.get_fignums():  # the inline backend's flush: each open figure as image/png, closed
                    show(close=True)
            finally:
                sys.stdout, sys.stderr, sys.stdin, sink.SINK = saved
            err = result.error_before_exec or result.error_in_exec
            if isinstance(err, KeyboardInterrupt):
                raise err
            if isinstance(err, SystemExit):
                raise CellError(f"{where}: the cell called exit(), quit() or sys.exit(), which would end the "
                                "build; a notebook in the pack must run to its end. Remove that call.") from err
            cells = outs.cells
            if err is not None and not any(o.output_type == "error" for o in cells):
                cells.append(nbformat.v4.new_output("error", ename=type(err).__name__, evalue=str(err),
                                                    traceback=[]))
            return cells, count, err

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
    """``sink.SINK`` while a cell runs: each HTML part becomes a text/html display_data, in order."""

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

    from cpanalysis import sink

    formatters = {k: (f.enabled, dict(f.type_printers), dict(f.deferred_printers))
                  for k, f in shell.display_formatter.formatters.items()}
    callbacks = {k: list(v) for k, v in shell.events.callbacks.items()}
    options, cwd, environ = _pandas_options(), os.getcwd(), dict(os.environ)
    saved_sink, saved_main = sink.SINK, sys.modules.get("__main__")
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
        sink.SINK = saved_sink
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

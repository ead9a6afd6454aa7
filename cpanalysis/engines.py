"""The Papermill engines that run the pack's notebooks, and the one call that runs a notebook.

Every notebook of a pack is executed by ``papermill.execute_notebook(..., engine_name=...)`` (:func:`run`), with
one of two engines, registered with Papermill by the ``papermill.engine`` entry point in ``pyproject.toml`` and,
so that they work without a reinstall, by :func:`register` when this module is imported:

``cpanalysis`` (:class:`InProcessEngine`, the default)
    runs the cells in this Python process with IPython's shell (:mod:`cpanalysis.runner`): no kernel start, no
    imports per notebook. The builder runs each notebook in a process forked from it (:mod:`cpanalysis.workers`).
``cpanalysis-kernel`` (:class:`KernelEngine`)
    runs the cells in a Jupyter kernel through nbclient, as Papermill's own engine does; given a warm
    :class:`Kernel` it reuses it (started once, imports done once, namespace reset between notebooks).

An analyst can use the same engines from Papermill's command line::

    papermill notebooks/04_stability.ipynb out.ipynb -p params_file parameters/demo.yml --engine cpanalysis

The build's prepared evidence reaches a notebook in memory: a forked process inherits it, and a kernel receives
it through a pipe it inherited at its start (:meth:`Kernel.hand_over`); it is never written to a file.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

# papermill first: importing it loads the entry points, which name the classes in cpanalysis.papermill_engines
# (that module must not be imported before papermill is)
from papermill.engines import papermill_engines

from cpanalysis.papermill_engines import InProcessEngine, KernelEngine
from cpanalysis.runner import CellError, NeedsKernel  # noqa: F401  (re-exported: the errors a run raises)

#: the in-process engine's name (``--runner cpanalysis``, ``papermill --engine cpanalysis``)
ENGINE = "cpanalysis"
#: the Jupyter-kernel engine's name
KERNEL_ENGINE = "cpanalysis-kernel"
#: the command line's earlier ``--runner`` names, kept working
ALIASES = {"inprocess": ENGINE, "in-process": ENGINE, "warm": KERNEL_ENGINE, "kernel": KERNEL_ENGINE,
           "papermill": KERNEL_ENGINE}
#: seconds one cell may run in a kernel before its notebook is stopped
EXECUTION_TIMEOUT = 600


def engine_name(runner: str) -> str:
    """The engine a ``--runner`` value names (an engine's name, or one of the earlier names in :data:`ALIASES`)."""
    name = ALIASES.get(runner, runner)
    if name not in (ENGINE, KERNEL_ENGINE):
        raise ValueError(f"unknown runner {runner!r}: use {ENGINE} or {KERNEL_ENGINE}")
    return name


def register() -> None:
    """Register both engines with Papermill in this process (the entry points do it for an installed package)."""
    papermill_engines.register(ENGINE, InProcessEngine)
    papermill_engines.register(KERNEL_ENGINE, KernelEngine)


register()


def run(src: str | Path, parameters: dict, engine: str = ENGINE, cwd: str | Path | None = None, **engine_kwargs):
    """Execute notebook ``src`` with ``parameters`` through Papermill and the named engine: the executed notebook.

    A failing cell raises :class:`CellError` naming the notebook and the cell (the cell number counts every
    cell, Markdown too, as Papermill does); :class:`NeedsKernel` comes from the in-process engine before any
    cell runs."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from cpanalysis import paths

    name = Path(src).name
    try:
        nb = pm.execute_notebook(str(src), None, parameters=parameters or None, engine_name=engine_name(engine),
                                 progress_bar=False, request_save_on_cell_execute=False, cwd=cwd,
                                 execution_timeout=EXECUTION_TIMEOUT, **engine_kwargs)
    except PapermillExecutionError as err:
        raise CellError(f"{name}, cell {err.cell_index + 1}: {err.ename}: {err.evalue}") from None
    nb.metadata.papermill["input_path"] = paths.for_parameters(Path(src))  # no absolute path in the record
    return nb


def execute(src: str | Path, dst: str | Path, parameters: dict, engine: str = ENGINE, **engine_kwargs) -> Path:
    """:func:`run`, then write the executed notebook to ``dst`` (only when every cell ran)."""
    import nbformat

    nb = run(src, parameters, engine, **engine_kwargs)
    nbformat.write(nb, str(dst))
    return Path(dst)


# ------------------------------------------------------------------------------------ warm kernels
#: run in a warm kernel once, when it starts: the imports every notebook needs, and die with the process that
#: started it (``{parent}``: that process's id)
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

        from cpanalysis import workers

        r, w = os.pipe()
        self.km = KernelManager(kernel_name=kernel_name, transport_encryption="auto")  # CurveZMQ
        try:
            self.km.start_kernel(cwd=str(cwd), pass_fds=(r,), **workers.kernel_start_options())
        except BaseException:
            os.close(w)
            raise
        finally:
            os.close(r)
        self._fd, self._w, self.kernel_name = r, w, kernel_name
        self.pid = getattr(self.km.provisioner, "pid", None)
        if self.pid:
            workers.register_child(self.pid)
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
            self.run(f"from cpanalysis import workers as _w; _w.receive_context({self._fd}, {key!r}); del _w")
        finally:
            writer.join()

    def shutdown(self) -> None:
        from cpanalysis import workers

        if self._w is not None:
            os.close(self._w)
            self._w = None
        self.km.shutdown_kernel(now=True)
        if self.pid:
            workers.unregister_child(self.pid)

"""The Papermill engines that run the pack's notebooks, and the one call that runs a notebook.

Every notebook of a pack is executed by ``papermill.execute_notebook(..., engine_name=...)`` (:func:`run`), with
one of two engines, registered with Papermill by the ``papermill.engine`` entry point in ``pyproject.toml`` and,
so that they work without a reinstall, by :func:`register` when this module is imported:

``cpanalysis`` (:class:`InProcessEngine`, the default)
    runs the cells in this Python process with IPython's shell (:mod:`cpanalysis.runner`): no kernel start, no
    imports per notebook. The builder runs each notebook in a process forked from it (:mod:`cpanalysis.workers`).
``cpanalysis-kernel`` (:class:`KernelEngine`)
    runs the cells in a Jupyter kernel through nbclient, as Papermill's own engine does; given a warm
    :class:`cpanalysis.workers.Kernel` it reuses it (started once, imports done once, namespace reset between notebooks).

An analyst can use the same engines from Papermill's command line::

    papermill notebooks/04_stability.ipynb out.ipynb -p params_file parameters/demo.yml --engine cpanalysis

The build's prepared evidence reaches a notebook in memory: a forked process inherits it, and a kernel receives
it through a pipe it inherited at its start (:meth:`cpanalysis.workers.Kernel.hand_over`); it is never written to a file.
"""

from __future__ import annotations

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

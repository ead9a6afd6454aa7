"""The two Papermill engines' classes, named by the ``papermill.engine`` entry points in ``pyproject.toml``.

Use them through :mod:`cpanalysis.engines`, which also registers them itself, so that they work without a
reinstall. Importing Papermill loads its entry points, which import this module: imported before Papermill, it
lets Papermill import it whole first.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

if "papermill.engines" not in sys.modules:  # imported before Papermill: let Papermill's entry points import it
    import importlib

    del sys.modules[__name__]
    importlib.import_module("papermill.engines")  # imports this module whole; the importer is given that copy

from papermill.engines import Engine, NBClientEngine  # noqa: E402


class InProcessEngine(Engine):
    """Papermill engine ``cpanalysis``: the cells run in this process (:func:`cpanalysis.runner.run_cells`).

    A notebook that needs a kernel (a GUI backend, the debugger) raises :class:`NeedsKernel` before any cell
    runs. A failing cell keeps its error output and stops the notebook; Papermill then raises its
    ``PapermillExecutionError`` and marks the cell, as with a kernel. Extra engine argument: ``on_cell(number)``,
    called before each code cell runs (the builder's watch on a notebook's progress)."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, on_cell=None, input_path=None, **kwargs):
        from cpanalysis import runner

        nb = nb_man.nb
        name = Path(input_path).name if isinstance(input_path, (str, Path)) else "notebook"
        runner.check_kernel_free(nb, name)
        started = time.perf_counter()

        def start(i, cell):
            if on_cell is not None:
                on_cell(i + 1)
            nb_man.cell_start(cell, i)

        def end(i, cell, error):
            if error is not None:
                nb_man.cell_exception(cell, i)
            nb_man.cell_complete(cell, i)

        runner.run_cells(nb, name, start, end)
        nb.metadata["cpanalysis"] = {"seconds": round(time.perf_counter() - started, 3), "runner": "in-process"}
        return nb

    @classmethod
    def nb_kernel_name(cls, nb, name=None):
        return name or nb.metadata.get("kernelspec", {}).get("name") or "python3"

    @classmethod
    def nb_language(cls, nb, language=None):
        return (language or nb.metadata.get("kernelspec", {}).get("language")
                or nb.metadata.get("language_info", {}).get("name") or "python")


class KernelEngine(NBClientEngine):
    """Papermill engine ``cpanalysis-kernel``: the cells run in a Jupyter kernel through nbclient.

    Extra engine argument: ``kernel``, a warm :class:`Kernel` to run in (its namespace is reset first); without
    it a fresh kernel is started and shut down, exactly as Papermill's own ``nbclient`` engine does."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, kernel=None, **kwargs):
        started = time.perf_counter()
        if kernel is None:
            super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
        else:
            kernel.reset()
            super().execute_managed_notebook(nb_man, kernel_name, km=kernel.km, **kwargs)
        nb_man.nb.metadata["cpanalysis"] = {"seconds": round(time.perf_counter() - started, 3), "runner": "kernel"}
        return nb_man.nb

"""Run the pack's notebooks in this Python process, without a Jupyter kernel.

The notebooks are thin (parameters, calls into :mod:`cpanalysis.present`, prose), so their code cells can be
executed in one namespace per notebook with Papermill's own parameter injection, and the HTML each call
displays is collected as that cell's output. The executed notebooks are the same documents a kernel would
produce (same cells, same HTML outputs), exported by the same nbconvert template. A batch of many councils
uses this: a kernel start and its imports (about 3 s) per council would be most of the work.

A kernel (``cpanalysis.pack``'s warm runner) stays the default for a single pack: it isolates a notebook that
an analyst has extended with their own code from the builder's process.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat


class CellError(RuntimeError):
    """A notebook cell failed; the message names the notebook and the cell."""


def execute(src: str | Path, dst: str | Path, parameters: dict) -> Path:
    """Execute notebook ``src`` with ``parameters`` (injected as Papermill does) and write it to ``dst``."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from cpanalysis import present

    nb = parameterize_notebook(load_notebook_node(str(src)), parameters, report_mode=False)
    namespace: dict = {"__name__": "__cpanalysis_notebook__"}
    started = time.perf_counter()
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        present.SINK = []
        try:
            exec(compile(cell.source, f"{Path(src).name} cell {i + 1}", "exec"), namespace)  # noqa: S102 - our notebooks
        except Exception as err:
            raise CellError(f"{Path(src).name}, cell {i + 1}: {type(err).__name__}: {err}") from err
        finally:
            shown, present.SINK = present.SINK, None
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": h}, metadata={}) for h in shown]
        cell.execution_count = i + 1
    nb.metadata["cpanalysis"] = {"seconds": round(time.perf_counter() - started, 3), "runner": "in-process"}
    nbformat.write(nb, str(dst))
    return Path(dst)

"""The pack's notebooks run through Papermill: the in-process runner and the kernels are registered Papermill
engines (``cpanalysis``, ``cpanalysis-kernel``), reachable from Papermill's Python API and its command line, and the
runner knows nothing of the presentation (issue 21)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cpanalysis import engines, paths

PYTHON = sys.executable
PAPERMILL = str(Path(sys.executable).with_name("papermill"))


def small_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("n = 1", metadata={"tags": ["parameters"]}),
                                         nbformat.v4.new_code_cell("import os\nprint(n * 2, os.getpid())")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_both_engines_are_registered_by_entry_point_and_subclass_papermills_engine():
    from importlib.metadata import entry_points

    from papermill.engines import Engine, papermill_engines

    found = {ep.name: ep.value for ep in entry_points(group="papermill.engine")}
    assert found["cpanalysis"] == "cpanalysis.papermill_engines:InProcessEngine"
    assert found["cpanalysis-kernel"] == "cpanalysis.papermill_engines:KernelEngine"
    for name in ("cpanalysis", "cpanalysis-kernel"):
        assert issubclass(papermill_engines.get_engine(name), Engine)


@pytest.mark.parametrize("first", ["papermill", "cpanalysis.papermill_engines", "cpanalysis.engines"])
def test_the_engines_load_whatever_is_imported_first(first):
    """Papermill loads its entry points when imported, and they name our module: any import order works."""
    code = (f"import {first}\nfrom papermill.engines import papermill_engines as p\n"
            "import cpanalysis.papermill_engines as q\n"
            "assert p.get_engine('cpanalysis') is q.InProcessEngine\nprint('ok')")
    done = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_papermill_api_runs_a_notebook_in_this_process(tmp_path):
    import os

    import papermill as pm

    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(small_notebook(tmp_path / "nb.ipynb")), str(out), parameters={"n": 21},
                        engine_name="cpanalysis", progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    text = nb.cells[-1].outputs[0].text.split()
    assert text == ["42", str(os.getpid())]  # the engine ran the cells here, without a kernel
    assert nb.metadata["cpanalysis"]["runner"] == "in-process"


def test_a_failing_cell_gives_papermills_own_error_and_marked_notebook(tmp_path):
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    src = tmp_path / "nb.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0"),
                                         nbformat.v4.new_code_cell("print('never')")])
    nbformat.write(nb, src)
    out = tmp_path / "out.ipynb"
    with pytest.raises(PapermillExecutionError, match="ZeroDivisionError"):
        pm.execute_notebook(str(src), str(out), engine_name="cpanalysis", progress_bar=False)
    done = nbformat.read(out, as_version=4)
    assert done.metadata.papermill.exception is True
    assert [o.output_type for c in done.cells if c.source == "1 / 0" for o in c.outputs] == ["error"]
    assert [c.outputs for c in done.cells if c.source == "print('never')"] == [[]]
    with pytest.raises(engines.CellError, match=r"nb\.ipynb, cell 2: ZeroDivisionError"):
        engines.run(src, {})


@pytest.mark.notebook
def test_papermill_api_runs_a_notebook_in_a_kernel_with_the_kernel_engine(tmp_path):
    import os

    import papermill as pm

    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(small_notebook(tmp_path / "nb.ipynb")), str(out), parameters={"n": 4},
                        engine_name="cpanalysis-kernel", progress_bar=False, kernel_name="python3")
    nb = nbformat.read(out, as_version=4)
    value, pid = nb.cells[-1].outputs[0].text.split()
    assert value == "8" and pid != str(os.getpid())
    assert nb.metadata["cpanalysis"]["runner"] == "kernel"


def _stability_html(nb) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []))


@pytest.mark.notebook
def test_an_analysts_papermill_command_runs_the_stability_notebook_with_the_engine(tmp_path):
    """``papermill notebooks/04_stability.ipynb out.ipynb -p params_file parameters/demo.yml --engine cpanalysis``
    from the repository: the question's briefing, its figures' record, no kernel."""
    out = tmp_path / "04_stability.ipynb"
    done = subprocess.run([PAPERMILL, "notebooks/04_stability.ipynb", str(out), "-p", "params_file",
                           "parameters/demo.yml", "-p", "record_dir", str(tmp_path), "--engine", "cpanalysis",
                           "--no-progress-bar"], cwd=paths.ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    nb = nbformat.read(out, as_version=4)
    assert "Question 4: Stability" in _stability_html(nb)
    assert nb.metadata["cpanalysis"]["runner"] == "in-process"
    record = json.loads((tmp_path / "04_stability.json").read_text(encoding="utf-8"))
    assert record["question"] == 4


@pytest.mark.notebook
def test_papermill_api_runs_the_stability_notebook_with_the_engine(tmp_path):
    import papermill as pm

    out = tmp_path / "04_stability.ipynb"
    pm.execute_notebook(str(paths.NOTEBOOKS_DIR / "04_stability.ipynb"), str(out),
                        parameters={"params_file": "parameters/demo.yml", "record_dir": str(tmp_path)},
                        engine_name="cpanalysis", cwd=str(paths.ROOT), progress_bar=False)
    assert "Question 4: Stability" in _stability_html(nbformat.read(out, as_version=4))


def test_engine_names_and_the_earlier_runner_names():
    assert engines.engine_name("cpanalysis") == engines.engine_name("inprocess") == "cpanalysis"
    assert {engines.engine_name(n) for n in ("cpanalysis-kernel", "warm", "papermill")} == {"cpanalysis-kernel"}
    with pytest.raises(ValueError, match="unknown runner"):
        engines.engine_name("nbclient-typo")


def _imports(module: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def test_the_runner_and_engines_know_nothing_of_the_presentation():
    """No arrow from the runner (nor its engines) to present: the presentation fills the neutral sink."""
    for name in ("runner", "engines", "papermill_engines"):
        imported = _imports(paths.PACKAGE_DIR / f"{name}.py")
        assert not {i for i in imported if i.startswith(("cpanalysis.present", "cpanalysis.briefing"))}, name
    assert "cpanalysis.sink" in _imports(paths.PACKAGE_DIR / "runner.py")
    done = subprocess.run([PYTHON, "-c", "import sys, cpanalysis.runner, cpanalysis.engines\n"
                                         "print('cpanalysis.present' in sys.modules)"],
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "False", done.stderr


def test_no_module_of_the_runner_is_over_700_lines():
    for name in ("runner", "engines", "papermill_engines", "workers", "kernels", "pack", "sink"):
        lines = (paths.PACKAGE_DIR / f"{name}.py").read_text(encoding="utf-8").count("\n")
        assert lines < 700, (name, lines)

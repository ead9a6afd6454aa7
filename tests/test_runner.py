"""The in-process runner (cpanalysis.runner) gives the outputs a Jupyter kernel gives, isolates notebooks run one
after another, and reports failing cells and notebooks that need a kernel."""

from __future__ import annotations

import nbformat
import pytest

from cpanalysis import engines, present, runner, sink

ANALYST_CELLS = [
    "x = 1",
    "x + 1",
    "x + 1;",
    "from IPython.display import display, HTML; display(HTML('<b>hi</b>'))",
    "print('hello')",
    "import pandas as pd\npd.DataFrame({'a': [1, 2], 'b': [3, 4]})",
    "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2, 3]);",
    "print('before')\ndisplay(HTML('<i>between</i>'))\nprint('after')",
    "None",
]


def write_nb(path, cells, parameters_cell: str | None = None):
    """An analyst's notebook: a Markdown cell, then ``cells``; without parameters Papermill injects none, so
    ``cells[0]`` is cell 2 (with parameters and no ``parameters`` cell, the injected cell comes first)."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    if parameters_cell is not None:
        nb.cells.insert(0, nbformat.v4.new_code_cell(parameters_cell, metadata={"tags": ["parameters"]}))
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("An analyst's notebook"))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def run(tmp_path, cells, name="nb.ipynb", parameters=None, parameters_cell=None):
    src = write_nb(tmp_path / name, cells, parameters_cell)
    dst = engines.execute(src, tmp_path / f"out-{name}", parameters or {})
    return {c.source: c for c in nbformat.read(str(dst), as_version=4).cells if c.cell_type == "code"}


def shape(cell) -> list[tuple[str, ...]]:
    """Output types with their mime keys (or stream name): what a kernel and the runner must agree on."""
    return [(o.output_type, *(sorted(o.data) if "data" in o else [o.get("name", o.get("ename", ""))]))
            for o in cell.outputs]


def test_outputs_are_a_kernels(tmp_path):
    import matplotlib.pyplot as plt

    cells = run(tmp_path, ANALYST_CELLS)
    assert cells["x = 1"].outputs == []
    (two,) = cells["x + 1"].outputs
    assert two.output_type == "execute_result" and two.data == {"text/plain": "2"}
    assert two.execution_count == cells["x + 1"].execution_count
    assert cells["x + 1;"].outputs == []
    (hi,) = cells[ANALYST_CELLS[3]].outputs
    assert hi.output_type == "display_data" and hi.data["text/html"] == "<b>hi</b>"
    (hello,) = cells["print('hello')"].outputs
    assert (hello.output_type, hello.name, hello.text) == ("stream", "stdout", "hello\n")
    (frame,) = cells[ANALYST_CELLS[5]].outputs
    assert frame.output_type == "execute_result" and "<table" in frame.data["text/html"]
    assert "text/plain" in frame.data
    assert shape(cells[ANALYST_CELLS[6]]) == [("display_data", "image/png", "text/plain")]
    assert plt.get_fignums() == []
    assert shape(cells[ANALYST_CELLS[7]]) == [("stream", "stdout"), ("display_data", "text/html", "text/plain"),
                                              ("stream", "stdout")]
    assert cells["None"].outputs == []
    counts = [c.execution_count for c in cells.values()]
    assert counts == list(range(1, len(counts) + 1))


def test_present_html_is_collected_once_in_order(tmp_path):
    cells = run(tmp_path, ["from cpanalysis import present",
                           "print('a')\npresent._display_html('<p>one</p>')\npresent._display_html('<p>two</p>')"])
    outs = cells["print('a')\npresent._display_html('<p>one</p>')\npresent._display_html('<p>two</p>')"].outputs
    assert [o.output_type for o in outs] == ["stream", "display_data", "display_data"]
    assert [o.data for o in outs[1:]] == [{"text/html": "<p>one</p>"}, {"text/html": "<p>two</p>"}]
    assert [o.metadata for o in outs[1:]] == [{}, {}]
    assert present.SINK is None and sink.SINK is None


def test_parameters_are_injected(tmp_path):
    cells = run(tmp_path, ["print(council, year)"], parameters={"council": "Leeds", "year": 2024},
                parameters_cell="council = 'Demo'\nyear = 2000")
    assert cells["print(council, year)"].outputs[0].text == "Leeds 2024\n"


def test_magics_run_as_in_a_kernel(tmp_path):
    cells = run(tmp_path, ["%time 1", "!echo hi", "%%time\ny = 2", "len?", "%matplotlib inline", "y"])
    assert shape(cells["%time 1"]) == [("stream", "stdout"), ("execute_result", "text/plain")]
    assert "Wall time" in cells["%time 1"].outputs[0].text
    assert cells["!echo hi"].outputs[0].text.strip() == "hi"
    assert "Wall time" in cells["%%time\ny = 2"].outputs[0].text
    assert cells["len?"].outputs == []  # help goes to a pager, which a notebook run does not keep
    assert cells["y"].outputs[0].data == {"text/plain": "2"}


@pytest.mark.parametrize("magic", ["%matplotlib qt", "%matplotlib widget", "%gui qt", "%debug", "%qtconsole"])
def test_needs_kernel_before_any_cell_runs(tmp_path, magic):
    marker = tmp_path / "ran"
    src = write_nb(tmp_path / "nb.ipynb", [f"open({str(marker)!r}, 'w').close()", "x = 1", magic])
    with pytest.raises(runner.NeedsKernel, match=r"nb\.ipynb, cell 4: %"):
        engines.execute(src, tmp_path / "out.ipynb", {})
    assert not marker.exists()
    assert not (tmp_path / "out.ipynb").exists()


def test_notebooks_are_isolated(tmp_path):
    import warnings

    import matplotlib
    import pandas as pd

    before = (pd.get_option("display.max_rows"), tuple(matplotlib.rcParams["figure.figsize"]),
              len(warnings.filters))
    run(tmp_path, ["import pandas as pd, matplotlib.pyplot as plt, warnings, os",
                   "pd.set_option('display.max_rows', 3)\nplt.rcParams['figure.figsize'] = (1, 1)\n"
                   "warnings.simplefilter('ignore')\nsecret = 42\nos.environ['CPA_TEST_LEAK'] = '1'",
                   "plt.figure()\nplt.plot([1])\nimport matplotlib._pylab_helpers as h\nlen(h.Gcf.figs)"],
        name="a.ipynb")
    cells = run(tmp_path, ["import pandas as pd, matplotlib.pyplot as plt",
                           "pd.get_option('display.max_rows'), tuple(plt.rcParams['figure.figsize'])",
                           "'secret' in globals()", "import os\n'CPA_TEST_LEAK' in os.environ"],
                name="b.ipynb")
    seen = cells["pd.get_option('display.max_rows'), tuple(plt.rcParams['figure.figsize'])"].outputs[0]
    assert seen.data["text/plain"] == repr((before[0], before[1]))
    assert cells["'secret' in globals()"].outputs[0].data["text/plain"] == "False"
    assert cells["import os\n'CPA_TEST_LEAK' in os.environ"].outputs[0].data["text/plain"] == "False"
    assert (pd.get_option("display.max_rows"), tuple(matplotlib.rcParams["figure.figsize"]),
            len(warnings.filters)) == before


def test_failing_cell_names_notebook_and_cell(tmp_path):
    import matplotlib.pyplot as plt

    src = write_nb(tmp_path / "broken.ipynb", ["x = 1", "from cpanalysis import present\n"
                                               "present._display_html('<p>partial</p>')\nplt_fig = 1 / 0"])
    with pytest.raises(runner.CellError, match=r"broken\.ipynb, cell 3: ZeroDivisionError: division by zero"):
        engines.execute(src, tmp_path / "out.ipynb", {})
    assert present.SINK is None and sink.SINK is None
    assert plt.get_fignums() == []
    with pytest.raises(runner.CellError, match=r"broken\.ipynb, cell 2: SyntaxError"):
        engines.execute(write_nb(tmp_path / "broken.ipynb", ["x = ("]), tmp_path / "out.ipynb", {})
    # the shell is usable afterwards, with a fresh namespace
    cells = run(tmp_path, ["'x' in globals()"])
    assert cells["'x' in globals()"].outputs[0].data["text/plain"] == "False"


def test_builder_process_is_left_alone(tmp_path, monkeypatch):
    import builtins
    import os
    import sys

    from IPython.core.interactiveshell import InteractiveShell

    def state():
        return (sys.modules["__main__"], sys.stdout, sys.stderr, sys.stdin, sys.displayhook, os.getcwd(),
                getattr(sys, "ps1", None), "__IPYTHON__" in vars(builtins), "display" in vars(builtins),
                InteractiveShell.initialized())

    monkeypatch.setattr(runner, "_SHELL", None)  # the shell is created here: its creation must leave no trace
    before = state()
    cells = run(tmp_path, ["import sys, os\nos.chdir('/')\nsys.modules['__main__'].__name__, __IPYTHON__",
                           "get_ipython() is not None"])
    assert cells["get_ipython() is not None"].outputs[0].data["text/plain"] == "True"
    assert state() == before


@pytest.mark.notebook
def test_same_outputs_as_a_kernel(tmp_path):
    """The same analyst notebook through a real kernel and through the runner: same output types and mime
    keys, cell by cell."""
    from nbclient import NotebookClient

    src = write_nb(tmp_path / "analyst.ipynb", ANALYST_CELLS + ["import sys\nprint('careful', file=sys.stderr)",
                                                                "%time 1", "!echo hi"])
    ours = nbformat.read(str(engines.execute(src, tmp_path / "ours.ipynb", {})), as_version=4)
    theirs = nbformat.read(str(src), as_version=4)
    NotebookClient(theirs, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(tmp_path)}}
                   ).execute()
    ours_by_source = {c.source: c for c in ours.cells if c.cell_type == "code"}
    for b in theirs.cells:
        if b.cell_type == "code":
            assert shape(ours_by_source[b.source]) == shape(b), b.source

"""Notebooks that cannot corrupt each other or the build (issue 25, medium 4-6 and the quadratic stream capture).

The in-process runner runs each notebook in a process forked from the builder: what a cell changes (a module's
function, the export guard, the shared evidence) dies with its notebook; whatever ends or breaks a notebook's
process fails the build naming the notebook and the cell; the export guard runs in the builder."""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import pytest

from cpanalysis import cli, config, engines, guard, pack, paths, workers


def write_nb(path: Path, cells: list[str]) -> str:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 0", metadata={"tags": ["parameters"]})]
                                  + [nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return str(path)


def isolated(tmp_path: Path, cells: list[str], timeout: float = 60.0) -> tuple[str | None, Path]:
    """Run one notebook of ``cells`` in its own process: (error or None, executed copy)."""
    src = write_nb(tmp_path / "nb.ipynb", cells)
    dst = tmp_path / "nb.out.ipynb"
    started = time.monotonic()
    ((where, error, kernel),) = workers.execute_isolated([(src, str(dst), {})], timeout=timeout)
    assert time.monotonic() - started < timeout + 30  # never hangs past its timeout
    assert where == str(dst) and not kernel
    return error, dst


def notebook_with(monkeypatch, folder: Path, number: str, source: str, tags=("remove_input",)) -> Path:
    """Build question ``number``'s notebook from a copy with one code cell added at the end (an analyst's cell)."""
    name = next(p.stem for p in paths.NOTEBOOKS_DIR.glob(f"{number}_*.ipynb"))
    nb = nbformat.read(paths.NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)}))
    copy = folder / f"{number}_extended.ipynb"
    nbformat.write(nb, copy)
    real = pack.notebook_path
    monkeypatch.setattr(pack, "notebook_path", lambda n: copy if n.startswith(number) else real(n))
    return copy


def demo(out: Path, topics=(4,)):
    return config.load(paths.DEFAULT_PARAMS, {"output_dir": str(out), "topics": list(topics)})


# ------------------------------------------------------------------------------ medium 4: shared state
HOSTILE = """
from cpanalysis import guard, narrative, evidence
narrative.fmt = lambda *a, **k: "HACKED"
guard.check = lambda *a, **k: None
guard.scan_files = lambda *a, **k: []
ctx.results["value"] = 0.5
for key in [k for k in vars(ctx) if k.startswith("_")]:  # the shared findings and groupings, worked out again
    del ctx.__dict__[key]
"""


@pytest.mark.notebook
def test_a_cell_cannot_change_another_notebooks_figures(tmp_path, monkeypatch):
    """A cell at the end of question 1's notebook replaces the number formatter, sets every figure to 0.5 and
    empties the shared findings; question 4, built after it in the same build, is untouched: its trend text,
    alt text and figures JSON are the true ones."""
    notebook_with(monkeypatch, tmp_path, "01", HOSTILE)
    result = pack.build_pack(demo(tmp_path / "out", topics=(1, 4)), workers=1, summary=False, use_cache=False)
    html = result.html.read_text(encoding="utf-8")
    q4 = html[html.index('id="q4"'):]
    assert "HACKED" not in q4
    figures = json.loads((result.out_dir / "figures" / "04_stability.json").read_text(encoding="utf-8"))["figures"]
    values = [f["value"] for f in figures if f.get("value") is not None]
    assert values and any(v != 0.5 for v in values)
    by_id = {f["indicator_id"]: f for f in figures if f.get("breakdown", "Total") == "Total"}
    assert by_id["stability_3plus_placements"]["value"] != 0.5
    # the builder's own modules were never touched
    from cpanalysis import narrative

    assert narrative.fmt(0.25, "percent") != "HACKED"
    assert guard.check.__module__ == "cpanalysis.guard"


@pytest.mark.notebook
def test_a_cell_cannot_disable_the_export_guard(tmp_path, monkeypatch):
    """A cell replaces ``guard.check`` and ``guard.scan_files`` with functions that do nothing, then shows child
    identifiers: the guard runs in the builder, on the notebook's output, and the build fails."""
    notebook_with(monkeypatch, tmp_path, "04", HOSTILE + "\nfrom cpanalysis import present\n"
                  "present._display_html('<p>' + ' '.join(ctx.data.tables['header']['CHILD'].astype(str)[:5]) + '</p>')")
    out = tmp_path / "out"
    with pytest.raises(guard.IdentifyingOutputError, match="child identifier"):
        pack.build_pack(demo(out), workers=1, summary=False, use_cache=False)
    assert not out.exists()


# ------------------------------------------------------------------------------ medium 5: ending the build
@pytest.mark.parametrize("cell,expect", [
    ("import os\nos._exit(0)", r"nb\.ipynb, cell 3: the cell ended the notebook's process \(exit status 0"),
    ("import os\nos._exit(1)", r"nb\.ipynb, cell 3: the cell ended the notebook's process \(exit status 1"),
    ("import ctypes\nctypes.string_at(0)", r"nb\.ipynb, cell 3: .*SIGSEGV \(a segmentation fault"),
    ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", r"nb\.ipynb, cell 3: .*SIGKILL"),
    ("import os\npid = os.fork()", r"nb\.ipynb, cell 3: the cell called os\.fork\(\)"),
    ("exit()", r"nb\.ipynb, cell 3: the cell called exit\(\), quit\(\) or sys\.exit\(\)"),
    ("quit()", r"nb\.ipynb, cell 3: the cell called exit\(\)"),
    ("import sys\nsys.exit(0)", r"nb\.ipynb, cell 3: the cell called exit\(\)"),
])
def test_a_cell_that_ends_or_breaks_its_process_fails_naming_the_cell(tmp_path, cell, expect):
    import re

    error, dst = isolated(tmp_path, ["y = 1", cell, "print('the rest ran')"])
    assert error and re.search(expect, error), error
    assert "ask_exit" not in error and "AttributeError" not in error
    assert not dst.exists()  # nothing is reported as a result


def test_a_forked_copy_never_runs_the_rest_of_the_notebook(tmp_path):
    marker = tmp_path / "rest"
    error, _ = isolated(tmp_path, ["import os\npid = os.fork()",
                                   f"open({str(marker)!r} + str(os.getpid()), 'w').close()"])
    assert "os.fork()" in error
    time.sleep(0.5)
    assert list(tmp_path.glob("rest*")) == []  # neither the notebook nor its copy ran the next cell


def test_a_cell_that_runs_forever_is_stopped_naming_the_cell(tmp_path):
    error, _ = isolated(tmp_path, ["import time\ntime.sleep(600)"], timeout=2)
    assert "nb.ipynb, cell 2 was still running after 2 s" in error


@pytest.mark.notebook
def test_os_exit_in_a_cell_fails_the_build_and_keeps_the_last_pack(tmp_path, monkeypatch, capsys):
    """``os._exit(0)`` in a cell: before, the build ended with exit 0 and no output, leaving the old pack."""
    out = tmp_path / "out"
    argv = ["pack", "--params", str(paths.DEFAULT_PARAMS), "--topics", "4", "--out", str(out), "--no-cache"]
    assert cli.main(argv) == 0
    good = (out / "evidence-pack.html").read_bytes()
    capsys.readouterr()
    notebook_with(monkeypatch, tmp_path, "04", "import os\nos._exit(0)")
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "04_extended.ipynb, cell" in err and "os._exit()" in err and "was not replaced" in err
    assert (out / "evidence-pack.html").read_bytes() == good


# ------------------------------------------------------------------------------ medium 6: stdin and a Pool
def test_stdin_is_a_file_that_can_be_closed(tmp_path):
    src = write_nb(tmp_path / "nb.ipynb", ["import sys\nsys.stdin.close()\nprint(sys.stdin.closed, sys.stdin.readable())",
                                           "import io\ntry:\n    sys.stdin.fileno()\nexcept io.UnsupportedOperation:\n"
                                           "    print('no fileno')"])
    nb = nbformat.read(engines.execute(src, tmp_path / "out.ipynb", {}), as_version=4)
    assert nb.cells[1].outputs[0].text == "True True\n"
    assert nb.cells[2].outputs[0].text == "no fileno\n"


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_multiprocessing_pool_in_a_cell_works(tmp_path, method):
    """Before, every pool worker died at once (the stand-in stdin had no close()) and the build hung for ever."""
    error, dst = isolated(tmp_path, [f"import multiprocessing as mp\nwith mp.get_context({method!r}).Pool(2) as pool:\n"
                                     "    print(pool.map(abs, [-1, -2, 3]))"], timeout=120)
    assert error is None
    assert nbformat.read(dst, as_version=4).cells[1].outputs[0].text == "[1, 2, 3]\n"


def test_processes_a_notebook_leaves_behind_are_ended(tmp_path):
    """A pool never closed, a subprocess left running: they end with their notebook."""
    import os

    error, dst = isolated(tmp_path, ["import subprocess\np = subprocess.Popen(['sleep', '600'])\nprint(p.pid)"])
    assert error is None
    pid = int(nbformat.read(dst, as_version=4).cells[1].outputs[0].text)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the notebook's subprocess outlived it")


# ------------------------------------------------------------------------------ low: printing many lines
def test_printing_many_lines_takes_linear_time(tmp_path):
    """320,000 printed lines took 225 s: each write appended to one growing string. Eight times the lines must
    take well under 64 times as long (quadratic); linear capture takes about 8 times the floor."""
    def cost(lines: int) -> float:
        src = write_nb(tmp_path / f"p{lines}.ipynb", [f"for i in range({lines}):\n    print(i)"])
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            nb = nbformat.read(engines.execute(src, tmp_path / "out.ipynb", {}), as_version=4)
            best = min(best, time.perf_counter() - started)
        assert nb.cells[1].outputs[0].text.count("\n") == lines
        return best

    floor = cost(20_000)
    assert cost(160_000) < 24 * floor


def test_streams_keep_their_order_and_merge(tmp_path):
    src = write_nb(tmp_path / "nb.ipynb", ["import sys\nprint('a')\nprint('b')\nprint('c', file=sys.stderr)\n"
                                           "print('d')\ndisplay(1)\nprint('e')"])
    nb = nbformat.read(engines.execute(src, tmp_path / "out.ipynb", {}), as_version=4)
    outs = nb.cells[1].outputs
    assert [(o.output_type, o.get("name"), o.get("text")) for o in outs] == [
        ("stream", "stdout", "a\nb\n"), ("stream", "stderr", "c\n"), ("stream", "stdout", "d\n"),
        ("display_data", None, None), ("stream", "stdout", "e\n")]

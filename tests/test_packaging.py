"""Packaging and notebook hygiene: environment.yml cannot drift from pyproject.toml; notebook
templates stay thin, output-free and runnable by Papermill with the venv's own kernel."""

from __future__ import annotations

import re
import tomllib

import nbformat
import pytest
import yaml

from cpanalysis import paths

PYPROJECT = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())
ENV = yaml.safe_load((paths.ROOT / "environment.yml").read_text())
NOTEBOOKS = sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb"))


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req, maxsplit=1)[0].strip().lower().replace("_", "-")


def test_environment_yml_installs_the_package_from_pyproject():
    deps = ENV["dependencies"]
    pythons = [d for d in deps if isinstance(d, str) and d.startswith("python")]
    assert pythons, "environment.yml must pin python"
    version = pythons[0].split("=", 1)[1]
    minimum = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    assert tuple(map(int, version.split("."))) >= tuple(map(int, minimum.split("."))), \
        f"environment.yml python {version} is older than requires-python {minimum}"
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert pip_sections and "-e .[dev]" in pip_sections[0], "environment.yml must pip install -e .[dev]"
    assert "pip" in deps


def test_conda_packages_are_declared_in_pyproject():
    """Anything environment.yml installs from conda must also be a pyproject dependency (one source of truth)."""
    declared = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    declared |= {_name(r) for r in PYPROJECT["project"]["optional-dependencies"]["dev"]}
    conda = {_name(d.split("=")[0]) for d in ENV["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert conda <= declared, f"in environment.yml but not pyproject.toml: {sorted(conda - declared)}"


def test_makefile_installs_same_extras_as_environment_yml():
    make = (paths.ROOT / "Makefile").read_text()
    assert "pip install --quiet -e '.[dev]'" in make
    assert "ipykernel install --sys-prefix --name python3" in make


def test_console_script():
    assert PYPROJECT["project"]["scripts"]["cpanalysis"] == "cpanalysis.cli:main"


def test_every_topic_has_a_notebook():
    from cpanalysis.config import TOPICS

    names = {p.stem for p in NOTEBOOKS}
    for n, slug in TOPICS.items():
        assert f"{n:02d}_{slug}" in names
    assert "00_summary" in names and "99_annex" in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_template_hygiene(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert sum("parameters" in t for t in tags) == 1, "exactly one parameters cell"
    assert not any("injected-parameters" in t for t in tags), "an executed copy was saved over the template"
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert not cell.get("outputs") and cell.get("execution_count") is None, "commit notebooks without outputs"
        t = cell.metadata.get("tags", [])
        assert {"parameters", "remove_input", "remove_cell"} & set(t), "every code cell hides its code in the pack"
        if "parameters" not in t:
            # Notebooks stay thin: calls into cpanalysis only, no analysis logic.
            assert len(cell.source.splitlines()) <= 4, cell.source
            assert "import pandas" not in cell.source and "groupby" not in cell.source

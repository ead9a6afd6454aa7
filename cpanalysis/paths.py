"""Where things live. Notebooks resolve every path from here, never from the working directory
(Papermill and nbval start kernels in different folders)."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent
DATA_DIR = ROOT / "data"
DEMO_DIR = DATA_DIR / "demo"
DEMO_SSDA903_DIR = DEMO_DIR / "ssda903"
DEMO_PUBLISHED_DIR = DEMO_DIR / "published"
DEMO_LOCAL_DIR = DEMO_DIR / "local"
TEMPLATES_DIR = DATA_DIR / "templates"
NOTEBOOKS_DIR = ROOT / "notebooks"
PARAMETERS_DIR = ROOT / "parameters"
OUTPUTS_DIR = ROOT / "outputs"
DEFAULT_PARAMS = PARAMETERS_DIR / "demo.yml"
SPEC_DIR = PACKAGE_DIR / "spec"
# Real DfE published files shared beside the project (tests only; never copied into the tree).
# CPANALYSIS_SHARED_DATA points elsewhere (e.g. a missing folder, to run the tests as on a clone without it).
SHARED_DATA_DIR = Path(os.environ.get("CPANALYSIS_SHARED_DATA") or ROOT.parent / "shared" / "data").expanduser()


def resolve(path: str | Path, base: Path | None = None) -> Path:
    """Resolve a path from a parameters file: absolute stays, relative is taken from the repo root."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else ((ROOT if base is None else base) / p).resolve()


def for_parameters(path: Path) -> str:
    """How a parameters file names ``path``: relative to the repository when it lies inside it (so the file moves
    with the clone, and reads as the README shows), otherwise absolute."""
    p = Path(path).resolve()
    try:
        return p.relative_to(ROOT.resolve()).as_posix()
    except ValueError:
        return str(p)

"""YAML of the package's own files (the catalogue, the questions, the code lists), read with libyaml's C parser.

PyYAML's pure-Python parser took about a second for the catalogue alone on every build; the C parser
(``CSafeLoader``, built into PyYAML's wheels) reads the same safe subset about ten times faster. Parameters
files are not read here: :mod:`cpanalysis.config` reads them with the line numbers its error messages need."""

from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` with the C parser when PyYAML has it."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader

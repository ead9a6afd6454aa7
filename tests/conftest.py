"""Test-wide settings."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Keep the parsed-published-files cache inside the test session, never in the user's home."""
    old = os.environ.get("CPANALYSIS_CACHE_DIR")
    os.environ["CPANALYSIS_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        os.environ.pop("CPANALYSIS_CACHE_DIR", None)
    else:
        os.environ["CPANALYSIS_CACHE_DIR"] = old

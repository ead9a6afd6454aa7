"""Test-wide settings."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

#: property-based tests explore the same examples on every run (tests are deterministic): a failure found once
#: is found again, on any machine; ``HYPOTHESIS_PROFILE=explore`` searches afresh (and keeps its database)
settings.register_profile("deterministic", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


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


def pytest_collection_modifyitems(config, items):
    """Tests marked ``shared`` skip, saying why, on a clone without ../shared/data (or with
    CPANALYSIS_SHARED_DATA pointing at a missing folder)."""
    from cpanalysis import paths

    if paths.SHARED_DATA_DIR.exists():
        return
    skip = pytest.mark.skip(reason=f"the real DfE files are not at {paths.SHARED_DATA_DIR} (../shared/data beside "
                                   "the project)")
    for item in items:
        if "shared" in item.keywords:
            item.add_marker(skip)

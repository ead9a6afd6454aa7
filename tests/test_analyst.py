"""The analyst's route: the analyst's guide's "Adding an indicator" example (docs/analysts.md) runs as written, and an id that is already
registered is refused with both places named (nothing is silently replaced)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from builders import cla, ep

from cpanalysis import config, paths
from cpanalysis.evidence import PackContext
from cpanalysis.indicators import registry

EXAMPLE_ID = "placement_secure_children_home"


def readme_example() -> str:
    text = (paths.ROOT / "docs" / "analysts.md").read_text(encoding="utf-8")
    section = text.split("## Adding an indicator", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks, "the analyst's guide's 'Adding an indicator' section has no python example"
    return blocks[0]


@pytest.fixture
def clean_registry():
    """Whatever a test registers is removed afterwards, so other tests see only the built-in indicators."""
    registry.all_indicators()
    before = dict(registry.REGISTRY)
    yield
    registry.REGISTRY.clear()
    registry.REGISTRY.update(before)


def _run(source: str, module: str) -> dict:
    namespace = {"__name__": module}
    exec(compile(source, f"<{module}>", "exec"), namespace)  # noqa: S102 - the README's own example
    return namespace


def test_readme_example_runs_as_written(clean_registry):
    source = readme_example()
    assert EXAMPLE_ID not in registry.REGISTRY, "the README's example must use a new id"
    _run(source, "readme_example")
    ind = registry.get(EXAMPLE_ID)
    data = cla(years=(2025,), episodes=[
        ep("A", "01/01/2024", PLACE="K1"),                                   # secure children's home
        ep("B", "01/01/2024", PLACE="U1"),
        ep("C", "01/01/2024", PLACE="K2"),
        ep("D", "01/01/2024", "01/02/2025", rec="E11", PLACE="K1"),          # left care before 31 March
    ])
    audit, rows = registry.run(ind, registry.Context(data=data, year=2025))
    total = rows[0]
    assert (total["numerator"], total["denominator"]) == (1, 3)
    assert total["value"] == pytest.approx(100 / 3)
    # the README's "try it" line: a context's audit lists the children counted
    params = config.load(paths.DEFAULT_PARAMS)
    counted = PackContext(params=params, data=data).audit(EXAMPLE_ID)
    assert set(counted.loc[counted["in_numerator"], "CHILD"]) == {"A"}
    # running the notebook cell a second time replaces the indicator with itself, no error
    _run(source, "readme_example")


def test_readme_example_is_listed_for_its_question(clean_registry):
    _run(readme_example(), "readme_example")
    assert EXAMPLE_ID in [i.id for i in registry.all_indicators(7)]


def test_registering_an_existing_id_names_both_places(clean_registry):
    source = readme_example().replace(EXAMPLE_ID, "placement_with_parents")
    with pytest.raises(registry.DuplicateIndicatorError) as err:
        _run(source, "analyst_module")
    msg = str(err.value)
    assert "cpanalysis.indicators.placements.placement_with_parents" in msg  # the built-in one
    assert "placements.py" in msg and "analyst_module.placement_with_parents" in msg  # and the new one
    # the built-in indicator is untouched
    assert registry.get("placement_with_parents").fn.__module__ == "cpanalysis.indicators.placements"


def test_two_analyst_functions_with_one_id_refused(clean_registry):
    _run(readme_example(), "first_module")
    second = readme_example().replace("def placement_secure_children_home", "def another_name")
    with pytest.raises(registry.DuplicateIndicatorError, match="first_module.placement_secure_children_home"):
        _run(second, "second_module")


def test_duplicate_is_caught_even_before_the_built_in_modules_are_imported(clean_registry, monkeypatch):
    """An analyst's module imported first (the registry empty) is still checked against every built-in id."""
    saved = dict(registry.REGISTRY)
    registry.REGISTRY.clear()
    monkeypatch.setattr(registry, "_load_all", lambda: registry.REGISTRY.update(saved))
    with pytest.raises(registry.DuplicateIndicatorError):
        _run(readme_example().replace(EXAMPLE_ID, "stability_long_term"), "early_module")
    assert isinstance(pd.DataFrame(), pd.DataFrame)

"""The parameters model: good files load, bad files stop with a message naming the key and the fix."""

from __future__ import annotations

import textwrap

import pytest

from cpanalysis import config, paths
from cpanalysis.config import ParameterError


def write(tmp_path, text: str):
    p = tmp_path / "p.yml"
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


GOOD = """
council: {name: Testborough, old_la_code: "894", new_la_code: E06000020, region: West Midlands}
year: 2024
inputs: {ssda903: data/demo/ssda903}
"""


def test_demo_parameters_load():
    p = config.load(paths.DEFAULT_PARAMS)
    assert p.council.name == "Demoshire"
    assert p.demonstration is True
    assert p.year == 2025
    assert p.topics == list(range(1, 11))
    assert p.disclosure.suppress_counts_up_to == 5 and p.disclosure.min_denominator == 11
    assert p.source_file == paths.DEFAULT_PARAMS


def test_minimal_file_gets_safe_defaults(tmp_path):
    p = config.load(write(tmp_path, GOOD))
    assert p.comparators.statistical_neighbours == "2025"
    assert p.disclosure.suppress_counts_up_to == 5
    assert p.demonstration is False
    assert p.inputs.ssda903.as_posix() == "data/demo/ssda903"


def test_overrides_replace_file_values(tmp_path):
    p = config.load(write(tmp_path, GOOD), {"year": 2022, "inputs.published": "/x"})
    assert p.year == 2022
    assert p.inputs.published.as_posix() == "/x"


@pytest.mark.parametrize("text, expected", [
    ("council: {name: X}\ninputs: {ssda903: d}\n", "year: missing"),
    (GOOD.replace("year: 2024", "year: 1990"), "year: Input should be greater than or equal to 2015"),
    (GOOD.replace('"894"', '"89"'), "council.old_la_code"),
    (GOOD.replace("E06000020", "W06000020"), "council.new_la_code"),
    (GOOD + "comparators: {statistical_neighbours: '2019'}\n", "Accepted values: '2025', '2021', 'custom' or 'none'"),
    (GOOD + "comparators: {statistical_neighbours: custom}\n", "must list at least one council"),
    (GOOD + "disclosure: {suppress_counts_up_to: 2}\n", "disclosure.suppress_counts_up_to"),
    (GOOD + "disclosure: {min_denominator: 5}\n", "disclosure.min_denominator"),
    (GOOD + "topics: [4, 11]\n", "unknown topic(s) [11]; accepted: 1 to 10"),
    (GOOD + "yeer: 2024\n", "yeer: is not a known parameter"),
    (GOOD.replace("inputs: {ssda903: data/demo/ssda903}", "inputs: {}"), "inputs must give ssda903"),
])
def test_bad_parameters_name_the_key(tmp_path, text, expected):
    with pytest.raises(ParameterError) as err:
        config.load(write(tmp_path, text))
    assert expected in str(err.value)
    assert str(tmp_path / "p.yml") in str(err.value)  # names the file


def test_invalid_yaml_names_line(tmp_path):
    with pytest.raises(ParameterError, match=r"not valid YAML at line \d+, column \d+"):
        config.load(write(tmp_path, "council:\n  name: [unclosed\nyear: 2024\n"))


def test_missing_file(tmp_path):
    with pytest.raises(ParameterError, match="parameters file not found"):
        config.load(tmp_path / "nope.yml")


def test_json_round_trip_for_notebooks():
    p = config.load(paths.DEFAULT_PARAMS)
    q = config.from_json(p.model_dump_json())
    assert q.council == p.council and q.year == p.year and q.inputs == p.inputs


TARGETS = GOOD + """
targets:
  - indicator: stability_3plus_placements
    below: 10
    baseline: 12
    baseline_year: 2024
    by: 31 March 2026
    source: "Corporate parenting scorecard"
  - indicator: care_leavers_suitable_accom_19_21
    between: [95, 100]
    source: "Corporate parenting scorecard"
"""


def test_targets_load_with_their_source(tmp_path):
    p = config.load(write(tmp_path, TARGETS))
    assert [t.indicator for t in p.targets] == ["stability_3plus_placements", "care_leavers_suitable_accom_19_21"]
    assert p.targets[0].below == 10 and p.targets[0].baseline == 12 and p.targets[0].by == "31 March 2026"
    assert p.targets[1].between == (95, 100)
    assert p.targets[1].wording(lambda v: f"{v:.0f}%") == "between 95% and 100%"
    assert tmp_path.exists()


def test_demo_sets_targets_modelled_on_a_scorecard():
    p = config.load(paths.DEFAULT_PARAMS)
    assert {"stability_3plus_placements", "stability_long_term", "care_leavers_suitable_accom_19_21"} <= {
        t.indicator for t in p.targets}
    assert all(t.source for t in p.targets)


@pytest.mark.parametrize("target,expect", [
    ("{indicator: stability_3plus_placements, source: Scorecard}", "exactly one of below, above or between"),
    ("{indicator: stability_3plus_placements, below: 10, above: 5, source: Scorecard}", "exactly one of below"),
    ("{indicator: stability_3plus_placement, below: 10, source: Scorecard}", "Did you mean stability_3plus_placements"),
    ("{indicator: stability_3plus_placements, between: [100, 95], source: Scorecard}", "low <= high"),
    ("{indicator: stability_3plus_placements, below: .nan, source: Scorecard}", "finite"),
    ("{indicator: stability_3plus_placements, below: ten, source: Scorecard}", "targets.0.below"),
    ("{indicator: stability_3plus_placements, below: 10}", "targets.0.source: missing"),
    ("{indicator: stability_3plus_placements, below: 10, source: Scorecard, due: 2026}", "targets.0.due: is not a known"),
])
def test_bad_targets_are_refused_naming_the_key(tmp_path, target, expect):
    with pytest.raises(ParameterError) as err:
        config.load(write(tmp_path, GOOD + f"targets:\n  - {target}\n"))
    assert expect in str(err.value)


def test_two_targets_for_one_measure_are_refused(tmp_path):
    t = "  - {indicator: stability_3plus_placements, below: 10, source: Scorecard}\n"
    with pytest.raises(ParameterError, match="more than one target for stability_3plus_placements"):
        config.load(write(tmp_path, GOOD + "targets:\n" + t + t))

"""The command line: exit codes and plain messages."""

from __future__ import annotations

import pytest

from cpanalysis import cli


def run(capsys, *argv):
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_unknown_topic_is_a_usage_error(capsys):
    code, _, err = run(capsys, "pack", "--topics", "4,12")
    assert code == 2
    assert "unknown question(s) [12]; accepted: 1 to 10" in err


def test_missing_parameters_file(capsys, tmp_path):
    code, _, err = run(capsys, "pack", "--params", str(tmp_path / "nope.yml"))
    assert code == 2 and "parameters file not found" in err


def test_bad_parameter_value(capsys, tmp_path):
    p = tmp_path / "p.yml"
    p.write_text("council: {name: X}\nyear: 2025\ninputs: {ssda903: d}\ncomparators: {statistical_neighbours: '1999'}\n")
    code, _, err = run(capsys, "validate", "--params", str(p))
    assert code == 2 and "comparators.statistical_neighbours" in err and "'2025'" in err


def test_unknown_run_topic(capsys):
    code, _, err = run(capsys, "run", "stabilty")
    assert code == 2 and "4 (stability)" in err


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for c in ("pack", "run", "validate", "indicators", "demo-data", "data"):
        assert c in out

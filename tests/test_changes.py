"""What has changed since the last pack: hand-built pairs of records, one for each cause a committee must tell
apart (the council's figure, a DfE revision, a new neighbour group or England, a definition change)."""

from __future__ import annotations

import copy

import pytest

from cpanalysis import briefing_history, changes, config, pack_record, render, stats

GROUP = {"model": "2025", "label": "DfE statistical neighbours (May 2025 model)",
         "members": [str(c) for c in range(861, 871)], "england": True, "region": "West Midlands"}


def _m(value, num=None, den=None, *, england=10.0, verdict="similar", kind="", label="", target="", year=2024,
       unit="percent", title="Children with three or more placements", question=4) -> dict:
    return {"title": title, "question": question, "unit": unit, "polarity": "lower_is_better", "year": year,
            "value": value, "symbol": "", "ci_low": None, "ci_high": None, "numerator": num, "denominator": den,
            "england": england, "verdict_england": verdict, "reading": "", "trend": "no clear change",
            "trend_direction": "", "target_status": target, "family": "stability", "kind": kind, "label": label}


def _record(year: int, measures: dict, group: dict | None = None) -> dict:
    return {"schema": 1, "year": year, "built_on": f"{year}-06-30", "council": {"name": "Telford and Wrekin",
            "old_la_code": "894"}, "comparators": group or GROUP, "measures": measures}


def test_council_figure_moved_with_a_test():
    old = _record(2024, {"stability_3plus_placements": _m(8.0, 40, 500, verdict="similar")})
    new = _record(2025, {"stability_3plus_placements": _m(16.0, 80, 500, year=2025, verdict="higher",
                                                          kind="concern", label="concern: worse than England")})
    comp = changes.compare_records(old, new, {"stability_3plus_placements": 8.0})
    (c,) = comp.changes
    assert c.kinds == ["new concern", "verdict changed"]
    assert set(c.causes) == {"figure"}, c.causes
    assert c.test["direction"] == "up" and c.test["p"] < 0.002
    assert c.test["p"] == pytest.approx(stats.two_proportion_change(40, 500, 80, 500)["p"])
    assert "moved beyond chance, from 8% in 2023-24 to 16% in 2024-25" in c.causes["figure"]


def test_small_move_is_said_to_be_chance():
    r = stats.two_proportion_change(40, 500, 48, 500)
    assert r["direction"] == "no clear change" and r["p"] > 0.002
    assert stats.two_proportion_change(1, 0, 2, 10)["direction"] == "not tested"


def test_dfe_revised_the_earlier_figure():
    # the old pack published 9.0% for 2023-24; this year's data gives 2023-24 as 11.0% (revised), and this year
    # is 11.0%: the verdict changed because of the revision, not because the service changed
    old = _record(2024, {"stability_3plus_placements": _m(9.0, 45, 500, target="met")})
    new = _record(2025, {"stability_3plus_placements": _m(11.0, 55, 500, year=2025, target="not met",
                                                          kind="concern", label="concern: target missed")})
    comp = changes.compare_records(old, new, {"stability_3plus_placements": 11.0})
    (c,) = comp.changes
    assert "target newly missed" in c.kinds
    assert c.causes["revision"] == "DfE revised the 2023-24 figure: first published 9%, now 11%"
    # no revision when DfE's figure for the old year is as first published (or differs only by rounding)
    comp = changes.compare_records(old, new, {"stability_3plus_placements": 9.02})
    assert "revision" not in comp.changes[0].causes


def test_new_neighbour_group_and_england_moved():
    old_group = {**GROUP, "model": "2021", "label": "DfE statistical neighbours (April 2021 model)",
                 "members": [str(c) for c in range(861, 865)] + [str(c) for c in range(900, 906)]}
    old = _record(2024, {"stability_3plus_placements": _m(10.0, 50, 500, england=10.0, verdict="similar")}, old_group)
    new = _record(2025, {"stability_3plus_placements": _m(10.0, 50, 500, year=2025, england=7.0, verdict="higher",
                                                          kind="concern", label="concern: worse than England")})
    comp = changes.compare_records(old, new, {})
    (c,) = comp.changes
    words = c.causes["comparator"]
    assert "the neighbour group changed" in words and "4 of its 10 neighbours were in the group before" in words
    assert "England moved from 10% to 7%" in words
    assert "did not change beyond chance" in c.causes["figure"]
    page = briefing_history.change_page(comp)
    assert "4 of its 10" in page["group"]
    html = render.render("changes.html.j2", changes=page)
    assert "What has changed since the 2023-24 pack (built 30 June 2024)" in html
    assert "The comparator moved." in html


def test_definition_change_between_the_years():
    iid = "placement_supported_accommodation"
    old = _record(2023, {iid: _m(5.0, 25, 500, year=2023, verdict="similar", title="Supported accommodation",
                                 question=1)})
    new = _record(2024, {iid: _m(8.0, 40, 500, year=2024, verdict="higher", title="Supported accommodation",
                                 question=1)})
    (c,) = changes.compare_records(old, new, {}).changes
    assert "definition" in c.causes and "Ofsted-registered from 28 October 2023" in c.causes["definition"]
    # two years both after the change: no definition cause
    later = copy.deepcopy(new)
    later["year"] = 2025
    later["measures"][iid]["year"] = 2025
    later["measures"][iid]["verdict_england"] = "lower"
    (c,) = changes.compare_records(new, later, {}).changes
    assert "definition" not in c.causes


def test_resolved_concern_target_met_and_coverage():
    old = _record(2024, {"a_measure": _m(20.0, 100, 500, kind="concern", label="concern: worse than England",
                                         verdict="higher", target="not met"),
                         "gone": _m(1.0, title="Gone")})
    new = _record(2025, {"a_measure": _m(9.0, 45, 500, year=2025, target="met", verdict="similar"),
                         "fresh": _m(2.0, year=2025, title="Fresh")})
    comp = changes.compare_records(old, new, {})
    (c,) = comp.changes
    assert c.kinds == ["resolved concern", "target newly met", "verdict changed"]
    assert comp.only_old == ["Gone"] and comp.only_new == ["Fresh"]
    page = briefing_history.change_page(comp)
    assert [s["kind"] for s in page["sections"]] == ["Resolved concerns"]
    assert page["sections"][0]["rows"][0]["also"] == "target newly met, verdict changed"
    assert any("not in this one: Gone" in x for x in page["coverage"])
    assert any("not in the earlier one: Fresh" in x for x in page["coverage"])


def test_suppressed_figure_gives_no_verdict_change():
    old = _record(2024, {"m": _m(None, verdict="not judged")})
    new = _record(2025, {"m": _m(12.0, 60, 500, year=2025, verdict="higher")})
    assert changes.compare_records(old, new, {}).changes == []


def test_previous_record_of_another_council_is_refused(tmp_path):
    import json

    (tmp_path / "findings.json").write_text(json.dumps(_record(2024, {})), encoding="utf-8")
    params = config.load(None)
    with pytest.raises(pack_record.RecordError, match="pack for 'Telford and Wrekin', not 'Demoshire'"):
        changes.previous_record(tmp_path, params)


def test_demo_ships_its_previous_record():
    params = config.load(None)
    assert params.since is not None
    rec = changes.previous_record(params.since, params)
    assert rec["year"] == 2024 and rec["council"]["name"] == "Demoshire" and len(rec["measures"]) > 50


def test_since_on_the_command_line_must_be_a_pack_record(tmp_path, capsys):
    from cpanalysis import cli

    code = cli.main(["pack", "--params", str(config.paths.DEFAULT_PARAMS), "--topics", "4", "--out",
                     str(tmp_path / "out"), "--since", str(tmp_path / "nowhere")])
    err = capsys.readouterr().err
    assert code == 2 and "no previous pack record found" in err and "nowhere" in err
    assert not (tmp_path / "out" / "evidence-pack.html").exists()

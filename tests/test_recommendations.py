"""Recommendations and actions: validated like targets; the actions table lists overdue items first and says
what the data now says about each linked measure; bad entries give a plain error naming the key (or the CSV's row
and column)."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from cpanalysis import briefing_history, config, render
from cpanalysis.findings import MeasureEvidence

TODAY = dt.date(2025, 12, 1)


def _params(recs: list[dict]):
    raw = config.load(None).model_dump(mode="json", exclude={"recommendations", "since"})
    return config.from_dict({**raw, "recommendations": recs}, "test.yml")


def _rec(**kw) -> dict:
    base = {"id": "R1", "text": "Reduce placement moves", "source": "scrutiny review", "made_on": "2025-06-01",
            "owner": "Director of Children's Services"}
    return {**base, **kw}


def _ev(iid: str, trend_direction: str, target_status: str = "") -> MeasureEvidence:
    return MeasureEvidence(id=iid, title="Children with three or more placements", question=4, unit="percent",
                           polarity="lower_is_better", year=2025, value=12.0, numerator=60, denominator=500,
                           comparators={"england": 10.0}, verdicts={"england": "higher"},
                           trend={"direction": trend_direction, "judged": True}, target_status=target_status)


class _Ctx:
    def __init__(self, params):
        self.params = params


def _actions(monkeypatch, params, evs):
    from cpanalysis import evidence

    monkeypatch.setattr(evidence, "all_evidence", lambda ctx: evs)
    return briefing_history.actions(_Ctx(params), today=TODAY)


def test_overdue_done_and_worsened(monkeypatch):
    params = _params([
        _rec(id="DONE", made_on="2025-01-10", status="done", response="Accepted and done", response_on="2025-02-20",
             indicators=["stability_3plus_placements"]),
        # made on 1 Sept: the response was due on 1 Nov (two months), none given by 1 Dec
        _rec(id="LATE", made_on="2025-09-01", indicators=["stability_3plus_placements"]),
        # made on 1 Nov: response due 1 Jan, not yet overdue
        _rec(id="NEW", made_on="2025-11-01"),
        _rec(id="ACT", made_on="2025-01-05", status="in progress", response="Accepted", response_on="2025-02-01",
             due="2025-10-31"),
    ])
    evs = [_ev("stability_3plus_placements", "up", "not met")]
    a = _actions(monkeypatch, params, evs)
    ids = [r["id"] for r in a["rows"]]
    assert ids == ["LATE", "ACT", "DONE", "NEW"]  # response overdue, then action overdue, then by date made
    rows = {r["id"]: r for r in a["rows"]}
    assert rows["LATE"]["overdue"] == "response overdue" and rows["LATE"]["response_due"] == "1 November 2025"
    assert rows["NEW"]["overdue"] == "" and "due 1 January 2026" in rows["NEW"]["response"]
    assert rows["ACT"]["overdue"] == "action overdue"
    assert rows["DONE"]["overdue"] == "" and rows["DONE"]["status"] == "done"
    # the linked measure went the wrong way: higher is worse here, a judged rise is "worsening"; target missed
    assert rows["DONE"]["worsened"] and a["n_worsened"] == 2
    assert "trend worsening" in rows["DONE"]["data_now"][0] and "target not met" in rows["DONE"]["data_now"][0]
    assert "worse than England" in rows["DONE"]["data_now"][0]
    html = render.render("actions.html.j2", actions=a)
    assert "Actions since the last review" in html and html.index("LATE") < html.index("DONE")
    assert "Response overdue" in html and "The data has gone the wrong way" in html


def test_improving_measure_is_not_worsened(monkeypatch):
    params = _params([_rec(indicators=["stability_3plus_placements"])])
    a = _actions(monkeypatch, params, [_ev("stability_3plus_placements", "down", "met")])
    r = a["rows"][0]
    assert not r["worsened"] and "trend improving" in r["data_now"][0] and "target met" in r["data_now"][0]
    # a target missed with no worsening trend is said, but is not "gone the wrong way"
    a = _actions(monkeypatch, params, [_ev("stability_3plus_placements", "no clear change", "not met")])
    assert not a["rows"][0]["worsened"] and "target not met" in a["rows"][0]["data_now"][0]


def test_question_lists_its_linked_recommendations(monkeypatch):
    params = _params([_rec(indicators=["stability_3plus_placements"]), _rec(id="R2")])
    from cpanalysis import evidence

    monkeypatch.setattr(evidence, "all_evidence", lambda ctx: [_ev("stability_3plus_placements", "up")])
    q4 = briefing_history.question_actions(_Ctx(params), 4, today=TODAY)
    assert [r["id"] for r in q4] == ["R1"] and briefing_history.question_actions(_Ctx(params), 8, today=TODAY) == []
    html = render.render("question_actions.html.j2", n=4, actions=q4)
    assert "Recommendations made about this question" in html and "trend worsening" in html


def test_response_due_date_given_and_month_ends():
    r = config.Recommendation.model_validate(_rec(made_on="2024-12-31"))
    assert r.response_deadline == dt.date(2025, 2, 28)
    r = config.Recommendation.model_validate(_rec(response_due="15/01/2025", made_on="31/12/2024"))
    assert r.response_deadline == dt.date(2025, 1, 15)


@pytest.mark.parametrize("bad, key, words", [
    ({"colour": "red"}, "recommendations.0.colour", "not a known parameter"),
    ({"made_on": "31/02/2025"}, "recommendations.0.made_on", "is not a date"),
    ({"due": "next spring"}, "recommendations.0.due", "is not a date"),
    ({"indicators": ["stabilty_3plus_placements"]}, "recommendations.0.indicators", "Did you mean"),
    ({"source": "a letter"}, "recommendations.0.source", "scrutiny review"),
    ({"status": "not accepted"}, "recommendations.0", "give the reason"),
    ({"status": "accepted"}, "recommendations.0", "has no response"),
    ({"response_on": "2025-01-01"}, "recommendations.0", "before made_on"),
])
def test_bad_recommendations_name_the_key(bad, key, words):
    with pytest.raises(config.ParameterError) as err:
        _params([_rec(**bad)])
    msg = str(err.value)
    assert "test.yml" in msg and f"- {key}" in msg and words in msg, msg


def test_duplicate_ids_refused():
    with pytest.raises(config.ParameterError, match="R1 is used more than once"):
        _params([_rec(), _rec()])


def test_csv_template_reads_and_bad_csv_names_row_and_column(tmp_path):
    rows = config.read_recommendations_csv(config.paths.TEMPLATES_DIR / "recommendations.csv")
    assert rows and rows[0]["id"] == "R1"
    raw = config.load(None).model_dump(mode="json", exclude={"recommendations", "since"})
    p = config.from_dict({**raw, "recommendations": str(config.paths.TEMPLATES_DIR / "recommendations.csv")})
    assert p.recommendations[0].indicators == ["stability_3plus_placements"]
    bad = tmp_path / "recs.csv"
    bad.write_text("id,text,source,made_on,owner\nR1,Do it now,scrutiny review,2025-01-01,Director\n"
                   "R2,Do it later,scrutiny review,soon,Director\n", encoding="utf-8")
    with pytest.raises(config.ParameterError, match=r"recs.csv: row 3, column made_on: 'soon' is not a date"):
        config.read_recommendations_csv(bad)
    bad.write_text("id,text,colour\nR1,x,red\n", encoding="utf-8")
    with pytest.raises(config.ParameterError, match="column 'colour' is not a recommendation field"):
        config.read_recommendations_csv(bad)


def test_data_now_for_missing_and_suppressed():
    assert "no figure in this pack" in briefing_history.data_now_words(None, "member_training")
    ev = _ev("x", "up")
    ev.value, ev.symbol = math.nan, "c"
    assert "suppressed" in briefing_history.data_now_words(ev) and not briefing_history.linked_worsened(ev)

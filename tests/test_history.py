"""History per child: a history-dependent indicator uses what the returns supplied show for each child. With a
single year's return, a child whose episodes reach back far enough (or start a period of care) is counted; a
child whose history is in a return not supplied is left out, counted in the audit and named in the status; the
figure is withheld only when those children could change it materially (hand-worked cases)."""

from __future__ import annotations

import pytest
from builders import child, cla, ep

from cpanalysis.indicators import registry
from cpanalysis.indicators.registry import HISTORY_UNKNOWN

# Year 2025: 31/03/2025; the long-term window starts 30 months earlier, 30/09/2022; "2 years" is 31/03/2023.
SAME = [f"L{i:02d}" for i in range(15)]        # in care since 2021, same placement: cohort and numerator
MOVED = [f"M{i}" for i in range(5)]            # in care since 2021, moved on 01/06/2024: cohort, not numerator


def _one_return(unknown: int) -> tuple:
    header = [child(c, "01/01/2012") for c in SAME + MOVED] + [child(f"U{i}", "01/01/2012") for i in range(unknown)]
    header += [child("new_period", "01/01/2012"), child("old", "01/01/2005")]
    episodes = [ep(c, "01/01/2021") for c in SAME]
    for c in MOVED:  # in a single 2024-25 return: the episode open on 1 April 2024 and the move
        episodes += [ep(c, "01/01/2021", "01/06/2024", rec="X1"), ep(c, "01/06/2024", rne="P")]
    # the earliest episode in the return (open on 1 April 2024) began on 01/06/2023 with a change of placement:
    # the child was in care before, in episodes of returns not supplied; continuity since 30/09/2022 unknown
    episodes += [ep(f"U{i}", "01/06/2023", rne="P") for i in range(unknown)]
    episodes += [ep("new_period", "01/06/2023", rne="S"),   # a period of care that began inside the window
                 ep("old", "01/01/2021")]                    # 20 at 31 March: not under 16
    return cla(years=(2025,), header=header, episodes=episodes)


def _long_term(data):
    ind = registry.get("stability_long_term")
    audit, rows = registry.run(ind, registry.Context(data=data, year=2025))
    return audit.set_index("CHILD"), rows[0]


def test_single_return_gives_long_term_stability_hand_worked():
    audit, total = _long_term(_one_return(unknown=1))
    # cohort: 15 same + 5 moved = 20; numerator 15; one child left out
    assert (total["numerator"], total["denominator"]) == (15, 20)
    assert total["value"] == pytest.approx(75.0)
    # 15/21 = 71.4% and 16/21 = 76.2%: the left-out child cannot move 75% by more than 5 points
    assert total["status"] == f"ok; 1 child left out: {HISTORY_UNKNOWN}"
    assert audit.loc["U0", "reason"].startswith(HISTORY_UNKNOWN) and not audit.loc["U0", "in_cohort"]
    assert not audit.loc["new_period", "in_cohort"] and "not looked after on" in audit.loc["new_period", "reason"]
    assert not audit.loc["old", "in_cohort"]
    assert audit.loc["L00", "in_numerator"] and not audit.loc["M0", "in_numerator"]
    assert "same placement since 01/01/2021" in audit.loc["L00", "reason"]


def test_figure_withheld_when_the_left_out_children_could_change_it_materially():
    _, total = _long_term(_one_return(unknown=4))
    # 15/24 = 62.5% or 19/24 = 79.2% against 75%: more than 5 points either way
    assert total["value"] != total["value"]  # NaN
    assert total["status"].startswith("withheld: 4 children whose history is not in the returns supplied")


def test_three_returns_leave_nobody_out():
    data = _one_return(unknown=2)
    data.years = [2023, 2024, 2025]  # the returns reach back to 1 April 2022, before the window
    audit, total = _long_term(data)
    assert not audit["reason"].str.startswith(HISTORY_UNKNOWN).any()
    assert total["status"] == "ok"


def test_compute_runs_per_child_history_indicators_on_one_return():
    res = registry.compute(_one_return(unknown=1), years=[2025],
                           ids=["stability_long_term", "stability_3plus_placements_2yr", "adoption_a1_3yr"])
    res = res[res["breakdown"] == "Total"].set_index("indicator_id")
    assert res.loc["stability_long_term", "value"] == pytest.approx(75.0)
    # 2-year window from 1 April 2023: U0's earliest episode (01/06/2023, RNE P) is after it, so unknown too
    two = res.loc["stability_3plus_placements_2yr"]
    assert two["denominator"] == 21 and two["numerator"] == 0  # no age limit here: "old" counts too
    assert "1 child left out" in two["status"]
    # indicators that count children over three years' returns still say they need them
    assert res.loc["adoption_a1_3yr", "status"] == "insufficient history"


def test_what_a_left_out_child_would_add_is_worked_out_from_the_return():
    data = cla(years=(2025,), header=[child(c, "01/01/2012") for c in ("moved_in_window", "placed_long_ago",
                                                                        "legal_change")],
               episodes=[ep("moved_in_window", "01/06/2023", rne="P"),    # new placement < 2 years: would be no
                         ep("placed_long_ago", "01/12/2022", rne="P"),    # placement >= 2 years: would be yes
                         ep("legal_change", "01/06/2023", rne="L")])      # placement began earlier: not known
    audit, total = _long_term(data)
    assert audit["reason"].str.startswith(HISTORY_UNKNOWN).all()
    would = audit["numerator_if_in_cohort"]
    assert would["moved_in_window"] == 0 and would["placed_long_ago"] == 1
    assert would["legal_change"] != would["legal_change"]  # NaN
    assert total["status"].startswith("no cohort: 3 children left out")

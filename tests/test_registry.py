"""The registry contract: headlines derive from audits; years without enough history say so."""

import math

import pandas as pd
from builders import child, cla, ep

from cpanalysis.indicators import registry


def test_insufficient_history_is_reported_not_computed_for_every_unit():
    data = cla(years=(2025,), header=[child("A", "01/01/2015")],
               episodes=[ep("A", "01/06/2024")])
    res = registry.compute(data, years=[2025])
    # (indicators that work out each child's history from the returns supplied are tested in test_history.py)
    needy = {i.id for i in registry.all_indicators() if i.definition.history_years > 0 and not i.per_child_history}
    assert needy, "some indicators need more than one year"
    rows = res[res["indicator_id"].isin(needy)]
    assert (rows["status"] == "insufficient history").all()
    assert rows["value"].isna().all()
    # Day counts among them too (the 3-year adoption averages): their empty audit needs a value column
    assert "days" in set(rows["unit"])


def test_summarise_percent_with_wilson_interval_hand_worked():
    d = registry.Definition(id="t", title="t", question=4, sub_question="", cohort="", numerator="", denominator="",
                            unit="percent", polarity="neutral", source="", methodology="")
    audit = pd.DataFrame({"CHILD": list("ABCDEFGHIJ"), "in_cohort": [True] * 10,
                          "in_numerator": [True] * 8 + [False] * 2, "reason": ""})
    r = registry.summarise(audit, d, 2025)
    # 8/10 = 80%; Wilson 95% interval (z = 1.96): centre (0.8 + 1.9208/10)/1.38415 = 0.71673,
    # half-width 1.96*sqrt(0.016 + 0.009604)/1.38415 = 0.22658 -> 49.0% to 94.3%
    assert r["value"] == 80.0 and r["numerator"] == 8 and r["denominator"] == 10
    assert math.isclose(r["ci_low"], 49.02, abs_tol=0.05) and math.isclose(r["ci_high"], 94.33, abs_tol=0.05)


def test_parallel_compute_gives_exactly_the_serial_result():
    from cpanalysis import paths
    from cpanalysis.sources.ssda903 import load_ssda903

    data = load_ssda903(paths.DEMO_SSDA903_DIR)
    ids = ["cla_at_31_march", "stability_3plus_placements", "placement_moves_by_reason", "sdq_mean"]
    serial = registry.compute(data, ids=ids, population={2025: 60000.0})
    parallel = registry.compute(data, ids=ids, population={2025: 60000.0}, workers=2)
    pd.testing.assert_frame_equal(serial, parallel)

"""Property-based tests: on random small councils and random breakdowns, nothing suppressed can be worked out.

Each example is a council of 8 to 60 children with random legal statuses, sexes, placements, foster
providers and a year-on-year flow (last year's children, starters and leavers), published as counts with
breakdowns, percentages sharing denominators and a flow identity. Disclosure control is applied with the
fingerprints the pack uses; an independent intruder (``tests/sdc_intruder.py``) that knows *every* linear
identity between the published sets then tries to pin each suppressed count with an LP.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sdc_intruder import Council, audit, recovered_structurally, small_counts_shown, structural_identities

from cpanalysis import disclosure

LEGAL = ["C2", "C2", "C2", "C1", "V2", "V2", "E1", "J1", "L1"]
PLACE = ["foster", "foster", "foster", "home", "parents", "other"]
PROVIDER = ["own", "own", "private", "voluntary", "other"]

child = st.tuples(st.sampled_from(LEGAL), st.sampled_from(["F", "M"]), st.sampled_from(PLACE),
                  st.sampled_from(PROVIDER), st.sampled_from(["stay", "stay", "stay", "start", "leave"]))


def council_from(kids: list[tuple]) -> Council:
    """Every indicator always has every breakdown row (an empty category is a row of zeros), so the cells of
    any two councils line up."""
    ids = [f"C{i:05d}" for i in range(len(kids))]
    legal, sex, place, prov, flow = (np.array(x) for x in zip(*kids))
    now = flow != "leave"  # looked after at 31 March this year
    before = flow != "start"  # ... last year
    c = Council(ids)
    c.add("cla_by_legal_status", "count", _all(ids, now, legal, LEGAL))
    c.add("cla_by_sex", "count", _all(ids, now, sex, ["F", "M"]))
    foster = now & (place == "foster")
    c.add("placement_foster", "percent", audit(ids, now, foster))
    c.add("placement_home", "percent", audit(ids, now, now & (place == "home")))
    c.add("placement_type_mix", "count", _all(ids, now, place, PLACE))
    for p in ("own", "private", "voluntary", "other"):
        c.add(f"foster_provider_{p}", "percent", audit(ids, foster, foster & (prov == p)))
    c.add("cla_last_year", "count", audit(ids, before, before))
    c.add("cla_starts", "count", audit(ids, flow == "start", flow == "start"))
    c.add("cla_ceased", "count", audit(ids, flow == "leave", flow == "leave"))
    return c


def _all(ids, member, labels, categories):
    """A breakdown audit with one (empty) row per category, so every category has a breakdown row."""
    import pandas as pd

    a = audit(ids, member, member, np.where(member, labels, None))
    cats = sorted(set(categories))
    pad = pd.DataFrame({"CHILD": [f"none-{c}" for c in cats], "in_cohort": False, "in_numerator": False,
                        "reason": "padding", "breakdown": pd.Series(cats, dtype="string")})
    return pd.concat([a, pad], ignore_index=True)


_GENERIC = None


def generic_identities():
    """Structural identities from a council of 2,000 children in which every combination occurs."""
    global _GENERIC
    if _GENERIC is None:
        rng = np.random.default_rng(7)
        kids = [tuple(rng.choice(opts) for opts in (LEGAL, ["F", "M"], PLACE, PROVIDER, ["stay", "start", "leave"]))
                for _ in range(2000)]
        _GENERIC = structural_identities(council_from(kids))
    return _GENERIC


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(child, min_size=8, max_size=60))
def test_no_suppressed_cell_can_be_recovered_and_no_small_count_is_shown(kids):
    c = council_from(kids)
    out = disclosure.apply(c.results(), None, c.fingerprints())
    assert small_counts_shown(c, out) == []
    assert recovered_structurally(c, out, generic_identities()) == []
    # disclosure control's own check agrees
    assert disclosure.recoverable(c.results(), out, None, c.fingerprints()) == []


@pytest.mark.parametrize("source", ["council local return", "DfE file"])
@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.lists(st.integers(min_value=0, max_value=40), min_size=2, max_size=8))
def test_random_breakdowns_without_fingerprints_are_protected(source, parts):
    """Rows with no child-level data (a local return's, or figures read from DfE's files): a Total and its
    breakdown, linked only by their sum. A count of 1 to 5 is never shown, whoever printed it first. Rows DfE
    printed are known to the intruder anyway, so the only recoveries allowed are of figures DfE itself printed
    ("shown elsewhere": DfE's publication, not ours)."""
    import pandas as pd

    from cpanalysis.indicators.registry import RESULT_COLUMNS

    def row(b, v):
        return {"indicator_id": "x", "title": "x", "question": 1, "year": 2025, "breakdown": b, "value": float(v),
                "numerator": float(v), "denominator": np.nan, "ci_low": np.nan, "ci_high": np.nan, "unit": "count",
                "source": source, "status": "ok"}

    df = pd.DataFrame([row("Total", sum(parts))] + [row(f"P{i}", v) for i, v in enumerate(parts)],
                      columns=RESULT_COLUMNS)
    out = disclosure.apply(df)
    shown = out[out["symbol"] == ""]
    assert not shown["value"].between(1, 5).any()
    problems = disclosure.recoverable(df, out)
    if source.startswith("DfE"):
        assert all(p.endswith("is shown elsewhere") for p in problems), problems
        return
    assert problems == []
    # An intruder with the sum: each hidden part's range holds at least two whole numbers.
    hidden = out["symbol"].eq("c").to_numpy()
    if hidden.any() and not hidden[0]:
        rest = sum(parts) - shown["value"].iloc[1:].sum() if not hidden[0] else None
        hidden_parts = [v for v, h in zip(parts, hidden[1:]) if h]
        assert rest == sum(hidden_parts)
        assert len(hidden_parts) != 1 or hidden_parts[0] == 0

"""Each recovery found by the motivated-intruder audit (issue 11) now finds a range, not a value.

The audit used the demo pack, a small council (the demo cut to a random 8% of its children, about 36 in
care) and the public CSV. Every test here reproduces one of its recoveries against what we publish now.
"""

from __future__ import annotations

import base64
import math
import re

import numpy as np
import pandas as pd
import pytest
from sdc_intruder import Council, audit

from cpanalysis import charts, config, disclosure, evidence, export, linkage, paths, present
from cpanalysis.model import CLAData


def _ranges(ranges, iid, year=None):
    return [h for h in ranges if h["indicator_id"] == iid and (year is None or h["year"] == year)
            and h["role"] in ("num", "den")]


@pytest.fixture(scope="module")
def demo():
    return evidence.prepare(config.load(None))


def cut(data: CLAData, share: float = 0.08, seed: int = 8) -> CLAData:
    """The demo council cut to a random ``share`` of its children (the audit's small council)."""
    ids = pd.Series(sorted(data.header["CHILD"].dropna().unique()))
    keep = set(ids.sample(frac=share, random_state=seed))
    tables = {k: df[df["CHILD"].isin(keep)].copy() if "CHILD" in df.columns else df for k, df in data.tables.items()}
    return CLAData(tables=tables, years=list(data.years))


@pytest.fixture(scope="module")
def small(demo):
    data = cut(demo.data)
    p = demo.params
    rows, fps = linkage.compute(data, [y for y in data.years if y <= p.year],
                                population={int(k): float(v) for k, v in p.population.items()},
                                la_code=p.council.old_la_code,
                                postcodes=pd.read_csv(paths.resolve(p.inputs.postcodes), dtype=str))
    return rows, disclosure.apply(rows, p.disclosure, fps), fps


@pytest.fixture(scope="module")
def small_ranges(small):
    raw, out, fps = small
    return disclosure.hidden_ranges(raw, out, None, fps)


def test_the_small_council_is_small(small):
    rows, _, _ = small
    cla = rows[(rows["indicator_id"] == "cla_at_31_march") & (rows["year"] == 2025)]["value"].iloc[0]
    assert 20 <= cla <= 60


def test_demo_legal_status_cannot_be_differenced_from_the_total(demo):
    """Was: 465 - 282 - 98 - 71 - 12 = 2 across two c cells, so each is 1."""
    r = demo.results
    ls = r[(r["indicator_id"] == "cla_by_legal_status") & (r["year"] == 2025)]
    hidden = ls[ls["symbol"] == "c"]
    assert len(hidden) >= 3 or ls.loc[ls["breakdown"] == "Total", "symbol"].iloc[0] == "c"
    for h in _ranges(disclosure.hidden_ranges(demo.raw_results, r, None, demo.fingerprints), "cla_by_legal_status",
                     2025):
        assert h["protected"], h


def test_small_council_moves_by_reason_and_voluntary_foster_placements_are_ranges(small_ranges):
    """Was: moves by reason 20 - 9 - 8 = 3 across three c cells; voluntary agency 25 - 17 - 7 - 0 = 1."""
    for iid in ("placement_moves_by_reason", "foster_provider_voluntary", "foster_provider_own",
                "foster_provider_private", "foster_provider_other"):
        for h in _ranges(small_ranges, iid):
            assert h["protected"] or h["shown"] and not h["sensitive"], h


def test_nothing_suppressed_in_any_year_can_be_worked_out(demo, small, small_ranges):
    """Every year is controlled together (earlier years were recovered from percentages in alt text): the
    intruder's LP over every year's published cells pins no suppressed count, in the demo and the small council."""
    assert disclosure.recoverable(demo.raw_results, demo.results, demo.params.disclosure, demo.fingerprints) == []
    _, out, _ = small
    assert [h for h in small_ranges if (h["shown"] and h["sensitive"]) or not (h["shown"] or h["protected"])] == []
    # A published percentage always comes with its exact numerator and denominator, so its rounding (in alt
    # text, on a chart) tells an intruder nothing the counts do not.
    for r in (demo.results, out):
        pct = r[(r["unit"] == "percent") & (r["symbol"] == "") & r["value"].notna()
                & ~r["source"].astype(str).str.startswith(("DfE", "Local"))]
        assert pct["numerator"].notna().all() and pct["denominator"].notna().all()


def test_secondary_suppression_follows_a_count_into_other_indicators():
    """The same children counted by a breakdown and by another indicator's numerator are one cell."""
    ids = [f"K{i}" for i in range(40)]
    legal = np.array(["C2"] * 30 + ["V2"] * 7 + ["J1"] * 3)
    c = Council(ids)
    c.add("cla_by_legal_status", "count", audit(ids, np.ones(40), np.ones(40), legal))
    c.add("youth_justice", "percent", audit(ids, np.ones(40), legal == "J1"))  # the same 3 children, as a share
    out = disclosure.apply(c.results(), None, c.fingerprints())
    sym = dict(zip(out["indicator_id"] + "/" + out["breakdown"], out["symbol"]))
    assert sym["cla_by_legal_status/J1"] == "c" and sym["youth_justice/Total"] == "c"
    assert sym["cla_by_legal_status/V2"] == "c"  # else 40 - 30 - 7 gives the 3 back
    assert disclosure.recoverable(c.results(), out, None, c.fingerprints()) == []


def test_a_complement_cannot_be_had_from_a_denominator_published_elsewhere():
    """37 of 40 is hidden (3 did not); 40 and 37 must not both be published as other figures."""
    ids = [f"K{i}" for i in range(40)]
    yes = np.arange(40) < 37
    c = Council(ids)
    c.add("health_checks", "percent", audit(ids, np.ones(40), yes))
    c.add("cla", "count", audit(ids, np.ones(40), np.ones(40)))
    c.add("checked", "count", audit(ids, np.ones(40), yes))
    out = disclosure.apply(c.results(), None, c.fingerprints())
    assert out.loc[0, "symbol"] == "c"
    assert "c" in set(out.loc[1:, "symbol"])  # one of the two counts goes too
    assert disclosure.recoverable(c.results(), out, None, c.fingerprints()) == []


def test_flows_between_years_are_identities():
    """Children looked after this year = last year's + starters - leavers: a small number of leavers cannot
    be had back from the other three."""
    ids = [f"K{i}" for i in range(60)]
    last = np.arange(60) < 50
    leave = np.arange(60) < 3
    start = np.arange(60) >= 50
    now = (last | start) & ~leave
    c = Council(ids)
    c.add("cla", "count", audit(ids, last, last), year=2024)
    c.add("cla", "count", audit(ids, now, now), year=2025)
    c.add("starts", "count", audit(ids, start, start), year=2025)
    c.add("ceased", "count", audit(ids, leave, leave), year=2025)
    out = disclosure.apply(c.results(), None, c.fingerprints())
    assert (out["symbol"] == "c").sum() >= 2
    assert disclosure.recoverable(c.results(), out, None, c.fingerprints()) == []


def test_two_hidden_cells_are_not_enough_when_they_are_determined():
    """Two c cells summing to 2 are each 1 (zeros are printed): a third cell must go."""
    ids = [f"K{i}" for i in range(100)]
    lab = np.array(["A"] * 60 + ["B"] * 25 + ["C"] * 13 + ["D"] + ["E"])
    c = Council(ids)
    c.add("by_status", "count", audit(ids, np.ones(100), np.ones(100), lab))
    out = disclosure.apply(c.results(), None, c.fingerprints())
    assert (out["symbol"] == "c").sum() >= 3
    assert disclosure.recoverable(c.results(), out, None, c.fingerprints()) == []


def test_public_csv_gives_nothing_beside_a_suppressed_figure(demo, small):
    """Was: denominators and sums of days on suppressed rows, and a reason telling primary from secondary."""
    params = config.load(None)
    pub = export.indicator_frame(params, public=True)
    raw = export.indicator_frame(params, public=False)
    hidden = pub["status"].str.startswith("suppressed")
    assert hidden.sum() > 0
    assert pub.loc[hidden, ["value", "numerator", "ci_low", "ci_high"]].isna().all().all()
    ours = hidden & ~pub["source"].astype(str).str.startswith("DfE")  # DfE's own c cells say they are DfE's
    assert pub.loc[ours, "status"].nunique() == 1  # one reason for primary and secondary suppression
    assert pub.loc[pub["unit"].isin(["mean", "days"]), "numerator"].isna().all()  # no sums of days, ever
    # The CSV as published cannot be differenced back (rows aligned with the unsuppressed export).
    controlled = pub.assign(symbol=np.where(hidden, "c", np.where(pub["status"].str.startswith("not available"),
                                                                  "x", "")))
    raw = raw.assign(symbol=np.where(controlled["symbol"] == "x", "x", ""))
    assert disclosure.recoverable(raw, controlled, params.disclosure, demo.fingerprints) == []


def test_charts_carry_values_only_at_the_precision_printed():
    """Was: six-decimal values (and intervals) of suppressed 3-year adoption averages in the SVG."""
    def svg(series, unit):
        fig = charts.trend_chart(series, "Average days", "Days", unit=unit)
        from cpanalysis.figures import svg_uri

        return base64.b64decode(svg_uri(fig).split(",", 1)[1]).decode()

    years = [2021, 2022, 2023, 2024, 2025]
    exact = pd.DataFrame({"year": years, "value": [372.72973, 507.434783, 549.196078, 420.5, 430.4],
                          "ci_low": [300.123, 400.456, 450.789, 380.1, 390.2],
                          "ci_high": [440.987, 600.654, 640.321, 460.9, 470.8]})
    rounded = exact.copy()
    for c in ("value", "ci_low", "ci_high"):
        rounded[c] = rounded[c].round(0)
    assert svg(exact, "days") == svg(rounded, "days")
    # A suppressed year draws nothing: neither its value nor its interval.
    gap = exact.copy()
    gap.loc[1, ["value", "ci_low", "ci_high"]] = np.nan
    leaky = exact.copy()
    leaky.loc[1, "value"] = np.nan  # an interval left behind by mistake must not be drawn either
    assert svg(gap, "days") == svg(leaky, "days")


def test_quality_annex_small_counts_cannot_be_had_by_subtraction():
    """Was: 'fewer than 6' undone by rows read minus rows used; a DoLo table's row count printed exactly."""
    read, used, quarantined, _ = present._band_row([1234, 1231, 3, 0])
    assert quarantined == "fewer than 6" and read.startswith("about") and used.startswith("about")
    assert present._band_row([1234, 1234, 0, 7]) == ["1,234", "1,234", "0", "7"]
    note = present._note_text("dolo.csv: a Deprivation of Liberty (DoLo) table with 4 rows; recognised but not used")
    assert "4 rows" not in note and "fewer than 6 rows" in note


def test_quality_annex_in_a_built_context_has_no_exact_small_counts(demo, monkeypatch):
    shown = []
    monkeypatch.setattr(present, "_display_html", shown.append)
    rec = demo.data.reconciliation.copy()
    rec.loc[0, ["rows_read", "rows_used", "rows_quarantined"]] = [40, 37, 3]
    ctx = type(demo)(params=demo.params, data=type(demo.data)(tables=demo.data.tables, years=demo.data.years,
                                                              reconciliation=rec))
    present.annex_quality(ctx)
    html = shown[0]
    row = re.search(r"<tr><th scope=['\"]row['\"]>ad1</th>.*?</tr>", html).group(0)
    assert ">37<" not in row and ">40<" not in row and "fewer than 6" in row
    assert not math.isnan(len(html))

"""Charts: year labels never overlap, and a percentage axis starts at zero (issue 10)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from cpanalysis import charts


def series(n: int, start: int = 2016, base: float = 60.0) -> pd.DataFrame:
    years = list(range(start, start + n))
    v = base + np.arange(n, dtype=float)
    return pd.DataFrame({"year": years, "value": v, "ci_low": v - 3, "ci_high": v + 3})


def label_boxes(fig):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    return [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]


@pytest.mark.parametrize("n", [2, 5, 6, 7, 9, 10, 12, 25])
def test_year_labels_never_overlap(n):
    comp = pd.DataFrame({"year": range(2016, 2016 + n), "England": np.linspace(50, 60, n)})
    fig = charts.trend_chart(series(n), "Children with three or more placements in the year", "Per cent", comp)
    boxes = label_boxes(fig)
    assert len(boxes) == n
    for a, b in zip(boxes, boxes[1:]):
        assert not a.overlaps(b), (n, a, b)
        assert a.x1 <= b.x0 or a.y1 <= b.y0 or b.y1 <= a.y0
    plt.close(fig)


def test_year_labels_are_short_for_long_series():
    assert charts.year_tick_labels([2024, 2025]) == ["2023-24", "2024-25"]
    assert charts.year_tick_labels(range(2016, 2026))[0] == "15-16"
    assert charts.year_tick_labels(range(2016, 2026))[-1] == "24-25"


def test_percentage_axis_starts_at_zero():
    fig = charts.trend_chart(series(5), "T", "Per cent", unit="percent")
    assert fig.axes[0].get_ylim()[0] == 0
    plt.close(fig)
    # the old call (no unit, zero_based=False as the presentation layer passes for non-counts) still works
    fig = charts.trend_chart(series(5), "T", "Per cent", None, zero_based=False)
    assert fig.axes[0].get_ylim()[0] == 0
    plt.close(fig)


def test_percentage_axis_may_leave_zero_only_with_a_reason():
    fig = charts.trend_chart(series(5), "T", "Per cent", unit="percent", zero_based=False,
                             axis_note="The axis starts at 50% to show year-to-year change.")
    assert fig.axes[0].get_ylim()[0] > 50
    assert any("starts at 50%" in t.get_text() for t in fig.texts)
    plt.close(fig)


def test_other_units_are_not_forced_to_zero():
    fig = charts.trend_chart(series(5, base=400), "T", "Days", unit="days")
    assert fig.axes[0].get_ylim()[0] > 100
    plt.close(fig)
    fig = charts.trend_chart(series(5, base=400), "T", "Children", zero_based=True)
    assert fig.axes[0].get_ylim()[0] == 0
    plt.close(fig)


def test_ten_year_chart_renders_to_html():
    fig = charts.trend_chart(series(10), "T", "Per cent")
    out = charts.figure_html(fig, "A chart of ten years.", "Caption.")
    assert out.startswith("<figure")

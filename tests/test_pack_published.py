"""A pack from DfE's published files alone (no child-level data), for a real council."""

from __future__ import annotations

import re

import pytest

from cpanalysis import paths

pytestmark = pytest.mark.notebook


def test_published_only_pack_for_a_real_council(tmp_path, capsys):
    """No child-level data: a pack for Bromley from DfE's published files alone, every figure sourced."""
    from cpanalysis import cli

    if not paths.SHARED_DATA_DIR.exists():
        pytest.skip(f"the shared published files are not at {paths.SHARED_DATA_DIR}")
    out = tmp_path / "bromley"
    code = cli.main(["pack", "--council", "Bromley", "--published", str(paths.SHARED_DATA_DIR), "--year", "2025",
                     "--topics", "4,8", "--out", str(out)])
    assert code == 0
    html = (out / "evidence-pack.html").read_text(encoding="utf-8")
    assert "Evidence pack: Bromley, 2024-25" in html
    assert "DfE published statistics only" in html
    assert "Demonstration data" not in html
    # Figures carry their published source file and the cell that held them, in the technical annex.
    annex = html[html.index('id="annex-methods"'):]
    assert "la_cla_placement_stability" in annex and ", column " in annex
    assert "la_care_leavers_activity" in annex
    assert "<script" not in html.lower()
    # Quarter among all councils in the at-a-glance table, and funnel plots with a plain reading.
    assert re.search(r"(lowest|second|third|highest) quarter of 1[45]\d", html)  # about 153 councils
    assert html.count("Funnel plot of") >= 1
    assert "limits: " in html or "within the 95% limits" in html

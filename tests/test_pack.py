"""End to end: the stability notebook through Papermill, and the exported HTML evidence pack."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import nbformat
import pytest
from builders import stability_notebook_with

from cpanalysis import config, pack, paths
from cpanalysis.errors import PackBuildError

pytestmark = pytest.mark.notebook


def demo_params(out: Path, topics=(4,)):
    p = config.load(paths.DEFAULT_PARAMS, {"output_dir": str(out), "topics": list(topics)})
    return p


def test_stability_notebook_runs_through_papermill(tmp_path):
    import papermill as pm

    params = demo_params(tmp_path / "out")
    dst = tmp_path / "04_stability.ipynb"
    pm.execute_notebook(str(paths.NOTEBOOKS_DIR / "04_stability.ipynb"), str(dst),
                        parameters={"params_json": params.model_dump_json(), "record_dir": str(tmp_path)},
                        kernel_name="python3", cwd=str(paths.ROOT), progress_bar=False)
    nb = nbformat.read(dst, as_version=4)
    html_out = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells if c.cell_type == "code"
                       for o in c.get("outputs", []))
    assert "Question 4: Stability" in html_out and "How stable and secure" in html_out
    for iid in ("stability_3plus_placements", "stability_long_term", "placement_moves_by_reason"):
        assert f"{iid}" in html_out, iid
    assert "<img src=\"data:image/svg+xml;base64," in html_out
    assert "Answered by the data" in html_out and "Ask officers" in html_out
    record = json.loads((tmp_path / "04_stability.json").read_text())
    assert record["question"] == 4 and record["demonstration"] is True
    ids = {f["indicator_id"] for f in record["figures"]}
    assert {"stability_3plus_placements", "stability_long_term"} <= ids


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("pack") / "demo"
    params = demo_params(out, topics=(1, 4))
    result = pack.build_pack(params, workers=2, use_cache=False)  # in-process, with the helper process
    return result, result.html.read_text(encoding="utf-8")


def test_pack_is_one_offline_file_without_code(built):
    result, html = built
    assert result.html.name == "evidence-pack.html"
    assert "<script" not in html.lower()
    assert re.findall(r'(?:src|href)\s*=\s*["\']https?://', html) == []
    assert "@import" not in html
    assert "present." not in html and "params_json" not in html  # no code, no parameters cell
    assert "Demonstration data" in html


def test_pack_structure_contents_and_headings(built):
    _, html = built
    toc = re.search(r'<nav[^>]*class="cpa-toc"[^>]*>.*?</nav>', html, re.S).group(0)
    targets = re.findall(r'href="#([^"]+)"', toc)
    assert targets[:7] == ["key-messages", "changes", "scorecard", "actions", "enquiry", "q1", "q4"]
    for t in targets:
        assert re.search(rf"id=['\"]{re.escape(t)}['\"]", html), f"contents link #{t} has no target"
    order = [re.search(rf"id=['\"]{t}['\"]", html).start() for t in ("summary", "key-messages", "q1", "q4",
                                                                      "annex-quality", "annex-methods")]
    assert order == sorted(order)
    # Every internal link in the pack (summary table, sub-question evidence, context tables) has a target.
    ids = set(re.findall(r"id=['\"]([^'\"]+)['\"]", html))
    broken = sorted({t for t in re.findall(r"href=['\"]#([^'\"]+)['\"]", html)} - ids)
    assert not broken, f"links to missing sections: {broken}"
    assert "<title>Evidence pack: Demoshire, 2024-25 (demonstration data)</title>" in html


def test_every_image_has_real_alt_text(built):
    _, html = built
    imgs = re.findall(r"<img\b[^>]*>", html)
    assert imgs
    for tag in imgs:
        alt = re.search(r'alt="([^"]*)"', tag)
        assert alt and len(alt.group(1)) > 20, tag[:120]
        assert "No description has been provided" not in tag


def test_pack_never_identifies_a_child(built):
    """No identifier from the demo return, no date of birth, no postcode, no UPN anywhere in the pack."""
    import pandas as pd

    _, html = built
    # Charts are SVG text: decode them and search their words too, rather than skipping them.
    text = re.sub(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)",
                  lambda m: base64.b64decode(m.group(1)).decode("utf-8"), html)
    assert "<svg" in text
    header = pd.concat(pd.read_csv(f, dtype=str) for f in paths.DEMO_SSDA903_DIR.glob("*/header.csv"))
    for child in header["CHILD"].drop_duplicates().sample(200, random_state=1):
        assert not re.search(rf"(?<![\w#-]){re.escape(child)}(?![\w-])", text), f"child id {child} in the pack"
    for upn in header["UPN"].dropna().drop_duplicates().head(200):
        assert upn not in text
    assert not re.search(r"\b\d{2}/\d{2}/\d{4}\b", text), "a dd/mm/yyyy date (e.g. a date of birth) is in the pack"
    assert not re.search(r"\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b", text), "a postcode is in the pack"


def test_pack_has_no_small_counts(built):
    """Every figure the pack publishes passed disclosure control: no count of 1 to 5 in any sidecar."""
    result, _ = built
    sidecars = list((result.out_dir / "figures").glob("*.json"))
    assert sidecars
    for path in sidecars:
        for f in json.loads(path.read_text())["figures"]:
            for key in ("numerator", "denominator") + (("value",) if f["unit"] == "count" else ()):
                v = f.get(key)
                if v is not None and not f.get("symbol"):
                    assert not (0 < float(v) <= 5), (path.name, f)


def test_cache_with_child_level_data_is_not_left_in_outputs(built):
    result, _ = built
    assert not (result.out_dir / "cache").exists()
    assert not list(result.out_dir.rglob("*.pkl"))


def test_failed_build_keeps_last_good_pack(built, tmp_path, monkeypatch):
    result, html = built
    good = result.html.read_bytes()
    stability_notebook_with(monkeypatch, tmp_path, "raise RuntimeError('deliberate failure')")
    params = demo_params(result.out_dir, topics=(4,))
    with pytest.raises(PackBuildError, match="deliberate failure"):
        pack.build_pack(params, workers=1, replace=True)  # one question over a pack of two: asked for
    assert result.html.read_bytes() == good
    # nothing is left beside the pack: no staging folder, no cached context with child-level data, no lock
    assert sorted(p.name for p in result.out_dir.parent.iterdir()) == [result.out_dir.name]


def test_built_pack_is_marked_as_written_by_cpanalysis(built):
    from cpanalysis.safe_output import MARKER

    result, _ = built
    assert (result.out_dir / MARKER).is_file()
    assert sorted(p.name for p in result.out_dir.parent.iterdir()) == [result.out_dir.name]



def _comparable(html: str) -> str:
    """The pack without the minute it was built."""
    return re.sub(r"built \d{1,2} \w+ \d{4} \d{2}:\d{2}", "built (time)", html)


@pytest.mark.parametrize("runner,workers", [("cpanalysis-kernel", 2), ("cpanalysis", 1), ("warm", 1)])
def test_every_runner_gives_the_same_pack(built, tmp_path, runner, workers):
    """Both Papermill engines give byte-identical packs: the default (``cpanalysis``, in-process, a helper process
    on two cores), Jupyter kernels (``cpanalysis-kernel``) in two worker processes or in the builder (its earlier
    name ``warm``), and the in-process engine in one process alone."""
    _, html = built
    other = pack.build_pack(demo_params(tmp_path / runner, topics=(1, 4)), workers=workers, runner=runner,
                            use_cache=False)
    assert _comparable(other.html.read_text(encoding="utf-8")) == _comparable(html)


def test_a_notebook_that_needs_a_kernel_is_run_in_one(tmp_path, monkeypatch, capsys):
    """The in-process runner hands back a notebook using what only a kernel has (here ``%connect_info``); the
    builder runs that notebook in a Jupyter kernel and the pack is built."""
    stability_notebook_with(monkeypatch, tmp_path, "%connect_info", tags=("remove_cell",))
    result = pack.build_pack(demo_params(tmp_path / "out", topics=(1, 4)), workers=1)
    assert "running 04_stability in a Jupyter kernel" in capsys.readouterr().err
    runners = {p.stem: nbformat.read(p, as_version=4).metadata["cpanalysis"].get("runner") for p in result.notebooks}
    assert runners["04_stability"] == "kernel" and runners["01_commissioning"] == "in-process"
    assert "Question 4: Stability" in result.html.read_text(encoding="utf-8")


def test_the_helper_process_starts_only_when_the_indicators_must_be_computed(tmp_path, monkeypatch):
    started = []
    real = pack.helper_pool
    monkeypatch.setattr(pack, "helper_pool", lambda: started.append(1) or real())
    monkeypatch.setenv("CPANALYSIS_CACHE_DIR", str(tmp_path / "cache"))
    params = demo_params(tmp_path / "out", topics=(4,))
    first = pack.build_pack(params, workers=2)
    assert started == [1]
    second = pack.build_pack(params, workers=2)
    assert started == [1]  # the figures came from the cache: no second process
    assert _comparable(first.html.read_text(encoding="utf-8")) == _comparable(second.html.read_text(encoding="utf-8"))


def test_pack_writes_its_record_and_shows_changes_and_actions(built):
    """findings.json beside the pack; 'What has changed' after the key messages, 'Actions since the last review'
    after the scorecard (the demo gives since: and recommendations:), and a linked item in its question."""
    result, html = built
    rec = json.loads((result.out_dir / "findings.json").read_text(encoding="utf-8"))
    assert rec["year"] == 2025 and rec["council"]["name"] == "Demoshire" and rec["measures"]
    assert "stability_3plus_placements" in rec["measures"]
    at = {a: html.index(f'id="{a}"') for a in ("key-messages", "changes", "scorecard", "actions", "enquiry")}
    assert at["key-messages"] < at["changes"] < at["scorecard"] < at["actions"] < at["enquiry"]
    assert "What has changed since the 2023-24 pack" in html and "Actions since the last review" in html
    q4 = html[re.search(r"id=['\"]q4['\"]", html).start():]
    assert 'id="q4-actions"' in q4 and "Reduce the share of children who have three or more placements" in q4

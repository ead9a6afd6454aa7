"""The prepared evidence is cached by content: a second build from unchanged inputs skips the indicators and
disclosure control, any change to an input is a new key, and the cache can neither run code, nor change a
figure, nor hold a child's record."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pandas as pd
import pytest

from cpanalysis import cache, config, evidence, guard, synth


@pytest.fixture()
def council(tmp_path, monkeypatch):
    """A small council (about 40 children, two years) written to disk, with its own empty private cache."""
    monkeypatch.setenv("CPANALYSIS_CACHE_DIR", str(tmp_path / "cache"))
    synth.write_return(synth.generate_return(seed=7, children=40, years=2), tmp_path / "ssda903")
    params = config.load(None, {"inputs.ssda903": str(tmp_path / "ssda903")})
    params = params.model_copy(update={"inputs": params.inputs.model_copy(
        update={"published": None, "local": None, "evidence": None, "postcodes": None})})
    return tmp_path, params


def _entries(tmp_path: Path) -> list[Path]:
    return [p for p, _, _ in cache.cache_entries(tmp_path / "cache") if p.name.startswith("results-")]


def _same(a: evidence.PackContext, b: evidence.PackContext) -> None:
    pd.testing.assert_frame_equal(a.raw_results.reset_index(drop=True), b.raw_results.reset_index(drop=True))
    pd.testing.assert_frame_equal(a.results.reset_index(drop=True), b.results.reset_index(drop=True))
    pd.testing.assert_frame_equal(a.fingerprints.reset_index(drop=True), b.fingerprints.reset_index(drop=True))


def test_second_prepare_from_unchanged_inputs_comes_from_the_cache_and_is_identical(council):
    tmp_path, params = council
    first = evidence.prepare(params)
    assert first.from_cache == []
    assert len(_entries(tmp_path)) == 2  # indicators, then disclosure control
    second = evidence.prepare(params)
    assert second.from_cache == ["indicators", "disclosure"]
    _same(first, second)
    assert (second.results["symbol"].astype(str) == "c").any()  # suppression survived the round trip


def test_a_one_byte_edit_to_the_return_is_a_new_key_whatever_its_size_and_time(council):
    tmp_path, params = council
    evidence.prepare(params)
    f = next((tmp_path / "ssda903").rglob("episodes.csv"))
    st = f.stat()
    text = f.read_bytes()
    lines = text.split(b"\n")
    # swap one child's placement type code for another of the same length, keeping size and mtime
    head = lines[1].split(b",")
    i = lines[0].split(b",").index(b"PLACE")
    head[i] = b"U2" if head[i] != b"U2" else b"U3"
    lines[1] = b",".join(head)
    f.write_bytes(b"\n".join(lines))
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert f.stat().st_size == st.st_size
    second = evidence.prepare(params)
    assert "indicators" not in second.from_cache
    assert len(_entries(tmp_path)) >= 3
    _same(second, evidence.prepare(params, use_cache=False))  # what is served is the edited return's figures


def test_new_disclosure_settings_reuse_the_indicators_and_redo_suppression(council):
    _, params = council
    first = evidence.prepare(params)
    stricter = params.model_copy(update={"disclosure": params.disclosure.model_copy(
        update={"suppress_counts_up_to": 10})})
    second = evidence.prepare(stricter)
    assert second.from_cache == ["indicators"]
    assert (second.results["symbol"].astype(str) == "c").sum() > (first.results["symbol"].astype(str) == "c").sum()


def test_a_replaced_cache_file_cannot_run_code_and_is_recomputed(council, capsys):
    tmp_path, params = council
    truth = evidence.prepare(params)
    canary = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (Path(canary).write_text, ("owned",))

    for entry in _entries(tmp_path):
        for f in entry.glob("*.parquet"):
            f.write_bytes(pickle.dumps(Evil()))
    again = evidence.prepare(params)
    assert not canary.exists()
    assert again.from_cache == []
    _same(truth, again)
    assert "integrity check" in capsys.readouterr().err


def test_an_edited_figure_in_the_cache_is_never_served(council):
    tmp_path, params = council
    truth = evidence.prepare(params)
    for entry in _entries(tmp_path):
        manifest = json.loads((entry / "manifest.json").read_text())
        if "results" not in manifest["frames"]:
            continue
        df = pd.read_parquet(entry / "results.parquet")
        df.loc[df["value"].notna().idxmax(), "value"] = 99999.0
        df.to_parquet(entry / "results.parquet", index=False)
        manifest["frames"]["results"]["sha256"] = cache.file_hash(entry / "results.parquet")  # signature then fails
        (entry / "manifest.json").write_text(json.dumps(manifest))
    again = evidence.prepare(params)
    assert "disclosure" not in again.from_cache
    assert 99999.0 not in again.results["value"].tolist()
    _same(truth, again)


def test_no_cache_writes_nothing(council, monkeypatch):
    tmp_path, params = council
    evidence.prepare(params, use_cache=False)
    assert _entries(tmp_path) == []
    monkeypatch.setenv("CPANALYSIS_CACHE_MAX_MB", "0")
    evidence.prepare(params)
    assert _entries(tmp_path) == []


def test_the_cache_holds_no_childs_identifier_date_or_postcode(council):
    tmp_path, params = council
    ctx = evidence.prepare(params)
    terms = guard.terms_from(ctx.data)
    assert terms.ids  # the check below has something to find
    text = "\n".join(pd.read_parquet(f).astype(str).to_csv(index=False)
                     for e in _entries(tmp_path) for f in e.glob("*.parquet"))
    text += "\n".join((e / "manifest.json").read_text() for e in _entries(tmp_path))
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "cache.txt").write_text(text)
    assert guard.scan_files(probe, terms) == []


def test_cache_clear_removes_the_results_too(council):
    tmp_path, params = council
    evidence.prepare(params)
    assert _entries(tmp_path)
    n, _ = cache.clear_cache(tmp_path / "cache")
    assert n >= 2 and _entries(tmp_path) == []


def test_indicators_computed_with_a_helper_process_equal_a_serial_run(council):
    """The pack's helper computes every other year; the rows and fingerprints come back in a serial run's order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from cpanalysis import linkage

    _, params = council
    ctx = evidence.prepare(params, use_cache=False)
    kw = evidence._indicator_kwargs(params)
    years = list(ctx.data.years)
    serial = linkage.compute(ctx.data, years, kw["population"], kw["la_code"])
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        split = linkage.compute(ctx.data, years, kw["population"], kw["la_code"], pool=pool)
    assert len(years) == 2
    pd.testing.assert_frame_equal(serial[0], split[0])
    pd.testing.assert_frame_equal(serial[1], split[1])

"""The prepared evidence is cached by content: a second build from unchanged inputs skips the indicators and
disclosure control, any change to an input is a new key, and the cache can neither run code, nor change a
figure, nor hold a child's record."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import numpy as np
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


# ------------------------------------------------------------------ no pseudonyms in the cache (issue 20, item 4)
def _old_hashes(ids) -> np.ndarray:
    """The fingerprints' hash before it was keyed: a fixed, public hash of each child's id."""
    return pd.util.hash_pandas_object(pd.Series(np.asarray(ids, dtype=object)), index=False,
                                      hash_key="cpanalysis-sdc-1").to_numpy(dtype=np.uint64)


def _unkeyed_blake2b(ids) -> np.ndarray:
    import hashlib

    return np.fromiter((int.from_bytes(hashlib.blake2b(i.encode(), digest_size=8).digest(), "little") for i in ids),
                       dtype=np.uint64, count=len(ids))


def _brute_force(fps: pd.DataFrame, guesses: np.ndarray, hashes: np.ndarray) -> set[str]:
    """The intruder's attack: every id of the known format hashed; a cell of one child matched directly, a cell of
    two children by meeting in the middle (its sum minus each guess's hash looked up among the hashes)."""
    order = np.argsort(hashes)
    sorted_h = hashes[order]
    found: set[str] = set()
    for col, n_col in (("num_fp", "num_n"), ("den_fp", "den_n")):
        for fp in fps.loc[fps[n_col] == 1, col]:
            i = np.searchsorted(sorted_h, np.uint64(int(fp)))
            if i < len(sorted_h) and sorted_h[i] == np.uint64(int(fp)):
                found.add(str(guesses[order[i]]))
        for fp in list(fps.loc[fps[n_col] == 2, col].drop_duplicates())[:8]:
            with np.errstate(over="ignore"):
                rest = np.uint64(int(fp)) - hashes
            i = np.clip(np.searchsorted(sorted_h, rest), 0, len(sorted_h) - 1)
            hit = sorted_h[i] == rest
            found |= {str(g) for g in guesses[hit]} | {str(g) for g in guesses[order[i[hit]]]}
    return found


def _cached_frame(tmp_path: Path, name: str) -> pd.DataFrame:
    for entry in _entries(tmp_path):
        if (entry / f"{name}.parquet").is_file():
            return cache.get_frame(entry, json.loads((entry / "manifest.json").read_text())["frames"][name])
    raise AssertionError(f"no {name}.parquet in the cache")


def test_the_cached_fingerprints_give_back_no_child_to_a_brute_force_attack(council):
    """Issue 20: with the id format guessed (10**6 candidates) the unkeyed sums gave back the children of cells of
    one or two children. The same attack on the cache finds nothing without the key; on fingerprints made the old
    way it finds them (so the attack is real). The guesses are the first 10**5 ids of the format (999 and six digits),
    which hold every child of this council: a tenth of the intruder's work, for time."""
    from cpanalysis import linkage
    from cpanalysis.indicators import registry

    tmp_path, params = council
    ctx = evidence.prepare(params)
    stored = _cached_frame(tmp_path, "fingerprints")
    assert ((stored["num_n"] == 1) | (stored["den_n"] == 1)).any() and (stored["num_n"] == 2).any()
    ids = set(ctx.data.header["CHILD"].astype(str))
    assert all(len(i) == 9 and i.startswith("9990") for i in ids)  # the known format: 999 and six digits
    guesses = np.array([f"999{i:06d}" for i in range(10**5)], dtype=object)

    class Unkeyed(linkage.Fingerprinter):  # the fingerprints as they were made before
        def child_hashes(self, children):
            return _old_hashes(pd.Series(children).astype(str))

    _, old = registry.compute(ctx.data, years=list(ctx.data.years), fingerprint=Unkeyed(bytes(32)))
    recovered = _brute_force(old, guesses, _old_hashes(guesses))
    assert len(recovered) >= 5 and recovered <= ids  # the old fingerprints gave children back

    for hashes in (_old_hashes(guesses), _unkeyed_blake2b(guesses)):  # the key absent: nothing
        assert _brute_force(stored, guesses, hashes) == set()
    key = tmp_path / "cache" / linkage.KEY_FILE
    assert key.is_file() and (key.stat().st_mode & 0o777) == 0o600 and len(key.read_bytes()) == 32
    with_key = linkage.Fingerprinter(key.read_bytes())
    assert _brute_force(stored, guesses[:2000], with_key.child_hashes(pd.Series(guesses[:2000]))) <= ids


def test_two_caches_give_different_fingerprints_and_the_same_figures(council, monkeypatch):
    tmp_path, params = council
    first = evidence.prepare(params)
    monkeypatch.setenv("CPANALYSIS_CACHE_DIR", str(tmp_path / "another-cache"))
    second = evidence.prepare(params)
    assert second.from_cache == []
    a, b = first.fingerprints, second.fingerprints
    pd.testing.assert_frame_equal(a[["indicator_id", "year", "breakdown", "num_n", "den_n"]],
                                  b[["indicator_id", "year", "breakdown", "num_n", "den_n"]])
    nonzero = a["num_fp"].astype(str) != "0"
    assert nonzero.sum() > 50 and not (a.loc[nonzero, "num_fp"] == b.loc[nonzero, "num_fp"]).any()
    pd.testing.assert_frame_equal(first.results, second.results)  # linked figures do not depend on the key


def test_the_cache_records_whether_a_cell_was_suppressed_never_why(council):
    from cpanalysis import disclosure, results_cache

    tmp_path, params = council
    ctx = evidence.prepare(params)
    stored = _cached_frame(tmp_path, "results")
    assert (stored["symbol"].astype(str) == "c").any()
    assert not set(disclosure.INTERNAL_COLUMNS) & set(stored.columns)
    assert set(disclosure.INTERNAL_COLUMNS) <= set(results_cache.NEVER_STORED)
    text = stored.astype(str).to_csv(index=False).lower()
    assert "primary" not in text and "secondary" not in text
    hidden = stored["symbol"].astype(str) == "c"
    assert stored.loc[hidden, "suppression"].nunique() == 1  # the one public reason for every suppressed cell
    assert list(ctx.results.columns) == list(stored.columns)  # what a build uses is what a cached build gets


def test_results_entries_of_an_earlier_format_are_removed(council):
    from cpanalysis import results_cache

    tmp_path, params = council
    evidence.prepare(params)
    old = tmp_path / "cache" / ("results-" + "ab" * 20)
    old.mkdir()
    (old / "manifest.json").write_text(json.dumps({"format": 1, "frames": {}}))
    (old / "fingerprints.parquet").write_bytes(b"old unkeyed sums")
    evidence.prepare(params.model_copy(update={"year": params.year}), use_cache=True)  # a hit: nothing written
    assert old.exists()
    results_cache.cached("cd" * 20, ("x",), lambda: (pd.DataFrame({"a": [1]}),), "test")
    assert not old.exists()

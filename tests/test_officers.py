"""An officer's first steps: `cpanalysis init`, demonstration data never under a real council's name, the
default year, abolished councils, council names as people type them, and each council's pack in its own folder.

Most tests use a small folder of DfE-format rows written here (so they run on a clone without ../shared); the
ones marked ``shared`` check the same against the real files and skip, saying why, when they are absent."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cpanalysis import cli, config, councils, pack, paths
from cpanalysis.config import ParameterError

SHARED = paths.SHARED_DATA_DIR
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason=f"the real DfE files are not at {SHARED}")

#: (old code, new code, DfE name, region): real councils' rows, as DfE spells them
COUNCILS = [
    ("894", "E06000020", "Telford and Wrekin", "West Midlands"),
    ("355", "E08000006", "Salford", "North West"),
    ("822", "E06000055", "Bedford", "East of England"),
    ("884", "E06000019", "Herefordshire, County of", "West Midlands"),
    ("839", "E06000058", "Bournemouth, Christchurch and Poole", "South West"),
    ("810", "E06000010", "Kingston upon Hull, City of", "Yorkshire and The Humber"),
    ("314", "E09000021", "Kingston upon Thames", "Outer London"),
    ("213", "E09000033", "Westminster", "Inner London"),
    ("909", "E10000006", "Cumbria", "North West"),
    ("942", "E06000063", "Cumberland", "North West"),
    ("943", "E06000064", "Westmorland and Furness", "North West"),
    ("928", "E10000021", "Northamptonshire", "East Midlands"),
    ("940", "E06000061", "North Northamptonshire", "East Midlands"),
    ("941", "E06000062", "West Northamptonshire", "East Midlands"),
]


@pytest.fixture(scope="module")
def dfe(tmp_path_factory) -> Path:
    """A folder of DfE published files in DfE's layout: every council above, 2021 to 2024."""
    d = tmp_path_factory.mktemp("dfe") / "ees"
    d.mkdir()
    head = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
            "old_la_code,la_name,new_la_code,population_type,population_estimate,children_count,rate_per_10000")
    rows = [head]
    for year in (2021, 2022, 2023, 2024):
        rows.append(f"{year},Reporting year,National,E92000001,England,,,,,,Children looked after on 31 March "
                    "each year,12000000,83000,70")
        for old, new, name, region in COUNCILS:
            rows.append(f'{year},Reporting year,Local authority,E92000001,England,E1,{region},{old},"{name}",{new},'
                        "Children looked after on 31 March each year,40000,300,75")
    (d / "cla_number_and_rate_per_10k_children.csv").write_text("\ufeff" + "\n".join(rows) + "\n", encoding="utf-8")
    return d.parent


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


# ------------------------------------------------------------------------------------------------ names
@pytest.mark.parametrize(("typed", "name"), [
    ("Herefordshire", "Herefordshire, County of"),
    ("Hull", "Kingston upon Hull, City of"),
    ("Kingston upon Hull", "Kingston upon Hull, City of"),
    ("Westminster City Council", "Westminster"),
    ("Telford", "Telford and Wrekin"),
    ("telford & wrekin", "Telford and Wrekin"),
    ("Bournemouth", "Bournemouth, Christchurch and Poole"),
    ("Poole", "Bournemouth, Christchurch and Poole"),
    ("Herefordshire Council", "Herefordshire, County of"),
    ("894", "Telford and Wrekin"),
    ("E06000020", "Telford and Wrekin"),
])
def test_common_name_forms_are_accepted(dfe, typed, name):
    assert councils.find_council(typed, dfe)["la_name"] == name


def test_predecessor_name_is_taken_as_its_successor_with_a_note(dfe, capsys):
    c = councils.resolve_council("Bournemouth", folder=dfe, year=2024)
    assert c.name == "Bournemouth, Christchurch and Poole"
    assert "Bournemouth was merged into Bournemouth, Christchurch and Poole" in capsys.readouterr().err


@pytest.mark.parametrize(("typed", "first"), [("Telfrd", "Telford and Wrekin"), ("Kingston", "Kingston upon")])
def test_best_match_comes_first(dfe, typed, first):
    with pytest.raises(ParameterError) as err:
        councils.find_council(typed, dfe)
    assert str(err.value).split("Did you mean: ")[1].startswith(first)


# ------------------------------------------------------------------------------------------- abolished
@pytest.mark.parametrize(("typed", "year", "successors"), [
    ("Cumbria", 2024, ["Cumberland (942)", "Westmorland and Furness (943)"]),
    ("909", 2024, ["Cumberland (942)", "Westmorland and Furness (943)"]),
    ("Northamptonshire", 2022, ["North Northamptonshire (940)", "West Northamptonshire (941)"]),
])
def test_abolished_council_refused_with_successors_named(dfe, typed, year, successors):
    with pytest.raises(councils.CouncilNotInYear, match="was abolished on") as err:
        councils.find_council(typed, dfe, year=year)
    for s in successors:
        assert s in str(err.value)


def test_abolished_council_accepted_for_a_year_it_existed(dfe):
    assert councils.find_council("Cumbria", dfe, year=2023)["old_la_code"] == "909"


def test_successor_refused_before_it_existed_naming_the_predecessor(dfe):
    with pytest.raises(councils.CouncilNotInYear, match=r"Cumbria \(909\)"):
        councils.find_council("Cumberland", dfe, year=2022)


def test_cli_refuses_abolished_council(dfe, capsys):
    code, _, err = run(capsys, "validate", "--council", "Cumbria", "--published", dfe, "--year", "2024")
    assert code == 2 and "Cumberland (942)" in err and "Westmorland and Furness (943)" in err


def test_parameters_file_for_abolished_council_refused(dfe, tmp_path, capsys):
    p = tmp_path / "p.yml"
    p.write_text(f'council: {{name: Cumbria, old_la_code: "909"}}\nyear: 2024\ninputs: {{published: "{dfe}"}}\n')
    code, _, err = run(capsys, "validate", "--params", p)
    assert code == 2 and "abolished" in err


# ---------------------------------------------------------------------------------------- default year
def test_default_year_is_latest_in_published_data_and_says_so(dfe, capsys):
    raw = {"council": {"name": "Telford and Wrekin"}, "inputs": {"published": str(dfe)}}
    p = config.from_dict(raw, default_year=councils.fill_default_year)
    assert p.year == 2024  # the fixture's latest year, not today's date
    assert "2023-24" in capsys.readouterr().err


def test_default_year_is_latest_in_the_903_return(tmp_path, capsys):
    for y in (2023, 2024):
        (tmp_path / "903" / str(y)).mkdir(parents=True)
    raw = {"council": {"name": "X"}, "inputs": {"ssda903": str(tmp_path / "903")}}
    assert config.from_dict(raw, default_year=councils.fill_default_year).year == 2024
    assert "SSDA903 return" in capsys.readouterr().err


def test_cli_without_year_uses_latest(dfe, tmp_path, capsys):
    out = tmp_path / "i.csv"
    code, _, err = run(capsys, "indicators", "--council", "Telford", "--published", dfe, "--out", out)
    assert code == 0, err
    assert "2023-24 (--year 2024)" in err and "latest year in DfE's published files" in err


# ------------------------------------------------------------------------------------ demo data refused
def test_demo_inputs_refused_for_a_real_council_from_the_command_line(dfe, capsys):
    code, _, err = run(capsys, "validate", "--params", paths.DEFAULT_PARAMS, "--council", "Telford",
                       "--published", dfe)
    assert code == 2 and "demonstration council's fictional data" in err and "ssda903" in err


def test_demo_file_edited_for_a_real_council_refused(dfe, tmp_path, capsys):
    """The README trap: copy demo.yml, change only the council and the published folder."""
    text = paths.DEFAULT_PARAMS.read_text().replace("name: Demoshire", "name: Telford and Wrekin")
    text = text.replace('old_la_code: "999"', 'old_la_code: "894"').replace("published: data/demo/published",
                                                                          f"published: {dfe}")
    p = tmp_path / "mycouncil.yml"
    p.write_text(text)
    for command in ("validate", "pack", "indicators", "run"):
        argv = [command] + (["4"] if command == "run" else []) + ["--params", p, "--out", tmp_path / "o"]
        code, _, err = run(capsys, *argv)
        assert code == 2 and "Demoshire's invented figures" in err, command


def test_build_pack_refuses_demo_inputs_with_a_real_council(tmp_path):
    params = config.load(paths.DEFAULT_PARAMS)
    params.council = config.Council(name="Telford and Wrekin", old_la_code="894")
    params.demonstration = False
    with pytest.raises(ParameterError, match="demonstration"):
        pack.build_pack(params, out=tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_demo_council_still_builds_from_demo_data():
    params = config.load(paths.DEFAULT_PARAMS)
    config.check_not_mixed(params)  # no error


def test_demonstration_flag_refused_for_a_real_council(dfe, tmp_path, capsys):
    p = tmp_path / "p.yml"
    p.write_text(f'council: {{name: Telford and Wrekin, old_la_code: "894"}}\nyear: 2024\ndemonstration: true\n'
                 f'inputs: {{published: "{dfe}"}}\n')
    code, _, err = run(capsys, "validate", "--params", p)
    assert code == 2 and "demonstration: true" in err


# ---------------------------------------------------------------------------------------------- init
def test_init_writes_a_parameters_file_for_a_real_council(dfe, tmp_path, capsys):
    out = tmp_path / "telford.yml"
    code, stdout, err = run(capsys, "init", "Telford", "--published", dfe, "--out", out)
    assert code == 0, err
    p = config.load(out)
    assert (p.council.name, p.council.old_la_code, p.council.new_la_code, p.council.region) == (
        "Telford and Wrekin", "894", "E06000020", "West Midlands")
    assert p.year == 2024 and not p.demonstration
    assert Path(p.inputs.published) == dfe.resolve() and p.inputs.ssda903 is None
    assert p.output_dir == Path("outputs/telford-and-wrekin")
    text = out.read_text()
    for optional in ("# ssda903:", "# local:", "# evidence:", "# targets:"):
        assert optional in text
    assert "cpanalysis pack --params" in stdout
    # never replaced without --force
    code, _, err = run(capsys, "init", "Telford", "--published", dfe, "--out", out)
    assert code == 2 and "already exists" in err


def test_init_with_a_903_return_takes_its_latest_year(dfe, tmp_path, capsys):
    (tmp_path / "903" / "2023").mkdir(parents=True)
    out = tmp_path / "p.yml"
    code, _, err = run(capsys, "init", "894", "--published", dfe, "--ssda903", tmp_path / "903", "--out", out)
    assert code == 0, err
    p = config.load(out)
    assert p.year == 2023 and Path(p.inputs.ssda903) == (tmp_path / "903").resolve()


def test_init_refuses_demo_inputs(dfe, tmp_path, capsys):
    code, _, err = run(capsys, "init", "Telford", "--published", dfe, "--ssda903", paths.DEMO_SSDA903_DIR,
                       "--out", tmp_path / "p.yml")
    assert code == 2 and "demonstration council" in err and not (tmp_path / "p.yml").exists()


def test_init_refuses_abolished_council(dfe, tmp_path, capsys):
    code, _, err = run(capsys, "init", "Cumbria", "--published", dfe, "--out", tmp_path / "p.yml")
    assert code == 2 and "Cumberland (942)" in err


# ----------------------------------------------------------------------------------- own output folder
def test_each_council_gets_its_own_output_folder(dfe):
    raw = {"council": {"name": "Telford and Wrekin"}, "year": 2024, "inputs": {"published": str(dfe)}}
    assert pack.default_out_dir(config.from_dict(raw)) == paths.OUTPUTS_DIR / "telford-and-wrekin"
    args = cli.build_parser().parse_args(["pack", "--council", "Hull", "--published", str(dfe)])
    assert pack.default_out_dir(cli.load_params(args)) == paths.OUTPUTS_DIR / "kingston-upon-hull-city-of"


def test_council_override_of_a_file_goes_to_that_councils_folder(dfe, tmp_path):
    p = tmp_path / "p.yml"
    p.write_text(textwrap.dedent(f"""\
        council: {{name: Telford and Wrekin, old_la_code: "894"}}
        year: 2024
        inputs: {{published: "{dfe}"}}
        output_dir: outputs/telford-and-wrekin
        """))
    args = cli.build_parser().parse_args(["pack", "--params", str(p), "--council", "Salford"])
    assert pack.default_out_dir(cli.load_params(args)) == paths.OUTPUTS_DIR / "salford"


@needs_shared
@pytest.mark.shared
@pytest.mark.parametrize(("typed", "name"), [("Herefordshire", "Herefordshire, County of"),
                                             ("Bournemouth", "Bournemouth, Christchurch and Poole"),
                                             ("Hull", "Kingston upon Hull, City of"),
                                             ("Westminster City Council", "Westminster"),
                                             ("Telford", "Telford and Wrekin")])
def test_name_forms_on_the_real_files(typed, name):
    assert councils.find_council(typed, SHARED, year=2025)["la_name"] == name


@needs_shared
@pytest.mark.shared
def test_real_files_default_year_and_abolished():
    assert councils.latest_year_in(published=SHARED)[0] == 2025
    with pytest.raises(councils.CouncilNotInYear, match="Cumberland"):
        councils.find_council("Cumbria", SHARED, year=2025)


# ------------------------------------------------------------------------------ progress and build report
def _ctx(rows: list[dict], year: int = 2025, ssda903: bool = False):
    import types

    import pandas as pd

    inputs = {"published": "x"} | ({"ssda903": "y"} if ssda903 else {})
    params = config.from_dict({"council": {"name": "T"}, "year": year, "inputs": inputs})
    cols = ["indicator_id", "title", "question", "year", "breakdown", "value", "status", "symbol"]
    return types.SimpleNamespace(params=params, results=pd.DataFrame(rows, columns=cols))


def test_build_report_sorts_measures_hand_worked():
    nan = float("nan")
    rows = [
        {"indicator_id": "stability_3plus_placements", "title": "Three moves", "question": 4, "year": 2025,
         "breakdown": "Total", "value": 9.0, "status": "ok", "symbol": ""},
        {"indicator_id": "sw_changes_3plus", "title": "Social workers", "question": 4, "year": 2024,
         "breakdown": "Total", "value": 20.0, "status": "ok", "symbol": ""},
        {"indicator_id": "sw_changes_3plus", "title": "Social workers", "question": 4, "year": 2025,
         "breakdown": "Total", "value": nan, "status": "not available (x)", "symbol": "x"},
        {"indicator_id": "missing_children", "title": "Missing", "question": 4, "year": 2025,
         "breakdown": "Total", "value": nan, "status": "suppressed (c)", "symbol": "c"},
        {"indicator_id": "away_children", "title": "Away", "question": 4, "year": 2025,
         "breakdown": "Total", "value": nan, "status": "not available (x)", "symbol": "x"},
    ]
    r = pack.build_report(_ctx(rows), [4])
    assert r.shown == ["Three moves"]
    assert r.suppressed == ["Missing"]
    assert r.older == [("Social workers", 2024)]
    assert ("Away", "not available (x)") in r.missing
    # measures the question names that have no row at all need the 903 (none was supplied)
    assert any(why == pack.NEEDS["ssda903"] for _, why in r.missing)
    text = r.text()
    assert "measures shown with a figure for 2024-25: 1" in text
    assert "Social workers (latest 2023-24)" in text and "suppressed" in text


def test_progress_is_reported_for_each_notebook_as_it_finishes(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    jobs = [(f"{n}.ipynb", str(tmp_path / f"{n}.ipynb"), {}, "") for n in ("00_summary", "04_stability")]
    seen: list[str] = []

    def work(dst: str) -> str:
        Path(dst).write_text("{}")
        return dst

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(work, j[1]) for j in jobs]
        pack._wait_reporting(futures, jobs, seen.append)
    assert sorted(seen) == ["00_summary", "04_stability"]


@pytest.mark.notebook
def test_run_prints_the_build_report_and_writes_it_beside_the_pack(tmp_path, capsys):
    code, out, err = run(capsys, "run", "4", "--out", tmp_path / "q4")
    assert code == 0, err
    assert "Build report for 2024-25:" in out and "measures shown with a figure for 2024-25:" in out
    assert (tmp_path / "q4" / "build-report.txt").read_text().startswith("Build report for 2024-25:")
    # a topic printed on its own says whose it is: council, year and sources under its heading (issue 22)
    page = (tmp_path / "q4" / "04_stability.html").read_text(encoding="utf-8")
    head = page[page.index('id="q4"'):][:1200]
    assert "Demoshire" in head and "2024-25" in head and "Sources:" in head


# ---------------------------------------------------------------------------------------------- cache
def _entry(d: Path, key: str, mb: float, age: float) -> Path:
    import os
    import time

    p = d / f"published-{key}"
    p.mkdir(parents=True)
    (p / "table-0.parquet").write_bytes(b"\0" * int(mb * 1024 * 1024))
    (p / "manifest.json").write_text("{}")
    t = time.time() - age
    os.utime(p / "manifest.json", (t, t))
    return p


def test_cache_is_kept_within_its_limit_least_recently_used_first(tmp_path, monkeypatch):
    from cpanalysis.sources import published

    d = tmp_path / "cache"
    old = _entry(d, "a" * 32, 3, age=300)
    mid = _entry(d, "b" * 32, 3, age=200)
    new = _entry(d, "c" * 32, 3, age=100)
    legacy = d / ("published-" + "d" * 24 + ".pkl")
    legacy.write_bytes(b"\0" * 1024)           # the old pickle format: always removed
    other = d / "notes.txt"
    other.write_text("not ours")               # never touched
    monkeypatch.setenv("CPANALYSIS_CACHE_MAX_MB", "7")
    removed = published.enforce_cache_limit(d, keep=old)
    assert set(removed) == {legacy, mid}       # 9 MB > 7 MB: the least recently used that is not `keep` goes
    assert old.exists() and new.exists() and other.exists()
    assert sum(size for _, size, _ in published.cache_entries(d)) <= 7 * 1024 * 1024


def test_cache_limit_holds_when_real_packs_add_entries(tmp_path, monkeypatch):
    """Each distinct published folder adds an entry; the cache never passes its limit."""
    from cpanalysis.sources import published

    d = tmp_path / "cache"
    monkeypatch.setenv("CPANALYSIS_CACHE_DIR", str(d))
    sizes = []
    for i in range(4):
        folder = tmp_path / f"dfe{i}"
        (folder / "ees").mkdir(parents=True)
        import gzip

        for f in sorted((paths.DEMO_PUBLISHED_DIR / "ees").glob("cla_*.csv.gz"))[:2]:
            text = gzip.decompress(f.read_bytes()).decode("utf-8-sig")
            (folder / "ees" / f.name.removesuffix(".gz")).write_text(text + ("\n" * i), encoding="utf-8")
        published.load_published(folder)
        entries = published.cache_entries(d)
        if i == 0:  # a limit that holds two entries of this size, not three
            sizes.append(entries[0][1])
            monkeypatch.setenv("CPANALYSIS_CACHE_MAX_MB", str(2.5 * sizes[0] / 1024 / 1024))
        total = sum(s for _, s, _ in entries)
        assert total <= max(2.5 * sizes[0], sizes[0]), (i, total)
    assert len(published.cache_entries(d)) == 2
    # the newest entry is the one kept, and it is used (no parsing) on the next load
    again = published.load_published(tmp_path / "dfe3")
    assert again.seconds < 5


def test_cache_clear_empties_it_and_leaves_other_files(tmp_path, monkeypatch, capsys):
    d = tmp_path / "cache"
    monkeypatch.setenv("CPANALYSIS_CACHE_DIR", str(d))
    _entry(d, "a" * 32, 0.1, age=10)
    (d / "cache-key").write_bytes(b"k" * 32)
    (d / "mine.txt").write_text("keep me")
    code, out, _ = run(capsys, "cache", "info")
    assert code == 0 and "1 entry" in out and "MB of 500 MB" in out
    code, out, _ = run(capsys, "cache", "clear")
    assert code == 0 and "1 entry" in out
    assert sorted(p.name for p in d.iterdir()) == ["mine.txt"]
    (d / "mine.txt").unlink()
    assert run(capsys, "cache", "clear")[0] == 0 and not d.exists()


def test_a_return_that_looks_like_another_councils_is_warned_about(capsys):
    """The demo return (465 children at 31 March 2025) named as a council DfE publishes 411 for."""
    from types import SimpleNamespace

    import pandas as pd

    from cpanalysis import evidence

    results = pd.DataFrame([{"indicator_id": "cla_at_31_march", "breakdown": "Total", "year": 2025, "value": 465.0,
                             "source": "SSDA903 Episodes and Header"}])
    figures = pd.DataFrame([{"indicator_id": "cla_at_31_march", "geographic_level": "Local authority",
                             "old_la_code": "894", "year": 2025, "value": 411.0}])
    params = SimpleNamespace(year=2025, council=SimpleNamespace(old_la_code="894", name="Telford and Wrekin"))
    ctx = SimpleNamespace(data=object(), published=SimpleNamespace(figures=figures), raw_results=results, params=params)
    assert "counts 465 children" in evidence.return_mismatch(ctx)  # 13% apart (issue 25: it must fire)
    ctx.raw_results = results.assign(value=430.0)
    assert evidence.return_mismatch(ctx) == ""  # 5% apart: amendments and late returns
    ctx.raw_results = results.assign(value=1200.0)
    msg = evidence.return_mismatch(ctx)
    assert "counts 1,200 children" in msg and "DfE publishes 411 for Telford and Wrekin" in msg
    assert "another council's" in msg

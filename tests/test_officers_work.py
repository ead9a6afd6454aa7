"""Issue 18 ("Officers' work is never lost, small numbers never leave by default") and the parts of issue 25 about
output folders: one test (or more) for each item, with the inputs the issues describe.

Most run without a notebook; the few that build a topic or start a kernel are marked ``notebook``."""

from __future__ import annotations

import errno
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from cpanalysis import batch, cli, config, export, pack, paths, safe_output
from cpanalysis.findings import MeasureEvidence


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def fake_pack(folder: Path, council: str = "Demoshire", topics=tuple(range(1, 11)), marked: bool = True,
              html: str = "evidence-pack.html") -> Path:
    """A folder as a pack build leaves it (its notebooks, figures, HTML, build report and marker)."""
    from cpanalysis.config import TOPICS

    (folder / "notebooks").mkdir(parents=True)
    (folder / "figures").mkdir()
    names = ["00_summary", *(f"{n:02d}_{TOPICS[n]}" for n in topics), "99_annex"]
    for n in names:
        (folder / "notebooks" / f"{n}.ipynb").write_text("{}")
    for n in names[1:-1]:
        (folder / "figures" / f"{n}.json").write_text(json.dumps({"council": council, "question": int(n[:2])}))
    (folder / html).write_text("<html>the committee's pack</html>")
    (folder / "build-report.txt").write_text("report\n")
    if marked:
        safe_output.mark(folder)
    return folder


# ============================================================ issue 25, high 1: a folder that is not a pack
@pytest.mark.parametrize("kind", ["own_html", "lone_indicators_csv", "figures_with_other_contents",
                                  "pack_plus_own_html", "pack_plus_own_figure", "own_notebooks_folder"])
def test_a_folder_that_is_not_a_pack_is_never_replaced(kind, tmp_path, capsys):
    f = tmp_path / "mine"
    f.mkdir()
    if kind == "own_html":  # the user's own .html files
        (f / "minutes.html").write_text("<p>minutes</p>")
        (f / "agenda.html").write_text("<p>agenda</p>")
    elif kind == "lone_indicators_csv":
        (f / "indicators.csv").write_text("my,own\n1,2\n")
    elif kind == "figures_with_other_contents":
        (f / "figures").mkdir()
        (f / "figures" / "photo.png").write_bytes(b"\x89PNG")
        (f / "evidence-pack.html").write_text("<html>")
    elif kind == "pack_plus_own_html":  # an old pack with the user's own page beside it
        f = tmp_path / "mine2"
        fake_pack(f, marked=False)
        (f / "my-notes.html").write_text("<p>mine</p>")
    elif kind == "pack_plus_own_figure":
        f = tmp_path / "mine2"
        fake_pack(f, marked=False)
        (f / "figures" / "chart-for-cabinet.json").write_text("{}")
    elif kind == "own_notebooks_folder":
        (f / "notebooks").mkdir()
        (f / "notebooks" / "analysis.ipynb").write_text("{}")
        (f / "evidence-pack.html").write_text("<html>")
    before = sorted(str(p.relative_to(f)) for p in f.rglob("*"))
    assert not safe_output.is_old_pack(f)
    with pytest.raises(safe_output.OutputFolderError, match="did not create"):
        safe_output.check_replaceable(f)
    code, _, err = run(capsys, "pack", "--out", f, "--topics", "4")
    assert code == 2 and "did not create" in err
    assert sorted(str(p.relative_to(f)) for p in f.rglob("*")) == before  # nothing deleted or added


def test_only_the_exact_files_of_an_old_pack_make_it_replaceable(tmp_path):
    whole = fake_pack(tmp_path / "whole", marked=False)
    (whole / "indicators.csv").write_text("indicator_id\n")
    assert safe_output.is_old_pack(whole)
    safe_output.check_replaceable(whole)
    topic = tmp_path / "topic"
    (topic / "notebooks").mkdir(parents=True)
    (topic / "notebooks" / "04_stability.ipynb").write_text("{}")
    (topic / "04_stability.html").write_text("<html>")
    assert safe_output.is_old_pack(topic)
    two_pages = fake_pack(tmp_path / "two", marked=False)
    (two_pages / "04_stability.html").write_text("<html>")  # one pack writes one page
    assert not safe_output.is_old_pack(two_pages)
    no_notebooks = tmp_path / "nonb"
    no_notebooks.mkdir()
    (no_notebooks / "evidence-pack.html").write_text("<html>")
    assert not safe_output.is_old_pack(no_notebooks)
    linked = fake_pack(tmp_path / "linked", marked=False)
    (linked / "build-report.txt").unlink()
    (linked / "build-report.txt").symlink_to(tmp_path / "whole" / "build-report.txt")
    assert not safe_output.is_old_pack(linked)


def test_batch_never_writes_its_index_into_a_users_folder(tmp_path, capsys):
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("<h1>the council's own site</h1>")
    code, _, err = run(capsys, "batch", "--councils", "Ashcombe", "--published", paths.DEMO_PUBLISHED_DIR,
                       "--out", out, "--workers", "1", "--quiet")
    assert code == 2 and "did not create" in err and "index.html" in err
    assert (out / "index.html").read_text() == "<h1>the council's own site</h1>"
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]
    # nor into an old pack's folder (a batch is not a pack), while a folder it marked is its own
    old = fake_pack(tmp_path / "oldpack", marked=False)
    with pytest.raises(safe_output.OutputFolderError):
        safe_output.check_batch_folder(old)
    mine = tmp_path / "batch"
    mine.mkdir()
    safe_output.mark(mine)
    (mine / "index.html").write_text("an earlier batch's index")
    safe_output.check_batch_folder(mine)
    safe_output.check_batch_folder(tmp_path / "new")


# ================================================================= issue 25, low: --out inside the repository
@pytest.mark.parametrize("where", ["tests", ".git", ".venv"])
def test_out_inside_tests_git_or_venv_is_refused(where, capsys):
    target = paths.ROOT / where / "cpanalysis-out-test"
    code, _, err = run(capsys, "pack", "--out", target, "--topics", "4")
    assert code == 2
    assert f"the project's {where}/ folder" in err and "Traceback" not in err
    assert not target.exists()
    with pytest.raises(safe_output.OutputFolderError, match=re.escape(f"{where}/")):
        safe_output.check_replaceable(paths.ROOT / where)


# ====================================================== issue 25, low: the disk, not cpanalysis (exit 2, not 3)
@pytest.mark.parametrize(("code_name", "cause"), [("ENOSPC", "the disk is full"),
                                                  ("EROFS", "the file system is read-only"),
                                                  ("EACCES", "you do not have permission")])
def test_a_full_read_only_or_unwritable_out_folder_names_the_cause(code_name, cause, tmp_path, capsys, monkeypatch):
    """The staging folder cannot be made beside --out (what a full disk, a read-only mount or a folder without
    write permission does); tests run as root, so the operating system's error is raised as it would be."""
    target = tmp_path / "pack"

    def refuse(*a, dir=None, **k):  # noqa: A002 - tempfile's own argument name
        raise OSError(getattr(errno, code_name), __import__("os").strerror(getattr(errno, code_name)), str(dir))

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    code, _, err = run(capsys, "pack", "--out", target, "--topics", "4")
    assert code == 2, err
    assert cause in err and str(tmp_path) in err and "fault in cpanalysis" not in err
    assert "Nothing was replaced" in err


def test_full_disk_while_writing_the_indicators_csv_names_the_cause(tmp_path, capsys, monkeypatch):
    frame = pd.DataFrame([{c: "" for c in export.RESULT_COLUMNS}])
    monkeypatch.setattr(export, "indicator_frame", lambda params, public=True: frame)
    target = tmp_path / "ind.csv"
    real = Path.write_text

    def full(self, *a, **k):
        if self == target:
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, *a, **k)

    monkeypatch.setattr(Path, "write_text", full)
    code, _, err = run(capsys, "indicators", "--out", target)
    assert code == 2 and "the disk is full" in err and str(target) in err


def test_indicators_out_a_folder_is_a_plain_usage_error(tmp_path, capsys):
    code, _, err = run(capsys, "indicators", "--out", tmp_path)
    assert code == 2
    assert "is a folder" in err and "indicators.csv" in err and "fault" not in err


def test_an_os_error_a_user_cannot_act_on_is_still_a_fault(capsys, monkeypatch):
    def broken(args):
        raise OSError(errno.EBADF, "Bad file descriptor")

    monkeypatch.setattr(cli, "cmd_validate", broken)
    parser = cli.build_parser

    def patched():
        p = parser()
        p._subparsers._group_actions[0].choices["validate"].set_defaults(func=broken)
        return p

    monkeypatch.setattr(cli, "build_parser", patched)
    code, _, err = run(capsys, "validate")
    assert code == 3 and "fault in cpanalysis" in err


# ============================================================= issue 18, 1: run writes beside the pack
def _params_with_out(tmp_path: Path, out: Path) -> Path:
    p = tmp_path / "demo-here.yml"
    text = paths.DEFAULT_PARAMS.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^output_dir:.*$", "", text) + f"\noutput_dir: {json.dumps(str(out))}\n"
    # the demo file's relative paths are taken from the repository root wherever the file is
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.notebook
def test_run_writes_beside_the_pack_and_never_removes_it(tmp_path, capsys):
    packdir = fake_pack(tmp_path / "demo")
    params = _params_with_out(tmp_path, packdir)
    before = {p: p.read_bytes() for p in packdir.rglob("*") if p.is_file()}
    code, out, err = run(capsys, "run", "stability", "--params", params)
    assert code == 0, err
    topic = packdir / "topics" / "04_stability"
    assert (topic / "04_stability.html").exists() and str(topic) in out
    for p, data in before.items():  # the pack is untouched
        assert p.read_bytes() == data, p
    # --out at the pack folder: refused, saying so; the pack is kept
    code, _, err = run(capsys, "run", "4", "--params", params, "--out", packdir)
    assert code == 2
    assert "holds the evidence pack for Demoshire (10 questions)" in err and "--replace" in err
    assert (packdir / "evidence-pack.html").read_bytes() == before[packdir / "evidence-pack.html"]


def test_a_build_that_would_replace_a_pack_with_something_else_needs_replace(tmp_path, capsys):
    packdir = fake_pack(tmp_path / "demo")
    params = config.load(None)
    # one topic, fewer questions, another council: each refused with the reason
    with pytest.raises(pack.PackWouldBeReplaced, match="one topic"):
        pack.check_keeps_pack(packdir, params, [4], whole=False)
    with pytest.raises(pack.PackWouldBeReplaced, match="a pack of 2 questions"):
        pack.check_keeps_pack(packdir, params, [4, 8], whole=True)
    other = params.model_copy(deep=True)
    other.council.name = "Ashcombe"
    with pytest.raises(pack.PackWouldBeReplaced, match="a pack for Ashcombe"):
        pack.check_keeps_pack(packdir, other, list(range(1, 11)), whole=True)
    # a fresh build of the same pack is a refresh, not a loss
    pack.check_keeps_pack(packdir, params, list(range(1, 11)), whole=True)
    # from the command line: exit 2, a plain message, nothing touched (refused before any notebook runs)
    code, _, err = run(capsys, "pack", "--topics", "4", "--out", packdir)
    assert code == 2 and "--replace" in err and "a pack of 1 question" in err
    assert (packdir / "evidence-pack.html").read_text() == "<html>the committee's pack</html>"


@pytest.mark.notebook
def test_replace_replaces_and_a_rebuilt_pack_keeps_its_topics_folder(tmp_path, capsys):
    packdir = fake_pack(tmp_path / "demo", topics=(4,))
    (packdir / "topics" / "08_leaving_care").mkdir(parents=True)
    (packdir / "topics" / "08_leaving_care" / "08_leaving_care.html").write_text("<html>topic 8</html>")
    code, _, err = run(capsys, "pack", "--topics", "4", "--out", packdir)  # the same pack, rebuilt
    assert code == 0, err
    assert (packdir / "evidence-pack.html").read_text() != "<html>the committee's pack</html>"
    assert (packdir / "topics" / "08_leaving_care" / "08_leaving_care.html").read_text() == "<html>topic 8</html>"
    code, _, err = run(capsys, "run", "4", "--out", packdir, "--replace")
    assert code == 0, err
    assert (packdir / "04_stability.html").exists() and not (packdir / "evidence-pack.html").exists()


# ======================================================= issue 18, 2: indicators public by default
class _Ctx:
    def __init__(self, results: pd.DataFrame):
        self.results = results
        self.raw_results = results.assign(symbol="")
        self.data = None


def _sdq_rows() -> pd.DataFrame:
    """A small council's SDQ bands: 'borderline' and 'concern' suppressed, both out of 17 children."""
    base = {"title": "SDQ", "question": 3, "year": 2025, "breakdown": "Total", "unit": "percent",
            "source": "SSDA903 OC2", "status": "ok", "suppression": ""}
    rows = [dict(base, indicator_id="sdq_normal", value=76.47, numerator=13, denominator=17, ci_low=52.7,
                 ci_high=90.4, symbol=""),
            dict(base, indicator_id="sdq_borderline", value=math.nan, numerator=math.nan, denominator=17,
                 ci_low=math.nan, ci_high=math.nan, symbol="c", suppression="5 or fewer children"),
            dict(base, indicator_id="sdq_concern", value=math.nan, numerator=math.nan, denominator=17,
                 ci_low=3.2, ci_high=math.nan, symbol="c", suppression="5 or fewer children")]
    return pd.DataFrame(rows)


def test_a_suppressed_row_prints_no_numerator_denominator_or_interval(tmp_path, monkeypatch):
    from cpanalysis import present

    monkeypatch.setattr(present, "prepare", lambda params: _Ctx(_sdq_rows()))
    out = tmp_path / "public.csv"
    export.export_indicators(config.load(None), out)  # the default: public
    df = pd.read_csv(out).set_index("indicator_id")
    for iid in ("sdq_borderline", "sdq_concern"):
        row = df.loc[iid]
        assert row["status"].startswith("suppressed (c)")
        for col in ("value", "numerator", "denominator", "ci_low", "ci_high"):
            assert pd.isna(row[col]), (iid, col)
    assert df.loc["sdq_normal", "denominator"] == 17  # a shown row keeps its counts
    assert list(df.reset_index().columns) == export.RESULT_COLUMNS


def test_indicators_are_public_by_default_and_unsuppressed_only_on_request(tmp_path, capsys):
    public = tmp_path / "public.csv"
    code, out, err = run(capsys, "indicators", "--out", public)
    assert code == 0, err
    assert "disclosure-controlled" in out and "NOT" not in err
    df = pd.read_csv(public)
    assert list(df.columns) == export.RESULT_COLUMNS  # the public interface, unchanged
    suppressed = df[df["status"].str.startswith("suppressed")]
    assert len(suppressed) > 10
    assert suppressed[["value", "numerator", "denominator", "ci_low", "ci_high"]].isna().all().all()
    shown = df[df["value"].notna() & df["unit"].eq("count") & df["source"].astype(str).str.startswith("SSDA")]
    assert not shown["value"].between(1, 5).any()  # no count of 1 to 5 leaves by default
    # --public is kept (scripts use it) and gives the same file
    again = tmp_path / "again.csv"
    assert run(capsys, "indicators", "--public", "--out", again)[0] == 0
    assert again.read_bytes() == public.read_bytes()
    # --unsuppressed: a warning naming the rule, and every row marked
    raw = tmp_path / "raw.csv"
    code, out, err = run(capsys, "indicators", "--unsuppressed", "--out", raw)
    assert code == 0
    assert "NOT disclosure-controlled" in err and "counts of 1 to 5" in err and "never publish" in err
    rdf = pd.read_csv(raw)
    assert list(rdf.columns) == [*export.RESULT_COLUMNS, "publication"]
    assert (rdf["publication"] == export.NOT_FOR_PUBLICATION).all()
    assert rdf["publication"].str.startswith("NOT FOR PUBLICATION").all()
    small = rdf[rdf["value"].between(1, 5) & rdf["unit"].eq("count")]
    assert len(small) > 0  # the raw file really holds what the public one hides
    code, _, err = run(capsys, "indicators", "--public", "--unsuppressed", "--out", raw)
    assert code == 2 and "opposite" in err


def test_indicators_without_out_leave_the_council_folder_usable_for_a_pack(tmp_path, capsys, monkeypatch):
    """Without --out the CSV goes in the council's output folder; a folder made for it is marked as cpanalysis's,
    so the pack can still be built there (a lone indicators.csv alone would not make a folder a pack's)."""
    frame = pd.DataFrame([{c: "" for c in export.RESULT_COLUMNS}])
    monkeypatch.setattr(export, "indicator_frame", lambda params, public=True: frame)
    folder = tmp_path / "council"
    params = _params_with_out(tmp_path, folder)
    code, out, err = run(capsys, "indicators", "--params", params)
    assert code == 0, err
    assert (folder / "indicators.csv").exists() and safe_output.is_marked(folder)
    safe_output.check_replaceable(folder)
    code, out, err = run(capsys, "indicators", "--params", params, "--unsuppressed")
    assert code == 0 and (folder / "indicators-unsuppressed.csv").exists()  # never over the public file


# ================================================================ issue 18, 3: JupyterLab
def test_every_notebook_opens_with_visible_instructions():
    for nb_path in sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")):
        first = nbformat.read(nb_path, as_version=4).cells[0]
        assert first.cell_type == "markdown"
        assert "<!--" not in first.source, nb_path.name  # not an HTML comment: visible in JupyterLab
        assert first.source.lstrip().startswith("## ")
        assert "params_file" in first.source and "Run All Cells" in first.source
        assert "remove_cell" in first.metadata.get("tags", []), "instructions are for Lab, not the committee"


def test_a_mistyped_params_file_is_one_plain_paragraph_in_notebook_terms():
    from cpanalysis import evidence

    with pytest.raises(evidence.NotebookError) as info:
        evidence.open_context("parameters/demoo.yml")
    text = str(info.value)
    assert "\n" not in text and "parameters/demoo.yml" in text
    assert "--params" not in text and "params_file" in text and "Run All Cells" in text


@pytest.mark.notebook
def test_a_mistyped_params_file_in_jupyter_shows_a_paragraph_not_a_traceback(tmp_path):
    """The notebook as JupyterLab runs it (a kernel), with params_file mistyped in its first code cell."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(paths.NOTEBOOKS_DIR / "04_stability.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = cell.source.replace('"parameters/demo.yml"', '"parameters/demoo.yml"')
    with pytest.raises(CellExecutionError):
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(paths.NOTEBOOKS_DIR)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert len(errors) == 1
    tb = errors[0]["traceback"]
    assert len(tb) == 1, tb  # one paragraph, no 30-line traceback
    text = re.sub(r"\x1b\[[0-9;]*m", "", tb[0])
    assert "parameters/demoo.yml" in text and "params_file" in text and "--params" not in text


def test_make_lab_opens_at_the_repository_with_notebooks_as_the_start_folder():
    res = subprocess.run(["make", "-n", "lab", "BIN=.venv/bin", "STAMP="], cwd=paths.ROOT, capture_output=True,
                         text=True, timeout=60)
    cmd = res.stdout
    assert f'--ServerApp.root_dir="{paths.ROOT}"' in cmd or f"--ServerApp.root_dir={paths.ROOT}" in cmd, cmd
    assert "--LabApp.default_url=/lab/tree/notebooks" in cmd


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=repo,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.notebook
@pytest.mark.skipif(shutil.which("git") is None or shutil.which("make") is None, reason="needs git and make")
def test_a_notebook_run_in_a_kernel_leaves_git_diff_empty(tmp_path):
    """`make`'s git filter (nbstripout) on a fresh clone-like repository: a notebook executed and saved as
    JupyterLab saves it (outputs, execution counts, the kernel's language_info) shows no change to git."""
    from nbclient import NotebookClient

    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    shutil.copy(paths.ROOT / ".gitattributes", repo / ".gitattributes")
    shutil.copy(paths.NOTEBOOKS_DIR / "04_stability.ipynb", repo / "notebooks" / "04_stability.ipynb")
    assert _git(repo, "init", "-q").returncode == 0
    res = subprocess.run(["make", "-s", "-f", str(paths.ROOT / "Makefile"), "git-filters",
                          f"BIN={Path(sys.executable).parent}", "STAMP="], cwd=repo, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    _git(repo, "add", "-A")
    assert _git(repo, "commit", "-qm", "notebooks").returncode == 0
    nb_file = repo / "notebooks" / "04_stability.ipynb"
    nb = nbformat.read(nb_file, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(paths.NOTEBOOKS_DIR)}}).execute()
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert "version" in nb.metadata.get("language_info", {})
    nbformat.write(nb, nb_file)
    diff = _git(repo, "diff", "--exit-code", "--stat")
    assert diff.returncode == 0, diff.stdout + diff.stderr
    # nothing would be committed either (git status alone still lists the file while its size differs from the
    # index's record: git's stat check, not a change; adding it stages nothing)
    _git(repo, "add", "-A")
    assert _git(repo, "status", "--porcelain").stdout.strip() == ""
    assert _git(repo, "diff", "--cached", "--exit-code").returncode == 0


def test_committed_notebooks_are_already_stripped_and_make_installs_the_filter():
    """The tracked notebooks are what the filter gives (so a run notebook is unchanged), `.gitattributes` names
    the filter, `make` installs it, and nbstripout is a development dependency."""
    from nbstripout import strip_output

    for nb_path in sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        assert "language_info" not in nb.metadata, nb_path.name
        stripped = strip_output(nbformat.read(nb_path, as_version=4), keep_output=False, keep_count=False,
                                keep_id=True, extra_keys=["metadata.language_info"])
        assert nbformat.writes(stripped) == nbformat.writes(nb), nb_path.name
    attrs = (paths.ROOT / ".gitattributes").read_text()
    assert "notebooks/*.ipynb filter=nbstripout" in attrs
    make = (paths.ROOT / "Makefile").read_text()
    assert "nbstripout --install" in make and "$(MAKE) -s git-filters" in make and "--keep-id" in make
    ids = [c.id for p in sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")) for c in nbformat.read(p, as_version=4).cells]
    assert len(ids) == len(set(ids)), "cell ids must differ across notebooks (the pack merges them)"
    assert 'NBSTRIPOUT_EXTRA_KEYS := metadata.language_info' in make
    import tomllib

    dev = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    assert any(d.startswith("nbstripout") for d in dev)


# ======================================================= issue 18, 4: set-up noise, init paths, demo.yml
def test_packaging_uses_an_spdx_licence_and_a_setuptools_that_reads_it():
    import tomllib

    data = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())
    assert data["project"]["license"] == "MIT"  # SPDX expression, not the deprecated table
    assert any(r.replace(" ", "").startswith("setuptools>=77") for r in data["build-system"]["requires"])


@pytest.mark.notebook
def test_installing_the_package_as_make_venv_does_prints_no_warning(tmp_path):
    """`make venv`'s install step (`pip install -e .`, setuptools in an isolated build environment) into a
    throwaway environment: no warning about our packaging (the deprecated licence table, the editable layout's
    boxed warning). Lines about the machine's own pip configuration ("Location ... is ignored") are not ours."""
    import venv

    env = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env)
    res = subprocess.run([sys.executable, "-m", "pip", "--python", str(env / "bin" / "python"), "install",
                          "--quiet", "--no-deps", "-e", str(paths.ROOT)], capture_output=True, text=True,
                         timeout=600, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    ours = [line for line in (res.stdout + res.stderr).splitlines()
            if line.strip() and "Location '" not in line]
    assert ours == [], "\n".join(ours)


def test_init_writes_paths_inside_the_repository_relative_to_it(tmp_path, capsys):
    """--published inside the clone (outputs/ is git-ignored, so the test writes there) is written relative to
    the repository, as the README shows; a folder outside it stays absolute."""
    paths.OUTPUTS_DIR.mkdir(exist_ok=True)
    inside = Path(tempfile.mkdtemp(prefix="init-test-", dir=paths.OUTPUTS_DIR))
    try:
        dfe = inside / "dfe-data" / "ees"
        dfe.mkdir(parents=True)
        head = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
                "old_la_code,la_name,new_la_code,population_type,population_estimate,children_count,rate_per_10000")
        rows = [head, "2024,Reporting year,National,E92000001,England,,,,,,Children looked after on 31 March each "
                      "year,12000000,83000,70",
                '2024,Reporting year,Local authority,E92000001,England,E1,West Midlands,894,"Telford and Wrekin",'
                "E06000020,Children looked after on 31 March each year,40000,300,75"]
        (dfe / "cla_number_and_rate_per_10k_children.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        outside = tmp_path / "elsewhere" / "903"
        (outside / "2024").mkdir(parents=True)
        out = tmp_path / "p.yml"
        code, _, err = run(capsys, "init", "Telford", "--published", inside / "dfe-data", "--ssda903", outside,
                           "--out", out)
        assert code == 0, err
        text = out.read_text()
        rel = (inside / "dfe-data").relative_to(paths.ROOT).as_posix()
        assert re.search(rf'(?m)^  published: "{re.escape(rel)}"', text), text  # relative to the clone
        assert re.search(rf'(?m)^  ssda903: "{re.escape(str(outside.resolve()))}"', text)  # outside it: absolute
        assert config.load(out).resolved(config.load(out).inputs.published) == (inside / "dfe-data").resolve()
    finally:
        shutil.rmtree(inside, ignore_errors=True)


def test_one_word_on_copying_demo_yml():
    readme = (paths.ROOT / "README.md").read_text()
    demo = paths.DEFAULT_PARAMS.read_text()
    assert "Do not copy `parameters/demo.yml`" in readme
    assert "Do not copy this file" in demo and not re.search(r"(?m)^# Copy this file", demo)


# ===================================================================== issue 18, 5: the batch index
def _ev(iid: str, value: float, num: int, den: int, england: float, region: float, polarity: str) -> MeasureEvidence:
    from cpanalysis import findings

    ev = MeasureEvidence(id=iid, title=iid, question=4, unit="percent", polarity=polarity, year=2025, value=value,
                         numerator=num, denominator=den, comparators={"england": england, "region": region})
    ev.verdicts = {k: findings.compare_with(value, c, unit="percent", numerator=num, denominator=den)
                   for k, c in ev.comparators.items()}
    return ev


def test_england_reading_is_the_packs_rule_and_words():
    from cpanalysis import findings

    worse = _ev("stability_3plus_placements", 20.0, 60, 300, 10.0, 11.0, "lower_is_better")  # 60/300 vs 10%
    better = _ev("health_assessment", 99.0, 297, 300, 90.0, 91.0, "higher_is_better")
    similar = _ev("stability_long_term", 70.0, 7, 10, 71.0, 70.0, "higher_is_better")  # 10 children: no test can tell
    for ev in (worse, better, similar):
        expected = findings.better_or_worse(ev.verdicts["england"], ev.polarity) or ev.verdicts["england"]
        assert batch.england_reading(ev) == expected
    assert [batch.england_reading(e) for e in (worse, better, similar)] == ["worse", "better", "similar"]
    hidden = _ev("x", math.nan, 0, 0, 10.0, 10.0, "lower_is_better")
    hidden.symbol = "c"
    assert batch.england_reading(hidden) == ""


def test_batch_index_reads_like_the_scorecard(tmp_path):
    from cpanalysis.briefing import READING_SYMBOLS

    def council(name, region, value, reading):
        return batch.CouncilResult(code=name[:3], name=name, region=region, status="ok", seconds=12.3,
                                   pack=f"{name}/evidence-pack.html", key={"stability_3plus_placements": value},
                                   reading={"stability_3plus_placements": reading},
                                   region_key={"stability_3plus_placements": "11%" if region == "East Midlands"
                                               else "9%"})
    res = batch.BatchResult(out=tmp_path, councils=[council("North Northamptonshire", "East Midlands", "20%", "worse"),
                                                    council("Rutland", "East Midlands", "8%", "similar"),
                                                    council("Telford and Wrekin", "West Midlands", "5%", "better")],
                            seconds=40, prepare_seconds=2, england={"stability_3plus_placements": "10%"})
    html = batch.write_index(res, tmp_path / "index.html", 2025).read_text()
    comparators = html.split('<tbody class="cpa-comparators">')[1].split("</tbody>")[0]
    assert "England" in comparators and "East Midlands (region)" in comparators and "West Midlands (region)" in comparators
    assert "11%" in comparators and "10%" in comparators
    councils = html.split('<tbody class="cpa-councils">')[1].split("</tbody>")[0]
    nn = councils.split(">North Northamptonshire</a>")[1].split("</tr>")[0]
    assert f"20%<span class=\"cpa-reading\"><span aria-hidden=\"true\">{READING_SYMBOLS['worse']}</span> worse" in nn
    assert READING_SYMBOLS["better"] in councils and READING_SYMBOLS["similar"] in councils
    assert "Key to the readings against England" in html and "99.8%" in html  # the rule, stated
    assert "Seconds" not in html and "12.3" not in html  # no build-time column by default
    assert "Seconds to build" in batch.write_index(res, tmp_path / "t.html", 2025, show_seconds=True).read_text()
    # names never wrap mid-word: no rule that breaks inside a word, and an automatic table layout
    style = html.split("<style>")[1].split("</style>")[0]
    assert "anywhere" not in style and "break-all" not in style and "table-layout: fixed" not in style
    # the sort script sorts the councils only, and the page's CSP still allows exactly it
    assert batch._csp_hash(batch.SORT_SCRIPT) in html and "tbody.cpa-councils" in batch.SORT_SCRIPT


@pytest.mark.notebook
def test_batch_index_in_a_browser_wraps_names_only_between_words(tmp_path):
    pw = pytest.importorskip("playwright.sync_api")
    c = batch.CouncilResult(code="940", name="North Northamptonshire", region="East Midlands", status="ok",
                            key={i: "12.5%" for i in batch.INDEX_MEASURES},
                            reading={i: "not judged" for i in batch.INDEX_MEASURES})
    res = batch.BatchResult(out=tmp_path, councils=[c], seconds=1, prepare_seconds=0, england={})
    page_file = batch.write_index(res, tmp_path / "index.html", 2025)
    try:
        with pw.sync_playwright() as p:
            exe = shutil.which("chromium") or shutil.which("chromium-browser")
            browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox"]) if exe else p.chromium.launch()
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(page_file.as_uri())
            words = page.evaluate("""() => {
                const th = [...document.querySelectorAll('tbody.cpa-councils th')][0];
                const node = th.querySelector('a') || th; const text = node.firstChild;
                const out = []; let i = 0;
                for (const w of text.textContent.split(' ')) {
                    const r = document.createRange(); r.setStart(text, i); r.setEnd(text, i + w.length);
                    out.push(r.getClientRects().length); i += w.length + 1; }
                return out; }""")
            browser.close()
    except Exception as err:  # noqa: BLE001 - no browser on this machine
        pytest.skip(f"Chromium is not available: {err}")
    assert words == [1, 1]  # each word on one line: "Northamptonshire" never split

"""Every command in the README and in docs/*.md runs as written.

Each fenced ``sh``, ``bash`` or ``console`` block is a script: its lines run in order, in one bash, stopping at the
first command that fails. The blocks run in the order a reader meets them (the README, then the officer's guide,
the analyst's guide and the rest), in a copy of the repository (its git-tracked files, with this clone's ``.venv``),
so `cpanalysis init` writes its parameters file and the packs land in the copy, never in this clone.

The copy holds the folders the guides name as the reader's own:

* ``dfe-data``: DfE's published files, as ``cpanalysis data download --dest dfe-data`` would fetch them (here the
  real files in ../shared/data; blocks naming ``dfe-data`` are skipped, saying why, on a clone without them);
* ``my-903``: a council's SSDA903 return (the clean return of ``tests/malformed/base``).

A block that cannot run here says why in its info string, ```` ```sh skip="needs the internet ..." ````; GitHub
shows only the language. Keep that list short: `MAX_SKIPPED` fails the test when it grows.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from cpanalysis import paths

#: the documents, in the order a reader meets them (and the order their commands depend on each other)
ORDER = ["README.md", "docs/officers.md", "docs/analysts.md", "docs/methods.md", "docs/architecture.md"]
SHELLS = ("sh", "bash", "console")
#: at most this many blocks may be skipped (each with its reason in the info string)
MAX_SKIPPED = 7
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)
MY_903 = Path(__file__).parent / "malformed" / "base"


@dataclass(frozen=True)
class Block:
    doc: str
    line: int
    language: str
    skip: str
    script: str

    @property
    def name(self) -> str:
        return f"{self.doc}:{self.line}"


def documents() -> list[str]:
    found = ["README.md"] + sorted(p.relative_to(paths.ROOT).as_posix() for p in (paths.ROOT / "docs").glob("*.md"))
    return [d for d in ORDER if d in found] + [d for d in found if d not in ORDER]


def blocks(doc: str) -> list[Block]:
    text = (paths.ROOT / doc).read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        info = m.group(1).strip()
        language = info.split(maxsplit=1)[0] if info else ""
        if language not in SHELLS:
            continue
        skip = re.search(r'skip="([^"]*)"', info)
        body = m.group(2)
        if language == "console":  # a console block shows prompts: run the lines that have one
            body = "\n".join(line[2:] for line in body.splitlines() if line.startswith("$ "))
        out.append(Block(doc=doc, line=text.count("\n", 0, m.start()) + 1, language=language,
                         skip=skip.group(1).strip() if skip else "", script=body))
    return out


def all_blocks() -> list[Block]:
    return [b for d in documents() for b in blocks(d)]


def commands(block: Block) -> list[str]:
    return [line.strip() for line in block.script.splitlines() if line.strip() and not line.strip().startswith("#")]


# ------------------------------------------------------------------ the blocks are what the test expects
def test_every_shell_block_is_found_and_every_skip_says_why():
    found = all_blocks()
    assert any(b.doc == "README.md" for b in found) and {b.doc for b in found} >= {"docs/officers.md",
                                                                                    "docs/analysts.md"}
    for b in found:
        assert commands(b), f"{b.name}: an empty {b.language} block"
        assert b.skip != "" or 'skip="' not in b.script, b.name
    skipped = [b for b in found if b.skip]
    assert all(len(b.skip.split()) >= 3 for b in skipped), [b.name for b in skipped if len(b.skip.split()) < 3]
    assert len(skipped) <= MAX_SKIPPED, ("too many documented commands are not run by this test: "
                                         + ", ".join(f"{b.name} ({b.skip})" for b in skipped))


def test_no_command_hides_in_an_unmarked_block():
    """A block of commands without a shell language would escape this test: every fence that looks like a
    command line (starts with cpanalysis, make, source, python or conda) must be marked sh, bash or console."""
    hidden = []
    for doc in documents():
        text = (paths.ROOT / doc).read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            language = (m.group(1).split() or [""])[0]
            first = next((line.strip() for line in m.group(2).splitlines() if line.strip()), "")
            if language not in SHELLS and re.match(r"(\$ )?(cpanalysis|make|source|python|conda|\.venv/)\b", first):
                hidden.append(f"{doc}:{text.count(chr(10), 0, m.start()) + 1}")
    assert not hidden, f"mark these blocks ```sh so their commands are run: {hidden}"


def test_the_block_parser_reads_info_strings_and_console_prompts(tmp_path, monkeypatch):
    doc = tmp_path / "docs" / "x.md"
    doc.parent.mkdir()
    doc.write_text('text\n\n```sh skip="needs a long time"\ncpanalysis batch --councils all\n```\n\n'
                   "```console\n$ cpanalysis --help\nusage: ...\n```\n\n```yaml\nyear: 2025\n```\n", encoding="utf-8")
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    got = blocks("docs/x.md")
    assert [(b.line, b.language, b.skip) for b in got] == [(3, "sh", "needs a long time"), (7, "console", "")]
    assert commands(got[1]) == ["cpanalysis --help"]


# ------------------------------------------------------------------ and they run
def _sandbox(tmp: Path) -> Path:
    """A copy of the repository's tracked files (modification times kept, so make sees .venv as up to date)."""
    clone = tmp / "clone"
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=paths.ROOT, capture_output=True, check=True,
                                timeout=60).stdout.decode().split("\0")
        files = [f for f in listed if f and (paths.ROOT / f).is_file()]
    except (OSError, subprocess.SubprocessError):
        files = [p.relative_to(paths.ROOT).as_posix() for p in paths.ROOT.rglob("*") if p.is_file()
                 and not {".venv", "outputs", ".git", "__pycache__"} & set(p.relative_to(paths.ROOT).parts)]
    for f in files:
        (clone / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(paths.ROOT / f, clone / f)
    (clone / ".venv").symlink_to(paths.ROOT / ".venv", target_is_directory=True)
    shutil.copytree(MY_903, clone / "my-903")
    if paths.SHARED_DATA_DIR.exists():
        (clone / "dfe-data").symlink_to(paths.SHARED_DATA_DIR.resolve(), target_is_directory=True)
    return clone


def _state(path: Path):
    return path.stat().st_mtime_ns if path.exists() else None


@pytest.mark.notebook
def test_every_command_in_the_docs_runs_as_written(tmp_path):
    if not (paths.ROOT / ".venv" / "bin" / "cpanalysis").exists():
        pytest.skip("the commands run with this clone's .venv (make venv); it is not there")
    before = _state(paths.PARAMETERS_DIR / "telford-and-wrekin.yml")
    clone = _sandbox(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(clone), "CPANALYSIS_SHARED_DATA": str(paths.SHARED_DATA_DIR),
           "PATH": f"{paths.ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("VIRTUAL_ENV", None)
    ran, not_run = [], []
    for b in all_blocks():
        if b.skip:
            not_run.append(f"{b.name}: {b.skip}")
            continue
        if "dfe-data" in b.script and not (clone / "dfe-data").exists():
            not_run.append(f"{b.name}: DfE's files are not at {paths.SHARED_DATA_DIR}")
            continue
        res = subprocess.run(["bash", "-c", "set -euo pipefail\n" + b.script], cwd=clone, env=env,
                             capture_output=True, text=True, timeout=1800)
        assert res.returncode == 0, (f"{b.name}: a documented command failed (exit {res.returncode})\n{b.script}\n"
                                     f"--- stdout\n{res.stdout[-3000:]}\n--- stderr\n{res.stderr[-3000:]}")
        ran.append(b.name)
    # what the README promises is there
    assert (clone / "outputs" / "demo" / "evidence-pack.html").is_file()
    if (clone / "dfe-data").exists():
        assert (clone / "parameters" / "telford-and-wrekin.yml").is_file()
        assert (clone / "outputs" / "telford-and-wrekin" / "evidence-pack.html").is_file()
        assert (clone / "outputs" / "telford-and-wrekin" / "topics" / "04_stability").is_dir()
        assert "NOT FOR PUBLICATION" in (clone / "raw.csv").read_text(encoding="utf-8")
    # this clone itself was not touched
    assert _state(paths.PARAMETERS_DIR / "telford-and-wrekin.yml") == before
    print(f"ran {len(ran)} blocks; not run: {not_run}")


# ------------------------------------------------------------------ and the links between them lead somewhere
def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_between_the_guides_finds_its_file_and_heading():
    broken = []
    for doc in documents():
        text = (paths.ROOT / doc).read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            file, _, anchor = target.partition("#")
            dest = ((paths.ROOT / doc).parent / file).resolve() if file else (paths.ROOT / doc)
            if not dest.exists():
                broken.append(f"{doc}: {target} (no such file)")
            elif anchor and dest.suffix == ".md":
                headings = {_anchor(h) for h in re.findall(r"(?m)^#+ (.+)$", dest.read_text(encoding="utf-8"))}
                if anchor not in headings:
                    broken.append(f"{doc}: {target} (no such heading)")
    assert not broken, "\n".join(broken)

"""Killed builds leave nothing child-level on disk and no process behind; a normal build leaves no process in its
process group (issue 20, item 9).

The build runs in a subprocess of its own session, tagged by an environment variable that every process it
starts inherits (Jupyter kernels start sessions of their own, so the tag, not the group, finds them all)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from cpanalysis import paths

pytestmark = pytest.mark.notebook

TAG = "CPANALYSIS_TEST_BUILD"


def tagged(tag: str) -> list[int]:
    """Processes whose environment carries ``TAG=tag``."""
    found = []
    needle = f"{TAG}={tag}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            env = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in env.split(b"\0") and state != "Z":
            found.append(int(entry.name))
    return found


def in_group(pgid: int) -> list[int]:
    """Live processes whose process group is ``pgid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def start_build(tmp_path: Path, runner: str, *extra: str) -> tuple[subprocess.Popen, str]:
    tag = uuid.uuid4().hex
    env = {**os.environ, TAG: tag, "CPANALYSIS_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen([sys.executable, "-m", "cpanalysis.cli", "pack", "--out", str(tmp_path / "out" / "demo"),
                             "--topics", "1,4", "--no-cache", "--runner", runner, "--workers", "2", *extra],
                            cwd=paths.ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    return proc, tag


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def child_level_files(folder: Path) -> list[Path]:
    """Files a build may hold child-level data in: a pickled context, or anything in a cache folder."""
    return [p for p in folder.rglob("*")
            if p.is_file() and (p.suffix in (".pkl", ".pickle") or "cache" in p.relative_to(folder).parts)]


@pytest.mark.parametrize("runner", ["cpanalysis", "cpanalysis-kernel"])
def test_kill_9_during_the_notebooks_leaves_no_child_level_file_and_no_process(tmp_path, runner):
    """``kill -9`` on the builder while its notebooks run: within a few seconds no process it started is left (the
    forked notebooks, the worker processes, their Jupyter kernels) and no file of child-level data exists under
    the output folder or its staging folder."""
    proc, tag = start_build(tmp_path, runner)
    out = tmp_path / "out"
    try:
        # the notebooks are running: the staging folder exists and (kernels) the workers' kernels have started,
        # or (in process) a notebook's forked process is at work
        wait_for(lambda: list(out.glob(".demo.building-*/figures")) or list(out.glob(".demo.building-*/findings.json"))
                 or proc.poll() is not None, 900, "the build to reach its notebooks")
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        wait_for(lambda: len(tagged(tag)) >= 2, 300, "the build's worker processes")
        assert tagged(tag)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        wait_for(lambda: not tagged(tag), 10, "every process of the killed build to end")
        assert not child_level_files(out)
        assert not list(tmp_path.rglob("context.pkl"))
    finally:
        for pid in tagged(tag):
            os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()


@pytest.fixture(scope="module")
def normal_build(tmp_path_factory):
    """``cpanalysis pack`` run to its end in a session of its own, its SSDA903 return given by an absolute path
    outside the repository: (the process, its tag, the output folder, the return's folder)."""
    import shutil

    tmp = tmp_path_factory.mktemp("normal")
    returns = tmp / "council returns" / "ssda903"
    shutil.copytree(paths.DEMO_DIR / "ssda903", returns)
    proc, tag = start_build(tmp, "cpanalysis", "--ssda903", str(returns))
    _, err = proc.communicate(timeout=1800)
    assert proc.returncode == 0, err.decode()[-2000:]
    time.sleep(0.5)
    return proc, tag, tmp / "out" / "demo", returns


def test_a_normal_pack_leaves_no_process_in_its_group(normal_build):
    """``cpanalysis pack`` that ends normally (here with the helper process on two workers) leaves no process in
    its process group, nor any other it started."""
    proc, tag, out, _ = normal_build
    assert (out / "evidence-pack.html").is_file()
    assert in_group(proc.pid) == []
    assert tagged(tag) == []


def test_executed_notebooks_and_the_pack_carry_no_absolute_input_path(normal_build):
    """Issue 20, 10a: the parameters cell and Papermill's record show inputs as the parameters file names them
    (relative to the repository) or by their folder's name, never by an absolute path."""
    _, _, out, returns = normal_build
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.suffix == ".ipynb" for p in files) and any(p.suffix == ".html" for p in files)
    for p in files:
        text = p.read_text(encoding="utf-8", errors="replace")
        for absolute in (str(returns), str(returns.parent), str(paths.ROOT)):
            assert absolute not in text, (p.name, absolute)
    nb = (out / "notebooks" / "04_stability.ipynb").read_text(encoding="utf-8")
    assert 'ssda903\\":\\"ssda903' in nb  # the folder's name only

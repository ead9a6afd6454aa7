"""JupyterLab for officers and analysts: `make lab` starts a server at the repository folder, opening on
notebooks/ (parameters/ reachable beside it), with the project's kernel,
and the notebooks execute cleanly there with their defaults (checked with nbval, in a fresh kernel as
JupyterLab would run them).

nbval is used for what it is good at: each notebook runs top to bottom without an error in a kernel started
the way JupyterLab starts it. Outputs are not compared (``--nbval-lax``): the notebooks are committed without
outputs, and the pack's figures are checked by value elsewhere (tests/test_pack.py, the indicator tests)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from cpanalysis import paths

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.skipif(not (BIN / "jupyter-lab").exists(), reason="JupyterLab is not installed in this environment "
                                                               "(make pack or pip install -e '.[dev]' installs it)")
def test_make_lab_starts_jupyterlab_at_the_repository_opening_on_the_notebooks(tmp_path):
    port, token = _free_port(), secrets.token_hex(8)
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "ws")}
    # BIN and STAMP point make at this test's environment instead of building .venv
    args = f"--no-browser --ServerApp.port={port} --ServerApp.token={token} --ServerApp.ip=127.0.0.1"
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers run tests as root; JupyterLab refuses root
        args += " --allow-root"
    proc = subprocess.Popen(["make", "-s", "lab", f"BIN={BIN}", "STAMP=", f"LAB_ARGS={args}"], cwd=paths.ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        listing = notebooks = kernels = start = None
        deadline = time.monotonic() + 90
        base = f"http://127.0.0.1:{port}"
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"{base}/api/contents?token={token}", timeout=5) as r:
                    listing = json.load(r)
                with urllib.request.urlopen(f"{base}/api/contents/notebooks?token={token}", timeout=5) as r:
                    notebooks = json.load(r)
                with urllib.request.urlopen(f"{base}/api/kernelspecs?token={token}", timeout=5) as r:
                    kernels = json.load(r)
                with urllib.request.urlopen(f"{base}/?token={token}", timeout=10) as r:
                    start = r.geturl()  # where the server sends a browser that opens it
                break
            except OSError:
                time.sleep(0.5)
        assert listing is not None, f"JupyterLab did not answer: {proc.stdout.read1().decode(errors='replace')[-2000:]}" \
            if proc.poll() is not None else "JupyterLab did not answer within 90 s"
        # rooted at the repository: parameters/ can be opened and written from Lab
        assert {"notebooks", "parameters"} <= {item["name"] for item in listing["content"]}
        names = {item["name"] for item in notebooks["content"]}
        for nb in paths.NOTEBOOKS_DIR.glob("*.ipynb"):
            assert nb.name in names
        assert "/lab/tree/notebooks" in start  # it opens on notebooks/
        assert "python3" in kernels["kernelspecs"]
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """End the make process and the server it started (their own process group), nothing else."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


@pytest.mark.notebook
def test_notebooks_run_cleanly_in_a_fresh_kernel_with_their_defaults(tmp_path):
    """nbval, as a separate pytest run (it collects notebooks, not test files). Two notebooks stand for all:
    a topic notebook and the summary; every notebook also runs through Papermill in tests/test_pack.py."""
    notebooks = [paths.NOTEBOOKS_DIR / "04_stability.ipynb", paths.NOTEBOOKS_DIR / "00_summary.ipynb"]
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "--nbval-lax",
           "--nbval-kernel-name", "python3", "--rootdir", str(tmp_path), "-c", os.devnull,
           *map(str, notebooks)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(paths.ROOT), os.environ.get("PYTHONPATH")]))}
    res = subprocess.run(cmd, cwd=paths.NOTEBOOKS_DIR, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    assert " passed" in res.stdout and "failed" not in res.stdout

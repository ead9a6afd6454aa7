"""The pack opens in headless Chromium without console errors and without network requests."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from cpanalysis import config, pack, paths

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.notebook,
              pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed (.ci/run installs it from Debian)")]


def test_pack_opens_in_headless_chromium_without_console_errors(tmp_path):
    params = config.load(paths.DEFAULT_PARAMS, {"output_dir": str(tmp_path / "demo"), "topics": [4]})
    html = pack.build_pack(params, workers=1).html
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
         "--virtual-time-budget=3000", "--dump-dom", html.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Question 4: Stability" in proc.stdout  # the page rendered
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == [], console

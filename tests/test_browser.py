"""The pack opens in headless Chromium without console errors and without network requests."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from cpanalysis import config, pack, paths

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.notebook,
              pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed (.ci/run installs it from Debian)")]


HOSTILE = """

<script>document.title = 'OWN' + 'ED'; fetch('http://127.0.0.1:9/steal');</script>
<img src="http://127.0.0.1:9/pixel.png" onerror="document.title = 'OWN' + 'ED'">
[click](javascript:document.title='OWN'+'ED') ![remote](http://127.0.0.1:9/remote.png)
"""


def test_pack_opens_in_headless_chromium_without_console_errors(tmp_path):
    """Also with officers' evidence that tries to run a script and fetch remote images (issue 9): nothing runs,
    nothing is fetched (a blocked fetch would be a console error), and the evidence is shown as text."""
    evidence = tmp_path / "evidence"
    shutil.copytree(paths.DEMO_DIR / "evidence", evidence)
    with (evidence / "q04.md").open("a", encoding="utf-8") as fh:
        fh.write(HOSTILE)
    params = config.load(paths.DEFAULT_PARAMS, {"output_dir": str(tmp_path / "demo"), "topics": [4],
                                                "inputs.evidence": str(evidence)})
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
    assert "OWNED" not in proc.stdout  # no script ran
    assert "&lt;script&gt;" in proc.stdout  # the officers' text is shown as text

"""How the pack reads on paper: the committee's part of the HTML, printed to A4 by headless Chromium,
with its page, word and chart counts (the length budget of DESIGN section 5 is checked with these).

The committee's part runs from the cover to the end of question 10; the technical annex follows it in
the same file (from the first annex heading on).
"""

from __future__ import annotations

import html as _html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

ANNEX_IDS = ("annex-quality", "annex-methods")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-pdf-header-footer"]


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def annex_start(page: str) -> int:
    """Offset of the notebook cell that opens the technical annex (len(page) when there is none)."""
    hits = [m.start() for a in ANNEX_IDS for m in re.finditer(rf"id=['\"]{a}['\"]", page)]
    if not hits:
        return len(page)
    cell = page.rfind('<div class="jp-Cell', 0, min(hits))
    return cell if cell >= 0 else min(hits)


def committee_part(page: str) -> str:
    """The HTML a committee reads: everything before the technical annex, closed properly."""
    return page[:annex_start(page)] + "</main></body></html>"


def visible_text(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", _html.unescape(page)).strip()


def counts(page: str) -> dict[str, int]:
    """Words and charts (images) in a piece of the pack."""
    return {"words": len(visible_text(page).split()), "charts": len(re.findall(r"<img\b", page))}


def print_pdf(html_file: Path, pdf: Path, browser: str | None = None, timeout: int = 180,
              extra_flags: list[str] | None = None) -> Path:
    browser = browser or chromium()
    if not browser:
        raise RuntimeError("Chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run([browser, *CHROMIUM_FLAGS, *(extra_flags or []), f"--user-data-dir={profile}",
                               f"--print-to-pdf={pdf}",
                               Path(html_file).resolve().as_uri()], capture_output=True, text=True, timeout=timeout)
    if not pdf.exists():
        raise RuntimeError(f"Chromium did not print {html_file}: {proc.stderr[-800:]}")
    return pdf


def pdf_pages(pdf: Path) -> int:
    """Pages in a PDF Chromium printed (its page tree's /Count)."""
    data = Path(pdf).read_bytes()
    found = [int(m) for m in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    found += [int(m) for m in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data)]
    return max(found) if found else len(re.findall(rb"/Type\s*/Page\b(?!s)", data))


def measure(pack_html: Path, work: Path | None = None) -> dict[str, int]:
    """Pages, words and charts of the committee's part and of the whole pack, printed to A4."""
    page = Path(pack_html).read_text(encoding="utf-8")
    work = Path(work or tempfile.mkdtemp(prefix="cpa-print-"))
    work.mkdir(parents=True, exist_ok=True)
    part = work / "committee-part.html"
    part.write_text(committee_part(page), encoding="utf-8")
    c = counts(page[:annex_start(page)])
    whole = counts(page)
    return {"committee_pages": pdf_pages(print_pdf(part, work / "committee-part.pdf")),
            "whole_pages": pdf_pages(print_pdf(Path(pack_html), work / "whole.pdf")),
            "committee_words": c["words"], "committee_charts": c["charts"],
            "whole_words": whole["words"], "whole_charts": whole["charts"]}

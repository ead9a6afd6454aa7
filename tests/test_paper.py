"""The committee paper beside the HTML (issue 22): the accessible PDF (Chromium, then pikepdf) and the Word
report (pandoc). These tests use a small page shaped like the pack; tests/test_committee_pack.py checks the
same on the demonstration council's whole pack."""

from __future__ import annotations

import base64
import io

import pytest

from cpanalysis import cli, paper, printing
from cpanalysis.config import ParameterError

CHROMIUM = printing.chromium()
needs_chromium = pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed (.ci/run installs it from Debian)")


def _png() -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([1, 2, 3])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Evidence pack: Rutland, 2024-25</title>
<style>@page {{ size: A4; @top-left {{ content: "Evidence pack: Rutland, 2024-25"; }} }}</style></head>
<body><main>
<nav aria-label="Contents" class="cpa-toc"><ul><li><a href="#key-messages-h">Key messages</a></li></ul></nav>
<div class="jp-Cell"><h1 id="summary">Evidence pack: Rutland, 2024-25<a class="anchor-link" href="#summary">¶</a></h1>
<h2 id="key-messages-h">Key messages</h2><ol class="cpa-messages"><li>Placements: 11%.
<a class="cpa-more" href="#q1">Question 1</a></li></ol>
<h2 id="scorecard-h">Scorecard, 2024-25</h2>
<table class="cpa-table"><caption>Headline measures</caption><thead><tr><th scope="col">Measure</th>
<th scope="col">2024-25</th></tr></thead><tbody><tr><th scope="row">Placements</th><td class="num">
<span aria-hidden="true">&#9650;</span> 11%</td></tr></tbody></table>
<h2 id="enquiry-h">Lines of enquiry</h2><ol><li>What explains this?</li></ol></div>
<div class="jp-Cell"><h2 id="q1" class="cpa-question">Question 1: Commissioning</h2>
<figure class="cpa-figure"><img src="data:image/png;base64,{png}" alt="A line rising from 1 to 3.">
<figcaption>Trend</figcaption></figure><p><a href="https://www.gov.uk/">GOV.UK</a></p></div>
<div class="jp-Cell"><h2 id="q2" class="cpa-question">Question 2: Education</h2><p>Words.</p></div>
<div class="jp-Cell"><h2 id="annex-quality" class="cpa-annex">Technical annex A: data quality</h2><p>Rows.</p></div>
</main></body></html>"""


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    f = tmp_path_factory.mktemp("paper") / "evidence-pack.html"
    f.write_text(PAGE.format(png=_png()), encoding="utf-8")
    return f


def check_pdf(pdf_path, title: str, questions: list[int]) -> dict:
    """The checks this project makes of a PDF itself (pikepdf), beside pdfua's: A4, tagged, marked, language,
    title (document information and XMP), PDF/UA identifier, DisplayDocTitle, a bookmark for every question and
    no link without a description. Returns the facts checked, for the report."""
    import pikepdf

    with pikepdf.open(pdf_path) as pdf:
        box = [float(x) for x in pdf.pages[0].MediaBox]
        assert abs(box[2] - 595) < 2 and abs(box[3] - 842) < 2, box  # A4 in points
        assert "/StructTreeRoot" in pdf.Root  # tagged
        assert bool(pdf.Root.MarkInfo.Marked)
        assert str(pdf.Root.Lang) == "en-GB"
        assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle)
        assert str(pdf.docinfo["/Title"]) == title
        meta = pdf.open_metadata()
        assert meta["dc:title"] == title and meta["pdfuaid:part"] == "1"
        titles = []
        with pdf.open_outline() as outline:
            stack = list(outline.root)
            while stack:
                item = stack.pop()
                titles.append(item.title)
                stack.extend(item.children)
        for n in questions:
            assert any(t.startswith(f"Question {n}:") for t in titles), (n, titles)
        links = [a for p in pdf.pages for a in (p.get("/Annots") or []) if a.get("/Subtype") == "/Link"]
        assert links and all(str(a.get("/Contents") or "").strip() for a in links)
        return {"pages": len(pdf.pages), "bookmarks": len(titles), "links": len(links),
                "link_words": sorted({str(a.Contents) for a in links})}


def pdfua_findings(pdf_path) -> list[str]:
    """pdfua's findings (the machine-checkable subset of PDF/UA-1 it covers) at warning or error."""
    pdfua = pytest.importorskip("pdfua")
    report = pdfua.validate(str(pdf_path))
    return [f"{f.rule_id}: {f.message}" for f in report.findings if f.severity >= pdfua.Severity.WARNING]


@needs_chromium
def test_pdf_is_a4_tagged_bookmarked_titled_and_passes_pdfua(page):
    pdf = paper.write_pdf(page)
    assert pdf == page.with_name("evidence-pack.pdf")
    facts = check_pdf(pdf, "Evidence pack: Rutland, 2024-25", [1, 2])
    assert "Go to: Question 1: Commissioning" in facts["link_words"]  # a link says where it goes
    assert "Link to https://www.gov.uk/" in facts["link_words"]
    assert not any("¶" in w for w in facts["link_words"])
    assert pdfua_findings(pdf) == []


def test_without_chromium_the_pdf_step_says_how_to_install_it_and_keeps_the_html(page, monkeypatch):
    monkeypatch.setattr(printing, "chromium", lambda: None)
    said = []
    out = paper.after_pack(page, pdf=True, warn=said.append)
    assert out == {} and page.exists()
    assert said and "Chromium is not installed" in said[0] and "apt-get install chromium" in said[0]


def _docx_facts(path) -> dict:
    docx = pytest.importorskip("docx")
    doc = docx.Document(str(path))
    heads = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    ns = {"wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"}
    alts = [d.get("descr") for d in doc.element.body.iter(f"{{{ns['wp']}}}docPr")]
    return {"headings": heads, "tables": len(doc.tables), "alts": alts, "text": [p.text for p in doc.paragraphs],
            "cells": [c.text for t in doc.tables for r in t.rows for c in r.cells]}


def test_word_report_has_headings_tables_and_stops_before_the_questions(page):
    facts = _docx_facts(paper.write_docx(page))
    texts = [t for _, t in facts["headings"]]
    assert "Key messages" in texts and any(t.startswith("Scorecard") for t in texts)
    assert all(s.startswith(("Heading", "Title")) for s, _ in facts["headings"])
    assert facts["tables"] == 1 and "Placements" in facts["cells"]
    assert not any("Question 1" in t for t in texts)  # the briefings only on request
    assert "Contents" not in facts["text"]  # the HTML's contents list stays out of Word
    assert not any("¶" in t for t in texts) and not any("\u25b2" in c for c in facts["cells"])


def test_word_report_with_the_questions_keeps_the_charts_alt_text(page, tmp_path):
    facts = _docx_facts(paper.write_docx(page, dest=tmp_path / "r.docx", questions=True))
    texts = [t for _, t in facts["headings"]]
    assert "Question 1: Commissioning" in texts and "Question 2: Education" in texts
    assert not any("annex" in t.lower() for t in texts)  # the technical annex stays in the HTML
    assert "A line rising from 1 to 3." in facts["alts"]


def test_word_report_takes_a_councils_reference_document(page, tmp_path):
    docx = pytest.importorskip("docx")
    ref = docx.Document()
    ref.styles["Heading 2"].font.name = "Comic Sans MS"
    ref.save(str(tmp_path / "council.docx"))
    out = docx.Document(str(paper.write_docx(page, dest=tmp_path / "r.docx", template=tmp_path / "council.docx")))
    assert out.styles["Heading 2"].font.name == "Comic Sans MS"


def test_a_missing_or_wrong_template_is_a_plain_usage_error(tmp_path, capsys):
    with pytest.raises(ParameterError, match="no such file"):
        paper.check_template(tmp_path / "nope.docx")
    (tmp_path / "t.docx").write_text("not a zip")
    with pytest.raises(ParameterError, match="not a Word document"):
        paper.check_template(tmp_path / "t.docx")
    code = cli.main(["pack", "--docx-template", str(tmp_path / "nope.docx"), "--out", str(tmp_path / "o")])
    assert code == 2 and "no such file" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # stopped before anything was built


def test_pdf_and_docx_parameters_ask_for_the_paper_like_the_options(tmp_path, monkeypatch):
    import argparse

    from cpanalysis import config, paths

    asked = {}
    monkeypatch.setattr(paper, "after_pack", lambda html, **kw: asked.update(kw) or {})
    params = config.load(paths.DEFAULT_PARAMS, {"pdf": True, "docx": True})
    args = argparse.Namespace(pdf=False, docx=False, docx_questions=False, docx_template=None)
    cli._paper(args, params, tmp_path / "evidence-pack.html")
    assert asked["pdf"] and asked["docx"] and asked["docx_template"] is None
    params = config.load(paths.DEFAULT_PARAMS)
    cli._paper(argparse.Namespace(pdf=True, docx=False, docx_questions=True, docx_template=None), params,
               tmp_path / "evidence-pack.html")
    assert asked["pdf"] and asked["docx"] and asked["docx_questions"]  # --docx-questions implies --docx

"""The pack as a committee receives it: findings first, within the length budget when printed to A4,
tables that fit the page and a 1280 px window, no internal ids in the part councillors read, charts
that never draw a count or money against England's totals, and axe-core's WCAG 2.2 AA rules."""

from __future__ import annotations

import base64
import re

import pytest

from cpanalysis import config, pack, paths, printing
from cpanalysis.sources.ssda903 import REQUIRED_COLUMNS

pytestmark = pytest.mark.notebook
CHROMIUM = printing.chromium()
needs_chromium = pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed (.ci/run installs it from Debian)")
PAGE_BUDGET = 25
FRONT_BUDGET = 3
#: printed pages for "What has changed" and "Actions since the last review" together
HISTORY_BUDGET = 2


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("committee") / "demo"
    result = pack.build_pack(config.load(paths.DEFAULT_PARAMS, {"output_dir": str(out)}), workers=2)
    return result.html, result.html.read_text(encoding="utf-8")


def _all_indicator_ids() -> set[str]:
    from cpanalysis.indicators import registry
    from cpanalysis.sources import local
    from cpanalysis.sources.published import catalogue

    ids = {i.definition.id for i in registry.all_indicators()} | set(catalogue()) | {
        m.indicator_id for m in catalogue().values()}
    ids |= {d for d in config.known_indicator_ids() if _is_local(local, d)}
    return ids


def _is_local(local, iid) -> bool:
    try:
        local.definition_for(iid)
        return True
    except KeyError:
        return False


def _field_names() -> set[str]:
    from cpanalysis.spec import code_lists

    cols = {c for cs in REQUIRED_COLUMNS.values() for c in cs} | set(code_lists())
    return {c for c in cols if len(c) >= 3 and c.isupper()}


def test_front_section_comes_first_with_its_ids(demo):
    _, html = demo
    for anchor in ("key-messages", "scorecard", "enquiry"):
        assert re.search(rf'id="{anchor}"', html), anchor
    order = [html.index(f'id="{a}"') for a in ("key-messages", "scorecard", "enquiry")] + [html.index("id='q1'")
                                                                                         if "id='q1'" in html
                                                                                         else html.index('id="q1"')]
    assert order == sorted(order)
    front = html[html.index('id="key-messages"'):html.index('id="scorecard"')]
    assert "What needs attention" in front and "What is going well" in front and "How these were chosen" in front
    # The demo sets targets: the scorecard shows them with a black-and-white status in words.
    card = html[html.index('id="scorecard"'):html.index('id="enquiry"')]
    assert "below 10%" in card and ("Cannot tell from data this size" in card or "Not met" in card)
    assert re.search(r"\u2718</span> Not met", card)  # the agency-staff target (15.5% against below 10%)


def test_committee_part_names_no_indicator_id_field_or_code_list(demo):
    _, html = demo
    text = printing.visible_text(html[:printing.annex_start(html)])
    ids = sorted(i for i in _all_indicator_ids() if "_" in i and re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text))
    assert not ids, f"indicator ids in the committee's part: {ids}"
    fields = sorted(f for f in _field_names() if re.search(rf"\b{f}\b", text))
    assert not fields, f"903 field names in the committee's part: {fields}"
    assert not re.search(r"\b(?:[A-Z]{2,5}) (?:[A-Z0-9]{1,3}, )*[A-Z0-9]{1,3} or [A-Z0-9]{1,3}\b", text), "a code list"
    assert not re.search(r"= '[A-Z0-9]+'", text)
    assert "lait_" not in text and "column " not in text.lower()
    # and the technical annex still has them
    assert "stability_3plus_placements" in html[printing.annex_start(html):]


def test_no_count_or_money_chart_carries_england_or_region(demo):
    from cpanalysis import evidence
    from cpanalysis.figures import is_total

    _, html = demo
    body = html[:printing.annex_start(html)]
    figs = []
    for fig in re.findall(r"<figure\b.*?</figure>", body, re.S):
        data = re.search(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', fig).group(1)
        caption = re.search(r"<figcaption>(.*?)</figcaption>", fig, re.S).group(1)
        figs.append((data, caption, re.search(r'href="#def-(\w+)"', fig).group(1)))
    assert figs
    checked = 0
    for data, caption, iid in figs:
        defn = evidence._definition(iid)
        svg = base64.b64decode(data).decode("utf-8")
        if is_total(defn, defn.unit):
            checked += 1
            assert "England" not in svg and "Region" not in svg, f"{iid} is drawn against comparator totals"
        assert "bar" not in caption.lower() or "Vertical bars" in caption  # captions describe what is drawn
    assert checked >= 1


@needs_chromium
def test_committee_part_prints_within_the_budget(demo, tmp_path):
    path, html = demo
    got = printing.measure(path, tmp_path)
    assert got["committee_pages"] <= PAGE_BUDGET, got
    assert got["whole_pages"] > got["committee_pages"]  # the technical annex follows, never lost
    # The front section (key messages, scorecard, lines of enquiry): pages up to question 1 less the cover's.
    # The pages added when the parameters give since: and recommendations: ("What has changed", "Actions since
    # the last review") have a budget of their own, HISTORY_BUDGET.
    pages = {}
    history = re.compile(r'<section[^>]*id="(?:changes|actions)"[^>]*>.*?</section>', re.S)
    for name, anchor, cut in (("cover", "key-messages", False), ("front", "q1", True), ("with_history", "q1", False)):
        f = tmp_path / f"{name}.html"
        part = html[:_cell_start(html, anchor)]
        f.write_text((history.sub("", part) if cut else part) + "</main></body></html>", encoding="utf-8")
        pages[name] = printing.pdf_pages(printing.print_pdf(f, tmp_path / f"{name}.pdf"))
    assert pages["front"] - pages["cover"] <= FRONT_BUDGET, pages
    assert 'id="changes"' in html and 'id="actions"' in html  # the demo gives since: and recommendations:
    assert pages["with_history"] - pages["front"] <= HISTORY_BUDGET, pages


def _cell_start(html: str, anchor: str) -> int:
    i = re.search(rf"id=[\"']{anchor}[\"']", html).start()
    return html.rfind('<div class="jp-Cell', 0, i)


@needs_chromium
def test_tables_fit_a4_and_a_1280_window_and_axe_finds_nothing_serious(demo):
    pw = pytest.importorskip("playwright.sync_api")
    axe_mod = pytest.importorskip("axe_playwright_python.sync_playwright")
    path, _ = demo
    with pw.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(path.as_uri())
            overflow = "[...document.querySelectorAll('table')].filter(t => t.scrollWidth > t.clientWidth + 1 || " \
                       "t.getBoundingClientRect().right > document.documentElement.clientWidth).length"
            assert page.evaluate(overflow) == 0
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            result = axe_mod.Axe().run(page, options={"runOnly": {"type": "tag", "values": [
                "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
            bad = [(v["id"], v["impact"], len(v["nodes"])) for v in result.response["violations"]
                   if v["impact"] in ("serious", "critical")]
            assert not bad, bad
            # A4 portrait: 210 mm less 26 mm of margins is about 695 CSS pixels of text width.
            page.emulate_media(media="print")
            page.set_viewport_size({"width": 695, "height": 1000})
            assert page.evaluate(overflow) == 0
            cut = ("[...document.querySelectorAll('table.cpa-table th, table.cpa-table td')].filter(c => "
                   "c.scrollWidth > c.clientWidth + 2).length")
            assert page.evaluate(cut) == 0
        finally:
            browser.close()


@needs_chromium
@pytest.mark.parametrize("council", ["Telford and Wrekin", "Rutland"])
def test_published_only_pack_for_a_real_council_prints_within_the_budget(council, tmp_path):
    if not paths.SHARED_DATA_DIR.exists():
        pytest.skip(f"the shared published files are not at {paths.SHARED_DATA_DIR}")
    from cpanalysis import cli

    out = tmp_path / "pack"
    assert cli.main(["pack", "--council", council, "--published", str(paths.SHARED_DATA_DIR), "--year", "2025",
                     "--out", str(out)]) == 0
    got = printing.measure(out / "evidence-pack.html", tmp_path / "print")
    assert got["committee_pages"] <= PAGE_BUDGET, got


def test_every_question_and_the_annex_say_whose_pack_it_is(demo):
    """Each section's first lines name the council, the year and the sources, so a page printed on its own
    (or a topic run with `cpanalysis run`) says whose it is; the print style repeats the title on every page."""
    _, html = demo
    for anchor in [f"q{n}" for n in range(1, 11)] + ["annex-quality"]:
        i = re.search(rf'id="{anchor}"', html).start()
        head = html[i:i + 1200]
        assert "Demoshire" in head and "2024-25" in head and "Sources:" in head, anchor
    assert re.search(r'@top-left \{ content: "Evidence pack: Demoshire, 2024-25', html)
    assert 'counter(page)' in html


def test_guide_questions_the_data_cannot_answer_are_one_list_per_question(demo):
    _, html = demo
    committee = html[:printing.annex_start(html)]
    assert committee.count('class="cpa-asklist"') >= 5
    text = printing.visible_text(committee)
    assert text.count("Ask officers") <= 40, text.count("Ask officers")  # was 105 with a row per question
    assert "Ask officers for:" not in text


def test_contents_has_no_numbers_to_mistake_for_question_numbers(demo):
    _, html = demo
    toc = re.search(r'<nav[^>]*class="cpa-toc"[^>]*>.*?</nav>', html, re.S).group(0)
    assert "<ol" not in toc and "<ul>" in toc
    assert re.search(r"\.cpa-toc li \{ break-inside: avoid; \}", html)


def test_no_unlabelled_heading_permalinks(demo):
    _, html = demo
    assert re.search(r"a\.anchor-link \{ display: none !important; \}", html)


@needs_chromium
def test_the_pdf_of_the_pack_is_accessible_and_bookmarks_every_question(demo, tmp_path):
    from test_paper import check_pdf, pdfua_findings

    from cpanalysis import paper

    path, _ = demo
    pdf = paper.write_pdf(path, dest=tmp_path / "evidence-pack.pdf")
    facts = check_pdf(pdf, "Evidence pack: Demoshire, 2024-25 (demonstration data)", list(range(1, 11)))
    assert facts["pages"] > 20
    assert pdfua_findings(pdf) == []


def test_the_word_report_of_the_pack_has_headings_tables_and_alt_text(demo, tmp_path):
    from test_paper import _docx_facts

    from cpanalysis import paper

    path, _ = demo
    facts = _docx_facts(paper.write_docx(path, dest=tmp_path / "report.docx", questions=True))
    texts = [t for _, t in facts["headings"]]
    assert {"Key messages", "Lines of enquiry"} <= set(texts)
    assert any(t.startswith("Scorecard") for t in texts) and any(t.startswith("Question 10") for t in texts)
    assert facts["tables"] >= 10  # the scorecard and each question's at-a-glance table
    assert facts["alts"] and all(a and len(a) > 20 for a in facts["alts"])  # every chart keeps its alt text

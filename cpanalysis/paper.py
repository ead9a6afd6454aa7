"""The committee paper beside the HTML pack: an accessible PDF (``evidence-pack.pdf``) and a Word report
(``committee-report.docx``).

The HTML stays the primary, fully accessible output (GOV.UK: publish in HTML; a PDF only beside it, and then
accessible). The PDF is printed from the same HTML by headless Chromium: A4, tagged (``--export-tagged-pdf``),
with bookmarks from the headings (``--generate-pdf-document-outline``) and the running header and footer of
the pack's print style (council, year, page number). pikepdf then adds what Chromium does not write: the
document title, language and PDF/UA identifier in the XMP metadata, ``DisplayDocTitle``, and a description
(``/Contents``) on every link annotation, so no link is unlabelled.

The Word report is made by pandoc (shipped inside the ``pypandoc-binary`` wheel, so nothing is downloaded) from
the pack's own HTML: the cover, key messages, scorecard and lines of enquiry, and on request the question
briefings, as real Word headings and tables, with the charts and their alt text. ``--docx-template FILE`` gives
pandoc a council's reference document (letterhead, styles).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from cpanalysis import printing
from cpanalysis.config import ParameterError

PDF_NAME = "evidence-pack.pdf"
DOCX_NAME = "committee-report.docx"
LANG = "en-GB"
#: Chromium's own flags for the paper: tagged, with an outline from the headings
PDF_FLAGS = ["--export-tagged-pdf", "--generate-pdf-document-outline"]
INSTALL_CHROMIUM = ("Install Chromium to get the PDF: on Debian or Ubuntu `sudo apt-get install chromium`, on "
                    "Windows or macOS install Google Chrome or Chromium and put it on the PATH (the command "
                    "`chromium` or `chromium-browser`). The HTML pack was written and is the primary output.")


class PaperError(RuntimeError):
    """The PDF or Word file could not be written (the HTML pack is written all the same)."""


# ------------------------------------------------------------------------------------------------ PDF
def write_pdf(pack_html: Path, dest: Path | None = None, title: str | None = None, lang: str = LANG,
              browser: str | None = None, timeout: int = 300) -> Path:
    """Print ``pack_html`` to an accessible A4 PDF beside it (``evidence-pack.pdf``) and return its path.
    Raises :class:`PaperError` saying how to install Chromium when there is none."""
    import pikepdf

    pack_html = Path(pack_html)
    dest = Path(dest) if dest else pack_html.with_name(PDF_NAME)
    browser = browser or printing.chromium()
    if not browser:
        raise PaperError(f"No PDF was written: Chromium is not installed. {INSTALL_CHROMIUM}")
    page = pack_html.read_text(encoding="utf-8")
    title = title or _html_title(page) or pack_html.stem
    with tempfile.TemporaryDirectory(prefix="cpa-pdf-", dir=dest.parent) as tmp:
        raw = Path(tmp) / "printed.pdf"
        try:
            printing.print_pdf(pack_html, raw, browser=browser, timeout=timeout, extra_flags=PDF_FLAGS)
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
            raise PaperError(f"No PDF was written: {e}") from None
        targets = link_targets(page)
        with pikepdf.open(raw) as pdf:
            finish_pdf(pdf, title=title, lang=lang, targets=targets)
            part = dest.with_name(dest.name + ".part")
            pdf.save(part)
        part.replace(dest)
    return dest


def finish_pdf(pdf, title: str, lang: str = LANG, targets: dict[str, str] | None = None) -> None:
    """What Chromium leaves out of an accessible PDF: title, language and the PDF/UA identifier (XMP and
    document information), DisplayDocTitle, the Marked flag, and a description on every link."""
    import pikepdf

    pdf.Root.Lang = pikepdf.String(lang)
    prefs = pdf.Root.get("/ViewerPreferences") or pikepdf.Dictionary()
    prefs.DisplayDocTitle = True
    pdf.Root.ViewerPreferences = prefs
    mark = pdf.Root.get("/MarkInfo") or pikepdf.Dictionary()
    mark.Marked = True
    pdf.Root.MarkInfo = mark
    pdf.docinfo["/Title"] = pikepdf.String(title)
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = title
        meta["dc:language"] = [lang]
        meta["pdfuaid:part"] = "1"
        meta["dc:creator"] = ["cpanalysis"]
    label_links(pdf, targets or {})
    mark_artifacts(pdf)
    figure_alts(pdf)


def mark_artifacts(pdf) -> int:
    """Text Chromium draws outside any marked-content sequence (the running header and footer of the page's
    margin boxes) is marked as an artifact (PDF/UA-1 7.1: content is either tagged or an artifact). Returns
    the number of text objects marked."""
    import pikepdf

    n = 0
    for page in pdf.pages:
        ops = pikepdf.parse_content_stream(page)
        out, depth, open_text = [], 0, False
        for operands, op in ops:
            name = str(op)
            if name in ("BDC", "BMC"):
                depth += 1
            elif name == "EMC":
                depth = max(0, depth - 1)
            if name == "BT" and depth == 0:
                out.append(pikepdf.ContentStreamInstruction([pikepdf.Name.Artifact], pikepdf.Operator("BMC")))
                open_text = True
                n += 1
            out.append(pikepdf.ContentStreamInstruction(operands, op))
            if name == "ET" and open_text:
                out.append(pikepdf.ContentStreamInstruction([], pikepdf.Operator("EMC")))
                open_text = False
        if n:
            page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(out))
    return n


def figure_alts(pdf) -> int:
    """A ``<figure>`` becomes a /Figure structure element without /Alt, around the image's own /Figure that
    has the alt text: the outer one takes the inner one's words. Returns the number given alt text."""
    import pikepdf

    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return 0

    def kids(el):
        k = el.get("/K")
        if k is None:
            return []
        return [x for x in (k if isinstance(k, pikepdf.Array) else [k]) if isinstance(x, pikepdf.Dictionary)]

    def inner_alt(el, depth=0):
        for k in kids(el):
            if k.get("/Alt"):
                return k.Alt
            found = inner_alt(k, depth + 1) if depth < 6 else None
            if found is not None:
                return found
        return None

    n, stack, seen = 0, [root], set()
    while stack:
        el = stack.pop()
        key = el.objgen if el.is_indirect else id(el)
        if key in seen:
            continue
        seen.add(key)
        if el.get("/S") == pikepdf.Name.Figure and not el.get("/Alt") and not el.get("/ActualText"):
            alt = inner_alt(el)
            if alt is not None:
                el.Alt = alt
                n += 1
        stack.extend(kids(el))
    return n


def label_links(pdf, targets: dict[str, str]) -> int:
    """Give every link annotation a description (``/Contents``): where it goes ('Go to: Question 4:
    Stability'), from the text of the HTML element it points at. Returns the number labelled."""
    import pikepdf

    n = 0
    for page in pdf.pages:
        for annot in page.get("/Annots") or []:
            if annot.get("/Subtype") != pikepdf.Name.Link or annot.get("/Contents"):
                continue
            annot.Contents = pikepdf.String(_link_words(annot, targets))
            n += 1
    return n


def _link_words(annot, targets: dict[str, str]) -> str:
    action = annot.get("/A")
    dest = annot.get("/Dest")
    if action is not None and action.get("/S") == "/URI":
        return f"Link to {action.URI}"
    if action is not None and action.get("/D") is not None:
        dest = action.D
    try:  # a named destination: a name (/q4) or a string (q4); an explicit one (page, position) has none
        name = str(dest) if dest is not None else ""
    except Exception:  # noqa: BLE001
        name = ""
    name = name[1:] if name.startswith(("/", "#")) else name
    text = targets.get(name, "")
    return f"Go to: {text}" if text else "Go to another part of this pack"


def link_targets(page: str) -> dict[str, str]:
    """The id of every element an internal link of the pack points at, and the element's words (at most 100
    characters): what a link's description says."""
    import lxml.html

    wanted = set(re.findall(r'href="#([^"]+)"', page))
    if not wanted:
        return {}
    doc = lxml.html.fromstring(page.encode("utf-8"))
    out = {}
    for el in doc.iter():
        i = el.get("id") if isinstance(el.tag, str) else None
        if i in wanted and i not in out:
            words = " ".join(el.text_content().split()).removesuffix("¶").strip()
            out[i] = words[:97] + "..." if len(words) > 100 else words
    return out


def _html_title(page: str) -> str:
    import html

    m = re.search(r"<title>(.*?)</title>", page, re.S | re.I)
    return html.unescape(m.group(1)).strip() if m else ""


# ----------------------------------------------------------------------------------------------- Word
def committee_html(page: str, questions: bool = False) -> str:
    """The part of the pack that goes into the Word report, as plain HTML for pandoc: the cover, key messages,
    scorecard, lines of enquiry (everything before question 1), and with ``questions`` the briefings up to the
    technical annex. Styles, scripts, the contents list and heading permalinks are left out."""
    body = page[:printing.annex_start(page)]
    if not questions:
        m = re.search(r"id=[\"']q\d+[\"']", body)
        if m:
            cell = body.rfind('<div class="jp-Cell', 0, m.start())
            body = body[:cell if cell >= 0 else m.start()]
    start = body.find("<main")
    body = body[body.find(">", start) + 1:] if start >= 0 else body
    # (nbconvert writes attributes in its own order: match the class wherever it is)
    body = re.sub(r"<nav[^>]*class=\"cpa-toc\"[^>]*>.*?</nav>", "", body, flags=re.S)
    body = re.sub(r"<a[^>]*class=\"anchor-link\"[^>]*>.*?</a>", "", body, flags=re.S)
    body = re.sub(r"<(style|script)\b.*?</\1>", "", body, flags=re.S | re.I)
    # the black-and-white symbols are for the eye; Word readers get the words beside them
    body = re.sub(r"<span aria-hidden=\"true\">[^<]*</span>\s*", "", body)
    return f"<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>{_html_title(page)}</title></head>" \
           f"<body>{body}</body></html>"


def check_template(template: Path) -> Path:
    """A Word reference document: an existing .docx file (a plain message naming it otherwise, exit code 2)."""
    import zipfile

    template = Path(template)
    if not template.is_file():
        raise ParameterError(f"--docx-template {template}: no such file. Give the path of a Word document (.docx) "
                             "whose styles the report should use.")
    if template.suffix.lower() != ".docx" or not zipfile.is_zipfile(template):
        raise ParameterError(f"--docx-template {template}: not a Word document. Save the council's template as "
                             "a .docx file (Word: File > Save As > Word Document) and give that file.")
    return template


def write_docx(pack_html: Path, dest: Path | None = None, template: Path | None = None,
               questions: bool = False) -> Path:
    """Write ``committee-report.docx`` beside the pack from its HTML with pandoc. ``template``: a Word
    reference document whose styles (and letterhead) the report takes (pandoc's ``--reference-doc``)."""
    pack_html = Path(pack_html)
    dest = Path(dest) if dest else pack_html.with_name(DOCX_NAME)
    template = check_template(template) if template is not None else None
    try:
        import pypandoc
    except ImportError:  # pragma: no cover - a dependency of the package
        raise PaperError("No Word report was written: pypandoc-binary is not installed "
                         "(pip install pypandoc-binary).") from None
    page = pack_html.read_text(encoding="utf-8")
    source = committee_html(page, questions=questions)
    # the pack's h1 (council and year) becomes the Word title; its parts are Heading 1, their sections Heading 2
    args = ["--standalone", "--shift-heading-level-by=-1", "--metadata=lang:en-GB"]
    if template is not None:
        args.append(f"--reference-doc={template.resolve()}")
    part = dest.with_name(dest.name + ".part")
    try:
        pypandoc.convert_text(source, "docx", format="html", outputfile=str(part), extra_args=args)
    except (RuntimeError, OSError) as e:
        part.unlink(missing_ok=True)
        raise PaperError(f"No Word report was written: pandoc failed: {str(e)[-600:]}") from None
    part.replace(dest)
    return dest


# ------------------------------------------------------------------------------------- after the pack
def after_pack(pack_html: Path, pdf: bool = False, docx: bool = False, docx_template: Path | None = None,
               docx_questions: bool = False, warn=None) -> dict[str, Path]:
    """The paper step, run after the HTML export: the PDF and the Word report asked for. A file that cannot
    be written is reported through ``warn`` (the HTML pack is kept); returns what was written."""
    import sys

    warn = warn or (lambda m: print(f"cpanalysis: {m}", file=sys.stderr))
    out: dict[str, Path] = {}
    if pdf:
        try:
            out["pdf"] = write_pdf(pack_html)
        except PaperError as e:
            warn(str(e))
    if docx or docx_template is not None:
        try:
            out["docx"] = write_docx(pack_html, template=docx_template, questions=docx_questions)
        except PaperError as e:
            warn(str(e))
    return out

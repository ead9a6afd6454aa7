"""Officers' written evidence is data, never markup that runs.

:func:`markdown_to_html` renders Markdown with raw HTML switched off (``<script>`` and friends are shown as
text), then sanitises the result with ``nh3`` (an allow-list: plain formatting tags only, no ``style`` or event
attributes). Links survive only to ``http(s):``, ``mailto:`` and ``#fragment`` anchors and carry
``rel="noopener noreferrer"``; any other link (``javascript:``, ``data:``, relative or protocol-relative) becomes
plain text. Images are never fetched: an image is kept only when its source is an inline ``data:image/``
(PNG, JPEG, GIF or WebP); any other image is replaced by its description. The pack also carries a
Content-Security-Policy that forbids scripts and network requests (``templates/scrutiny/index.html.j2``).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

#: the only tags an evidence file can produce
ALLOWED_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre",
                "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "del", "s"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"},
                      "th": {"align"}, "td": {"align"}}
_SAFE_LINK = re.compile(r"^(?:https?://[^\s/]|mailto:[^\s]|#[\w.:-]*$)", re.IGNORECASE)
_SAFE_IMAGE = re.compile(r"^data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+$", re.IGNORECASE)


def safe_link(url: str) -> bool:
    return bool(_SAFE_LINK.match(url.strip()))


def safe_image(src: str) -> bool:
    return bool(_SAFE_IMAGE.match(src.strip()))


@lru_cache(maxsize=1)
def _markdown():
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    md.enable("strikethrough")
    md.validateLink = lambda url: True  # every link reaches our own rules below, which are stricter

    def render_link_open(self, tokens, idx, options, env):
        token = tokens[idx]
        href = token.attrGet("href") or ""
        if not safe_link(href):
            token.attrs = {}
            token.meta["unsafe"] = True
            return ""
        token.attrSet("rel", "noopener noreferrer")
        return self.renderToken(tokens, idx, options, env)

    def render_link_close(self, tokens, idx, options, env):
        # find the matching opening token: skip the closing tag if it was dropped
        depth = 0
        for j in range(idx - 1, -1, -1):
            t = tokens[j]
            if t.type == "link_close":
                depth += 1
            elif t.type == "link_open":
                if depth == 0:
                    return "" if t.meta.get("unsafe") else "</a>"
                depth -= 1
        return ""

    def render_image(self, tokens, idx, options, env):
        token = tokens[idx]
        src = token.attrGet("src") or ""
        alt = "".join(c.content for c in (token.children or [])) or token.content
        if not safe_image(src):
            return f"[image not shown: {html.escape(alt) or 'no description'}]"
        return f'<img src="{html.escape(src, quote=True)}" alt="{html.escape(alt, quote=True)}">'

    md.add_render_rule("link_open", render_link_open)
    md.add_render_rule("link_close", render_link_close)
    md.add_render_rule("image", render_image)
    return md


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "a" and attr == "href":
        return value if safe_link(value) else None
    if tag == "img" and attr == "src":
        return value if safe_image(value) else None
    return value


def sanitise(markup: str) -> str:
    """Allow-list sanitising of HTML (second line of defence behind the Markdown renderer)."""
    import nh3

    return nh3.clean(markup, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https",
                     "mailto", "data"}, attribute_filter=_attribute_filter, link_rel="noopener noreferrer",
                     strip_comments=True, clean_content_tags={"script", "style"})


def markdown_to_html(text: str) -> str:
    """Officers' Markdown as safe HTML: formatting only, no raw HTML, no scripts, no remote resources."""
    return sanitise(_markdown().render(text or ""))

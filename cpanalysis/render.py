"""Rendering: plain data from :mod:`cpanalysis.briefing` into HTML through Jinja2 templates.

The templates live in ``templates/pack/``; autoescaping is on, so every word (including council names
and anything officers wrote) is escaped: a template cannot emit markup from data. To change a section's
layout, edit its template; to add a section, add a template and a function here.
"""

from __future__ import annotations

from functools import lru_cache

import jinja2

from cpanalysis import paths

TEMPLATES = paths.PACKAGE_DIR / "templates" / "pack"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(template: str, **data) -> str:
    return environment().get_template(template).render(**data)

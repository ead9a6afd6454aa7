"""The published-data catalogue (``cpanalysis/catalogue.yaml``): every DfE measure the pack uses, as data.

Each :class:`Measure` says which published file, rows and column hold a figure, and describes it for
councillors (``title``, ``plain``, ``counted``, ``caveats``) and for the technical annex (``cohort``,
``numerator_text``, ``denominator_text``, ``methodology``). :func:`definition_for` turns a measure into the
same :class:`~cpanalysis.definitions.Definition` the indicator registry uses, so the presentation layer
treats a published figure and a child-level one alike. This module reads no published file; the loader
is :mod:`cpanalysis.sources.published`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from cpanalysis import paths, yamltext
from cpanalysis.definitions import UNITS, Definition

CATALOGUE_FILE = paths.PACKAGE_DIR / "catalogue.yaml"


@dataclass(frozen=True)
class Measure:
    id: str
    indicator_id: str
    title: str
    question: int
    sub_question: str
    file: str
    filters: dict
    value: str
    unit: str
    polarity: str
    numerator: str | None = None
    denominator: str | dict | None = None
    transform: str | None = None
    funnel: bool | None = None
    national_only: bool = False
    cohort: str = ""
    numerator_text: str = ""
    denominator_text: str = ""
    methodology: str = ""
    caveats: tuple[str, ...] = ()
    #: what the denominator counts (for a count, what the figure counts), plural and in plain words
    counted: str = "children"
    #: one short plain-English sentence saying what the measure is, for councillors
    plain: str = ""
    #: complements, variants and age bands of one fact share a family (one key message at most)
    family: str = ""
    #: what one counted unit is (definitions.UNITS_OF_ANALYSIS); blank: read from ``counted``
    unit_of_analysis: str = ""
    #: a sibling measure giving the share whose category is not known (same denominator) ...
    unknown_measure: str = ""
    #: ... or two or more sibling measures whose shares, taken from 100%, leave the not-known share
    unknown_from: tuple[str, ...] = ()

    @property
    def funnel_ok(self) -> bool:
        if self.funnel is not None:
            return self.funnel
        return self.unit == "percent" and self.numerator is not None and self.denominator is not None


@lru_cache(maxsize=4)
def catalogue(path: str | None = None) -> dict[str, Measure]:
    """The measure catalogue, keyed by measure id."""
    raw = yamltext.safe_load(Path(path or CATALOGUE_FILE).read_text(encoding="utf-8"))
    out: dict[str, Measure] = {}
    for m in raw["measures"]:
        m = dict(m)
        m.setdefault("indicator_id", m["id"])
        m["filters"] = {k: str(v) for k, v in (m.get("filters") or {}).items()}
        caveats = m.get("caveats") or ()
        if isinstance(caveats, str):
            caveats = (caveats,)
        if not all(isinstance(c, str) for c in caveats):
            raise ValueError(f"catalogue: measure {m['id']!r}: caveats must be a list of sentences (quote any "
                             "caveat that holds a colon or starts with a quote)")
        m["caveats"] = tuple(c.strip() for c in caveats)
        m["unknown_from"] = tuple(m.get("unknown_from") or ())
        if m.get("unit") not in UNITS:
            raise ValueError(f"catalogue: measure {m['id']!r}: unit {m.get('unit')!r} is not one of {', '.join(UNITS)}")
        if m["id"] in out:
            raise ValueError(f"catalogue: measure {m['id']!r} appears twice")
        out[m["id"]] = Measure(**m)
    return out


def catalogue_frame() -> pd.DataFrame:
    """The catalogue as a table (measure, indicator id, file, filters, columns, unit, polarity, question)."""
    rows = []
    for m in catalogue().values():
        den = m.denominator if not isinstance(m.denominator, dict) else (
            f"{m.denominator['column']} where " + ", ".join(f"{k} = {v}" for k, v in m.denominator["filters"].items()))
        rows.append({"measure_id": m.id, "indicator_id": m.indicator_id, "title": m.title, "question": m.question,
                     "file": m.file, "filters": "; ".join(f"{k} = {v}" for k, v in m.filters.items()),
                     "value": m.value, "numerator": m.numerator or "", "denominator": den or "", "unit": m.unit,
                     "polarity": m.polarity, "caveats": " ".join(m.caveats)})
    return pd.DataFrame(rows)


def definition_for(indicator_id: str) -> Definition:
    """The :class:`~cpanalysis.definitions.Definition` of the published measure for ``indicator_id`` (an
    indicator id or a measure id).

    The description is the catalogue's (file, column, filters), because a published figure is shown
    exactly as DfE published it, not recomputed. For the registry's own definition of a child-level
    indicator, ask the registry (``cpanalysis.indicators.registry.get``): the sources never import it.
    """
    cat = catalogue()
    m = cat.get(indicator_id) or next((x for x in cat.values() if x.indicator_id == indicator_id), None)
    if m is None:
        raise KeyError(f"no published measure for indicator {indicator_id!r}")
    method = m.methodology or (f"As published by DfE in {m.file}: column {m.value}"
                               + (" where " + ", ".join(f"{k} = {v}" for k, v in m.filters.items()) if m.filters else "")
                               + ". Shown exactly as published; not recomputed.")
    return Definition(
        id=m.indicator_id, title=m.title, question=m.question, sub_question=m.sub_question,
        cohort=m.cohort, numerator=m.numerator_text, denominator=m.denominator_text, unit=m.unit,
        polarity=m.polarity, source=f"DfE published statistics ({m.file})", methodology=method,
        caveats=m.caveats, published_measure=m.id, counted=m.counted, plain=m.plain,
        family=_family_id(m), unit_of_analysis=m.unit_of_analysis,
        unknown_measure=_indicator_of(m.unknown_measure), unknown_from=tuple(_indicator_of(x) for x in m.unknown_from))


def _indicator_of(measure_id: str) -> str:
    if not measure_id:
        return ""
    m = catalogue().get(measure_id)
    return m.indicator_id if m is not None else measure_id


def _family_id(m: Measure) -> str:
    return m.family or m.indicator_id

"""What a measure is: the :class:`Definition` every indicator, published measure and local return carries.

This module sits at the bottom of the package (it imports nothing from ``cpanalysis``) so that the
sources (``sources/published.py``, ``sources/local.py``), the indicator registry and the presentation
layer can all describe a measure the same way without importing one another.

Which fields may reach councillors:

* ``title``, ``plain`` and ``caveats`` are shown in the body of the pack. They are plain English: no
  indicator id, no SSDA903 field name or code list, no database phrase and no developer note
  (``tests/test_definitions_text.py`` checks this).
* ``counted`` is the plural noun for what the denominator counts (for a count, what the figure
  counts): "children", "school sessions", "FTE social workers", "£ thousands" ... The presentation layer
  uses it through :func:`cpanalysis.narrative.of_phrase`, so nothing that is not a child is called a child.
* ``cohort``, ``numerator``, ``denominator``, ``methodology`` and ``deviation`` are for the technical
  annex and the CSV export: field names, code lists and DfE column names belong there.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

#: ``fte`` (full-time equivalents) and ``gbp_thousands`` (money in £ thousands) are units of published measures.
Unit = Literal["count", "percent", "rate_per_10k", "mean", "days", "gbp", "gbp_thousands", "fte"]
UNITS: tuple[str, ...] = ("count", "percent", "rate_per_10k", "mean", "days", "gbp", "gbp_thousands", "fte")
Polarity = Literal["higher_is_better", "lower_is_better", "neutral"]

RESULT_COLUMNS = ["indicator_id", "title", "question", "year", "breakdown", "value", "numerator",
                  "denominator", "ci_low", "ci_high", "unit", "source", "status"]


@dataclass(frozen=True)
class Definition:
    id: str
    title: str
    question: int
    sub_question: str
    cohort: str
    numerator: str
    denominator: str
    unit: Unit
    polarity: Polarity
    source: str
    methodology: str
    deviation: str = ""
    caveats: tuple[str, ...] = ()
    #: years of history the indicator needs before the reporting year (e.g. 2 for "3+ placements in 2 years")
    history_years: int = 0
    #: id of the matching measure in the published-data catalogue, when DfE publishes one
    published_measure: str | None = None
    #: what the denominator counts (for a count: what the figure counts), plural and in plain words
    counted: str = "children"
    #: one short plain-English sentence saying what the measure is, for councillors
    plain: str = ""

    def as_dict(self) -> dict:
        return asdict(self)

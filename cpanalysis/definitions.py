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
class Term:
    """One published count in an identity: ``coef`` times the ``role`` cell of ``indicator`` in the year
    ``year_offset`` from the identity's year. Roles: ``num`` (a count's value, a percentage's numerator),
    ``den`` (a percentage's or average's denominator), ``sum`` (the total behind an average: value times
    children, e.g. total days)."""
    indicator: str
    role: str = "num"
    coef: int = 1
    year_offset: int = 0


@dataclass(frozen=True)
class Identity:
    """A linear identity between published figures, ``sum(coef * cell) = 0``, that holds for every council
    by definition (or because a validation rule enforces it). Declared on the definition of the figure it
    derives, read by disclosure control (:mod:`cpanalysis.identities`). ``enforced_by`` names the validation
    rule that makes it hold, when one does (its message, word for word)."""
    name: str
    terms: tuple[Term, ...]
    enforced_by: str = ""
    breakdown: str = "Total"


def window_identities(window: str, single: str, years: int = 3) -> tuple[Identity, ...]:
    """A ``years``-year window is the sum of its single years: children and total days alike."""
    return tuple(Identity(f"{window} = sum of {years} years of {single} ({role})",
                          (Term(window, role, 1),) + tuple(Term(single, role, -1, -k) for k in range(years)))
                 for role in ("den", "sum"))


@dataclass(frozen=True)
class Definition:
    id: str
    title: str
    question: int
    #: the key of the LGA sub-question the measure answers in cpanalysis/questions.yaml (``q4.stability``);
    #: :func:`cpanalysis.questions.sub_question_text` gives its words
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
    #: the family of measures this one belongs to: complements, variants and age bands of one fact share a
    #: family, and each family gives at most one key message (default: the measure's own id)
    family: str = ""
    #: what one counted unit is (see UNITS_OF_ANALYSIS); blank: worked out from ``counted``
    unit_of_analysis: str = ""
    #: the measure giving the share of the cohort whose category is not known or not recorded (a percentage
    #: of the same denominator), or "100 - a - b" of two sibling measures (``unknown_from``)
    unknown_measure: str = ""
    unknown_from: tuple[str, ...] = ()
    #: identities between this figure and others that an intruder can read from the definitions (a window as
    #: the sum of its years, a net change as the difference of two stocks); see :class:`Identity`
    identities: tuple[Identity, ...] = ()

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def family_id(self) -> str:
        return self.family or self.id

    @property
    def unit_kind(self) -> str:
        """How the pack may judge this measure: ``independent`` (children, pupils, care leavers: one person is
        one trial, so exact tests apply), ``population`` (a whole-population administrative figure, such as a
        workforce rate in full-time equivalents: no sampling test, but its place among councils can be judged)
        or ``not independent`` (school sessions, placements, incidents: several per child, so no verdict)."""
        return UNITS_OF_ANALYSIS[unit_of_analysis(self)][0]


#: unit of analysis -> (how it may be judged, why, in plain words)
UNITS_OF_ANALYSIS: dict[str, tuple[str, str]] = {
    "child": ("independent", ""),
    "pupil": ("independent", ""),
    "care leaver": ("independent", ""),
    "school session": ("not independent", "it counts school sessions, and one pupil's sessions are not "
                                          "independent of each other; absence is judged on pupils (persistent "
                                          "absence)"),
    "placement": ("not independent", "it counts placements, and one child can have several; placements are "
                                     "judged on children"),
    "incident": ("not independent", "it counts incidents, and one child can have several"),
    "FTE social worker": ("population", ""),
    "working day": ("population", ""),
    "foster place": ("population", ""),
    "pound": ("population", ""),
}

#: ``counted`` phrases (Definition.counted) and the unit of analysis they mean
_COUNTED_UNITS = (("school session", "school session"), ("placement", "placement"), ("moves of home", "placement"),
                  ("incident", "incident"), ("fte", "FTE social worker"), ("working day", "working day"),
                  ("foster place", "foster place"), ("£", "pound"), ("pound", "pound"), ("child-week", "pound"),
                  ("care leaver", "care leaver"), ("pupil", "pupil"), ("child", "child"))


def unit_of_analysis(defn) -> str:
    """The measure's unit of analysis: declared, or read from what it counts. Raises ValueError for a measure
    whose unit cannot be told (an analyst adding one declares ``unit_of_analysis``)."""
    declared = getattr(defn, "unit_of_analysis", "") or ""
    if declared:
        if declared not in UNITS_OF_ANALYSIS:
            raise ValueError(f"{defn.id}: unit_of_analysis {declared!r} is not one of {', '.join(UNITS_OF_ANALYSIS)}")
        return declared
    counted = (getattr(defn, "counted", "") or "children").lower()
    for phrase, unit in _COUNTED_UNITS:
        if phrase in counted:
            return unit
    raise ValueError(f"{defn.id}: cannot tell the unit of analysis from counted={counted!r}; declare "
                     f"unit_of_analysis as one of {', '.join(UNITS_OF_ANALYSIS)}")

"""Parameters: one validated model read from a YAML file in ``parameters/``.

A wrong or missing parameter stops the run with a message naming the key, what was given and what
is accepted (:class:`ParameterError`). Command-line options override the file (see ``cli.py``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date as _dt_date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cpanalysis import paths
from cpanalysis.errors import read_small_file

TOPICS = {
    1: "commissioning", 2: "education", 3: "health", 4: "stability", 5: "adoption", 6: "fostering",
    7: "residential", 8: "leaving_care", 9: "workforce", 10: "corporate_parenting",
}

TOPIC_TITLES = {
    1: "Commissioning and the children in care", 2: "Education", 3: "Health and wellbeing", 4: "Stability",
    5: "Adoption and permanence", 6: "Fostering", 7: "Residential care", 8: "Leaving care",
    9: "The workforce", 10: "Corporate parenting",
}


class ParameterError(ValueError):
    """A parameters file or option is wrong. The message says which key and what is accepted."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Council(_Strict):
    name: str = Field(min_length=1, description="Council name as it should appear in the pack")
    old_la_code: str | None = Field(None, pattern=r"^\d{3}$", description="DfE three-digit LA number, e.g. '894'")
    new_la_code: str | None = Field(None, pattern=r"^E\d{8}$", description="ONS nine-character code, e.g. 'E06000020'")
    region: str | None = Field(None, description="Region name as DfE publishes it, e.g. 'West Midlands'")


class Comparators(_Strict):
    statistical_neighbours: Literal["2025", "2021", "custom", "none"] = Field(
        "2025", description="DfE statistical-neighbour model: '2025' (default), '2021', 'custom' or 'none'")
    custom: list[str] = Field(default_factory=list, description="Council names or codes, when statistical_neighbours is 'custom'")
    region: bool = True
    england: bool = True

    @model_validator(mode="after")
    def _custom_needs_list(self) -> Comparators:
        if self.statistical_neighbours == "custom" and not self.custom:
            raise ValueError("comparators.custom must list at least one council when statistical_neighbours is 'custom'")
        return self


class Inputs(_Strict):
    ssda903: Path | None = Field(None, description="Folder of SSDA903 files (subfolders per year, or one year flat)")
    published: Path | None = Field(None, description="Folder searched for DfE published CSV files")
    local: Path | None = Field(None, description="Folder of local returns (CSV templates in data/templates)")
    evidence: Path | None = Field(None, description="Folder of written evidence, one Markdown file per question")
    postcodes: Path | None = Field(None, description="Postcode lookup CSV (postcode, easting, northing, la_code) "
                                                    "for placement location and distance")

    @model_validator(mode="after")
    def _needs_a_source(self) -> Inputs:
        if self.ssda903 is None and self.published is None:
            raise ValueError("inputs must give ssda903 (a folder of 903 files) or published (a folder of DfE files), or both")
        return self


class Disclosure(_Strict):
    suppress_counts_up_to: int = Field(5, ge=5, le=20, description="Counts from 1 to this number are suppressed (at least 5)")
    min_denominator: int = Field(11, ge=11, le=100, description="Percentages and averages need at least this many children (at least 11)")


class Target(_Strict):
    """A pledge the council has made for one measure: "below 10%", "above 70%" or "between 95 and 100%".

    Values are in the measure's own unit (per cent for percentages). ``source`` says where the pledge was
    made (a strategy, a scorecard, a committee decision), so the pack never presents a target without it.
    """

    indicator: str = Field(min_length=1, description="Indicator id (see the technical annex or questions.yaml)")
    below: float | None = Field(None, description="Met when the figure is below this value")
    above: float | None = Field(None, description="Met when the figure is above this value")
    between: tuple[float, float] | None = Field(None, description="Met when the figure is within [low, high]")
    baseline: float | None = Field(None, description="The figure when the target was set (optional)")
    baseline_year: int | None = Field(None, ge=2000, le=2035, description="Reporting year of the baseline")
    by: str | None = Field(None, max_length=40, description="When the target is due, e.g. '31 March 2026'")
    source: str = Field(min_length=3, max_length=300, description="Where the pledge comes from")

    @model_validator(mode="after")
    def _one_kind(self) -> Target:
        given = [k for k in ("below", "above", "between") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"target for {self.indicator!r} must give exactly one of below, above or between "
                             f"(given: {', '.join(given) or 'none'})")
        for k in ("below", "above", "baseline"):
            v = getattr(self, k)
            if v is not None and not math.isfinite(v):
                raise ValueError(f"target for {self.indicator!r}: {k} must be a finite number")
        if self.between is not None:
            low, high = self.between
            if not (math.isfinite(low) and math.isfinite(high)) or low > high:
                raise ValueError(f"target for {self.indicator!r}: between must be [low, high] with low <= high")
        return self

    @field_validator("indicator")
    @classmethod
    def _known(cls, v: str) -> str:
        known = known_indicator_ids()
        if known and v not in known:
            import difflib

            near = difflib.get_close_matches(v, sorted(known), n=3)
            hint = f" Did you mean {', '.join(near)}?" if near else " The ids are listed in cpanalysis/questions.yaml."
            raise ValueError(f"{v!r} is not a known indicator id.{hint}")
        return v

    def wording(self, fmt) -> str:
        """'below 10%' / 'above 70%' / 'between 95% and 100%' with ``fmt`` formatting a value."""
        if self.below is not None:
            return f"below {fmt(self.below)}"
        if self.above is not None:
            return f"above {fmt(self.above)}"
        low, high = self.between  # type: ignore[misc]
        return fmt(low) if low == high else f"between {fmt(low)} and {fmt(high)}"


#: where a recommendation came from
RECOMMENDATION_SOURCES = ("scrutiny review", "Ofsted inspection", "corporate parenting action plan", "peer review")
#: where a recommendation has got to
RECOMMENDATION_STATUSES = ("awaiting response", "accepted", "in progress", "done", "not accepted")
#: the fields of a recommendation, in the order of the CSV template (data/templates/recommendations.csv)
RECOMMENDATION_FIELDS = ("id", "text", "source", "made_on", "owner", "due", "response", "response_due",
                         "response_on", "status", "reason", "indicators", "target")
#: months after ``made_on`` that the executive's response is due unless ``response_due`` gives a date (the
#: Local Government and Public Involvement in Health Act 2007, s.122, asks for a response; two months is usual)
RESPONSE_MONTHS = 2


def _to_date(v: Any) -> Any:
    """A date from a YAML date, '2025-01-15' or '15/01/2025'; '' and None are no date; anything else is left for
    pydantic to refuse with the key named."""
    import datetime as _dt

    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, _dt.datetime):
        return v.date()
    if isinstance(v, str):
        t = v.strip()
        for f in ("%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%d %b %Y"):
            try:
                return _dt.datetime.strptime(t, f).date()
            except ValueError:
                continue
        raise ValueError(f"{t!r} is not a date; write it as 2025-01-15 or 15/01/2025")
    return v


def add_months(d, months: int):
    """``d`` plus whole months, on the same day of the month or the month's last day (31 Dec + 2 = 28/29 Feb)."""
    import calendar

    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return d.replace(year=y, month=m, day=min(d.day, calendar.monthrange(y, m)[1]))


class Recommendation(_Strict):
    """A recommendation the committee (or Ofsted, a peer review, the corporate parenting action plan) made, and
    what has happened to it since."""

    id: str = Field(min_length=1, max_length=40, description="A short reference, e.g. 'R1' or 'CP-2024-3'")
    text: str = Field(min_length=3, max_length=1000, description="The recommendation as made")
    source: Literal[RECOMMENDATION_SOURCES] = Field(description="Where it was made")  # type: ignore[valid-type]
    made_on: _dt_date = Field(description="When it was made (2025-01-15 or 15/01/2025)")
    owner: str = Field(min_length=1, max_length=200, description="Who answers for it (a post, not a person's name)")
    due: _dt_date | None = Field(None, description="When the action is due")
    response: str = Field("", max_length=2000, description="The executive's response, as given")
    response_due: _dt_date | None = Field(None, description=f"When the response is due (default: "
                                                                f"{RESPONSE_MONTHS} months after made_on)")
    response_on: _dt_date | None = Field(None, description="When the response was given")
    status: Literal[RECOMMENDATION_STATUSES] = Field("awaiting response")  # type: ignore[valid-type]
    reason: str = Field("", max_length=1000, description="Why it was not accepted (needed for 'not accepted')")
    indicators: list[str] = Field(default_factory=list, description="Indicator ids the recommendation is about")
    target: str = Field("", max_length=300, description="The target it set, in words (optional)")

    @field_validator("made_on", "due", "response_due", "response_on", mode="before")
    @classmethod
    def _dates(cls, v: Any) -> Any:
        return _to_date(v)

    @field_validator("indicators", mode="before")
    @classmethod
    def _split(cls, v: Any) -> Any:
        if v is None:
            return []
        if isinstance(v, str):
            return [x.strip() for x in re.split(r"[;,]", v) if x.strip()]
        return v

    @field_validator("indicators")
    @classmethod
    def _known_ids(cls, v: list[str]) -> list[str]:
        for iid in v:
            Target._known(iid)
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Recommendation:
        if self.status == "not accepted" and not self.reason.strip():
            raise ValueError(f"recommendation {self.id!r} is 'not accepted': give the reason (reason: ...)")
        if self.response_on is not None and self.response_on < self.made_on:
            raise ValueError(f"recommendation {self.id!r}: response_on ({self.response_on}) is before made_on "
                             f"({self.made_on})")
        if self.status != "awaiting response" and not self.response.strip() and self.response_on is None:
            raise ValueError(f"recommendation {self.id!r} is {self.status!r} but has no response: give response "
                             "and response_on, or status: awaiting response")
        return self

    @property
    def response_deadline(self):
        return self.response_due or add_months(self.made_on, RESPONSE_MONTHS)


def read_recommendations_csv(path: Path) -> list[dict]:
    """The rows of a recommendations CSV (data/templates/recommendations.csv), each checked: an error names the
    file, the row and the column."""
    import csv

    p = paths.resolve(path)
    data = read_small_file(p, "recommendations file", MAX_PARAMS_BYTES, "Give a CSV file like "
                           "data/templates/recommendations.csv", ParameterError) if p.exists() else None
    if data is None:
        raise ParameterError(f"{p}: recommendations file not found. Copy data/templates/recommendations.csv and "
                             "give its path as recommendations: in the parameters file.")
    text = data.decode("utf-8-sig", errors="replace")
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    reader = csv.DictReader(lines)
    head = [h.strip() for h in reader.fieldnames or []]
    unknown = [h for h in head if h not in RECOMMENDATION_FIELDS]
    if unknown:
        raise ParameterError(f"{p}: column {unknown[0]!r} is not a recommendation field (accepted: "
                             f"{', '.join(RECOMMENDATION_FIELDS)}).")
    rows = []
    for i, r in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in r.items() if k is not None}
        row = {k: v for k, v in row.items() if v != "" or k in ("id", "text", "source", "made_on", "owner")}
        try:
            Recommendation.model_validate(row)
        except ValidationError as err:
            e = err.errors()[0]
            col = ".".join(str(x) for x in e["loc"]) or "(row)"
            raise ParameterError(f"{p}: row {i}, column {col}: {e['msg'].removeprefix('Value error, ')} "
                                 f"(given: {row.get(str(e['loc'][0]) if e['loc'] else '', '')!r}). Correct the "
                                 "cell (see data/templates/recommendations.csv).") from None
        rows.append(row)
    return rows


def known_indicator_ids() -> set[str]:
    """Every indicator id named in the LGA question catalogue (a test insists every indicator is there).
    Read from the YAML data file, not the registry, so configuration never imports the indicators."""
    from cpanalysis.questions import load_questions

    return {i for q in load_questions().values() for s in q.sub_questions for i in s.indicators}


class Params(_Strict):
    council: Council
    year: int = Field(ge=2015, le=2035, description="Reporting year ending 31 March, e.g. 2025 for 2024-25")
    demonstration: bool = Field(False, description="True marks every page as demonstration data")
    comparators: Comparators = Field(default_factory=Comparators)
    inputs: Inputs
    population: dict[int, float] = Field(default_factory=dict, description="Population aged 0 to 17 by reporting year")
    disclosure: Disclosure = Field(default_factory=Disclosure)
    topics: list[int] = Field(default_factory=lambda: sorted(TOPICS), description="LGA question numbers 1 to 10 to include")
    output_dir: Path = Field(Path("outputs"), description="Folder for executed notebooks and the pack")
    targets: list[Target] = Field(default_factory=list, description="The council's own pledges, one per measure")
    recommendations: list[Recommendation] = Field(
        default_factory=list, description="Recommendations made and what has happened to them (or the path of a "
                                          "CSV file like data/templates/recommendations.csv)")
    since: Path | None = Field(None, description="A previous pack folder or its findings.json: adds 'What has "
                                                 "changed since' after the key messages")

    pdf: bool = Field(False, description="Also write evidence-pack.pdf beside the HTML (needs Chromium)")
    docx: bool = Field(False, description="Also write committee-report.docx beside the HTML (Word)")
    docx_template: Path | None = Field(None, description="A Word reference document (.docx) whose styles and "
                                                         "letterhead the Word report takes")

    source_file: Path | None = Field(None, exclude=True)

    @field_validator("topics")
    @classmethod
    def _topics_known(cls, v: list[int]) -> list[int]:
        bad = [t for t in v if t not in TOPICS]
        if bad:
            raise ValueError(f"unknown topic(s) {bad}; accepted: 1 to 10")
        return sorted(set(v))

    @field_validator("population")
    @classmethod
    def _population_positive(cls, v: dict[int, float]) -> dict[int, float]:
        bad = {y: n for y, n in v.items() if not math.isfinite(n) or n <= 0}
        if bad:
            given = ", ".join(f"{y}: {n!r}" for y, n in sorted(bad.items()))
            raise ValueError(f"a population must be a positive number of children aged 0 to 17 (ONS mid-year "
                             f"estimate); not {given}. Correct it or remove the year (rates per 10,000 are then "
                             "not given for it)")
        return v

    @field_validator("recommendations")
    @classmethod
    def _one_id_each(cls, v: list[Recommendation]) -> list[Recommendation]:
        dup = _repeated(r.id for r in v)
        if dup:
            raise ValueError(f"recommendation id {', '.join(dup)} is used more than once; give each its own id")
        return v

    @field_validator("targets")
    @classmethod
    def _one_target_each(cls, v: list[Target]) -> list[Target]:
        dup = _repeated(t.indicator for t in v)
        if dup:
            raise ValueError(f"more than one target for {', '.join(dup)}; give one target per indicator")
        return v

    def resolved(self, path: Path | None) -> Path | None:
        """Resolve an input path relative to the repository root."""
        return None if path is None else paths.resolve(path)

    @property
    def output_path(self) -> Path:
        return paths.resolve(self.output_dir)

    def for_notebook(self) -> dict[str, Any]:
        """Plain values for Papermill (it can only inject JSON-like parameters)."""
        return {"params_file": str(self.source_file) if self.source_file else "",
                "params_json": self.model_dump_json()}


def _format_errors(err: ValidationError, source: str) -> str:
    lines = [f"{source}: the parameters are not valid:"]
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"].removeprefix("Value error, ")
        given = e.get("input")
        if e["type"] == "missing":
            lines.append(f"  - {key}: missing. Add it to the file (see parameters/demo.yml for an example).")
        elif e["type"] == "extra_forbidden":
            lines.append(f"  - {key}: is not a known parameter (check the spelling; see parameters/demo.yml).")
        else:
            accepted = ""
            if e["type"] == "literal_error":
                accepted = f" Accepted values: {e.get('ctx', {}).get('expected', '')}."
            lines.append(f"  - {key}: {msg} (given: {given!r}).{accepted}")
    return "\n".join(lines)


def _repeated(keys) -> list[str]:
    """The keys that occur more than once, sorted (duplicate targets or recommendation ids)."""
    from collections import Counter

    return sorted(k for k, n in Counter(keys).items() if n > 1)


def year_label(year: int) -> str:
    return f"{year - 1}-{str(year)[2:]}"


DEMO_COUNCIL_CODE = "999"
#: the council of a quick look with ``--ssda903`` and no council named: not a real council
ANONYMOUS_COUNCIL = "Council (from command line)"


#: ONS codes of the demonstration's fictional councils (Demoshire and its 24 synthetic comparators); no real
#: council's code starts like this
DEMO_ONS_PREFIX = "E06999"
#: DfE numbers of real councils run from 201 to 938; the demonstration's fictional ones are 970 to 999
FIRST_FICTIONAL_LA = 950


def is_demo_council(council: Council) -> bool:
    """A fictional council of the demonstration: Demoshire (DfE number 999) or one of its synthetic comparators.
    The DfE number decides when there is one (a real number with a demo name or ONS code is a real council)."""
    code = str(council.old_la_code or "")
    if code:
        return code.isdigit() and int(code) >= FIRST_FICTIONAL_LA
    return council.name.strip().lower() == "demoshire" or str(council.new_la_code or "").startswith(DEMO_ONS_PREFIX)


def demo_inputs(params: Params) -> list[str]:
    """Inputs of ``params`` that are the demonstration council's data (under data/demo/)."""
    demo = paths.DEMO_DIR.resolve()
    out = []
    for key in ("ssda903", "published", "local", "evidence", "postcodes"):
        value = getattr(params.inputs, key)
        if value is None:
            continue
        p = paths.resolve(value).resolve()
        if p == demo or demo in p.parents:
            out.append(key)
    return out


#: what ``cpanalysis demo-data`` writes at the top of the demonstration return's README.md
DEMO_README_MARK = "DEMONSTRATION DATA"
_DEMO_CHILD = re.compile(r"^999\d{6}$")  # the demonstration's child ids: its DfE number 999, then a serial number
_UPN = re.compile(r"^[A-Z]\d{12}$")  # a UPN: check letter, the DfE number of the issuing council, 9 digits


def demo_children(children, upns) -> bool:
    """True when the Header's child ids and UPNs are the demonstration council's: nine of ten child ids are 999
    and a six-digit serial (the ids ``cpanalysis demo-data`` writes for any seed) and nine of ten well-formed UPNs
    carry the DfE number 999, which belongs to no real council. A real return's children get UPNs from real
    councils' numbers (201 to 938), so this cannot match one."""
    ids = [str(c).strip() for c in children if c is not None and str(c).strip() not in ("", "<NA>", "nan")]
    well = [str(u).strip() for u in upns if u is not None and _UPN.match(str(u).strip())]
    if len(ids) < 10 or len(well) < 5:
        return False
    return (sum(bool(_DEMO_CHILD.match(c)) for c in ids) >= 0.9 * len(ids)
            and sum(u[1:4] == DEMO_COUNCIL_CODE for u in well) >= 0.9 * len(well))


def demo_return_signature(path: Path, rows: int = 500) -> str:
    """Why the SSDA903 return at ``path`` is the demonstration council's, read from its content wherever it was
    copied ("" when it is not): the README ``cpanalysis demo-data`` writes, or a Header CSV whose child ids and
    UPNs are the demonstration's (:func:`demo_children`; the first ``rows`` rows of each Header are read). A
    workbook or XML copy is recognised once read (``cpanalysis.pack._require_usable``)."""
    import csv

    p = Path(path)
    if not (p.is_dir() or p.is_file()):
        return ""
    folder = p if p.is_dir() else p.parent
    readme = folder / "README.md"
    try:
        if readme.is_file() and DEMO_README_MARK in readme.read_text(encoding="utf-8", errors="replace")[:300]:
            return f"{readme} marks it as {DEMO_README_MARK} written by `cpanalysis demo-data`"
    except OSError:
        pass
    files = [p] if p.is_file() else sorted(
        [f for f in folder.iterdir() if f.is_file()]
        + [f for d in sorted(folder.iterdir()) if d.is_dir() for f in d.iterdir() if f.is_file()])
    for f in [f for f in files if f.suffix.lower() == ".csv"][:100]:
        try:
            with f.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
                reader = csv.reader(fh)
                head = [h.strip().upper() for h in next(reader, [])]
                if "CHILD" not in head or "UPN" not in head:
                    continue
                i, j = head.index("CHILD"), head.index("UPN")
                got = [(r[i], r[j]) for _, r in zip(range(rows), reader) if len(r) > max(i, j)]
        except (OSError, csv.Error):
            continue
        if demo_children([c for c, _ in got], [u for _, u in got]):
            return (f"{f} holds the demonstration council's children (child ids 999000001 onwards, UPNs issued "
                    "by the fictional council 999)")
    return ""


def demo_refusal(params: Params, why: str) -> ParameterError:
    return ParameterError(
        f"inputs ssda903 is the demonstration council's fictional return ({why}), but the council is "
        f"{params.council.name!r}, a real council: the pack would show Demoshire's invented figures under its "
        f"name. Give your council's own return with --ssda903 DIR, or use --council Demoshire for the "
        "demonstration.")


def check_not_mixed(params: Params) -> None:
    """Refuse demonstration inputs with a real council: a pack would show fictional figures under a real name."""
    if params.council.name == ANONYMOUS_COUNCIL and not (params.council.old_la_code or params.council.new_la_code):
        return  # a quick look at a return with no council named: nothing real to mix it with
    mixed = demo_inputs(params)
    if mixed and not is_demo_council(params.council):
        raise ParameterError(
            f"inputs {', '.join(mixed)} point at the demonstration council's fictional data ({paths.DEMO_DIR}), but "
            f"the council is {params.council.name!r}, a real council: the pack would show Demoshire's invented "
            f"figures under its name. Write a parameters file for {params.council.name} with "
            f"`cpanalysis init \"{params.council.name}\" --published DIR` (add --ssda903 DIR for your own return), "
            f"or give your own folders with --published, --ssda903, --local and --evidence.")
    if params.inputs.ssda903 and not is_demo_council(params.council):
        why = demo_return_signature(paths.resolve(params.inputs.ssda903))
        if why:
            raise demo_refusal(params, why)
    if params.demonstration and not is_demo_council(params.council):
        raise ParameterError(
            f"demonstration: true marks every page as demonstration data, but the council is "
            f"{params.council.name!r}, a real council. Remove demonstration: true from the parameters file.")


def from_dict(raw: dict[str, Any], source: str = "parameters",
              default_year: Callable[[dict[str, Any]], None] | None = None) -> Params:
    """Validate a mapping of parameters. ``default_year`` (the command line passes
    :func:`cpanalysis.councils.fill_default_year`) may fill in a missing ``year`` from the data first."""
    if not isinstance(raw, dict):
        raise ParameterError(f"{source}: expected a YAML mapping of keys to values, got {type(raw).__name__}")
    if default_year is not None:
        default_year(raw)
    if isinstance(raw.get("recommendations"), str):
        raw = {**raw, "recommendations": read_recommendations_csv(Path(raw["recommendations"]))}
    try:
        return Params.model_validate(raw)
    except ValidationError as err:
        raise ParameterError(_format_errors(err, source)) from None


#: a parameters file is a few kilobytes; anything much larger is not one
MAX_PARAMS_BYTES = 1_000_000
#: values a parameters file may hold once its aliases (``*name``) are expanded: a real file has a few hundred. The
#: expanded size is what is limited, not the number of aliases: 49 aliases, each a list of the one before, expand a
#: 23 KB file into billions of values (the "billion laughs" of YAML).
MAX_EXPANDED_VALUES = 100_000


class _LimitedLoader(yaml.SafeLoader):
    """SafeLoader (no ``!!python`` tags) that refuses a document whose aliases expand it beyond
    MAX_EXPANDED_VALUES values, or that refers to itself, before any Python object is built."""

    def compose_document(self):
        node = super().compose_document()
        if node is not None:
            _check_expanded_size(node)
        return node


def _check_expanded_size(root) -> None:
    """Count the values of the composed document as if every alias were written out, in time linear in the
    file (each node is counted once, its expanded size remembered)."""
    def kids(node) -> list:
        if isinstance(node, yaml.SequenceNode):
            return node.value
        if isinstance(node, yaml.MappingNode):
            return [n for pair in node.value for n in pair]
        return []

    size: dict[int, int] = {}
    open_: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_.discard(key)
            size[key] = min(1 + sum(size[id(k)] for k in kids(node)), MAX_EXPANDED_VALUES + 1)
            continue
        if key in size:
            continue
        if key in open_:
            raise yaml.YAMLError(f"an alias (*name) at line {node.start_mark.line + 1} refers to a value that "
                                 "contains it; write the values out instead")
        open_.add(key)
        stack.append((node, True))
        stack += [(k, False) for k in kids(node) if id(k) not in size]
    if size[id(root)] > MAX_EXPANDED_VALUES:
        raise yaml.YAMLError(f"its aliases (*name) expand it to more than {MAX_EXPANDED_VALUES:,} values, far more "
                             "than a parameters file holds; write the values out instead")


#: the fixes a parameters-file error suggests on the command line (a notebook says them in its own terms:
#: :func:`cpanalysis.evidence.notebook_message`)
FIX_NOT_FOUND = "Give --params with a file from parameters/, e.g. parameters/demo.yml"
FIX_NOT_TEXT = "Give --params a YAML text file such as parameters/demo.yml"


def read_yaml(p: Path, what: str = "parameters file") -> Any:
    """Read a small YAML file safely: size limit, UTF-8 (with or without BOM), safe tags only, a limit on the
    size its aliases expand it to.
    Raises :class:`ParameterError` with the file and the fix."""
    if not p.exists() and not p.is_dir():
        raise ParameterError(f"{p}: {what} not found. {FIX_NOT_FOUND}")
    data = read_small_file(p, what, MAX_PARAMS_BYTES, FIX_NOT_TEXT, ParameterError)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise ParameterError(f"{p}: is not UTF-8 text (byte {err.start + 1}, line {line}). Save it as UTF-8 (in "
                             "Notepad: Save As, Encoding UTF-8) and run again.") from None
    try:
        return yaml.load(text, Loader=_LimitedLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ParameterError(f"{p}: not valid YAML{where}: {getattr(err, 'problem', None) or err}") from None
    except RecursionError:
        raise ParameterError(f"{p}: nested too deeply to be a {what}.") from None


def load(path: str | Path | None = None, overrides: dict[str, Any] | None = None,
         default_year: Callable[[dict[str, Any]], None] | None = None) -> Params:
    """Read and validate a parameters file, then apply overrides given as dotted keys
    (``{"year": 2024, "inputs.ssda903": "data/x"}``).

    A relative ``path`` is taken from the repository root (the command line resolves its own ``--params`` from
    the working directory before calling this)."""
    p = paths.resolve(path) if path else paths.DEFAULT_PARAMS
    raw = read_yaml(p)
    raw = raw or {}
    if not isinstance(raw, dict):
        raise ParameterError(f"{p}: expected a YAML mapping of keys to values (council:, year:, inputs: ...), "
                             f"got {type(raw).__name__}")
    for dotted, value in (overrides or {}).items():
        if value is None:
            continue
        node = raw
        *parents, leaf = dotted.split(".")
        for k in parents:
            node = node.setdefault(k, {})
            if not isinstance(node, dict):
                raise ParameterError(f"{p}: {k} should be a mapping of keys to values")
        node[leaf] = value
    params = from_dict(raw, str(p), default_year)
    params.source_file = p
    return params


def from_json(text: str) -> Params:
    return Params.model_validate_json(text)

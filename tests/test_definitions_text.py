"""What councillors read about a measure is plain English with the right nouns (issue 10).

Every definition (the indicator registry, the published-data catalogue and the local returns) has
``counted`` (what the denominator counts) and ``plain`` (one plain sentence); its ``title``, ``plain``
and caveats carry no indicator id, no SSDA903 field name, no code list, no database phrase and no
developer note; every caveat is whole sentences. Technical detail belongs in the annex fields
(cohort, numerator, denominator, methodology, deviation), which are not checked here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from cpanalysis import narrative
from cpanalysis.definitions import UNITS, Definition
from cpanalysis.indicators import registry
from cpanalysis.model import TABLE_TITLES, TABLES
from cpanalysis.sources import catalogue as cat
from cpanalysis.sources import local
from cpanalysis.spec import code_lists

PACKAGE = Path(__file__).resolve().parents[1] / "cpanalysis"


def all_definitions() -> list[Definition]:
    defs = [i.definition for i in registry.all_indicators()]
    defs += [cat.definition_for(m.id) for m in cat.catalogue().values()]
    defs += list(local.DEFINITIONS.values())
    defs += [local.views_definition(q) for q in range(1, 11)]
    return defs


DEFS = all_definitions()
IDS = sorted({d.id for d in DEFS} | set(cat.catalogue()) | {m.indicator_id for m in cat.catalogue().values()})
#: ids that are also ordinary words ("adoptions", "convicted") cannot be told from prose; ids with an underscore can
ID_WORDS = [i for i in IDS if "_" in i]
#: SSDA903 field names from the specification (code lists and table layouts), matched as whole upper-case words,
#: and the return's internal table names (OC2, AD1, SWEpisodes ...) except UASC, an everyday abbreviation
FIELDS = sorted(set(code_lists()) | {c for cols in TABLES.values() for c in cols}
                | {t for t in TABLE_TITLES.values() if t not in ("Header", "Episodes", "Reviews", "Missing", "UASC")})
#: a code such as E11, V3, PR4, K2 or A3-A6; the adoption scorecard's public measure names are allowed
CODE = re.compile(r"\b[A-Z]{1,2}\d{1,2}[A-Z]?\b")
ALLOWED_CODES = {"A1", "A2", "A10"}
BANNED = [re.compile(p, re.I) for p in (r"\bcolumn\b", r"lait_", r"shared files", r"\bTODO\b", r"\bFIXME\b",
                                        r"=\s*'", r"=\s*\"", r"\b\w+\.(csv|parquet|ya?ml|py)\b",
                                        r"\bwhere \w+ = ", r"\b(?:[A-Z0-9]{1,3}, )+[A-Z0-9]{1,3},? or [A-Z0-9]{1,3}\b")]


def shown_texts(d: Definition) -> list[tuple[str, str]]:
    return [("title", d.title), ("plain", d.plain)] + [("caveat", c) for c in d.caveats]


def problems(text: str) -> list[str]:
    out = [f"indicator id {i!r}" for i in ID_WORDS if re.search(rf"\b{re.escape(i)}\b", text)]
    out += [f"903 field name {f!r}" for f in FIELDS if re.search(rf"(?<![\w-]){re.escape(f)}(?![\w-])", text)]
    out += [f"code {c!r}" for c in CODE.findall(text) if c not in ALLOWED_CODES]
    out += [f"matches {p.pattern!r}" for p in BANNED if p.search(text)]
    return out


def test_every_definition_is_found():
    assert len(DEFS) > 100
    assert {"absence_overall", "workforce_caseload", "spend_childrens_services_total", "member_training",
            "stability_3plus_placements_2yr"} <= {d.id for d in DEFS}


@pytest.mark.parametrize("d", DEFS, ids=lambda d: d.id)
def test_counted_and_plain(d):
    assert d.counted and d.counted == d.counted.strip(), d.id
    assert d.counted[0].islower() or d.counted.startswith(("£", "FTE")), d.counted
    assert d.plain and d.plain[0].isupper() and d.plain.endswith("."), d.plain
    assert len(d.plain) <= 240 and d.plain.count(". ") == 0, "one short sentence"
    assert d.unit in UNITS


@pytest.mark.parametrize("d", DEFS, ids=lambda d: d.id)
def test_shown_text_is_plain(d):
    bad = [(field, text, p) for field, text in shown_texts(d) for p in problems(text)]
    assert not bad, bad


@pytest.mark.parametrize("d", DEFS, ids=lambda d: d.id)
def test_caveats_are_whole_sentences(d):
    for c in d.caveats:
        assert isinstance(c, str) and c == c.strip(), c
        assert c[0].isupper() or c[0].isdigit() or c[0] in "\"'", c
        assert c.endswith((".", ".)", ".\"", "?")), c


def test_problems_catches_what_reached_councillors():
    assert problems("Children with stability_3plus_placements_2yr")
    assert problems("Episodes starting with RNE S, P or B")
    assert problems("Missing table rows with MISSING = 'M'")
    assert problems("As published in column lait_value where lait_measure = StayingPut")
    assert problems("RO3 CLA spend is not in the shared files")
    assert problems("Children with no OC2 record")
    assert problems("Children in placement P1")
    assert not problems("The share of children in care on 31 March who had moved home three or more times in the "
                        "year.")
    assert not problems("Scorecard thresholds were last set for 2013-16 (A1 14 months; A2 4 months).")


def test_flow_lists_in_the_catalogue_do_not_split_caveats():
    # A YAML flow list [a, b] splits at commas: the catalogue writes caveats as block lists.
    text = (PACKAGE / "catalogue.yaml").read_text(encoding="utf-8")
    assert not re.search(r"(?m)^\s*caveats:\s*\[", text)
    m = cat.catalogue()["placed_over_20_miles"]
    assert len(m.caveats) == 1 and "(often" in m.caveats[0]


def test_a_caveat_that_is_not_a_sentence_list_is_refused(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("measures:\n- id: x\n  title: X\n  question: 1\n  sub_question: Q?\n  file: f\n  value: v\n"
                 "  unit: percent\n  polarity: neutral\n  caveats: [{a: b}]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="caveats"):
        cat.catalogue(str(p))


# ------------------------------------------------------------------------------------ nouns and units
def _defn(unit: str, counted: str) -> Definition:
    return Definition(id="x", title="X", question=1, sub_question="", cohort="", numerator="", denominator="",
                      unit=unit, polarity="neutral", source="", methodology="", counted=counted, plain="X.")


@pytest.mark.parametrize("unit,counted,num,den,expected", [
    ("percent", "children", 54, 411, "54 of 411 children"),
    ("percent", "school sessions", 4155, 63345, "4,155 of 63,345 school sessions"),
    ("percent", "£ thousands", 64594, 497839, "£64.6m of £497.8m"),
    ("percent", "£ thousands", 850, 12000, "£850k of £12.0m"),
    ("percent", "FTE social workers", 12.5, 109.5, "12.5 of 109.5 FTE social workers"),
    ("percent", "FTE social workers", 12.0, 109.0, "12 of 109 FTE social workers"),
    ("percent", "care leavers aged 19 to 21", 40, 75, "40 of 75 care leavers aged 19 to 21"),
    ("mean", "FTE case-holding social workers", 1717, 109, "across 109 FTE case-holding social workers"),
    ("days", "children", 50000, 120, "across 120 children"),
    ("rate_per_10k", "children", 411, 52000, "411 of 52,000 children"),
    ("percent", "children", float("nan"), 411, ""),
    ("percent", "children", None, None, ""),
    ("count", "children", 411, float("nan"), ""),
    ("gbp_thousands", "£ thousands", 64594, float("nan"), ""),
])
def test_of_phrase(unit, counted, num, den, expected):
    assert narrative.of_phrase(_defn(unit, counted), num, den) == expected


def test_of_phrase_with_the_catalogues_own_definitions():
    assert narrative.of_phrase(cat.definition_for("absence_overall"), 4155, 63345) == "4,155 of 63,345 school sessions"
    assert narrative.of_phrase(cat.definition_for("spend_childrens_services_share"), 64594, 497839) == \
        "£64.6m of £497.8m"
    assert narrative.of_phrase(cat.definition_for("workforce_caseload"), 1717, 109) == \
        "across 109 FTE case-holding social workers"
    assert narrative.of_phrase(registry.get("stability_3plus_placements").definition, 54, 411) == "54 of 411 children"


@pytest.mark.parametrize("value,unit,expected", [
    (17.6, "percent", "18%"), (0, "percent", "0%"),
    (1234, "count", "1,234"), (65.4, "rate_per_10k", "65"),
    (15.25, "mean", "15.3"), (1234.56, "mean", "1,234.6"),  # 15.25: DfE rounds halves away from zero
    (412.4, "days", "412 days"),
    (1234, "gbp", "£1,234"), (-50, "gbp", "-£50"),
    (64594, "gbp_thousands", "£64.6m"), (497839, "gbp_thousands", "£497.8m"), (850, "gbp_thousands", "£850k"),
    (999.6, "gbp_thousands", "£1,000k"), (1000, "gbp_thousands", "£1.0m"), (-2500, "gbp_thousands", "-£2.5m"),
    (109.46, "fte", "109.5 FTE"), (110, "fte", "110 FTE"),
    (float("nan"), "percent", "x"), (None, "gbp_thousands", "x"),
])
def test_fmt_every_unit(value, unit, expected):
    assert narrative.fmt(value, unit) == expected


def test_fmt_covers_every_unit_and_keeps_symbols():
    for unit in UNITS:
        assert narrative.fmt(12, unit)
        assert narrative.fmt(12, unit, "c") == "c"
        assert unit in narrative.UNIT_LABELS


def test_headline_uses_the_right_noun():
    import pandas as pd

    def row(value, num, den):
        return pd.Series({"year": 2024, "value": value, "numerator": num, "denominator": den,
                          "ci_low": float("nan"), "ci_high": float("nan"), "symbol": ""})

    nan = float("nan")
    s = narrative.headline_sentence(cat.definition_for("absence_overall"), row(6.6, 4155, 63345))
    assert s == "In 2023-24, 7% (4,155 of 63,345 school sessions)."
    s = narrative.headline_sentence(cat.definition_for("spend_childrens_services_share"), row(13.0, 64594, 497839))
    assert s == "In 2023-24, 13% (£64.6m of £497.8m)."
    s = narrative.headline_sentence(cat.definition_for("workforce_caseload"), row(15.8, 1717, 109))
    assert s == "In 2023-24 the average was 15.8 (across 109 FTE case-holding social workers)."
    s = narrative.headline_sentence(cat.definition_for("spend_childrens_services_total"), row(64594, nan, nan))
    assert s == "In 2023-24 the figure was £64.6m."
    s = narrative.headline_sentence(cat.definition_for("absence_overall"), row(13.0, nan, nan))
    assert s == "In 2023-24 the figure was 13% (published without the number of school sessions behind it)."
    s = narrative.headline_sentence(registry.get("stability_3plus_placements").definition, row(13.1, 54, 411))
    assert s == "In 2023-24, 13% (54 of 411 children)."


def test_unit_label_names_what_a_count_counts():
    assert narrative.unit_label(registry.get("placement_moves_by_reason").definition) == "Moves of home"
    assert narrative.unit_label(registry.get("cla_at_31_march").definition) == "Children"
    assert narrative.unit_label(cat.definition_for("absence_overall")) == "Per cent"


def test_every_definition_has_a_phrase_with_its_noun():
    for d in DEFS:
        if d.unit == "percent":
            phrase = narrative.of_phrase(d, 5, 20)
            assert phrase.endswith(d.counted) or d.counted == "£ thousands", (d.id, phrase)


# ------------------------------------------------------------------------------------ no import circle
def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    """Every module under cpanalysis/ -> the cpanalysis modules it imports, at module level or inside
    functions (``from cpanalysis import stats`` names the module ``cpanalysis.stats``)."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in files}
    for mod, path in files.items():
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names]
            for t in targets:
                while t and t not in files:
                    t = t.rpartition(".")[0]
                if t and t.startswith("cpanalysis") and t != mod:
                    graph[mod].add(t)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str]:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                found = visit(m)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return []

    for n in sorted(graph):
        if n not in state:
            found = visit(n)
            if found:
                return found
    return []


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_imports_are_acyclic():
    graph = import_graph()
    assert {"cpanalysis.compare", "cpanalysis.sources.published"} <= graph["cpanalysis.present"] | {
        "cpanalysis.compare", "cpanalysis.sources.published"}
    assert "cpanalysis.stats" in graph["cpanalysis.compare"]
    cycle = find_cycle(graph)
    assert not cycle, " -> ".join(cycle)


def test_layers_import_downwards_only():
    graph = import_graph()
    # stats is the one statistics module and stands on nothing of the package
    assert graph["cpanalysis.stats"] == set()
    assert graph["cpanalysis.definitions"] == set()
    higher = {"cpanalysis.compare", "cpanalysis.narrative", "cpanalysis.charts", "cpanalysis.present",
              "cpanalysis.pack", "cpanalysis.cli"}
    for mod, deps in graph.items():
        if mod.startswith("cpanalysis.sources"):
            assert not {d for d in deps if d.startswith("cpanalysis.indicators")} | (deps & higher), (mod, deps)
        if mod.startswith("cpanalysis.indicators"):
            assert not deps & higher, (mod, deps)


def test_presentation_is_not_imported_by_the_assembly_or_the_runner():
    """Data flows down the floors: evidence (assembly) -> briefing (plain data) -> figures and templates.
    The drawing does not reach back into the assembly, and the generic notebook runner knows nothing of
    the presentation (issue 21)."""
    graph = import_graph()
    assert "cpanalysis.evidence" not in graph["cpanalysis.figures"]
    assert "cpanalysis.present" not in graph["cpanalysis.runner"]
    presentation = {"cpanalysis.present", "cpanalysis.figures", "cpanalysis.charts", "cpanalysis.briefing"}
    assert not graph["cpanalysis.evidence"] & presentation, graph["cpanalysis.evidence"] & presentation


def test_no_module_is_over_700_lines():
    """A room a reader can hold in mind: a module past 700 lines is split by job (issue 21)."""
    root = Path(__file__).resolve().parents[1] / "cpanalysis"
    long = {str(p.relative_to(root)): n for p in root.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 700}
    assert not long, long

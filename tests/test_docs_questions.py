"""The guides say what the code does: every definition names its LGA sub-question by a key of questions.yaml, and
the analyst's table of which module holds which question is the one the definitions give."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cpanalysis import paths, questions
from cpanalysis.definitions import Definition
from cpanalysis.indicators import registry
from cpanalysis.sources import catalogue, local

ANALYSTS = paths.ROOT / "docs" / "analysts.md"
TABLE_START, TABLE_END = "<!-- modules-by-question: start -->", "<!-- modules-by-question: end -->"


def every_definition() -> list[tuple[str, Definition]]:
    """(where it is defined, definition) for every measure: the registry's indicators, the published catalogue's
    measures and the local returns' measures (the children's survey in every question)."""
    out = [(f"{i.fn.__module__}.{i.fn.__name__}", i.definition) for i in registry.all_indicators()]
    out += [(f"cpanalysis/catalogue.yaml: measure {m.id}", catalogue.definition_for(m.id))
            for m in catalogue.catalogue().values()]
    out += [(f"cpanalysis/sources/local.py: {d.id}", d) for d in local.DEFINITIONS.values()]
    out += [(f"cpanalysis/sources/local.py: views_definition({n})", local.views_definition(n)) for n in range(1, 11)]
    return out


def test_every_definitions_sub_question_is_a_key_of_questions_yaml():
    keys = questions.sub_questions_by_key()
    wrong = [f"{where}: sub_question {d.sub_question!r}" for where, d in every_definition() if d.sub_question not in keys]
    assert not wrong, ("a definition's sub_question must be a key of cpanalysis/questions.yaml (such as 'q4.stability'):\n"
                       + "\n".join(wrong))


def test_the_key_is_of_the_definitions_own_question_and_lists_it():
    """The sub-question a definition names is one of its own question's, and lists the measure among its
    indicators, so the definition and questions.yaml cannot drift apart."""
    keys = questions.sub_questions_by_key()
    wrong = []
    for where, d in every_definition():
        s = keys[d.sub_question]
        if not s.key.startswith(f"q{d.question}."):
            wrong.append(f"{where}: question {d.question} but sub_question {s.key}")
        elif d.id not in s.indicators:
            wrong.append(f"{where}: {d.id} is not in the indicators of {s.key} in questions.yaml")
    assert not wrong, "\n".join(wrong)


def test_the_words_of_a_key_are_looked_up():
    stability = registry.get("stability_3plus_placements").definition
    assert stability.sub_question == "q4.stability"
    words = questions.sub_question_text(stability.sub_question)
    assert words.startswith("How stable are your placements? How many children move")
    frame = registry.definitions_frame()
    row = frame.loc[frame["id"] == "stability_3plus_placements"].iloc[0]
    assert row["sub_question"] == "q4.stability" and row["sub_question_text"] == words
    with pytest.raises(KeyError, match="'q4.nonsense' is not a sub-question key in .*questions.yaml"):
        questions.sub_question_text("q4.nonsense")


def test_the_enquiry_quotes_the_definitions_own_sub_question():
    """A care leavers' accommodation measure is listed under two sub-questions of question 8; the line of enquiry
    quotes the one its definition names (q8.support), not merely the first that lists it (q8.outcomes)."""
    from cpanalysis import briefing

    defn = registry.get("care_leavers_suitable_accom_19_21").definition
    assert defn.sub_question == "q8.support"
    q8 = questions.question(8)
    assert [s.key for s in q8.sub_questions if defn.id in s.indicators] == ["q8.outcomes", "q8.support"]
    assert briefing._sub_question(defn, q8) == questions.sub_question_text("q8.support")


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("key: q4.stability", "key: q5.stability", 1), "question 4: sub-question 'How stable"),
    (lambda t: t.replace("key: q4.placement_changes", "key: q4.stability", 1), "keys used twice: \\['q4.stability'\\]"),
    (lambda t: re.sub(r"(?m)^      - key: q1\.profile\n        text:", "      - text:", t, count=1), "found ''"),
])
def test_a_missing_wrong_or_repeated_key_is_refused_naming_the_file(tmp_path, edit, message):
    bad = tmp_path / "questions.yaml"
    bad.write_text(edit(questions.QUESTIONS_FILE.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ValueError, match=message) as err:
        questions.load_questions.__wrapped__(bad)
    assert str(bad) in str(err.value)


# ------------------------------------------------------------------ which module holds which question
def _subject(n: int) -> str:
    nb = next(Path(paths.NOTEBOOKS_DIR).glob(f"{n:02d}_*.ipynb"))
    return nb.stem.split("_", 1)[1].replace("_", " ")


def module_table() -> str:
    """The table docs/analysts.md shows, worked out from the definitions themselves."""
    lines = ["| question | child-level indicators (`cpanalysis/indicators/`) | published measures "
             "(`cpanalysis/catalogue.yaml`) | local returns (`cpanalysis/sources/local.py`) |",
             "|---|---|---|---|"]
    published = {m.question for m in catalogue.catalogue().values()}
    local_qs = {d.question for d in local.DEFINITIONS.values()} | set(range(1, 11))  # the survey is in every one
    for n in range(1, 11):
        mods = sorted({i.fn.__module__.rsplit(".", 1)[1] + ".py" for i in registry.all_indicators(n)})
        lines.append(f"| {n} {_subject(n)} | {', '.join(f'`{m}`' for m in mods) or 'none'} | "
                     f"{'yes' if n in published else 'none'} | {'yes' if n in local_qs else 'none'} |")
    return "\n".join(lines)


def test_the_analysts_table_of_modules_is_what_the_definitions_say():
    text = ANALYSTS.read_text(encoding="utf-8")
    assert TABLE_START in text and TABLE_END in text, f"{ANALYSTS} has lost its {TABLE_START} markers"
    shown = text.split(TABLE_START, 1)[1].split(TABLE_END, 1)[0].strip()
    expected = module_table()
    assert shown == expected, (f"the table in {ANALYSTS} between the modules-by-question markers no longer matches "
                               f"the definitions; replace it with:\n{expected}")


def test_every_indicator_module_is_in_the_table():
    """A module the table would never name (say one holding no indicator) would be a guide of the wrong files."""
    modules = {p.name for p in (paths.PACKAGE_DIR / "indicators").glob("*.py")
               if p.name not in {"__init__.py", "registry.py", "_util.py"}}
    assert modules and modules <= set(re.findall(r"`(\w+\.py)`", module_table()))

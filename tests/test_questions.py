"""The ten LGA questions: complete, and every indicator they name exists."""

import yaml

from cpanalysis import paths, questions
from cpanalysis.indicators import registry
from cpanalysis.sources import local


def known_ids() -> set[str]:
    cat = yaml.safe_load((paths.ROOT / "cpanalysis" / "catalogue.yaml").read_text(encoding="utf-8"))
    ids = {m.get("indicator_id") or m["id"] for m in cat["measures"]}
    ids |= {i.id for i in registry.all_indicators()}
    ids |= set(local.DEFINITIONS) | {f"children_views_q{n}" for n in range(1, 11)}
    return ids


def test_ten_questions_each_with_sub_questions_from_the_guide():
    qs = questions.load_questions()
    assert sorted(qs) == list(range(1, 11))
    assert qs[4].title.startswith("How stable and secure")
    for q in qs.values():
        assert len(q.sub_questions) >= 5, q.number
        assert q.summary


def test_every_mapped_indicator_exists():
    known = known_ids()
    unknown = {(q.number, i) for q in questions.load_questions().values() for i in q.indicator_ids if i not in known}
    assert not unknown, f"questions.yaml names indicators that do not exist: {sorted(unknown)}"


def test_every_registered_indicator_answers_some_sub_question():
    mapped = {i for q in questions.load_questions().values() for i in q.indicator_ids}
    unmapped = sorted(i.id for i in registry.all_indicators() if i.id not in mapped)
    assert not unmapped, f"add these indicators to a sub-question in questions.yaml: {unmapped}"


def test_coverage_table_statuses():
    cov = questions.coverage_table(4, {"stability_3plus_placements"})
    first = cov.iloc[0]
    assert first["status"] == questions.ANSWERED and first["evidence"] == ["stability_3plus_placements"]
    # Mapped to indicators, but none supplied: officers are asked, and told the data is missing.
    assert cov.iloc[2]["status"] == questions.ASK_NO_DATA
    # No indicator can answer it: ask officers, with the evidence to bring.
    q5 = questions.coverage_table(5, set())
    assert q5.iloc[0]["status"] == questions.ASK and "second review" in q5.iloc[0]["evidence"]


# ------------------------------------------------------------------ the guide's own words
SEEDS = paths.SHARED_DATA_DIR.parent / "seeds"


def _guide_questions() -> dict[int, list[str]]:
    """Every "Questions to ask" line of the LGA guide, by question, from the seed that reproduces it (Cheshire
    East's strategy, 003_*.txt). A question's section runs from its heading to the next one; a sub-question is
    a line of it that ends in a question mark (the guide's bullets, and the two the text extraction unbulleted)."""
    import re

    import pytest

    seed = next(iter(sorted(SEEDS.glob("003_*.txt"))), None) if SEEDS.exists() else None
    if seed is None:
        pytest.skip(f"the seed documents are not at {SEEDS}")
    lines = seed.read_text(encoding="utf-8").splitlines()
    qs = questions.load_questions()
    start = next(i for i, line in enumerate(lines) if line.strip() == "Key points")
    heads = [next(i for i in range(start, len(lines)) if lines[i].strip() == qs[n].title) for n in range(1, 11)]
    heads.append(next(i for i in range(heads[-1], len(lines)) if lines[i].strip() == "Case studies"))
    out = {}
    for n in range(1, 11):
        section = lines[heads[n - 1] + 1:heads[n]]
        out[n] = [re.sub(r"^-\s*", "", line.strip()) for line in section if line.strip().endswith("?")]
    return out


def test_every_sub_question_of_the_guide_is_there_in_its_own_words():
    guide = _guide_questions()
    assert sum(len(v) for v in guide.values()) == 83  # the guide's "Questions to ask", counted by hand
    for n, q in questions.load_questions().items():
        ours = [s.text for s in q.sub_questions if s.from_guide]
        missing = [t for t in guide[n] if t not in ours]
        invented = [t for t in ours if t not in guide[n]]
        assert not missing, f"question {n}: the guide asks these, questions.yaml does not: {missing}"
        assert not invented, f"question {n}: not the guide's words (mark an addition with `added:`): {invented}"
        # in the guide's order, apart from the one the text extraction put before "Questions to ask" in Q2
        assert [t for t in guide[n] if t in ours] == [t for t in ours if t in guide[n]], n


def test_added_sub_questions_say_so_and_the_guide_is_attributed():
    added = [(n, s) for n, q in questions.load_questions().items() for s in q.sub_questions if not s.from_guide]
    assert [(n, s.text[:30]) for n, s in added] == [(4, "Do children go missing from th")]
    assert all("Not one of the guide's questions" in s.added for _, s in added)
    att = questions.attribution()
    assert "Local Government Association" in att and "National Children's Bureau" in att and "June 2012" in att


def test_every_sub_question_is_tied_to_indicators_or_evidence_to_ask_for():
    for n, q in questions.load_questions().items():
        for s in q.sub_questions:
            assert s.indicators or s.evidence, (n, s.text)

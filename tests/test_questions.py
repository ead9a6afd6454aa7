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

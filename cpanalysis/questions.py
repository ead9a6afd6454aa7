"""The ten LGA questions and their sub-questions, each mapped to the indicators that answer it.

The mapping lives in ``questions.yaml`` so that an analyst can add evidence to a sub-question without
touching code. :func:`coverage_table` says, for one council's results, which sub-questions the data
answers and which are for officers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from cpanalysis import yamltext

QUESTIONS_FILE = Path(__file__).with_name("questions.yaml")

ANSWERED = "Answered by the data"
ASK = "Ask officers"
ASK_NO_DATA = "Ask officers (the data for this was not supplied)"


#: a sub-question's key: ``q<question>.<short name>``, e.g. ``q4.stability``
KEY_PATTERN = re.compile(r"q(10|[1-9])\.[a-z0-9_]+")


@dataclass(frozen=True)
class SubQuestion:
    text: str
    indicators: tuple[str, ...]
    evidence: str
    #: why a sub-question that is not the guide's was added (empty for the guide's own questions)
    added: str = ""
    #: the key a measure's ``Definition.sub_question`` names it by (``q4.stability``)
    key: str = ""

    @property
    def from_guide(self) -> bool:
        return not self.added


@dataclass(frozen=True)
class Question:
    number: int
    title: str
    summary: str
    guide_page: int
    sub_questions: tuple[SubQuestion, ...]
    #: measures the front scorecard shows for this question, in order
    headline: tuple[str, ...] = ()

    @property
    def indicator_ids(self) -> list[str]:
        seen: dict[str, None] = {}
        for s in self.sub_questions:
            seen.update(dict.fromkeys(s.indicators))
        return list(seen)


@lru_cache(maxsize=1)
def load_questions(path: Path = QUESTIONS_FILE) -> dict[int, Question]:
    raw = yamltext.safe_load(path.read_text(encoding="utf-8"))["questions"]
    out: dict[int, Question] = {}
    for n, q in raw.items():
        subs = tuple(SubQuestion(text=s["text"].strip(), indicators=tuple(s.get("indicators") or ()),
                                 evidence=(s.get("evidence") or "").strip(), added=(s.get("added") or "").strip(),
                                 key=str(s.get("key") or ""))
                     for s in q["sub_questions"])
        for s in subs:
            m = KEY_PATTERN.fullmatch(s.key)
            if m is None or int(m.group(1)) != int(n):
                raise ValueError(f"{path}: question {n}: sub-question {s.text[:60]!r} needs a key such as "
                                 f"'q{n}.short_name' (lower case, digits and _), found {s.key!r}")
        out[int(n)] = Question(number=int(n), title=q["title"].strip(), summary=" ".join(q["summary"].split()),
                               guide_page=int(q.get("guide_page", 0)), sub_questions=subs,
                               headline=tuple(q.get("headline") or ()))
    if sorted(out) != list(range(1, 11)):
        raise ValueError(f"{path}: expected questions 1 to 10, found {sorted(out)}")
    keys = [s.key for q in out.values() for s in q.sub_questions]
    if len(keys) != len(set(keys)):
        raise ValueError(f"{path}: sub-question keys used twice: {sorted({k for k in keys if keys.count(k) > 1})}")
    return out


def sub_questions_by_key() -> dict[str, SubQuestion]:
    """Every sub-question by its key (``q4.stability``)."""
    return {s.key: s for q in load_questions().values() for s in q.sub_questions}


def sub_question(key: str) -> SubQuestion:
    """The sub-question a ``Definition.sub_question`` key names; a KeyError naming the file and the keys if none."""
    subs = sub_questions_by_key()
    if key not in subs:
        raise KeyError(f"{key!r} is not a sub-question key in {QUESTIONS_FILE}; the keys are "
                       + ", ".join(subs))
    return subs[key]


def sub_question_text(key: str) -> str:
    """The words of the sub-question a definition names by key (the guide's own words), for display."""
    return sub_question(key).text


def attribution(path: Path = QUESTIONS_FILE) -> str:
    """Where the questions come from (the guide's authors, title and date), for the pack and the README."""
    return " ".join(str(yamltext.safe_load(path.read_text(encoding="utf-8")).get("attribution", "")).split())


def question(n: int) -> Question:
    qs = load_questions()
    if n not in qs:
        raise KeyError(f"there is no LGA question {n}; the questions are numbered 1 to 10")
    return qs[n]


def coverage_table(n: int, available_ids) -> pd.DataFrame:
    """One row per sub-question: its status and the indicator ids with figures that answer it.

    ``available_ids`` are the indicators that have a figure for this council. ``evidence`` is the list of
    those ids when the data answers the question, otherwise the officer evidence to ask for.
    """
    available = set(available_ids)
    rows = []
    for s in question(n).sub_questions:
        have = [i for i in s.indicators if i in available]
        if have:
            status, evidence = ANSWERED, have
        elif s.indicators:
            status, evidence = ASK_NO_DATA, s.evidence
        else:
            status, evidence = ASK, s.evidence
        rows.append({"sub_question": s.text, "status": status, "evidence": evidence})
    return pd.DataFrame(rows, columns=["sub_question", "status", "evidence"])

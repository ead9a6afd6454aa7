"""Plain words for councillors: abbreviations spelt out at their first use in each part of the pack, the
glossary of the technical annex, titles without their source tag, and nouns that agree with their number.

The committee's part is read by people who do not know DfE's or the workforce census's shorthand. Each
section (the front pages, each question) can be printed on its own, so every section spells out an
abbreviation the first time it uses it ("FTE (full-time equivalent)"); the glossary in the annex has them
all. The expansion works on rendered HTML, in text only: tags, attributes and link targets are untouched.
"""

from __future__ import annotations

import re

#: the abbreviation or term, how it is spelt out at its first use, and the glossary's fuller entry
GLOSSARY: dict[str, tuple[str, str]] = {
    "FTE": ("full-time equivalent",
            "Full-time equivalent: staff counted by their hours, so two half-time social workers count as one."),
    "UASC": ("unaccompanied asylum-seeking children",
             "Unaccompanied asylum-seeking children: children seeking asylum in the UK without a parent or carer, "
             "looked after by the council."),
    "SDQ": ("Strengths and Difficulties Questionnaire, a score of emotional and behavioural health",
            "Strengths and Difficulties Questionnaire: a short questionnaire, usually completed by the carer, "
            "scored 0 to 40; a higher score means more difficulty, and 17 or more is a cause for concern."),
    "S251": ("section 251 return, the council's report of its spending to DfE",
             "Section 251 return: the report of what the council planned to spend (budget) and did spend "
             "(outturn) on children's services, made to DfE every year under section 251 of the Apprenticeships, "
             "Skills, Children and Learning Act 2009."),
    "outturn": ("what was actually spent",
                "Outturn: what the council actually spent in the year, as against its budget."),
    "ILACS": ("Ofsted's inspection of local authority children's services",
              "ILACS: Ofsted's framework for inspecting local authority children's services (since 2018)."),
    "IRO": ("independent reviewing officer",
            "Independent reviewing officer: chairs each looked-after child's reviews and checks the care plan."),
    "NEET": ("not in education, employment or training", "Not in education, employment or training."),
}

#: variants that mean the same thing as a glossary entry ("Section 251" is S251)
_VARIANTS = {"S251": r"S251|[Ss]ection 251"}
_TAG = re.compile(r"(<[^>]*>)")
#: text inside these elements is never changed (styles, scripts, the page title; and a measure's title where it
#: is a link or a table's row heading, which a long expansion would swell: the glossary has those)
_SKIP = re.compile(r"<(style|script|title|a|th)\b", re.I)


def _pattern(term: str) -> re.Pattern:
    body = _VARIANTS.get(term, re.escape(term))
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])")


_PATTERNS = {t: _pattern(t) for t in GLOSSARY}


def expand_first(markup: str, terms=None) -> str:
    """Spell out each glossary term at its first use in ``markup`` (text outside tags only): 'FTE' becomes
    'FTE (full-time equivalent)'. A term already followed by its expansion is left as it is."""
    parts = _TAG.split(markup)
    todo = [t for t in (terms or GLOSSARY)]
    skipping = None
    for i, part in enumerate(parts):
        if not todo:
            break
        if i % 2 == 1:  # a tag
            m = _SKIP.match(part)
            if m:
                skipping = m.group(1).lower()
            elif skipping and part.lower().startswith(f"</{skipping}"):
                skipping = None
            continue
        if skipping or not part.strip():
            continue
        for term in list(todo):
            m = _PATTERNS[term].search(part)
            if not m:
                continue
            short = GLOSSARY[term][0]
            after = part[m.end():m.end() + len(short) + 3]
            if short.lower() not in after.lower():
                bracketed = part[m.start() - 1:m.start()] == "(" and part[m.end():m.end() + 1] == ")"
                part = part[:m.end()] + (f", {short}" if bracketed else f" ({short})") + part[m.end():]
            todo.remove(term)
        parts[i] = part
    return "".join(parts)


def title(text: str) -> str:
    """A measure's title as the committee reads it: the source tag '(DfE)' dropped (sources are in the annex)
    and '(FTE)' spelt out."""
    text = re.sub(r"\s*\(DfE\)\s*$", "", str(text))
    return text.replace("(FTE)", "(full-time equivalent)")


def glossary() -> list[dict]:
    """The annex's glossary, in alphabetical order."""
    return [{"term": t, "text": GLOSSARY[t][1]} for t in sorted(GLOSSARY, key=str.lower)]


def count_phrase(n: int, singular: str, plural: str) -> str:
    """'1 more measure meets', '3 more measures meet': the noun and verb agree with the number."""
    return f"{n} {singular if n == 1 else plural}"

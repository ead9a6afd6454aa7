"""Plain words for councillors (issue 22): abbreviations spelt out at first use, the annex glossary, titles
without '(DfE)', which end of a quarter is favourable, and nouns that agree with their number."""

from __future__ import annotations

from types import SimpleNamespace

from cpanalysis import briefing, plain, render
from cpanalysis.findings import MeasureEvidence


def test_first_use_is_spelt_out_once_in_text_only():
    html = ("<table><caption>Turnover (FTE)</caption><tr><td class='FTE' title='FTE'>12 FTE</td></tr></table>"
            "<p>FTE again; UASC: 20. S251 outturn.</p><img alt='SDQ chart'>")
    out = plain.expand_first(html)
    assert out.count("full-time equivalent") == 1  # once, at the first use (the caption)
    assert "<caption>Turnover (FTE, full-time equivalent)</caption>" in out  # no brackets in brackets
    assert "class='FTE' title='FTE'" in out  # attributes are never changed
    assert "UASC (unaccompanied asylum-seeking children): 20" in out
    assert "S251 (section 251 return" in out and "outturn (what was actually spent)" in out
    assert "alt='SDQ chart'" in out  # inside a tag: untouched
    assert "FTE again" in out  # the second use is left short


def test_a_term_already_spelt_out_is_not_spelt_out_twice():
    out = plain.expand_first("<p>UASC (unaccompanied asylum-seeking children) were 20.</p>")
    assert out.count("unaccompanied asylum-seeking children") == 1


def test_styles_and_words_containing_a_term_are_left_alone():
    out = plain.expand_first("<style>.FTE{}</style><p>FTEs and SDQ-like</p><p>SDQ</p>")
    assert "<style>.FTE{}</style>" in out and "FTEs and SDQ-like" in out
    assert "SDQ (Strengths and Difficulties Questionnaire" in out


def test_titles_lose_the_source_tag_and_spell_out_fte():
    assert plain.title("Care leavers staying put with their former foster carers (DfE)") == \
        "Care leavers staying put with their former foster carers"
    assert plain.title("Social worker vacancy rate (FTE)") == "Social worker vacancy rate (full-time equivalent)"


def test_glossary_covers_the_terms_councillors_meet_and_is_in_the_annex():
    terms = {g["term"] for g in plain.glossary()}
    assert {"FTE", "UASC", "SDQ", "S251", "outturn"} <= terms
    html = render.render("annex.html.j2", rules={"comparison": "", "trend": "", "key": ""}, methods=[], entries=[],
                         ofsted_history={}, glossary=plain.glossary(), suppress=5, min_den=11)
    assert 'id="glossary"' in html and "<dt>UASC</dt>" in html


def test_more_measures_agree_with_their_number():
    assert plain.count_phrase(1, "more measure meets", "more measures meet") == "1 more measure meets"
    assert plain.count_phrase(3, "more measure meets", "more measures meet") == "3 more measures meet"
    front = dict(year="2024-25", n_measures=40, concerns=[{"text": "x", "href": "m-a", "question": 1}],
                 strengths=[], more_concerns=1, more_strengths=0, more_concerns_text="1 more measure meets",
                 more_strengths_text="0 more measures meet", rules={"key": "", "comparison": "", "trend": ""},
                 scorecard=[], has_targets=False, enquiries=[])
    html = render.render("front.html.j2", **front)
    assert "1 more measure meets the rule; it is marked" in html and "measure meet " not in html


def _ev(quarter, polarity):
    e = MeasureEvidence(id="m", title="t", question=4, unit="percent", polarity=polarity, year=2025, value=1.0)
    e.quarter, e.n_councils = quarter, 152
    return e


def test_every_quarter_says_which_end_is_favourable():
    assert briefing.quarter_words(_ev(2, "lower_is_better")) == "second-lowest quarter of 152 (lowest is best)"
    assert briefing.quarter_words(_ev(3, "higher_is_better")) == "second-highest quarter of 152 (highest is best)"
    assert briefing.quarter_words(_ev(4, "lower_is_better")).endswith("(the least favourable)")
    assert briefing.quarter_words(_ev(1, "lower_is_better")).endswith("(the most favourable)")
    assert briefing.quarter_words(_ev(2, "neither")) == "second-lowest quarter of 152"  # no better end to name


def test_topic_heading_names_the_council_the_year_and_the_sources():
    from cpanalysis import briefing_guide

    ctx = SimpleNamespace(params=SimpleNamespace(council=SimpleNamespace(name="Rutland"), year=2025,
                                                 demonstration=False),
                          source_kind="published", built_at="2026-12-01")
    html = render.render("question_header.html.j2", **briefing_guide.question_heading(4, ctx))
    assert "Question 4: Stability" in html
    assert "Rutland" in html and "2024-25" in html and "DfE published statistics" in html

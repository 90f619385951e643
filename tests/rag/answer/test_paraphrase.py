"""Paraphrases: a question in other words than the articles is read through the WordNet
lexicon (real engine, real models, corpus/)."""

from __future__ import annotations

from answer_contract import assert_answer_is_its_sentences

from rag import Engine
from rag.answer.answerability import _unknown
from rag.answer.scored import term_stats, weighted_coverage
from rag.answer.values import key_share
from rag.text.tokens import tokenize


def test_a_word_the_corpus_never_uses_is_not_oov_when_it_uses_its_related_form(
    built_engine: Engine,
) -> None:
    stats = term_stats(built_engine.snapshot.index)
    (lender,) = tokenize("lenders")
    assert not stats.known(lender) and stats.known("lend")  # "consumer lending"
    assert _unknown(lender, stats) == 0.0
    (word,) = tokenize("zebras")
    assert not stats.known(word) and _unknown(word, stats) == 1.0
    assert _unknown("ant", stats) == 0.0


def test_coverage_counts_a_synonym_in_part(built_engine: Engine) -> None:
    stats = term_stats(built_engine.snapshot.index)
    q = tokenize("lenders sold savings")
    exact = weighted_coverage(q, set(tokenize("lenders sold savings")), stats)
    related = weighted_coverage(q, set(tokenize("banks lend money")), stats)
    none = weighted_coverage(q, set(tokenize("giraffes at the zoo")), stats)
    assert exact == 1.0 and 0.0 < related < exact and none == 0.0


def test_the_reading_finds_the_focus_said_another_way() -> None:
    assert key_share(frozenset({"oversee"}), frozenset({"supervise", "bank"})) == 0.6
    assert key_share(frozenset({"oversee", "bank"}), frozenset({"bank"})) == 0.5
    assert key_share(frozenset({"hold"}), frozenset({"held"})) == 1.0


def test_a_paraphrase_refused_before_is_answered(built_engine: Engine) -> None:
    # "inspectors" for "inspections": refused before the lexicon (score 0.29, "inspector"
    # counted as a word the corpus never uses)
    a = built_engine.ask("What will the inspectors arrange after the platforms examine themselves?")
    assert a.status == "answered"
    assert any("will arrange inspections later" in c.quote for c in a.citations)
    assert_answer_is_its_sentences(a.to_dict())


def test_a_near_topic_question_in_related_words_is_still_not_answered(
    built_engine: Engine,
) -> None:
    # the draft rules on microlending exist; the share of each loan Ant must fund does not
    a = built_engine.ask("What share of each loan must Ant fund under the draft rules?")
    assert a.status in {"partial", "unanswerable"}

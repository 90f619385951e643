"""The rule that picks the missing detail's words: the parts' noun phrase only when it keeps
every content word of the question (real spaCy parse)."""

from __future__ import annotations

import pytest

from rag.text.detail import (
    NOUN,
    QUESTION,
    as_written,
    covers,
    from_parts,
    imperative_object,
    missing_detail,
)
from rag.text.parser import parse


@pytest.mark.parametrize(
    ("question", "phrase", "kept"),
    [
        ("How much was Alibaba fined in December?", "the amount of Alibaba's December fine", True),
        ("What is the size of the Ant IPO?", "the size of the Ant IPO", True),
        ("In which month did Saudi Aramco set its record?", "the month of Saudi Aramco", False),
        ("How many institutions will the regulators inspect?",
         "the number of institutions of the regulators", False),
        ("Which vice premier oversees China's financial policy?",
         "the vice premier of China's financial policy", False),
    ],
)  # fmt: skip
def test_a_noun_phrase_is_kept_only_when_it_holds_every_content_word(
    question: str, phrase: str, kept: bool
) -> None:
    doc = parse(question)
    assert covers(phrase, doc, set()) is kept
    detail, form = missing_detail(doc, phrase)
    assert (detail, form) == ((phrase, NOUN) if kept else (detail, QUESTION))
    if not kept:
        assert detail[:1].islower() and not detail.endswith("?")


def test_a_leading_adverb_is_asked_about_and_a_leading_link_word_is_not() -> None:
    doc = parse("Exactly how much was Alibaba fined?")
    assert not covers("the amount of Alibaba's fine", doc, set())
    assert missing_detail(doc, "the amount of Alibaba's fine") == (
        "exactly how much Alibaba was fined",
        QUESTION,
    )
    assert covers("the amount of Alibaba's fine", parse("So how much was Alibaba fined?"), set())
    assert missing_detail(parse("And how did Ant respond?"), "") == ("how Ant responded", QUESTION)


def test_words_that_are_not_asked_about_do_not_count() -> None:
    doc = parse("According to Xinhua, how much was Alibaba fined?")
    source = {t.i for t in doc if t.i < 4}  # "According to Xinhua,"
    assert not covers("the amount of Alibaba's fine", doc, set())
    assert covers("the amount of Alibaba's fine", doc, source)


def test_a_question_without_a_noun_phrase_is_always_an_indirect_question() -> None:
    assert missing_detail(parse("Did Ant Group withdraw its deposit products?"), "") == (
        "whether Ant Group withdrew its deposit products",
        QUESTION,
    )


def test_the_phrase_keeps_the_questions_spacing() -> None:
    q = "Through which platform were lenders' web savings offerings sold?"
    assert as_written("lenders ' web savings offerings", q) == "lenders' web savings offerings"
    assert as_written("their self examination", "Did they finish their self-examination?") == (
        "their self-examination"
    )
    assert as_written("the fine", "How much was Alibaba fined?") == "the fine"  # not there


def test_parts_make_an_owned_noun_phrase() -> None:
    assert from_parts("amount", ["the fine", "Alibaba", "December"]) == (
        "the amount of Alibaba's December fine"
    )
    assert from_parts("chief executive", ["Ant Group"]) == "the chief executive of Ant Group"
    assert from_parts("deadline", []) == "the deadline"


def test_a_request_gives_its_object_and_anything_else_a_plain_noun_phrase() -> None:
    assert imperative_object(parse("List the services Ant must rectify.")) == (
        "the services Ant must rectify"
    )
    assert imperative_object(parse("Tell me about Ant.")) == ""
    # nothing to rewrite: the answer to what the user wrote, quoted (not "the answer")
    assert missing_detail(parse("Tell me about Ant."), "") == (
        "an answer to \u201cTell me about Ant.\u201d",
        NOUN,
    )
    assert missing_detail(parse("China largest fintech market"), "") == (
        "an answer to \u201cChina largest fintech market\u201d",
        NOUN,
    )
    assert missing_detail(parse("Tell me about Ant."), "the history of Ant") == (
        "the history of Ant",
        NOUN,
    )

"""rag.answer.corpus_words: the corpus's sorted words answer what a search of its whole text
did (logic, no models)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rag.answer.corpus_words import CorpusWords

TEXT = (
    "ant group's ipo was halted. the china banking and insurance regulatory commission spoke; "
    "jd.com and baidu run online banks. yu'ebao is not named here."
)


def _search(word: str, text: str) -> bool:
    """What unknown_names used to do: search the whole lower-cased text."""
    return re.search(rf"(?<!\w){re.escape(word.lower())}", text) is not None


def test_a_word_is_found_at_the_start_of_a_corpus_word() -> None:
    words = CorpusWords(TEXT)
    assert words.literal("Ant") and words.literal("regulator") and words.literal("JD.com")
    assert words.literal("Yu'ebao") and words.literal("group's")
    assert not words.literal("Huabei") and not words.literal("roup")
    assert not words.literal("jd.co.uk")


def test_an_acronym_is_found_spelled_out_and_remembered() -> None:
    words = CorpusWords(TEXT)
    assert words.spelled("CBIRC") and not words.spelled("CSRC")
    words.text = ""  # the answer is kept: the text is not searched again
    assert words.spelled("CBIRC") and not words.spelled("CSRC")


LETTERS = st.sampled_from(list("abcé .'-&\n0"))


@given(st.text(LETTERS, max_size=60), st.text(LETTERS, min_size=1, max_size=6))
def test_literal_is_the_search_it_replaces(text: str, word: str) -> None:
    assert CorpusWords(text).literal(word) == _search(word, text)


def test_a_large_corpus_is_searched_until_its_words_are_sorted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(CorpusWords, "BACKGROUND", 10)  # TEXT is "large": sorted in a thread
    words = CorpusWords(TEXT)
    answers = [words.literal(w) for w in ("Ant", "JD.com", "Huabei", "roup")]
    assert answers == [True, True, False, False]  # whether sorted yet or not
    assert words.wait(30) and words.words is not None
    assert [words.literal(w) for w in ("Ant", "JD.com", "Huabei", "roup")] == answers

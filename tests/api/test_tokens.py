"""Token counts in the tokenizer of the model that wrote the text (real tokenizers)."""

from __future__ import annotations

import pytest

from api.tokens import counter, cut

TEXT = "Ant Group's $34.5 billion IPO was suspended by the Shanghai Stock Exchange [1]."


def test_extractive_text_is_counted_in_minilm_wordpieces() -> None:
    count = counter("extractive")
    assert count("") == 0
    assert count("suspended") == 1 and count("[1]") == 3
    assert count(TEXT) > len(TEXT.split())  # wordpieces, not words
    assert counter("llm:openai") is count  # no offline tokenizer for a remote model


def test_cut_keeps_whole_words_within_the_budget() -> None:
    count = counter("extractive")
    for n in range(count(TEXT) + 2):
        head = cut(TEXT, n, count)
        assert count(head) <= n and TEXT.startswith(head)
        assert head == "" or TEXT[len(head) : len(head) + 1] in ("", " ")
    assert cut(TEXT, count(TEXT), count) == TEXT


@pytest.mark.llm
def test_local_llm_text_is_counted_in_smollm2_tokens() -> None:
    local, minilm = counter("llm:local"), counter("extractive")
    assert local(TEXT) > 0 and local("") == 0
    assert local("suspended") != minilm("suspended") or local(TEXT) != minilm(TEXT)

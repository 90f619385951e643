"""Word tokens: cached per text, yet every caller gets its own list."""

from __future__ import annotations

from rag.text.tokens import tokenize


def test_a_callers_changes_to_its_tokens_do_not_reach_the_next_caller() -> None:
    text = "Why was the Ant Group IPO suspended?"
    first = tokenize(text)
    first.append("changed")
    assert tokenize(text) == ["ant", "group", "ipo", "suspend", "initi", "public", "offer"]

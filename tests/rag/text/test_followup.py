"""Follow-up questions rewritten into standalone ones (pure logic, no model)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rag.text.followup import entities, is_followup, standalone_question

IPO = "Why was the Ant IPO suspended?"


def chat(*user_turns: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = [("system", "You answer with citations.")]
    for turn in user_turns:
        out += [("user", turn), ("assistant", "An answer [1].")]
    return out[:-1]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (IPO, ["Ant"]),
        (
            "Why was Ant Group's IPO suspended by the Shanghai Stock Exchange?",
            ["Ant Group", "Shanghai Stock Exchange"],
        ),
        (
            "What did Xi Jinping say about Alibaba and Tencent?",
            ["Xi Jinping", "Alibaba", "Tencent"],
        ),
        ("How did the Bank of China react?", ["Bank of China"]),
        ("why did it withdraw the deposit products?", []),
        ("Is it true?", []),
    ],
)
def test_entities(text: str, names: list[str]) -> None:
    assert entities(text) == names


@pytest.mark.parametrize(
    ("previous", "follow_up", "expected"),
    [
        (
            IPO,
            "and why did it withdraw the deposit products?",
            "Why did Ant withdraw the deposit products?",
        ),
        (IPO, "What did its chairman say?", "What did Ant’s chairman say?"),
        (IPO, "what about Alibaba?", "Why was the Alibaba IPO suspended?"),
        (IPO, "when?", f"When? {IPO}"),
        (
            "What did Xi Jinping say about platform companies?",
            "Why did he say that?",
            "Why did Xi Jinping say that?",
        ),
    ],
)
def test_follow_ups_carry_the_previous_subject(
    previous: str, follow_up: str, expected: str
) -> None:
    assert is_followup(follow_up)
    assert standalone_question(chat(previous, follow_up)) == expected


def test_a_question_with_its_own_subject_is_left_alone() -> None:
    question = "Why did Alibaba get fined in December?"
    assert not is_followup(question)
    assert standalone_question(chat(IPO, question)) == question


def test_a_chain_of_follow_ups_keeps_the_subject() -> None:
    turns = chat(
        IPO, "and why did it withdraw the deposit products?", "how many users does it have?"
    )
    assert standalone_question(turns) == "How many users does Ant have?"


def test_only_user_turns_count_and_one_is_needed() -> None:
    assert standalone_question([("user", "  What is Alipay?  ")]) == "What is Alipay?"
    with pytest.raises(ValueError, match="no user message"):
        standalone_question([("system", "Be brief."), ("assistant", "Hello")])


@given(st.text(min_size=1).filter(lambda s: s.strip()))
def test_a_single_question_comes_back_unchanged(question: str) -> None:
    assert standalone_question([("user", question)]) == question.strip()


@given(st.lists(st.text(max_size=60), min_size=1, max_size=4), st.text(min_size=1, max_size=60))
def test_rewriting_never_fails_and_never_returns_nothing(history: list[str], last: str) -> None:
    turns = [("user", h) for h in history] + [("user", last + "?")]
    assert standalone_question(turns).strip()

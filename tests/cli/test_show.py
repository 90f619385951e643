"""`rag ask` for people: the blocks it prints, wrapped and coloured only for a terminal."""

from __future__ import annotations

import io
import re

import pytest

from cli.show import plain, show, terminal
from rag.types import Answer, AnswerSentence, Citation, Conflict, Document

ANSI = re.compile(r"\x1b\[[0-9;]*m")
QUOTE = "Ant would have raised about $ 37 billion, the largest offering ever recorded anywhere."


def _docs() -> dict[str, Document]:
    return {
        "a": Document("a", "x", "Ant's record IPO", "2020-11-03", "s", "a.txt"),
        "b": Document("b", "x", "Ant halts its listing", None, "s", "b.txt"),
    }


def _answer() -> Answer:
    cites = [
        Citation(1, "a", 0, 10, QUOTE, 0.9),
        Citation(2, "b", 5, 9, "It raised $34.5 billion.", 0.8),
    ]
    sentences = [
        AnswerSentence(QUOTE, [1], 0.9),
        AnswerSentence("It raised $34.5 billion.", [2], 0.8),
    ]
    values = [
        {"value": "$ 37 billion", "doc_id": "a", "citations": [1]},
        {"value": "$34.5 billion", "doc_id": "b", "citations": [2]},
    ]
    text = f"{QUOTE[:-1]} [1]. It raised $34.5 billion [2]."
    return Answer("How much?", "answered", text, sentences, cites, [Conflict("amount", values)], {})


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_pipe_gets_status_answer_quotes_sources_and_the_conflict() -> None:
    out = plain(_answer(), _docs()).split("\n\n")
    assert out[0] == "answered · 2 citations from 2 documents"
    assert out[1] == _answer().answer
    assert out[2].splitlines()[0] == f"[1] a [0:10] “{QUOTE}”"
    assert out[3].splitlines() == [
        "Sources:",
        "  [1] Ant's record IPO (2020-11-03) a",
        "  [2] Ant halts its listing (undated) b",
    ]
    assert out[4].splitlines() == [
        "Sources disagree on amount:",
        "  $ 37 billion — a [1]",
        "  $34.5 billion — b [2]",
    ]
    assert not ANSI.search(plain(_answer(), _docs()))


def test_a_terminal_gets_wrapped_coloured_lines_with_the_same_words() -> None:
    text = terminal(_answer(), _docs(), width=40, colour=True)
    assert ANSI.search(text)
    bare = ANSI.sub("", text)
    assert max(len(line) for line in bare.splitlines()) <= 40
    assert " ".join(bare.split()) == " ".join(plain(_answer(), _docs()).split())


def test_show_colours_only_a_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    piped, tty, no_colour = io.StringIO(), Tty(), Tty()
    show(_answer(), _docs(), piped)
    show(_answer(), _docs(), tty)
    monkeypatch.setenv("NO_COLOR", "1")
    show(_answer(), _docs(), no_colour)
    assert not ANSI.search(piped.getvalue()) and ANSI.search(tty.getvalue())
    assert not ANSI.search(no_colour.getvalue())


def test_unanswerable_shows_its_status_and_no_sources() -> None:
    a = Answer("ECB?", "unanswerable", "The corpus does not cover this question.", [], [], [], {})
    assert plain(a, {}) == "unanswerable\n\nThe corpus does not cover this question."

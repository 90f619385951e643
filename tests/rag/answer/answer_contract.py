"""Checks of the public answer shape (the CONTRACT), shared by the answer and LLM tests.

They work on ``Answer.to_dict()`` so the same checks apply to the CLI's and the API's JSON.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

STATUSES = {"answered", "partial", "unanswerable"}
KEYS = {"question", "status", "answer", "sentences", "citations", "conflicts", "timings_ms"}
MARKER = re.compile(r"\[(\d+)\]")
MARKERS_IN_TEXT = re.compile(r" (?:\[\d+\])+")
CONFLICT = re.compile(r"The sources differ on this figure, giving (?P<values>.+)\.")
MISSING = re.compile(r"The corpus does not say: (?P<parts>.+)\.")
# a partial answer on a missing detail: "The articles do not give X; they say only that ..."
# ("do not name" a person or organisation, "do not say" before an indirect question)
NOT_GIVEN = re.compile(
    r"The articles do not (?:give|name|say) (?P<detail>.+?); they say only "
    r"(?:that |this: (?P<quoted>“))"
)  # an order ("Equally protect ...") is quoted: "they say only this: “...”"


def by_marker(answer: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
    return {int(c["marker"]): c for c in answer["citations"]}


def is_conflict_sentence(text: str) -> bool:
    return CONFLICT.fullmatch(text) is not None


def assert_contract(answer: Mapping[str, Any], texts: Mapping[str, str]) -> None:
    """Shape, markers and offsets of an answer dict; ``texts`` maps doc_id to document text."""
    assert set(answer) >= KEYS, sorted(KEYS - set(answer))
    assert answer["status"] in STATUSES
    assert isinstance(answer["answer"], str) and answer["answer"].strip()
    cites = by_marker(answer)
    markers = [int(c["marker"]) for c in answer["citations"]]
    assert markers == list(range(1, len(markers) + 1)), markers  # from 1, contiguous
    for c in answer["citations"]:
        assert 0 <= c["start"] < c["end"] <= len(texts[c["doc_id"]])
        assert texts[c["doc_id"]][c["start"] : c["end"]] == c["quote"]  # offsets are sacred
        assert isinstance(c["score"], float)
    for n in MARKER.findall(answer["answer"]):
        assert int(n) in cites, f"[{n}] in the answer has no citation"
    used: set[int] = set()
    for s in answer["sentences"]:
        assert s["text"].strip()
        assert s["citations"], f"uncited sentence {s['text']!r}"
        assert set(s["citations"]) <= set(cites), s
        assert 0.0 < s["support"] <= 1.0, s
        used.update(s["citations"])
    assert used == set(cites), "every citation is used by a sentence"
    for conflict in answer["conflicts"]:
        assert len(conflict["values"]) >= 2
        for value in conflict["values"]:
            assert value["citations"], value
            for m in value["citations"]:
                assert m in cites
                assert cites[m]["doc_id"] == value["doc_id"]
                assert value["value"] in cites[m]["quote"]
    timings = answer["timings_ms"]
    assert {"retrieve", "answer", "total"} <= set(timings)
    if answer["status"] == "unanswerable":
        assert_plain_refusal(answer)
    else:
        assert answer["sentences"] and answer["citations"]


def assert_plain_refusal(answer: Mapping[str, Any]) -> None:
    """An unanswerable answer: one plain sentence, no markers, no citations, no sentences."""
    text = answer["answer"]
    assert answer["citations"] == [] and answer["sentences"] == [] and answer["conflicts"] == []
    assert not MARKER.search(text)
    assert text.strip().endswith(".") and len(re.findall(r"[.!?](?:\s|$)", text)) == 1, text
    assert "corpus" in text.lower()


def assert_verified(answer: Mapping[str, Any], threshold: float) -> None:
    """Every sentence passed the verifier (or is the fixed conflict sentence)."""
    for s in answer["sentences"]:
        if is_conflict_sentence(s["text"]):
            continue
        assert s["support"] >= threshold, s


def capitalised(quote: str) -> str:
    return quote[:1].upper() + quote[1:]


def assert_only_cited_text(answer: Mapping[str, Any]) -> None:
    """Extractive answers: every sentence is a cited span (first letter may be capitalised),
    and the answer text is those sentences with markers, plus at most the fixed conflict and
    missing-part sentences."""
    cites = by_marker(answer)
    for s in answer["sentences"]:
        m = CONFLICT.fullmatch(s["text"])
        if m:
            quotes = " ".join(cites[n]["quote"] for n in s["citations"])
            for value in re.split(r", | and ", m.group("values")):
                assert value in quotes, value
            continue
        assert len(s["citations"]) == 1, s
        quote = cites[s["citations"][0]]["quote"]
        assert s["text"] in (quote, capitalised(quote)), (s["text"], quote)
    assert_answer_is_its_sentences(answer)


def assert_answer_is_its_sentences(answer: Mapping[str, Any]) -> None:
    """The answer text is its sentences with markers, plus at most the fixed missing-part
    sentence: nothing in it escaped verification."""
    if answer["status"] == "unanswerable":
        return
    plain = MARKERS_IN_TEXT.sub("", answer["answer"])
    body = " ".join(s["text"] for s in answer["sentences"])
    lead = NOT_GIVEN.match(plain)
    if lead:
        assert answer["status"] == "partial" and answer["missing"] == [lead.group("detail")]
        first = answer["sentences"][0]["text"].rstrip(" .")
        rest = plain[lead.end() :]
        assert capitalised(rest).startswith(capitalised(first)), (rest, first)
        tail = rest[len(first) :]
        if lead.group("quoted"):
            assert tail.startswith("”"), tail
            tail = tail[1:]
        tail = tail.lstrip(".").strip()
        assert tail == " ".join(s["text"] for s in answer["sentences"][1:]), tail
        return
    assert plain.startswith(body), (plain, body)
    rest = plain[len(body) :].strip()
    if answer["status"] == "partial" or rest:
        m = MISSING.fullmatch(rest)
        assert m, f"text outside the verified sentences: {rest!r}"
        for part in answer["missing"]:
            assert part.lower() in m.group("parts").lower()

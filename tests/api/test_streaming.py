"""Server-Sent Events from POST /v1/ask: the frame helpers, then a real server."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from api.streaming import answer_pieces, problem_body, sentence_events, sse, wants_stream
from rag.engine import DocumentNotFound
from rag.search.filters import QueryError
from rag.types import Answer, AnswerSentence, Citation

QUESTION = "Why was the Ant IPO suspended?"


def _answer(text: str, sentences: list[AnswerSentence], citations: list[Citation]) -> Answer:
    status = "answered" if sentences else "unanswerable"
    return Answer("q", status, text, sentences, citations, [], {"total": 1.0})


def test_pieces_concatenate_to_the_answer_one_per_sentence() -> None:
    s1 = AnswerSentence("Ant’s IPO was halted.", [1], 0.9)
    s2 = AnswerSentence("It raised “about $37 billion” [sic] first!", [2, 3], 0.8)
    text = "Ant’s IPO was halted [1]. It raised “about $37 billion” [sic] first [2][3]! " + (
        "The corpus does not say: who decided."
    )
    cites = [Citation(n, "d", 0, 1, "x", 0.5) for n in (1, 2, 3)]
    pieces = answer_pieces(_answer(text, [s1, s2], cites))
    assert "".join(p for p, _ in pieces) == text
    assert [i for _, i in pieces] == [0, 1, None]
    assert pieces[1][0] == "It raised “about $37 billion” [sic] first [2][3]! "
    events = sentence_events(_answer(text, [s1, s2], cites))
    assert [e["marked"] for e in events] == [
        "Ant’s IPO was halted [1].",
        "It raised “about $37 billion” [sic] first [2][3]!",
    ]
    assert [[c["marker"] for c in e["citations"]] for e in events] == [[1], [2, 3]]


def test_an_unanswerable_answer_is_one_piece_without_a_sentence() -> None:
    pieces = answer_pieces(_answer("The corpus does not cover this question.", [], []))
    assert pieces == [("The corpus does not cover this question.", None)]


@pytest.mark.parametrize(
    ("stream", "accept", "expected"),
    [
        (True, None, True),
        (False, "text/event-stream", True),
        (False, "text/event-stream;q=1, application/json;q=0.5", True),
        (False, "application/json, text/event-stream", False),
        (False, "application/json", False),
        (False, "*/*", False),
        (False, None, False),
    ],
)
def test_wants_stream(stream: bool, accept: str | None, expected: bool) -> None:
    assert wants_stream(stream, accept) is expected


def test_sse_frames_are_one_json_line() -> None:
    frame = sse("sentence", {"text": "two\nlines “quoted”"})
    assert frame.startswith("event: sentence\ndata: {") and frame.endswith("}\n\n")
    assert frame.count("\n") == 3
    assert json.loads(frame.split("data: ", 1)[1]) == {"text": "two\nlines “quoted”"}
    assert sse(None, "[DONE]") == "data: [DONE]\n\n"


def test_problem_body_matches_the_http_mapping() -> None:
    body = problem_body(QueryError("query is empty"), "/v1/ask")
    assert body["status"] == 422 and body["type"].endswith("/invalid-query")
    assert body["detail"] == "query is empty" and body["instance"] == "/v1/ask"
    assert problem_body(DocumentNotFound("x"), "/v1/ask")["status"] == 404
    hidden = problem_body(RuntimeError("secret internals"), "/v1/ask")
    assert hidden["status"] == 500 and "secret" not in hidden["detail"]


# -- a real server ---------------------------------------------------------------------------
def parse_sse(body: str) -> list[tuple[str, Any]]:
    events = []
    for frame in body.split("\n\n"):
        if not frame.strip():
            continue
        fields = dict(line.split(": ", 1) for line in frame.split("\n"))
        events.append((fields.get("event", "message"), json.loads(fields["data"])))
    return events


def stream(client: httpx.Client, body: dict[str, Any], **headers: str) -> httpx.Response:
    with client.stream("POST", "/v1/ask", json=body, headers=headers) as r:
        r.read()
    return r


@pytest.mark.slow
def test_ask_streams_retrieval_sentences_and_done(live_server: Any) -> None:
    engine = live_server.default.engine
    with live_server.default.client() as client:
        r = stream(client, {"question": QUESTION, "stream": True})
        plain = client.post("/v1/ask", json={"question": QUESTION}).json()
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(r.text)
    kinds = [k for k, _ in events]
    assert kinds[0] == "retrieval" and kinds[-1] == "done"
    assert set(kinds[1:-1]) == {"sentence"}

    hits = events[0][1]["results"]
    assert hits and {"rank", "doc_id", "start", "end", "text", "score"} <= set(hits[0])
    for h in hits:
        assert engine.document(h["doc_id"]).text[h["start"] : h["end"]] == h["text"]

    done = events[-1][1]
    assert done["status"] == "answered"
    assert {k: v for k, v in done.items() if k != "timings_ms"} == {
        k: v for k, v in plain.items() if k != "timings_ms"
    }
    sentences = [d for k, d in events if k == "sentence"]
    assert [s["index"] for s in sentences] == list(range(len(done["sentences"])))
    assert " ".join(s["marked"] for s in sentences) == done["answer"]
    for s, full in zip(sentences, done["sentences"], strict=True):
        assert s["text"] == full["text"] and s["support"] == full["support"]
        assert [c["marker"] for c in s["citations"]] == full["citations"]
        for c in s["citations"]:
            assert c in done["citations"]
            assert engine.document(c["doc_id"]).text[c["start"] : c["end"]] == c["quote"]


@pytest.mark.slow
def test_accept_header_chooses_the_stream(live_server: Any) -> None:
    with live_server.default.client() as client:
        r = stream(client, {"question": QUESTION}, accept="text/event-stream")
        as_json = client.post("/v1/ask", json={"question": QUESTION})
    assert r.headers["content-type"].startswith("text/event-stream")
    assert [k for k, _ in parse_sse(r.text)][-1] == "done"
    assert as_json.headers["content-type"] == "application/json"


@pytest.mark.slow
def test_a_blank_question_is_rejected_before_any_stream_starts(live_server: Any) -> None:
    # Whitespace-only and empty questions fail schema validation (the `question` pattern asks
    # for a visible character), so no stream starts; engine errors inside a stream become an
    # `error` event (see the unit tests of the frame format above).
    with live_server.default.client() as client:
        blank = client.post("/v1/ask", json={"question": "   ", "stream": True})
        empty = client.post("/v1/ask", json={"question": "", "stream": True})
    for r in (blank, empty):
        assert r.status_code == 422
        assert r.headers["content-type"] == "application/problem+json"

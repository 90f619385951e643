"""The OpenAI-compatible endpoints, driven by the real `openai` client against a real server."""

from __future__ import annotations

import json
import re
from typing import Any

import anyio
import httpx
import openai
import pytest

from api.routes.chat import MODELS, _stream, chunks, completion
from rag.search.filters import QueryError
from rag.types import Answer, AnswerSentence, Citation

QUESTION = "Why was the Ant IPO suspended?"
DEPOSITS_DOC = "002_c2792e408a785547"


def _answer() -> Answer:
    cites = [Citation(n, "d", n, n + 1, "q", 0.5) for n in (1, 2)]
    sentences = [AnswerSentence("One is here.", [1], 0.9), AnswerSentence("Two too.", [1, 2], 0.8)]
    text = "One is here [1]. Two too [1][2]."
    return Answer(QUESTION, "answered", text, sentences, cites, [], {"total": 1.0})


def test_chunks_introduce_each_citation_once_and_rebuild_the_content() -> None:
    out = chunks(_answer(), "cited-rag", 7, usage=True)
    assert out[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    deltas = [c["choices"][0]["delta"] for c in out[1:-2]]
    assert "".join(d["content"] for d in deltas) == _answer().answer
    assert [[c["marker"] for c in d.get("citations", [])] for d in deltas] == [[1], [2]]
    assert out[-2]["choices"][0]["finish_reason"] == "stop"
    assert out[-1]["choices"] == [] and out[-1]["usage"]["completion_tokens"] == 7
    assert {c["object"] for c in out} == {"chat.completion.chunk"}
    assert len({c["id"] for c in out}) == 1


def test_completion_carries_citations_three_ways() -> None:
    body = completion(_answer(), "cited-rag", 5)
    message = body["choices"][0]["message"]
    assert message["content"] == _answer().answer
    assert message["citations"] == body["citations"] and len(body["citations"]) == 2
    assert body["rag"]["status"] == "answered" and len(body["rag"]["sentences"]) == 2
    assert body["usage"]["total_tokens"] == 5 + 7


# -- a real server, the real client ------------------------------------------------------------
@pytest.fixture
def client(live_server: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=live_server.url + "/v1", api_key="x", max_retries=0)


def _quotes_are_exact(live_server: Any, citations: list[dict[str, Any]]) -> None:
    engine = live_server.default.engine
    for c in citations:
        assert engine.document(c["doc_id"]).text[c["start"] : c["end"]] == c["quote"]


@pytest.mark.slow
def test_models_list_and_unknown_model(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == list(MODELS)
    assert client.models.retrieve("cited-rag").id == "cited-rag"
    with pytest.raises(openai.NotFoundError) as err:
        client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": QUESTION}]
        )
    assert err.value.code == "model_not_found"
    assert err.value.response.headers["content-type"] == "application/problem+json"


@pytest.mark.slow
def test_completion_and_stream_agree(client: openai.OpenAI, live_server: Any) -> None:
    messages: Any = [
        {"role": "system", "content": "Answer with citations."},
        {"role": "user", "content": QUESTION},
    ]
    reply = client.chat.completions.create(model="cited-rag", messages=messages)
    message = reply.choices[0].message
    content = message.content or ""
    assert "[1]" in content and reply.choices[0].finish_reason == "stop"
    extra = message.model_extra or {}
    citations = extra["citations"]
    assert citations and citations[0]["marker"] == 1
    assert (reply.model_extra or {})["citations"] == citations
    assert (reply.model_extra or {})["rag"]["status"] == "answered"
    assert reply.usage is not None and reply.usage.completion_tokens > 0
    _quotes_are_exact(live_server, citations)

    pieces, streamed, roles, finish = [], [], [], []
    stream = client.chat.completions.create(
        model="cited-rag",
        messages=messages,
        stream=True,
        stream_options={"include_usage": True},
    )
    for chunk in stream:
        if not chunk.choices:
            assert chunk.usage is not None
            continue
        delta = chunk.choices[0].delta
        roles.append(delta.role)
        pieces.append(delta.content or "")
        streamed += (delta.model_extra or {}).get("citations", [])
        finish.append(chunk.choices[0].finish_reason)
    assert roles[0] == "assistant" and finish[-1] == "stop"
    assert "".join(pieces) == content
    assert streamed == citations


@pytest.mark.slow
def test_a_follow_up_is_answered_about_the_earlier_subject(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model="cited-rag",
        messages=[
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": "The exchange suspended it [1]."},
            {"role": "user", "content": "and why did it withdraw the deposit products?"},
        ],
    )
    rag = (reply.model_extra or {})["rag"]
    assert "Ant" in rag["question"] and not re.search(r"\bit\b", rag["question"])
    docs = [c["doc_id"] for c in (reply.model_extra or {})["citations"]]
    assert DEPOSITS_DOC in docs


@pytest.mark.slow
def test_a_chat_without_a_user_question_is_a_problem(live_server: Any) -> None:
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        for messages in ([{"role": "system", "content": "hi"}], [{"role": "user", "content": " "}]):
            r = http.post(
                "/v1/chat/completions",
                json={"model": "cited-rag", "stream": True, "messages": messages},
            )
            assert r.status_code == 422
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["code"] == "invalid_messages"


def test_an_error_mid_stream_is_an_error_frame_then_done() -> None:
    def fails() -> Answer:
        raise QueryError("query is empty")

    async def collect() -> list[str]:
        return [f async for f in _stream(fails, "cited-rag", 1, False, "/v1/chat/completions")]

    frames = [f.removeprefix("data: ").strip() for f in anyio.run(collect)]
    assert frames[-1] == "[DONE]"
    error = json.loads(frames[0])["error"]
    assert error["status"] == 422 and error["message"] == "query is empty"
    assert error["type"].endswith("/invalid-query")

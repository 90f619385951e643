"""The OpenAI-compatible endpoints, driven by the real `openai` client against a real server."""

from __future__ import annotations

import json
import re
from typing import Any

import anyio
import httpx
import openai
import pytest

from api.chat_reply import chunks, completion, reply
from api.routes.chat import _stream
from api.tokens import counter
from rag.search.filters import QueryError
from rag.types import Answer, AnswerSentence, Citation

QUESTION = "Why was the Ant IPO suspended?"
DEPOSITS_DOC = "002_c2792e408a785547"
MINILM = counter("extractive")


def _answer() -> Answer:
    cites = [Citation(n, "d", n, n + 1, "q", 0.5) for n in (1, 2)]
    sentences = [AnswerSentence("One is here.", [1], 0.9), AnswerSentence("Two too.", [1, 2], 0.8)]
    text = "One is here [1]. Two too [1][2]."
    return Answer(QUESTION, "answered", text, sentences, cites, [], {"total": 1.0})


def _link(c: Citation) -> tuple[str, str]:
    return f"http://h/#doc={c.doc_id}&start={c.start}&end={c.end}", "Title"


def test_chunks_introduce_each_citation_once_and_rebuild_the_content() -> None:
    out = chunks(reply(_answer(), ["a question"], None, _link), "cited-rag", usage=True)
    assert out[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    deltas = [c["choices"][0]["delta"] for c in out[1:-2]]
    assert "".join(d["content"] for d in deltas) == _answer().answer
    assert [[c["marker"] for c in d.get("citations", [])] for d in deltas] == [[1], [2]]
    assert out[-2]["choices"][0]["finish_reason"] == "stop"
    assert out[-1]["choices"] == []
    assert out[-1]["usage"]["completion_tokens"] == MINILM(_answer().answer)
    assert {c["object"] for c in out} == {"chat.completion.chunk"}
    assert len({c["id"] for c in out}) == 1


def test_usage_counts_minilm_tokens_not_words() -> None:
    body = completion(reply(_answer(), ["Why was the Ant IPO suspended?"], None, _link), "m")
    usage = body["usage"]
    # "[1]" is three tokens and "suspended" one: word counts (7 and 6) would differ
    assert usage["completion_tokens"] == MINILM(_answer().answer) == 16
    assert usage["prompt_tokens"] == 8 and usage["total_tokens"] == 8 + 16


def test_completion_carries_citations_three_ways_and_as_annotations() -> None:
    body = completion(reply(_answer(), ["q"], None, _link), "cited-rag")
    message = body["choices"][0]["message"]
    assert message["content"] == _answer().answer
    assert message["citations"] == body["citations"] and len(body["citations"]) == 2
    assert body["rag"]["status"] == "answered" and len(body["rag"]["sentences"]) == 2
    spans = [
        (
            a["url_citation"]["marker"],
            a["url_citation"]["start_index"],
            a["url_citation"]["end_index"],
        )
        for a in message["annotations"]
    ]
    assert spans == [(1, 0, 16), (1, 17, 32), (2, 17, 32)]
    assert message["content"][17:32] == "Two too [1][2]."
    assert {a["type"] for a in message["annotations"]} == {"url_citation"}


def test_max_tokens_keeps_whole_sentences_that_fit() -> None:
    first = "One is here [1]."
    r = reply(_answer(), ["q"], MINILM(first), _link)
    assert r.content == first and r.finish_reason == "length"
    assert [c["marker"] for c in r.citations] == [1]
    assert completion(r, "m")["usage"]["completion_tokens"] <= MINILM(first)
    cut = reply(_answer(), ["q"], 2, _link)  # not even the first sentence fits: cut at a word
    assert cut.content == "One is" and cut.citations == [] and cut.finish_reason == "length"
    whole = reply(_answer(), ["q"], 1000, _link)
    assert whole.content == _answer().answer and whole.finish_reason == "stop"


# -- a real server, the real client ------------------------------------------------------------
@pytest.fixture
def client(live_server: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=live_server.url + "/v1", api_key="x", max_retries=0)


def _quotes_are_exact(live_server: Any, citations: list[dict[str, Any]]) -> None:
    engine = live_server.default.engine
    for c in citations:
        assert engine.document(c["doc_id"]).text[c["start"] : c["end"]] == c["quote"]


@pytest.mark.slow
def test_models_list_only_the_configured_modes(client: openai.OpenAI, live_server: Any) -> None:
    assert [m.id for m in client.models.list()] == ["cited-rag"]
    assert client.models.retrieve("cited-rag").id == "cited-rag"
    with pytest.raises(openai.NotFoundError) as err:
        client.models.retrieve("cited-rag-llm-local")
    assert err.value.code == "model_not_found"
    local = live_server.start(llm={"backend": "local"})
    with openai.OpenAI(base_url=local.url + "/v1", api_key="x", max_retries=0) as other:
        assert [m.id for m in other.models.list()] == ["cited-rag", "cited-rag-llm-local"]


@pytest.mark.slow
def test_errors_come_in_openais_envelope(client: openai.OpenAI, live_server: Any) -> None:
    ask: Any = [{"role": "user", "content": QUESTION}]
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(model="gpt-4o", messages=ask)
    assert missing.value.code == "model_not_found" and missing.value.param == "model"
    assert missing.value.type == "invalid_request_error"
    assert missing.value.response.headers["content-type"] == "application/json"
    with pytest.raises(openai.BadRequestError) as many:
        client.chat.completions.create(model="cited-rag", messages=ask, n=2)
    assert many.value.param == "n" and "n must be 1" in many.value.message
    with pytest.raises(openai.BadRequestError) as bad:
        client.chat.completions.create(model="cited-rag", messages=ask, extra_body={"top_k": 0})
    assert bad.value.param == "top_k" and bad.value.code == "validation_error"
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        body = http.get("/v1/models/nope").json()
        assert body["error"]["code"] == "model_not_found"
        assert set(body["error"]) == {"message", "type", "param", "code"}
        # the rest of the API keeps problem+json
        r = http.get("/v1/documents/nope")
        assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.slow
def test_max_tokens_cuts_with_finish_reason_length(client: openai.OpenAI) -> None:
    ask: Any = [{"role": "user", "content": QUESTION}]
    full = client.chat.completions.create(model="cited-rag", messages=ask)
    whole = full.choices[0].message.content or ""
    assert full.usage is not None and full.usage.completion_tokens == MINILM(whole)
    limit = full.usage.completion_tokens - 5
    short = client.chat.completions.create(model="cited-rag", messages=ask, max_tokens=limit)
    content = short.choices[0].message.content or ""
    assert short.choices[0].finish_reason == "length"
    assert content and whole.startswith(content) and len(content) < len(whole)
    assert short.usage is not None and short.usage.completion_tokens <= limit
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", content)}
    assert {
        c["marker"] for c in (short.choices[0].message.model_extra or {})["citations"]
    } == markers
    stream = client.chat.completions.create(
        model="cited-rag", messages=ask, max_tokens=limit, stream=True
    )
    pieces, finish = [], []
    for chunk in stream:
        pieces.append(chunk.choices[0].delta.content or "")
        finish.append(chunk.choices[0].finish_reason)
    assert "".join(pieces) == content and finish[-1] == "length"


@pytest.mark.slow
def test_citations_are_also_url_citation_annotations(
    client: openai.OpenAI, live_server: Any
) -> None:
    ask: Any = [{"role": "user", "content": QUESTION}]
    message = client.chat.completions.create(model="cited-rag", messages=ask).choices[0].message
    content, annotations = message.content or "", message.annotations or []
    citations = (message.model_extra or {})["citations"]
    assert len(annotations) >= len(citations) > 0
    engine = live_server.default.engine
    for a in annotations:
        assert a.type == "url_citation"
        u = a.url_citation
        extra = u.model_extra or {}
        assert f"[{extra['marker']}]" in content[u.start_index : u.end_index]
        assert (
            u.url
            == f"{live_server.url}/#doc={extra['doc_id']}&start={extra['start']}&end={extra['end']}"
        )
        doc = engine.document(extra["doc_id"])
        assert u.title == doc.title and doc.text[extra["start"] : extra["end"]] == extra["quote"]


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
            assert r.status_code == 400
            assert r.json()["error"]["code"] == "invalid_messages"


def test_an_error_mid_stream_is_an_openai_error_frame_then_done() -> None:
    def fails() -> dict[str, Any]:
        raise QueryError("query is empty")

    async def collect() -> list[str]:
        return [f async for f in _stream(fails, "/v1/chat/completions")]

    frames = [f.removeprefix("data: ").strip() for f in anyio.run(collect)]
    assert frames[-1] == "[DONE]"
    error = json.loads(frames[0])["error"]
    assert error == {
        "message": "query is empty",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_query",
    }


@pytest.mark.slow
def test_a_partial_answer_says_what_is_missing_in_the_questions_own_words(
    client: openai.OpenAI, live_server: Any
) -> None:
    question = "In which month did Saudi Aramco set its share-sale record?"
    lead = "The articles do not say in which month Saudi Aramco set its share-sale record; "
    reply = client.chat.completions.create(
        model="cited-rag", messages=[{"role": "user", "content": question}]
    )
    assert (reply.choices[0].message.content or "").startswith(lead + "they say only that ")
    rag = (reply.model_extra or {})["rag"]
    assert rag["status"] == "partial"
    asked = httpx.post(f"{live_server.url}/v1/ask", json={"question": question}, timeout=60)
    body = asked.json()
    assert body["answer"].startswith(lead)
    assert body["missing"] == ["in which month Saudi Aramco set its share-sale record"]

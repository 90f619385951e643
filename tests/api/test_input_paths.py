"""Every input path fails cleanly: invalid Unicode, an over-long chat question, coerced types
and an unparseable body are 4xx problem+json, never a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

CHAT = "/v1/chat/completions"
SURROGATE = '"Why was \\ud800 the Ant IPO suspended?"'  # a lone surrogate, JSON-escaped


def openai_error(resp: httpx.Response, status: int) -> dict[str, Any]:
    """The response is OpenAI's error envelope with `status`; returns the error object."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/json"
    error: dict[str, Any] = resp.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["message"]
    return error


def post_raw(c: httpx.Client, path: str, body: str) -> httpx.Response:
    return c.post(path, content=body.encode(), headers={"Content-Type": "application/json"})


@pytest.mark.slow
def test_a_lone_surrogate_is_a_422_on_every_route(live_server: Any, assert_problem: Any) -> None:
    with httpx.Client(base_url=live_server.url, timeout=60) as c:
        for path, body in [
            ("/v1/ask", f'{{"question": {SURROGATE}}}'),
            ("/v1/search", f'{{"query": {SURROGATE}}}'),
        ]:  # fmt: skip
            problem = assert_problem(post_raw(c, path, body), 422)
            assert "unicode" in problem["detail"].lower(), path
        body = f'{{"messages": [{{"role": "user", "content": {SURROGATE}}}]}}'
        error = openai_error(post_raw(c, CHAT, body), 400)
        assert "unicode" in error["message"].lower()


@pytest.mark.slow
def test_a_chat_question_over_the_limit_is_refused(live_server: Any) -> None:
    limit = live_server.settings.api.max_question_chars
    question = "Why was the Ant IPO suspended? " * (limit // 10)
    body = {"model": "cited-rag", "messages": [{"role": "user", "content": question}]}
    with httpx.Client(base_url=live_server.url, timeout=60) as c:
        error = openai_error(c.post(CHAT, json=body), 400)
    assert f"the limit is {limit:,}" in error["message"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/ask", {"question": "Why was the Ant IPO suspended?", "stream": "yes"}),
        ("/v1/ask", {"question": "Why was the Ant IPO suspended?", "top_k": "3"}),
        ("/v1/search", {"query": "Ant IPO", "top_k": "3"}),
        ("/v1/briefings", {"topic": "Ant Group", "max_sentences": "5"}),
    ],
)
def test_types_are_not_coerced(
    live_server: Any, assert_problem: Any, path: str, body: dict[str, Any]
) -> None:
    with httpx.Client(base_url=live_server.url, timeout=60) as c:
        assert_problem(c.post(path, json=body), 422)


@pytest.mark.slow
def test_an_unparseable_body_is_a_400(live_server: Any, assert_problem: Any) -> None:
    with httpx.Client(base_url=live_server.url, timeout=60) as c:
        for path in ("/v1/ask", "/v1/search", "/v1/briefings"):
            problem = assert_problem(post_raw(c, path, "{not json"), 400)
            assert problem["type"].endswith("/invalid-json"), path
        assert openai_error(post_raw(c, CHAT, "{not json"), 400)["code"] == "invalid_json"
        chat = {"messages": [{"role": "user", "content": "Why?"}], "stream": "yes"}
        assert openai_error(c.post(CHAT, json=chat), 400)["param"] == "stream"
        spec = c.get("/openapi.json").json()
    assert "400" in spec["paths"]["/v1/ask"]["post"]["responses"]

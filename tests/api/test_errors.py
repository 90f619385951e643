"""Validation problems speak the user's language, against a real uvicorn server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.schemas import VISIBLE

PLAIN = "must contain at least one letter or digit"
NO_LETTERS = ["   ", "🐜🐜", "\u2028\t"]

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("text", NO_LETTERS)
@pytest.mark.parametrize(("path", "field"), [("/v1/ask", "question"), ("/v1/search", "query")])
def test_a_text_without_letters_or_digits_is_a_plain_sentence(
    live_server: Any, assert_problem: Any, path: str, field: str, text: str
) -> None:
    with httpx.Client(base_url=live_server.url, timeout=60) as c:
        problem = assert_problem(c.post(path, json={field: text}), 422)
    assert problem["detail"] == f"{field}: {PLAIN}"
    assert problem["errors"] == [
        {"loc": ["body", field], "msg": PLAIN, "type": "string_pattern_mismatch"}
    ]
    assert VISIBLE not in str(problem) and "pattern" not in problem["detail"]


@pytest.mark.parametrize("text", ["   ", "\u2028\t"])
def test_chat_without_a_question_says_so_in_words(live_server: Any, text: str) -> None:
    body = {"messages": [{"role": "user", "content": text}]}
    with httpx.Client(base_url=live_server.url, timeout=60) as c:
        resp = c.post("/v1/chat/completions", json=body)
    assert resp.status_code == 400  # OpenAI's envelope and status on the chat route
    assert resp.json()["error"]["message"] == "messages: there is no user message with text"


def test_other_validation_messages_are_unchanged(live_server: Any, assert_problem: Any) -> None:
    with httpx.Client(base_url=live_server.url, timeout=60) as c:
        problem = assert_problem(c.post("/v1/ask", json={"question": "why?", "top_k": 0}), 422)
    assert problem["detail"] == "top_k: Input should be greater than or equal to 1"


def test_after_an_unhandled_error_the_connection_is_closed_cleanly(
    live_server: Any, assert_problem: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A route forced to fail (the test breaks this server's engine) answers a complete 500
    with `Connection: close`, so a pooled client's next request opens a new connection
    instead of meeting ECONNRESET on the one uvicorn drops."""
    server = live_server.start(rate_limit_per_minute=1_000_000)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("forced failure")

    monkeypatch.setattr(server.engine, "search", broken)
    with httpx.Client(base_url=server.url, timeout=30) as c:  # one pooled connection
        for _ in range(30):
            resp = c.post("/v1/search", json={"query": "Ant IPO"})
            assert assert_problem(resp, 500)["detail"] == "an unexpected error occurred"
            assert resp.headers["connection"] == "close"
            assert c.get("/healthz").status_code == 200  # no ECONNRESET, no disconnect

"""`"explain": true` on /v1/ask, against the real server."""

from __future__ import annotations

from typing import Any

import httpx


def test_explain_on_ask_returns_the_parsed_focus_and_the_decision(live_server: Any) -> None:
    with httpx.Client(base_url=live_server.url, timeout=120) as c:
        q = "How much was Alibaba fined in December?"
        r = c.post("/v1/ask", json={"question": q, "explain": True})
        assert r.status_code == 200, r.text
        why = r.json()["explain"]
        assert why["focus"]["answer_type"] == "amount"
        assert why["focus"]["detail"] == "the amount of Alibaba's December fine"
        assert why["verdict"] == "related only"
        assert why["status"] == r.json()["status"]
        assert c.post("/v1/ask", json={"question": q}).json()["explain"] is None
        bad = c.post("/v1/ask", json={"question": q, "explain": "yes"})
        assert bad.status_code == 422

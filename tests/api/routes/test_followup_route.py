"""`POST /v1/followup` over real HTTP: the page's follow-up is the chat endpoint's rewrite."""

from __future__ import annotations

from typing import Any

import httpx

from rag.text.followup import standalone_question

FIRST = "Why was the Ant IPO suspended?"
FOLLOWUP = "and why did it withdraw its deposit products?"


def test_a_followup_takes_its_subject_from_the_earlier_question(live_server: Any) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as c:
        r = c.post("/v1/followup", json={"questions": [FIRST, FOLLOWUP]})
    assert r.status_code == 200
    expected = standalone_question([("user", FIRST), ("assistant", "..."), ("user", FOLLOWUP)])
    assert r.json() == {"question": expected, "rewritten": True}
    assert expected.startswith("Why did Ant ")


def test_a_standalone_question_is_left_as_it_is(live_server: Any) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as c:
        r = c.post("/v1/followup", json={"questions": [FIRST, "What did Xi Jinping say?"]})
    assert r.json() == {"question": "What did Xi Jinping say?", "rewritten": False}


def test_bad_input_is_a_422_problem(live_server: Any) -> None:
    limit = live_server.settings.api.max_question_chars
    with httpx.Client(base_url=live_server.url, timeout=30) as c:
        for body in ({"questions": []}, {"questions": ["   "]}, {"questions": [FIRST], "x": 1}):
            r = c.post("/v1/followup", json=body)
            assert r.status_code == 422, body
            assert r.headers["content-type"].startswith("application/problem+json")
        r = c.post("/v1/followup", json={"questions": ["a" * (limit + 1)]})
        assert r.status_code == 422 and r.json()["type"].endswith("text-too-long")


def test_the_document_list_counts_passages(live_server: Any) -> None:
    index = live_server.default.engine.snapshot.index
    with httpx.Client(base_url=live_server.url, timeout=30) as c:
        docs = c.get("/v1/documents").json()["documents"]
    assert docs and all(d["passages"] == len(index.doc_passages[d["doc_id"]]) for d in docs)
    assert all(d["passages"] > 0 for d in docs)

"""/metrics in Prometheus text format, from a fresh server so that the counts are exact."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from api.metrics import Metrics, RouteTemplates
from api.security import hash_key

KEY = "metrics-test-key"


def scrape(c: httpx.Client, **kwargs: Any) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of /metrics by (name, labels)."""
    resp = c.get("/metrics", **kwargs)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(resp.text)
        for s in family.samples
    }


def sample(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_each_app_has_its_own_registry() -> None:
    a, b = Metrics(), Metrics()
    a.observe("GET", "/x", 200, 0.01)
    assert b"rag_http_requests_total" in a.exposition()
    assert b'route="/x"' in a.exposition() and b'route="/x"' not in b.exposition()
    app = create_app()
    templates = RouteTemplates(app)
    scope = {"type": "http", "method": "GET", "path": "/v1/documents/abc"}
    assert templates(scope) == "/v1/documents/{doc_id}"
    assert templates({**scope, "method": "PUT"}) == "/v1/documents/{doc_id}"  # a 405
    assert templates({**scope, "path": "/static/app.js"}) == "/static/{path}"
    assert templates({**scope, "path": "/nowhere"}) == "<unmatched>"


@pytest.mark.slow
def test_metrics_count_requests_answers_and_index(live_server: Any) -> None:
    server = live_server.start()
    with server.client() as c:
        for q in ("Ant Group IPO", "Why was the IPO suspended?"):
            assert c.post("/v1/search", json={"query": q}).status_code == 200
        answers = [
            c.post("/v1/ask", json={"question": q}).json()["status"]
            for q in ("Why was the Ant IPO suspended?", "What is the boiling point of tungsten?")
        ]
        assert c.get("/v1/documents/no-such-doc").status_code == 404
        assert c.get("/no/such/path").status_code == 404
        assert c.post("/v1/ask", json={"question": "x" * 5000}).status_code == 422
        ready = c.get("/readyz").json()
        samples = scrape(c)

    def requests(method: str, route: str, status: str) -> float:
        return sample(samples, "rag_http_requests_total", method=method, route=route, status=status)

    assert requests("POST", "/v1/search", "200") == 2
    assert requests("POST", "/v1/ask", "200") == 2
    assert requests("POST", "/v1/ask", "422") == 1
    assert requests("GET", "/v1/documents/{doc_id}", "404") == 1
    assert requests("GET", "<unmatched>", "404") == 1
    latency = "rag_http_request_duration_seconds_count"
    assert sample(samples, latency, method="POST", route="/v1/search", status="200") == 2
    assert sample(samples, "rag_index_documents") == ready["documents"] > 0
    assert sample(samples, "rag_index_passages") == ready["passages"] > 0
    for status in ("answered", "partial", "unanswerable"):
        assert sample(samples, "rag_answers_total", status=status) == answers.count(status)


@pytest.mark.slow
def test_rejected_requests_are_counted_and_metrics_need_the_key(live_server: Any) -> None:
    server = live_server.start(api_key_hashes=[hash_key(KEY)])
    with server.client() as c:
        assert c.get("/v1/documents").status_code == 401
        assert c.get("/metrics").status_code == 401
        samples = scrape(c, headers={"Authorization": f"Bearer {KEY}"})
    assert (
        sample(
            samples, "rag_http_requests_total", method="GET", route="/v1/documents", status="401"
        )
        == 1
    )
    assert (
        sample(samples, "rag_http_requests_total", method="GET", route="/metrics", status="401")
        == 1
    )

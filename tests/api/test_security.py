"""API keys, CORS and request limits against a real uvicorn server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.security import hash_key, normalise_hashes
from rag.settings import Settings

KEY = "test-key-0123456789"
OTHER_KEY = "second-key-9876543210"
ORIGIN = "https://news.example.org"


# -- unit logic ------------------------------------------------------------------------------
def test_malformed_key_hash_fails_at_startup() -> None:
    with pytest.raises(ValueError, match="not-a-digest"):
        normalise_hashes(["not-a-digest"])
    with pytest.raises(ValueError, match="64 hex"):
        create_app(Settings(api={"api_key_hashes": ["abc"]}))
    assert normalise_hashes([hash_key(KEY).upper()]) == [hash_key(KEY)]


def test_openapi_documents_keys_limits_and_problems() -> None:
    app = create_app(Settings(api={"api_key_hashes": [hash_key(KEY)], "max_question_chars": 300}))
    schema = app.openapi()
    ask = schema["paths"]["/v1/ask"]["post"]
    assert {"401", "413", "422", "429", "503", "504"} <= ask["responses"].keys()
    assert "application/problem+json" in ask["responses"]["422"]["content"]
    assert ask["security"] == [{"bearer": []}, {"apiKey": []}]
    models = schema["components"]["schemas"]
    assert models["AskRequest"]["properties"]["question"]["maxLength"] == 300
    assert models["SearchRequest"]["properties"]["query"]["maxLength"] == 300
    health = schema["paths"]["/healthz"]["get"]
    assert "security" not in health and "401" not in health["responses"]
    assert create_app().openapi()["paths"]["/v1/ask"]["post"].get("security") is None


# -- API keys --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def keyed(live_server: Any) -> Any:
    # these tests are about the key check; the failed-check limit is tested in test_limits.py
    hashes = [hash_key(KEY), hash_key(OTHER_KEY)]
    return live_server.start(api_key_hashes=hashes, auth_failures_per_minute=10_000)


@pytest.mark.slow
def test_probes_and_docs_stay_open_with_keys(keyed: Any) -> None:
    with keyed.client() as c:
        assert c.get("/healthz").status_code == 200
        assert c.get("/readyz").status_code == 200
        assert c.get("/openapi.json").status_code == 200


@pytest.mark.slow
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/documents", None),
        ("POST", "/v1/search", {"query": "Ant IPO"}),
        ("POST", "/v1/ask", {"question": "Why was the Ant IPO suspended?"}),
        ("GET", "/metrics", None),
    ],
)
def test_missing_key_is_401(
    keyed: Any, method: str, path: str, body: Any, assert_problem: Any
) -> None:
    with keyed.client() as c:
        resp = c.request(method, path, json=body)
    problem = assert_problem(resp, 401)
    assert resp.headers["www-authenticate"].startswith("Bearer")
    assert "API key" in problem["detail"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "headers",
    [{"Authorization": "Bearer wrong-key"}, {"X-API-Key": "wrong-key"}, {"Authorization": KEY}],
)
def test_wrong_key_is_401(keyed: Any, headers: dict[str, str], assert_problem: Any) -> None:
    with keyed.client() as c:
        resp = c.get("/v1/documents", headers=headers)
    assert_problem(resp, 401)
    assert resp.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.slow
@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {KEY}"},
        {"Authorization": f"bearer {OTHER_KEY}"},
        {"X-API-Key": KEY},
    ],
)
def test_right_key_is_200(keyed: Any, headers: dict[str, str]) -> None:
    with keyed.client(headers=headers) as c:
        assert c.get("/v1/documents").status_code == 200
        resp = c.post("/v1/search", json={"query": "Why was the Ant IPO suspended?"})
    assert resp.status_code == 200
    assert resp.json()["results"]


# -- body and question limits ----------------------------------------------------------------
@pytest.fixture(scope="module")
def small_body(live_server: Any) -> Any:
    return live_server.start(max_body_bytes=2048)


@pytest.mark.slow
def test_body_over_the_limit_is_413(small_body: Any, assert_problem: Any) -> None:
    with small_body.client() as c:
        assert c.post("/v1/search", json={"query": "Ant IPO"}).status_code == 200
        problem = assert_problem(c.post("/v1/search", json={"query": "x " * 1500}), 413)
        assert "2048 bytes" in problem["detail"]
        upload = c.post("/v1/documents", files={"file": ("big.txt", b"word " * 1000)})
        assert_problem(upload, 413)


@pytest.mark.slow
def test_chunked_body_without_content_length_is_counted(
    small_body: Any, assert_problem: Any
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"query": "'
        for _ in range(8):
            yield b"y" * 512
        yield b'"}'

    with small_body.client() as c:
        resp = c.post("/v1/search", content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in resp.request.headers
    assert_problem(resp, 413)


@pytest.mark.slow
@pytest.mark.parametrize(("path", "field"), [("/v1/ask", "question"), ("/v1/search", "query")])
def test_long_question_is_422_naming_the_limit(
    live_server: Any, path: str, field: str, assert_problem: Any
) -> None:
    limit = live_server.settings.api.max_question_chars
    with httpx.Client(base_url=live_server.url, timeout=60) as c:
        resp = c.post(path, json={field: "why " * (limit // 4) + "?"})
        problem = assert_problem(resp, 422)
        assert problem["detail"] == f"{field} is longer than {limit} characters"
        at_limit = c.post(path, json={field: ("why is the Ant IPO suspended " * 50)[:limit]})
    assert at_limit.status_code == 200, at_limit.text


@pytest.mark.slow
def test_validation_errors_are_problem_json(live_server: Any, assert_problem: Any) -> None:
    with httpx.Client(base_url=live_server.url, timeout=60) as c:
        assert_problem(c.post("/v1/search", json={"query": ""}), 422)
        bad_json = c.post(
            "/v1/search", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert_problem(bad_json, 400)  # unparseable: 400, not a validation error
        assert_problem(c.get("/v1/documents/no-such-doc"), 404)
        assert_problem(c.get("/no/such/path"), 404)


# -- rate limit ------------------------------------------------------------------------------
@pytest.mark.slow
def test_rate_limit_per_key_is_429_with_retry_after(live_server: Any, assert_problem: Any) -> None:
    server = live_server.start(
        api_key_hashes=[hash_key(KEY), hash_key(OTHER_KEY)], rate_limit_per_minute=2
    )
    with server.client(headers={"X-API-Key": KEY}) as c:
        assert [c.get("/v1/documents").status_code for _ in range(2)] == [200, 200]
        resp = c.get("/v1/documents")
        problem = assert_problem(resp, 429)
        assert int(resp.headers["retry-after"]) >= 1
        assert "2 requests per minute" in problem["detail"]
        assert c.get("/healthz").status_code == 200  # probes are not limited
    with server.client(headers={"X-API-Key": OTHER_KEY}) as c:
        assert c.get("/v1/documents").status_code == 200  # another key has its own bucket


@pytest.mark.slow
def test_rate_limit_per_ip_without_keys(live_server: Any, assert_problem: Any) -> None:
    server = live_server.start(rate_limit_per_minute=1)
    with server.client() as c:
        assert c.post("/v1/search", json={"query": "Ant IPO"}).status_code == 200
        resp = c.post("/v1/search", json={"query": "Ant IPO"})
        assert_problem(resp, 429)
        assert int(resp.headers["retry-after"]) >= 1


# -- concurrency gate and deadline -----------------------------------------------------------
def _parallel_asks(url: str, n: int) -> list[httpx.Response]:
    barrier = threading.Barrier(n)
    out: list[httpx.Response] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as c:
            barrier.wait()
            resp = c.post("/v1/ask", json={"question": f"Why was the Ant IPO suspended? ({i})"})
        with lock:
            out.append(resp)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


@pytest.mark.slow
def test_full_concurrency_gate_sheds_with_503(live_server: Any, assert_problem: Any) -> None:
    server = live_server.start(max_concurrency=1)
    statuses: list[int] = []
    for _ in range(5):  # the requests overlap at once in practice; retry if the OS serialised them
        responses = _parallel_asks(server.url, 8)
        statuses += [r.status_code for r in responses]
        for r in responses:
            if r.status_code == 503:
                assert_problem(r, 503)
                assert r.headers["retry-after"] == "1"
        if 503 in statuses:
            break
    assert set(statuses) <= {200, 503}
    assert 503 in statuses and 200 in statuses


@pytest.mark.slow
def test_deadline_gives_504(live_server: Any, assert_problem: Any) -> None:
    server = live_server.start(request_timeout_s=0.001)
    with server.client() as c:
        problem = assert_problem(
            c.post("/v1/ask", json={"question": "Why was the IPO halted?"}), 504
        )
        assert "0.001 s" in problem["detail"]
        assert c.get("/healthz").status_code == 200  # only /v1/* has the deadline


# -- CORS ------------------------------------------------------------------------------------
PREFLIGHT = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}


@pytest.mark.slow
def test_cors_headers_absent_by_default(live_server: Any) -> None:
    with httpx.Client(base_url=live_server.url, timeout=60) as c:
        resp = c.get("/v1/documents", headers={"Origin": ORIGIN})
        assert resp.status_code == 200
        assert "access-control-allow-origin" not in resp.headers
        preflight = c.options("/v1/search", headers=PREFLIGHT)
        assert "access-control-allow-origin" not in preflight.headers


@pytest.mark.slow
def test_cors_headers_present_when_configured(live_server: Any, assert_problem: Any) -> None:
    server = live_server.start(cors_origins=[ORIGIN], api_key_hashes=[hash_key(KEY)])
    with server.client() as c:
        preflight = c.options(
            "/v1/search", headers={**PREFLIGHT, "Access-Control-Request-Headers": "x-api-key"}
        )
        assert preflight.status_code == 200  # no key needed for a preflight
        assert preflight.headers["access-control-allow-origin"] == ORIGIN
        assert "x-api-key" in preflight.headers["access-control-allow-headers"].lower()
        ok = c.get("/v1/documents", headers={"Origin": ORIGIN, "X-API-Key": KEY})
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == ORIGIN
        denied = c.get("/v1/documents", headers={"Origin": ORIGIN})
        assert_problem(denied, 401)
        assert denied.headers["access-control-allow-origin"] == ORIGIN  # the page can read it
        other = c.get("/healthz", headers={"Origin": "https://evil.example.com"})
        assert "access-control-allow-origin" not in other.headers

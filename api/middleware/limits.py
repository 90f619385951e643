"""Request limits as ASGI middleware (api.middleware.install adds them).

From the outside in: a per-client token-bucket rate limit (429 + Retry-After), a request body
limit that reads the stream (413), a deadline on /v1/* (504) and a concurrency gate on /v1/*
that sheds excess load at once (503). Every rejection is problem+json.
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem
from api.limits import UNLIMITED_PATHS, TokenBuckets, guarded
from api.security import app_path, client_id

log = logging.getLogger(__name__)


# -- rate limit ----------------------------------------------------------------------------
class RateLimitMiddleware:
    """429 problem+json with Retry-After (whole seconds) once a client's bucket is empty.

    Clients are API keys when keys are on, else addresses: behind a reverse proxy run uvicorn
    with `--proxy-headers --forwarded-allow-ips=<proxy>` so the address is the real client's.
    """

    def __init__(self, app: ASGIApp, per_minute: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = app_path(scope)
        if scope["type"] != "http" or path in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(client_id(scope))
        if wait <= 0.0:
            await self.app(scope, receive, send)
            return
        retry = max(1, math.ceil(wait))
        limit = int(self.buckets.capacity)
        response = problem(
            429,
            "rate-limited",
            "Too many requests",
            f"rate limit of {limit} requests per minute exceeded; retry in {retry} s",
            path,
            headers={"Retry-After": str(retry)},
        )
        await response(scope, receive, send)


# -- body size -----------------------------------------------------------------------------
class BodyLimitMiddleware:
    """413 problem+json for bodies over `max_bytes`, by Content-Length or by counting the stream.

    The body is read here (at most max_bytes + one chunk) and replayed to the app, so a
    chunked upload without Content-Length is held to the same limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._reject(scope, receive, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            413,
            "payload-too-large",
            "The request body is too large",
            f"the request body is larger than {self.max_bytes} bytes",
            app_path(scope),
        )
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect

    return replay


# -- deadline ------------------------------------------------------------------------------
class DeadlineMiddleware:
    """504 problem+json when /v1/* has not started its response within `seconds`.

    The work runs in its own task and may finish in the background (a sync route keeps its
    worker thread); whatever it sends after the deadline is dropped. A response that has
    started (e.g. a stream) is not cut.
    """

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not guarded(app_path(scope)):
            await self.app(scope, receive, send)
            return
        started = timed_out = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if timed_out:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, guarded_send))
        try:
            done, _ = await asyncio.wait({task}, timeout=self.seconds)
        except asyncio.CancelledError:
            task.cancel()
            raise
        if task in done or started:
            await task
            return
        timed_out = True
        task.cancel()
        task.add_done_callback(_log_late_failure)
        response = problem(
            504,
            "timeout",
            "The request took too long",
            f"no response within the {self.seconds:g} s deadline",
            app_path(scope),
        )
        await response(scope, receive, send)


def _log_late_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("request failed after its deadline: %r", task.exception())


# -- concurrency gate ----------------------------------------------------------------------
class ConcurrencyGateMiddleware:
    """503 problem+json at once when `limit` /v1/* requests are already in flight (no queue)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.app = app
        self.limit = limit
        self.in_flight = 0  # touched only on the event loop: no lock needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not guarded(app_path(scope)):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            response = problem(
                503,
                "overloaded",
                "The server is busy",
                f"{self.in_flight} requests are in flight (limit {self.limit}); retry shortly",
                app_path(scope),
                headers={"Retry-After": "1"},
            )
            await response(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

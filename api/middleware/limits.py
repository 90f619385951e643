"""Request limits as ASGI middleware (api.middleware.install adds them).

From the outside in: load shedding (503 + Retry-After when the concurrency gate is full,
checked before any other work: no body read, no rate-limit storage call, no task, no thread),
a request body limit that reads the stream (413), a deadline on /v1/* (504) and the
concurrency gate on /v1/* that counts what is in flight and holds the line (503) for requests
that passed the shedder while it filled. Every rejection is problem+json. The rate limits
are in api.middleware.rate.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem
from api.limits import Gate, guarded
from api.security import app_path

log = logging.getLogger(__name__)


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


# -- load shedding and the concurrency gate ------------------------------------------------
def _overloaded(scope: Scope, gate: Gate) -> Response:
    return problem(
        503,
        "overloaded",
        "The server is busy",
        f"{gate.in_flight} requests are in flight (limit {gate.limit}); retry shortly",
        app_path(scope),
        headers={"Retry-After": "1"},
    )


# Rendered 503s by (path, in flight, limit): building a Response (headers, JSON) was most of
# what a shed request cost the event loop. Paths carry ids, so the table is bounded.
_rendered: dict[tuple[str, int, int], tuple[int, list[tuple[bytes, bytes]], bytes]] = {}
MAX_RENDERED = 1024


async def _send_overloaded(scope: Scope, gate: Gate, send: Send) -> None:
    key = (app_path(scope), gate.in_flight, gate.limit)
    got = _rendered.get(key)
    if got is None:
        if len(_rendered) >= MAX_RENDERED:
            _rendered.clear()
        response = _overloaded(scope, gate)
        got = _rendered[key] = (response.status_code, response.raw_headers, bytes(response.body))
    status, headers, body = got
    # a copy of the headers: middleware outside (CORS) appends to the message's list
    await send({"type": "http.response.start", "status": status, "headers": list(headers)})
    await send({"type": "http.response.body", "body": body})


class ShedMiddleware:
    """503 problem+json at once, before anything else is done, while the gate is full."""

    def __init__(self, app: ASGIApp, gate: Gate) -> None:
        self.app = app
        self.gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.gate.full() and guarded(app_path(scope)):
            await _send_overloaded(scope, self.gate, send)
            return
        await self.app(scope, receive, send)


class ConcurrencyGateMiddleware:
    """Counts /v1/* requests in flight in `gate`; 503 at once when it is full (no queue).

    Of those, at most ``compute`` POST/PUT requests (the ones that compute) run at once; the
    others wait here, on the event loop. Eight threads answering on two cores left the event
    loop about a ninth of the GIL, which is what made shed 503s slow; now it contends with
    ``compute`` threads. It sits inside the deadline, so work abandoned by a 504 keeps its
    slot until it ends.
    """

    def __init__(self, app: ASGIApp, gate: Gate, compute: int = 0) -> None:
        self.app = app
        self.gate = gate
        self.compute = asyncio.Semaphore(compute) if compute else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not guarded(app_path(scope)):
            await self.app(scope, receive, send)
            return
        if self.gate.full():
            await _send_overloaded(scope, self.gate, send)
            return
        self.gate.in_flight += 1
        try:
            if self.compute is None or scope["method"] not in ("POST", "PUT"):
                await self.app(scope, receive, send)
            else:
                async with self.compute:
                    await self.app(scope, receive, send)
        finally:
            self.gate.in_flight -= 1

"""The rate limits as ASGI middleware, outside the API-key check (api.middleware.install).

Requests are counted per client: the presented key's digest when keys are on and a key is
sent, else the address (api.middleware.proxies resolves it behind trusted proxies). A 401
from the key check inside counts against the address's stricter failed-check limit; once
that is spent, the address gets 429 before its key is even looked at, so guessing keys is
throttled. Every rejection is 429 problem+json with Retry-After (whole seconds).

A client's polls of its own jobs (`GET /v1/jobs/{id}` of a job it submitted) are not counted:
the web page follows an upload that way, and the polls must not spend the budget of the
question asked next. Probes and scrapes (api.limits.UNLIMITED_PATHS) are not limited at all.
"""

from __future__ import annotations

import re

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem
from api.limits import UNLIMITED_PATHS, RateLimits
from api.security import app_path, hash_key, presented_key
from rag import Engine

JOB_STATUS = re.compile(r"/v1/jobs/([^/]+)")


def _own_job_poll(scope: Scope, path: str, client: str) -> bool:
    """A GET of the status of a job that `client` submitted (the route records its owner)."""
    found = JOB_STATUS.fullmatch(path) if scope.get("method") == "GET" else None
    engine = getattr(getattr(scope.get("app"), "state", None), "engine", None)  # the lifespan's
    if found is None or not isinstance(engine, Engine):
        return False
    job = engine.jobs.get(found.group(1))
    return job is not None and job.owner == client


def _address(scope: Scope) -> str:
    client = scope.get("client")
    return f"ip:{client[0]}" if client else "ip:unknown"


class RateLimitMiddleware:
    """429 once a client's requests, or an address's failed key checks, pass their limit."""

    def __init__(self, app: ASGIApp, limits: RateLimits, keys_on: bool) -> None:
        self.app = app
        self.limits = limits
        self.keys_on = keys_on

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = app_path(scope)
        if scope["type"] != "http" or path in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        address = client = _address(scope)
        if self.keys_on:
            if wait := await self.limits.locked_out(address):
                n = self.limits.failures.amount
                detail = f"{n} failed API key checks within a minute; retry in {wait:g} s"
                await self._reject(scope, receive, send, wait, detail)
                return
            if key := presented_key(Headers(scope=scope)):
                client = "key:" + hash_key(key)[:16]
        if not _own_job_poll(scope, path, client) and (wait := await self.limits.take(client)):
            await self._reject(scope, receive, send, wait, self._per_minute_detail(wait))
            return
        if not self.keys_on:
            await self.app(scope, receive, send)
            return

        async def count_failures(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                await self.limits.failed(address)
            await send(message)

        await self.app(scope, receive, count_failures)

    def _per_minute_detail(self, wait: float) -> str:
        limit = self.limits.requests.amount
        return f"rate limit of {limit} requests per minute exceeded; retry in {wait:g} s"

    async def _reject(
        self, scope: Scope, receive: Receive, send: Send, wait: float, detail: str
    ) -> None:
        headers = {"Retry-After": f"{wait:.0f}"}
        response = problem(
            429, "rate-limited", "Too many requests", detail, app_path(scope), headers
        )
        await response(scope, receive, send)

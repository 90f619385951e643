"""The API-key check as ASGI middleware (api.middleware.install adds it when keys are on).

How keys are made, sent and stored, and which paths stay open: api.security.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import problem
from api.security import CLIENT_ID, app_path, hash_key, is_open, normalise_hashes, presented_key


class ApiKeyMiddleware:
    """Rejects requests without a valid key with 401 problem+json and `WWW-Authenticate`.

    `hashes` are sha256 hex digests (see `hash_key`); a malformed one is a startup error.
    """

    def __init__(self, app: ASGIApp, hashes: Iterable[str]) -> None:
        self.app = app
        self.hashes = normalise_hashes(hashes)
        if not self.hashes:
            raise ValueError("ApiKeyMiddleware needs at least one key hash")

    def match(self, key: str) -> str | None:
        """The stored digest that `key` hashes to; every digest is compared in constant time."""
        digest = hash_key(key)
        found = None
        for stored in self.hashes:
            if hmac.compare_digest(digest, stored):
                found = stored
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_open(app_path(scope)):
            await self.app(scope, receive, send)
            return
        key = presented_key(Headers(scope=scope))
        if key is None:
            detail = "an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key'"
            challenge = 'Bearer realm="cited-rag"'
        elif (digest := self.match(key)) is None:
            detail = "the API key is not valid"
            challenge = 'Bearer realm="cited-rag", error="invalid_token"'
        else:
            scope[CLIENT_ID] = "key:" + digest[:16]
            await self.app(scope, receive, send)
            return
        response = problem(
            401,
            "unauthorized",
            "Authentication required",
            detail,
            app_path(scope),
            headers={"WWW-Authenticate": challenge},
        )
        await response(scope, receive, send)

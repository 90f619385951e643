"""Optional API keys and CORS, as ASGI middleware installed by `install(app, settings)`.

Keys are never stored: `settings.api.api_key_hashes` holds sha256 hex digests. Make one with

    python -c "import hashlib, secrets; k = secrets.token_urlsafe(32); \
print(k, hashlib.sha256(k.encode()).hexdigest())"

and give the first value to the client, the second to the server
(`RAG_API__API_KEY_HASHES='["<digest>"]'`). A client sends `Authorization: Bearer <key>` or
`X-API-Key: <key>`. With no hashes configured the API is open.

Open without a key even when keys are on: `/healthz`, `/readyz` (probes), `/`, `/static/*`
(the web page, which asks for a key itself), `/docs`, `/redoc` and `/openapi.json`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import problem
from rag.settings import Settings

OPEN_PATHS = frozenset(
    {"/", "/healthz", "/readyz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
)
OPEN_PREFIXES = ("/static/",)
CLIENT_ID = "rag.client_id"  # scope key: who is calling ("key:<digest prefix>" or "ip:<addr>")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def hash_key(key: str) -> str:
    """The sha256 hex digest stored in settings for an API key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def app_path(scope: Scope) -> str:
    """The request path inside the app (without a proxy's root_path)."""
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        return path[len(root) :] or "/"
    return path


def is_open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


def client_id(scope: Scope) -> str:
    """The caller's identity for rate limiting: its API key (if keys are on) or its address."""
    cid = scope.get(CLIENT_ID)
    if isinstance(cid, str):
        return cid
    client = scope.get("client")
    return f"ip:{client[0]}" if client else "ip:unknown"


def presented_key(headers: Headers) -> str | None:
    """The key from `Authorization: Bearer <key>` or else `X-API-Key: <key>`."""
    auth = headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    key = headers.get("x-api-key", "").strip()
    return key or None


def normalise_hashes(hashes: Iterable[str]) -> list[str]:
    """Lower-case digests; ValueError (naming the bad value) unless each is 64 hex characters."""
    out = [h.strip().lower() for h in hashes]
    for h in out:
        if not _HEX64.match(h):
            raise ValueError(
                f"api_key_hashes must be sha256 hex digests (64 hex characters), got {h!r}"
            )
    return out


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


def install(app: FastAPI, settings: Settings) -> None:
    """API keys (if configured), then CORS outside them so preflights and 401s carry headers.

    Call after `api.limits.install` (rate limits then see who the caller is) and before
    `api.metrics.install`: the last middleware added is the outermost.
    """
    hashes = normalise_hashes(settings.api.api_key_hashes)  # fail at startup, not per request
    if hashes:
        app.add_middleware(ApiKeyMiddleware, hashes=hashes)
    if settings.api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api.cors_origins,
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
            expose_headers=["Retry-After", "Location"],
            max_age=600,
        )

"""Optional API keys: who may call, and who is calling (api.middleware.keys checks them).

Keys are never stored: `settings.api.api_key_hashes` holds sha256 hex digests. Make one with

    python -c "import hashlib, secrets; k = secrets.token_urlsafe(32); \
print(k, hashlib.sha256(k.encode()).hexdigest())"

and give the first value to the client, the second to the server
(`RAG_API__API_KEY_HASHES='["<digest>"]'`). A client sends `Authorization: Bearer <key>` or
`X-API-Key: <key>`. With no hashes configured the API is open.

Open without a key even when keys are on: `/healthz`, `/readyz` (probes), `/`, `/static/*`
(the web page, which asks for a key itself), `/docs`, `/redoc`, their `/docs-assets/*` and
`/openapi.json`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.types import Scope

from rag.settings import sha256_hexes

OPEN_PATHS = frozenset(
    {"/", "/healthz", "/readyz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
)
OPEN_PREFIXES = ("/static/", "/docs-assets/")
CLIENT_ID = "rag.client_id"  # scope key: who is calling ("key:<digest prefix>" or "ip:<addr>")


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
    try:
        return sha256_hexes(list(hashes))
    except ValueError as exc:
        raise ValueError(f"api_key_hashes {exc}") from exc

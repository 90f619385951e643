"""The client's address behind trusted proxies, as ASGI middleware (outside the limits).

`rag serve` runs uvicorn with its own proxy-header handling off (uvicorn would believe
`X-Forwarded-For` from 127.0.0.1 by default); this middleware believes `Forwarded`,
`X-Forwarded-For` and `X-Real-IP` only from `RAG_API__TRUSTED_PROXIES` (api.security).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from api.security import TrustedProxies


class ClientAddressMiddleware:
    """Sets `scope["client"]` to the real client's address when the peer is a trusted proxy."""

    def __init__(self, app: ASGIApp, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        peer = scope.get("client")
        if scope["type"] in ("http", "websocket") and peer and self.proxies.trusts(peer[0]):
            host = self.proxies.client(peer[0], Headers(scope=scope))
            scope["client"] = (host, 0)
        await self.app(scope, receive, send)

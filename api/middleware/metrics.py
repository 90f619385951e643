"""Request metrics as ASGI middleware, outermost, so it counts every response (including the
rejections of the middleware inside it) by its route template (api.metrics.RouteTemplates)."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import Metrics, RouteTemplates


class MetricsMiddleware:
    """Counts every HTTP response, including those the other middleware rejected."""

    def __init__(self, app: ASGIApp, metrics: Metrics, templates: RouteTemplates) -> None:
        self.app = app
        self.metrics = metrics
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # if the app raises before responding, the error middleware sends 500
        t0 = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed = time.perf_counter() - t0
            self.metrics.observe(scope["method"], self.templates(scope), status, elapsed)

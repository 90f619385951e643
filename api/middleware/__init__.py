"""The request middleware, added in one place and in one order.

Starlette makes the last middleware added the outermost, so a request passes, from the
outside in:

    metrics -> CORS -> API keys -> rate limit -> body limit -> deadline -> concurrency gate -> app

- metrics (api.middleware.metrics) outermost: it counts every response, rejections included;
- CORS (if origins are configured) outside the keys, so preflights and 401s carry its headers;
- API keys (api.middleware.keys, if hashes are configured) outside the rate limit, so the
  limit counts per key (api.security.CLIENT_ID) rather than per address;
- the limits (api.middleware.limits): the gate sits inside the deadline, so work abandoned by
  a 504 keeps its slot until it really ends.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from api.metrics import Metrics, RouteTemplates
from api.middleware.keys import ApiKeyMiddleware
from api.middleware.limits import (
    BodyLimitMiddleware,
    ConcurrencyGateMiddleware,
    DeadlineMiddleware,
    RateLimitMiddleware,
)
from api.middleware.metrics import MetricsMiddleware
from api.security import normalise_hashes
from rag import Settings


def install(app: FastAPI, settings: Settings, metrics: Metrics) -> None:
    """Add the middleware, innermost first; `metrics` is the app's (also served at /metrics)."""
    api = settings.api
    app.add_middleware(ConcurrencyGateMiddleware, limit=api.max_concurrency)
    app.add_middleware(DeadlineMiddleware, seconds=api.request_timeout_s)
    app.add_middleware(BodyLimitMiddleware, max_bytes=api.max_body_bytes)
    app.add_middleware(RateLimitMiddleware, per_minute=api.rate_limit_per_minute)
    hashes = normalise_hashes(api.api_key_hashes)  # fail at startup, not per request
    if hashes:
        app.add_middleware(ApiKeyMiddleware, hashes=hashes)
    if api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=api.cors_origins,
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
            expose_headers=["Retry-After", "Location"],
            max_age=600,
        )
    app.add_middleware(MetricsMiddleware, metrics=metrics, templates=RouteTemplates(app))


__all__ = [
    "ApiKeyMiddleware",
    "BodyLimitMiddleware",
    "ConcurrencyGateMiddleware",
    "DeadlineMiddleware",
    "MetricsMiddleware",
    "RateLimitMiddleware",
    "install",
]

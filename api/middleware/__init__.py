"""The request middleware, added in one place and in one order.

Starlette makes the last middleware added the outermost, so a request passes, from the
outside in:

    metrics -> CORS -> client address -> shed -> rate limit -> API keys -> body limit
            -> deadline -> concurrency gate -> app

- metrics (api.middleware.metrics) outermost: it counts every response, rejections included;
- CORS (if origins are configured) outside the rest, so preflights, 401s and 429s carry its
  headers;
- client address (api.middleware.proxies): the real client behind a trusted proxy, before
  anything counts per address;
- shed (api.middleware.limits): a 503 while the gate is full, before any other work;
- rate limit (api.middleware.rate) outside the API keys, so failed key checks are counted and
  throttled per address, and requests per key (or per address without keys);
- the body limit, the deadline and the gate (api.middleware.limits): the gate sits inside the
  deadline, so work abandoned by a 504 keeps its slot until it really ends.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from api.limits import Gate, RateLimits, rate_limit_storage
from api.metrics import Metrics, RouteTemplates
from api.middleware.keys import ApiKeyMiddleware
from api.middleware.limits import (
    BodyLimitMiddleware,
    ConcurrencyGateMiddleware,
    DeadlineMiddleware,
    ShedMiddleware,
)
from api.middleware.metrics import MetricsMiddleware
from api.middleware.proxies import ClientAddressMiddleware
from api.middleware.rate import RateLimitMiddleware
from api.security import TrustedProxies, normalise_hashes
from rag import Settings


def install(app: FastAPI, settings: Settings, metrics: Metrics) -> None:
    """Add the middleware, innermost first; `metrics` is the app's (also served at /metrics)."""
    api = settings.api
    gate = Gate(api.max_concurrency)
    app.add_middleware(ConcurrencyGateMiddleware, gate=gate, compute=api.compute_concurrency)
    app.add_middleware(DeadlineMiddleware, seconds=api.request_timeout_s)
    app.add_middleware(BodyLimitMiddleware, max_bytes=api.max_body_bytes)
    hashes = normalise_hashes(api.api_key_hashes)  # fail at startup, not per request
    if hashes:
        app.add_middleware(ApiKeyMiddleware, hashes=hashes)
    storage = rate_limit_storage(api.rate_limit_storage)  # a bad URI fails here, at startup
    limits = RateLimits(api.rate_limit_per_minute, api.auth_failures_per_minute, storage)
    app.add_middleware(RateLimitMiddleware, limits=limits, keys_on=bool(hashes))
    app.add_middleware(ShedMiddleware, gate=gate)
    proxies = TrustedProxies(api.trusted_proxies)
    if proxies:
        app.add_middleware(ClientAddressMiddleware, proxies=proxies)
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
    "ClientAddressMiddleware",
    "ConcurrencyGateMiddleware",
    "DeadlineMiddleware",
    "MetricsMiddleware",
    "RateLimitMiddleware",
    "ShedMiddleware",
    "install",
]

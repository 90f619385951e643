"""Which requests the limits apply to, the rate limits (the `limits` library) and the gate count.

The limits themselves are ASGI middleware (api.middleware.limits); the length limit on a
question or query is a FastAPI dependency, `api.deps.TextLimits`, for the routers that take
them.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import ConfigurationError, StorageError
from limits.storage import storage_from_string

from rag.settings import RATE_LIMIT_SCHEMES, ConfigError

log = logging.getLogger(__name__)

UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapes


def guarded(path: str) -> bool:
    """Paths under the deadline and the concurrency gate: the API proper."""
    return path == "/v1" or path.startswith("/v1/")


def rate_limit_storage(uri: str) -> Storage:
    """The async `limits` storage for a `memory://`, `redis://...` or `memcached://...` URI.

    Redis needs the `redis` package, Memcached `memcachio`. ConfigError (one line, without
    the URI, which may hold a password) for an unknown scheme or a missing client package.
    """
    scheme = uri.split(":", 1)[0].lower()
    if "://" not in uri or scheme not in RATE_LIMIT_SCHEMES:
        raise ConfigError(f"RAG_API__RATE_LIMIT_STORAGE: unknown storage scheme {scheme!r}")
    # Redis through the `redis` package (limits' default would be coredis)
    options = {"implementation": "redispy"} if scheme.startswith("redis") else {}
    try:
        storage = storage_from_string("async+" + uri, wrap_exceptions=True, **options)
    except ConfigurationError as exc:
        raise ConfigError(f"RAG_API__RATE_LIMIT_STORAGE ({scheme}://): {exc}") from None
    except (ValueError, TypeError) as exc:  # a URI the storage cannot parse (port, options)
        raise ConfigError(
            f"RAG_API__RATE_LIMIT_STORAGE ({scheme}://) is malformed: {exc}"
        ) from None
    if not isinstance(storage, Storage):  # pragma: no cover - storage_from_string's contract
        raise ConfigError(f"RAG_API__RATE_LIMIT_STORAGE ({scheme}://) is not an async storage")
    return storage


class RateLimits:
    """Two sliding-window limits over one storage (shared by replicas if it is Redis or
    Memcached): requests per client, and failed API-key checks per address (stricter).

    A storage that fails (e.g. Redis down) lets the request through and logs a warning:
    the limits protect the service, they should not take it down.
    """

    def __init__(self, per_minute: int, failures_per_minute: int, storage: Storage) -> None:
        self.requests = RateLimitItemPerMinute(per_minute)
        self.failures = RateLimitItemPerMinute(failures_per_minute)
        self.limiter = SlidingWindowCounterRateLimiter(storage)

    async def take(self, client: str) -> float:
        """Count one request: 0.0 if allowed, else the seconds until the client may retry."""
        return await self._hit(self.requests, "requests", client)

    async def locked_out(self, address: str) -> float:
        """0.0 if `address` may still try a key, else the seconds until it may."""
        try:
            if await self.limiter.test(self.failures, "auth-failures", address):
                return 0.0
            return await self._wait(self.failures, "auth-failures", address)
        except StorageError as exc:
            log.warning("rate-limit storage failed, request let through: %s", exc)
            return 0.0

    async def failed(self, address: str) -> None:
        """Count one failed key check for `address`."""
        await self._hit(self.failures, "auth-failures", address)

    async def _hit(self, item: RateLimitItem, *ids: str) -> float:
        try:
            if await self.limiter.hit(item, *ids):
                return 0.0
            return await self._wait(item, *ids)
        except StorageError as exc:
            log.warning("rate-limit storage failed, request let through: %s", exc)
            return 0.0

    async def _wait(self, item: RateLimitItem, *ids: str) -> float:
        stats = await self.limiter.get_window_stats(item, *ids)
        return max(1.0, math.ceil(stats.reset_time - time.time()))


class Gate:
    """How many /v1/* requests are in flight, against the limit (api.middleware.limits).

    Touched only on the event loop, so no lock is needed.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.limit = limit
        self.in_flight = 0

    def full(self) -> bool:
        return self.in_flight >= self.limit

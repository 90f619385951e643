"""Which requests the limits apply to, and the rate limit's token buckets.

The limits themselves are ASGI middleware (api.middleware.limits); the length limit on a
question or query is a FastAPI dependency, `api.deps.TextLimits`, for the routers that take
them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapes


def guarded(path: str) -> bool:
    """Paths under the deadline and the concurrency gate: the API proper."""
    return path == "/v1" or path.startswith("/v1/")


class TokenBuckets:
    """One token bucket per client: `per_minute` tokens, refilled evenly, bursts up to that.

    >>> buckets = TokenBuckets(2, clock=lambda: 0.0)
    >>> buckets.take("a"), buckets.take("a"), buckets.take("a")
    (0.0, 0.0, 30.0)
    """

    def __init__(
        self,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        if per_minute < 1:
            raise ValueError(f"per_minute must be at least 1, got {per_minute}")
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens per second
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, stamp)

    def take(self, client: str) -> float:
        """Spend one token: 0.0 if allowed, else the seconds until a token is available."""
        now = self.clock()
        tokens, stamp = self._buckets.get(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - stamp) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[client] = (tokens, now)
        if len(self._buckets) > self.max_clients:
            self._prune(now)
        return wait

    def _prune(self, now: float) -> None:
        """Forget clients whose bucket has refilled (they would start full anyway)."""
        full_after = self.capacity / self.rate
        self._buckets = {c: (t, s) for c, (t, s) in self._buckets.items() if now - s < full_after}

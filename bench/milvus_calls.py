"""What one ``Engine.search`` on Milvus asks the server: calls per search and ms per call
(``bench.milvus_scale``)."""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any


class CallLog:
    """A Milvus client that notes each call's method and milliseconds while ``on``."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.on = False
        self.searches = 0
        self.ms: dict[str, list[float]] = defaultdict(list)

    def __getattr__(self, name: str) -> Any:
        real = getattr(self.client, name)
        if not callable(real):
            return real

        def call(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                if self.on:
                    self.ms[name].append((time.perf_counter() - t0) * 1000.0)

        return call

    def counted(self, fn: Callable[[str], Any]) -> Callable[[str], Any]:
        def run(q: str) -> Any:
            self.searches += 1
            self.on = True
            try:
                return fn(q)
            finally:
                self.on = False

        return run

    def per_search(self) -> dict[str, list[float]]:
        """method -> [calls per counted search, p50 ms of one call]."""
        n = max(self.searches, 1)
        return {k: [len(v) / n, statistics.median(v)] for k, v in sorted(self.ms.items())}


def calls_table(rows: list[dict[str, Any]]) -> str:
    """What one Milvus ``Engine.search`` asks the server (the revision look-up included)."""
    out = ["| passages | method | calls per Engine.search | p50 ms per call |", "|---|---|---|---|"]
    for r in rows:
        for method, (per, ms) in r.get("calls", {}).items():
            out.append(f"| {r['passages']:,} | {method} | {per:.2f} | {ms:.1f} |")
    return "\n".join(out) + "\n"

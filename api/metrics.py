"""Prometheus metrics at /metrics, in a per-app CollectorRegistry (tests build several apps).

- `rag_http_requests_total{method,route,status}` and
  `rag_http_request_duration_seconds{method,route,status}`: `route` is the route template
  (`/v1/documents/{doc_id}`), never the raw path, so label values stay bounded;
- `rag_index_documents`, `rag_index_passages`: the loaded index, read at scrape time;
- `rag_answers_total{status}`: answered / partial / unanswerable, counted by `record_answer`.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from starlette.applications import Starlette
from starlette.types import Scope

from api.security import app_path
from rag import Engine

ANSWER_STATUSES = ("answered", "partial", "unanswerable")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
UNMATCHED = "<unmatched>"
MAX_SEEN_PATHS = 4096


class Metrics:
    """The app's collectors, registered in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        labels = ("method", "route", "status")
        self.requests = Counter(
            "rag_http_requests", "HTTP requests served", labels, registry=self.registry
        )
        self.latency = Histogram(
            "rag_http_request_duration_seconds",
            "Time to the end of the response",
            labels,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.documents = Gauge(
            "rag_index_documents", "Documents in the loaded index", registry=self.registry
        )
        self.passages = Gauge(
            "rag_index_passages", "Passages in the loaded index", registry=self.registry
        )
        self.answers = Counter(
            "rag_answers", "Answers given, by status", ("status",), registry=self.registry
        )
        for status in ANSWER_STATUSES:
            self.answers.labels(status=status)  # export zeros from the start
        # labels() per request cost a third of a shed 503: the labelled children, kept
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:  # label values are bounded: methods x route templates x statuses
            labels = (method, route, str(status))
            children = self._children[key] = (
                self.requests.labels(*labels),
                self.latency.labels(*labels),
            )
        children[0].inc()
        children[1].observe(seconds)

    def refresh_index(self, engine: Engine | None) -> None:
        if engine is None or not engine.ready():
            self.documents.set(0)
            self.passages.set(0)
            return
        index = engine.index
        self.documents.set(len(index.documents))
        self.passages.set(len(index.passages))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class RouteTemplates:
    """The route template (`/v1/documents/{doc_id}`) a request matches, from the app's routes.

    Resolved from the path, so requests that middleware rejected before routing (401, 413,
    429, 503) get their route's label too. The table is built on first use.
    """

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self._table: list[tuple[re.Pattern[str], frozenset[str] | None, str]] | None = None
        self._seen: dict[tuple[str, str], str] = {}  # (method, path) -> template

    def _build(self) -> list[tuple[re.Pattern[str], frozenset[str] | None, str]]:
        table = []
        for ctx in iter_route_contexts(self.app.routes):
            regex = getattr(ctx, "path_regex", None)
            template = ctx.path_format or ctx.path
            if isinstance(regex, re.Pattern) and template:
                methods = frozenset(ctx.methods) if ctx.methods else None
                table.append((regex, methods, template))
        return table

    def __call__(self, scope: Scope) -> str:
        key = (scope.get("method", "GET"), app_path(scope))
        template = self._seen.get(key)
        if template is None:
            if len(self._seen) >= MAX_SEEN_PATHS:  # paths carry ids: bounded, not an LRU
                self._seen.clear()
            template = self._seen[key] = self._match(*key)
        return template

    def _match(self, method: str, path: str) -> str:
        if self._table is None:
            self._table = self._build()
        partial = None
        for regex, methods, template in self._table:
            if regex.match(path):
                if methods is None or method in methods:
                    return template
                partial = partial or template  # 405: the path exists
        return partial or UNMATCHED


def record_answer(app: FastAPI, status: str) -> None:
    """Count one answer by its status (a no-op when metrics are not installed)."""
    metrics: Metrics | None = getattr(app.state, "metrics", None)
    if metrics is not None:
        metrics.answers.labels(status=status).inc()

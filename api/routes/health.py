"""Operations: `/healthz` (the process is up), `/readyz` (the index is loaded, and which
models are warm) and `/metrics` (Prometheus text exposition of the app's api.metrics.Metrics)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from api.deps import EngineDep
from api.metrics import Metrics

router = APIRouter()


@router.get("/healthz", tags=["health"])
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", tags=["health"], response_model=None)
def readyz(engine: EngineDep, request: Request) -> Any:
    """The index and the query model are loaded (200); `warm` says what is in memory.

    The document model (torch) loads on the first upload, ingest or briefing, so a replica
    that only answers reports `"document_model": false` and is ready all the same.
    """
    warm = engine.warmth()
    if engine.ready():
        idx = engine.index
        return {
            "status": "ready",
            "index_version": idx.version,
            "documents": len(idx.documents),
            "passages": len(idx.passages),
            "warm": warm,
            # set when the published version was corrupt and an older one is served
            "fallback": engine.fallback,
        }
    detail = request.app.state.load_error or "loading"
    return JSONResponse({"status": "not ready", "detail": detail, "warm": warm}, status_code=503)


@router.get("/metrics", tags=["health"], response_class=Response, include_in_schema=False)
def prometheus(request: Request) -> Response:
    """Prometheus text exposition of this app's metrics."""
    metrics: Metrics = request.app.state.metrics
    metrics.refresh_index(getattr(request.app.state, "engine", None))
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

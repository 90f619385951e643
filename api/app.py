"""The FastAPI application factory; the lifespan loads the Engine once."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from api import documents, errors, limits, metrics, openai_compat, openapi, security, web
from api.briefings import router as briefings_router
from api.deps import EngineDep, TextLimits
from api.routes import router
from rag.engine import Engine
from rag.index.store import IndexProblem
from rag.settings import Settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        eng = engine or Engine(settings)
        app.state.engine = eng
        try:
            eng.load()
            eng.warm()
        except IndexProblem as exc:
            log.error("index not loaded: %s", exc)
            app.state.load_error = str(exc)
        yield

    app = FastAPI(
        title="Cited RAG",
        version="0.1.0",
        description="Question answering over news articles with checked, offset-exact citations.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.load_error = None
    errors.install(app)
    limits.install(app, settings)  # order matters: the last installed is outermost
    security.install(app, settings)
    metrics.install(app, settings)
    openapi.install(app, settings)  # documents what the middleware answers

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], response_model=None)
    def readyz(engine: EngineDep) -> Any:
        """The index is loaded and the models are warm."""
        if engine.ready():
            idx = engine.index
            return {
                "status": "ready",
                "index_version": idx.version,
                "documents": len(idx.documents),
                "passages": len(idx.passages),
            }
        return JSONResponse(
            {"status": "not ready", "detail": app.state.load_error or "loading"}, status_code=503
        )

    app.include_router(router, dependencies=[TextLimits])
    app.include_router(documents.router)
    app.include_router(openai_compat.router)
    app.include_router(briefings_router)
    web.install(app)  # the page at / and /static
    return app

"""The FastAPI application factory; the lifespan loads the Engine once."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import errors, middleware, openapi
from api.metrics import Metrics
from api.routes import ROUTERS, web
from rag import Engine, Settings
from rag.index.store import IndexProblem
from rag.settings import load_settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or load_settings()

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
    metrics = Metrics()  # counted by the middleware and /v1/ask, served at /metrics
    app.state.settings = settings
    app.state.load_error = None
    app.state.metrics = metrics
    errors.install(app)
    middleware.install(app, settings, metrics)
    openapi.install(app, settings)  # documents what the middleware answers
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=web.STATIC), name="static")  # the page's files
    return app

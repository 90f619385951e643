"""The FastAPI application factory; the lifespan loads the Engine once."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import errors, middleware, openapi
from api.metrics import Metrics
from api.routes import ROUTERS, docs, web
from rag import Engine, Settings
from rag.index.store import IndexProblem
from rag.job_journal import JournalBusy
from rag.settings import load_settings

log = logging.getLogger(__name__)


def _load_document_model(engine: Engine) -> None:
    """Background start-up work: a failure is logged; the first upload will try again."""
    try:
        engine.load_document_model()
    except Exception:
        log.exception("document model not loaded")


def _open_job_journal(engine: Engine, settings: Settings) -> None:
    """Read back and go on writing this server's job records; without them (another process
    holds the file, it cannot be written) jobs live in memory, as the log says."""
    if not settings.api.keep_jobs:
        return
    name = f"{socket.gethostname()}-{settings.api.port}.jsonl"
    path = settings.api.jobs_journal or settings.index.dir / "jobs" / name
    try:
        restored = engine.jobs.open_journal(path)
    except (JournalBusy, OSError, RuntimeError) as exc:
        log.warning("job records are kept in memory only: %s", exc)
        return
    log.info("job journal %s: %d jobs read back", path, restored)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        eng = engine or Engine(settings)
        app.state.engine = eng
        try:
            eng.reconcile(quarantine=True)  # a crash mid-upload leaves nothing half-committed
            eng.load()
            eng.warm()
        except IndexProblem as exc:
            log.error("index not loaded: %s", exc)
            app.state.load_error = str(exc)
        _open_job_journal(eng, settings)
        if settings.embedding.document_model_load == "background":
            threading.Thread(
                target=_load_document_model, args=(eng,), name="document-model", daemon=True
            ).start()
        try:
            yield
        finally:
            eng.jobs.close_journal()

    app = FastAPI(
        title="Cited RAG",
        version="0.1.0",
        description="Question answering over news articles with checked, offset-exact citations.",
        lifespan=lifespan,
        docs_url=None,  # served from local files by api.routes.docs
        redoc_url=None,
        # No OpenTelemetry here (Prometheus at /metrics): off, FastAPI would look up three
        # providers (environment variables) on every request, shed 503s included
        telemetry={"tracing": False, "metrics": False, "logs": False},
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
    app.mount(docs.ASSETS_URL, StaticFiles(directory=docs.ASSETS), name="docs-assets")
    return app

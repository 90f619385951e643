"""The HTTP routes, one module per resource, each with its own APIRouter.

    health      GET /healthz, GET /readyz, GET /metrics
    search      POST /v1/search
    ask         POST /v1/ask (JSON, or Server-Sent Events)
    followup    POST /v1/followup: the page's follow-up question made standalone
    documents   GET, POST /v1/documents; GET, PUT, DELETE /v1/documents/{doc_id} (as jobs)
    jobs        GET /v1/jobs/{job_id}: the state of an upload, replacement or delete
    chat        the OpenAI-compatible GET /v1/models[/{model_id}], POST /v1/chat/completions
    briefings   POST /v1/briefings
    web         GET / (the page; api.app mounts its files at /static)
    docs        GET /docs, /redoc: the API docs from local files (api.app mounts /docs-assets)

`ROUTERS` is what `api.app.create_app` includes, in this order.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import (
    ask,
    briefings,
    chat,
    docs,
    documents,
    followup,
    health,
    jobs,
    search,
    web,
)

ROUTERS: list[APIRouter] = [
    health.router,
    search.router,
    ask.router,
    followup.router,
    documents.router,
    jobs.router,
    chat.router,
    briefings.router,
    web.router,
    docs.router,
]

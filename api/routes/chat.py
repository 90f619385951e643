"""An OpenAI-compatible face: `POST /v1/chat/completions` and `GET /v1/models`.

The last user message is the question; earlier user turns make a follow-up standalone
(rag.followup). The reply's `content` is the cited answer with `[n]` markers; the citation
objects travel in `choices[0].message.citations`, top-level `citations`, and `rag` carries
status, sentences and conflicts. With `"stream": true` the reply is `chat.completion.chunk`
events, one content piece per sentence; the chunk that first uses a marker carries its
citation objects in `choices[0].delta.citations`; then `data: [DONE]`.

    client = openai.OpenAI(base_url="http://127.0.0.1:8000/v1", api_key="x")
    reply = client.chat.completions.create(model="cited-rag", messages=[...])
    reply.choices[0].message.model_extra["citations"]
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from api.chat_reply import Linker, chunks, completion, reply
from api.chat_schemas import ChatCompletionOut, ModelList, ModelOut, openai_error_doc
from api.deps import EngineDep, SettingsDep
from api.errors import openai_error, problem
from api.openapi import json_data
from api.schemas import ChatRequest
from api.streaming import SSE, SSE_HEADERS, problem_body, sse
from rag import Engine, Settings
from rag.text.followup import standalone_question
from rag.types import Citation

router = APIRouter(prefix="/v1")

# model id -> the engine's `llm` option
MODELS: dict[str, str] = {
    "cited-rag": "none",
    "cited-rag-llm-local": "local",
    "cited-rag-llm-openai": "openai",
}
CREATED = 1_767_225_600  # a fixed date for the model cards (2026-01-01)


def configured(settings: Settings) -> list[str]:
    """The model ids this server answers: extractive always, an LLM mode once configured."""
    return [m for m, llm in MODELS.items() if llm in ("none", settings.llm.backend)]


def _model_card(model_id: str) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": CREATED, "owned_by": "cited-rag"}


def _unknown_model(model_id: str, settings: Settings, instance: str) -> JSONResponse:
    return problem(
        404,
        "model-not-found",
        "No such model",
        f"the model {model_id!r} does not exist; use one of {', '.join(configured(settings))}",
        instance,
        code="model_not_found",
        param="model",
    )


@router.get("/models", response_model=ModelList, tags=["models"])
def list_models(settings: SettingsDep) -> dict[str, Any]:
    """The answer modes this server is configured for, as OpenAI model ids."""
    return {"object": "list", "data": [_model_card(m) for m in configured(settings)]}


@router.get(
    "/models/{model_id}",
    response_model=ModelOut,
    tags=["models"],
    responses={404: openai_error_doc("Unknown model (`code`: `model_not_found`)")},
)
def get_model(model_id: str, settings: SettingsDep, request: Request) -> Any:
    """One model card."""
    if model_id not in configured(settings):
        return _unknown_model(model_id, settings, request.url.path)
    return _model_card(model_id)


def linker(engine: Engine, settings: Settings, request: Request) -> Linker:
    """A citation's link in the document view and its document's title."""
    base = (settings.api.document_base_url or str(request.base_url)).rstrip("/")

    def link(c: Citation) -> tuple[str, str]:
        title = engine.document(c.doc_id).title
        return f"{base}/#doc={c.doc_id}&start={c.start}&end={c.end}", title

    return link


async def _stream(compute: Callable[[], dict[str, Any]], instance: str) -> AsyncIterator[str]:
    try:
        frames = await anyio.to_thread.run_sync(compute)
        for c in frames["chunks"]:
            yield sse(None, c)
    except Exception as exc:
        body = problem_body(exc, instance)
        kind = body["type"].rsplit("/", 1)[-1]
        # the openai client raises APIError on a `data: {"error": {...}}` frame
        yield sse(None, openai_error(body["status"], kind, body["detail"]))
    yield sse(None, "[DONE]")


CHAT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A `chat.completion`, or with `stream: true` Server-Sent Events: "
        '`chat.completion.chunk` objects, then `[DONE]` (an error arrives as `{"error": ...}`).',
        "model": ChatCompletionOut,
        "content": {
            SSE: {
                "schema": {
                    "type": "object",
                    "required": ["data"],
                    "properties": {
                        "event": {"const": "message"},
                        "data": {"anyOf": [{"const": "[DONE]"}, json_data({"type": "object"})]},
                    },
                }
            },
        },
    },
    400: openai_error_doc("An invalid request: no user message, n > 1, a bad field"),
    404: openai_error_doc("Unknown model (`code`: `model_not_found`)"),
}


def _refusal(req: ChatRequest, settings: Settings, instance: str) -> JSONResponse | str:
    """The standalone question, or the error response that refuses the request."""
    if req.model not in configured(settings):
        return _unknown_model(req.model, settings, instance)
    if req.n is not None and req.n != 1:
        why = f"n: {req.n} choices were asked for; a cited answer is not sampled, so n must be 1"
        return problem(400, "unsupported-value", "", why, instance, param="n")
    try:
        question = standalone_question([(str(m.role), m.text()) for m in req.messages])
    except ValueError:
        why = "messages: there is no user message with text"
        return problem(400, "invalid-messages", "", why, instance, param="messages")
    limit = settings.api.max_question_chars
    if len(question) > limit:  # the same limit as /v1/ask's question
        why = f"messages: the question is {len(question):,} characters long; the limit is {limit:,}"
        return problem(400, "question-too-long", "", why, instance, param="messages")
    return question


@router.post("/chat/completions", response_model=None, responses=CHAT_RESPONSES, tags=["chat"])
def chat_completions(
    req: ChatRequest, engine: EngineDep, settings: SettingsDep, request: Request
) -> dict[str, Any] | JSONResponse | StreamingResponse:
    """A cited answer to the last user message, in OpenAI's chat completion format.

    Errors come in OpenAI's `{"error": {"message", "type", "param", "code"}}` envelope.
    """
    question = _refusal(req, settings, request.url.path)
    if isinstance(question, JSONResponse):
        return question
    prompts: Sequence[str] = [m.text() for m in req.messages]
    filters = req.filters.to_engine() if req.filters else None
    link = linker(engine, settings, request)
    max_tokens = req.max_completion_tokens or req.max_tokens

    def compute() -> dict[str, Any]:
        answer = engine.ask(question, top_k=req.top_k, filters=filters, llm=MODELS[req.model])
        r = reply(answer, prompts, max_tokens, link)
        if req.stream:
            usage = bool((req.stream_options or {}).get("include_usage"))
            return {"chunks": chunks(r, req.model, usage)}
        return completion(r, req.model)

    if req.stream:
        frames = _stream(compute, request.url.path)
        return StreamingResponse(frames, media_type=SSE, headers=dict(SSE_HEADERS))
    return compute()


__all__ = ["MODELS", "configured", "router"]

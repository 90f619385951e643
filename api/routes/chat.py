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

import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from api.deps import EngineDep, SettingsDep
from api.errors import PROBLEM, problem
from api.openapi import json_data
from api.schemas import ChatRequest
from api.streaming import SSE, SSE_HEADERS, answer_pieces, problem_body, sse
from rag import Answer
from rag.text.followup import standalone_question

router = APIRouter(prefix="/v1", tags=["openai"])

# model id -> the engine's `llm` option
MODELS: dict[str, str] = {
    "cited-rag": "none",
    "cited-rag-llm-local": "local",
    "cited-rag-llm-openai": "openai",
}
CREATED = 1_767_225_600  # a fixed date for the model cards (2026-01-01)
MARKER = re.compile(r"\[(\d+)\]")


def _model_card(model_id: str) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": CREATED, "owned_by": "cited-rag"}


def _unknown_model(model_id: str, instance: str) -> JSONResponse:
    return problem(
        404,
        "model-not-found",
        "No such model",
        f"the model {model_id!r} does not exist; use one of {', '.join(MODELS)}",
        instance,
        code="model_not_found",
        param="model",
    )


@router.get("/models", tags=["openai"])
def list_models() -> dict[str, Any]:
    """The answer modes as OpenAI model ids."""
    return {"object": "list", "data": [_model_card(m) for m in MODELS]}


@router.get(
    "/models/{model_id}",
    tags=["openai"],
    response_model=None,
    responses={404: {"description": "Unknown model", "content": {PROBLEM: {}}}},
)
def get_model(model_id: str, request: Request) -> dict[str, Any] | JSONResponse:
    if model_id not in MODELS:
        return _unknown_model(model_id, request.url.path)
    return _model_card(model_id)


def _words(text: str) -> int:
    return len(text.split())


def _rag_extra(answer: Answer) -> dict[str, Any]:
    d = answer.to_dict()
    keys = ("question", "status", "sentences", "conflicts", "missing", "mode", "fallback_reason")
    return {k: d[k] for k in keys} | {"timings_ms": d["timings_ms"]}


def completion(answer: Answer, model: str, prompt_words: int) -> dict[str, Any]:
    """A `chat.completion` object for an answer."""
    citations = [asdict(c) for c in answer.citations]
    completion_words = _words(answer.answer)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer.answer, "citations": citations},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_words,
            "completion_tokens": completion_words,
            "total_tokens": prompt_words + completion_words,
        },
        "citations": citations,
        "rag": _rag_extra(answer),
    }


def chunks(answer: Answer, model: str, prompt_words: int, usage: bool) -> list[dict[str, Any]]:
    """The `chat.completion.chunk` objects of a streamed answer, in order."""
    cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        base = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model}
        return base | {"choices": [choice]} | extra

    by_marker = {c.marker: asdict(c) for c in answer.citations}
    out = [chunk({"role": "assistant", "content": ""})]
    seen: set[int] = set()
    for piece, _ in answer_pieces(answer):
        delta: dict[str, Any] = {"content": piece}
        new = [int(n) for n in MARKER.findall(piece) if int(n) in by_marker]
        new = [n for n in dict.fromkeys(new) if n not in seen]
        if new:
            seen.update(new)
            delta["citations"] = [by_marker[n] for n in new]
        out.append(chunk(delta))
    citations = [asdict(c) for c in answer.citations]
    out.append(chunk({}, "stop", citations=citations, rag=_rag_extra(answer)))
    if usage:
        n = _words(answer.answer)
        out.append(
            chunk({})
            | {
                "choices": [],
                "usage": {
                    "prompt_tokens": prompt_words,
                    "completion_tokens": n,
                    "total_tokens": prompt_words + n,
                },
            }
        )
    return out


async def _stream(
    compute: Callable[[], Answer], model: str, prompt_words: int, usage: bool, instance: str
) -> AsyncIterator[str]:
    try:
        answer = await anyio.to_thread.run_sync(compute)
        for c in chunks(answer, model, prompt_words, usage):
            yield sse(None, c)
    except Exception as exc:
        body = problem_body(exc, instance)
        # the openai client raises APIError on a `data: {"error": {...}}` frame
        yield sse(None, {"error": body | {"message": body["detail"]}})
    yield sse(None, "[DONE]")


CHAT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A `chat.completion`, or with `stream: true` Server-Sent Events: "
        '`chat.completion.chunk` objects, then `[DONE]` (an error arrives as `{"error": ...}`).',
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["id", "object", "model", "choices", "citations", "rag"],
                    "properties": {
                        "object": {"const": "chat.completion"},
                        "choices": {"type": "array", "minItems": 1},
                        "citations": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/CitationOut"},
                        },
                    },
                }
            },
            SSE: {
                "schema": {
                    "type": "object",
                    "required": ["data"],
                    "properties": {
                        "event": {"const": "message"},
                        "data": {
                            "anyOf": [
                                {"const": "[DONE]"},
                                json_data({"type": "object"}),
                            ]
                        },
                    },
                }
            },
        },
    },
    404: {"description": "Unknown model (`code`: `model_not_found`)", "content": {PROBLEM: {}}},
    422: {"description": "No user message, or an invalid body", "content": {PROBLEM: {}}},
}


@router.post("/chat/completions", tags=["openai"], response_model=None, responses=CHAT_RESPONSES)
def chat_completions(
    req: ChatRequest, engine: EngineDep, settings: SettingsDep, request: Request
) -> dict[str, Any] | JSONResponse | StreamingResponse:
    """A cited answer to the last user message, in OpenAI's chat completion format."""
    if req.model not in MODELS:
        return _unknown_model(req.model, request.url.path)
    turns: list[tuple[str, str]] = [(str(m.role), m.text()) for m in req.messages]
    try:
        question = standalone_question(turns)
    except ValueError:
        return problem(
            422,
            "validation-error",
            "The request is not valid",
            "messages: there is no user message with text",
            request.url.path,
            code="invalid_messages",
            param="messages",
        )
    limit = settings.api.max_question_chars
    if len(question) > limit:  # the same limit as /v1/ask's question
        return problem(
            422,
            "validation-error",
            "The request is not valid",
            f"messages: the question is {len(question):,} characters long; the limit is {limit:,}",
            request.url.path,
            code="question_too_long",
            param="messages",
        )
    prompt_words = sum(_words(text) for _, text in turns)
    filters = req.filters.to_engine() if req.filters else None

    def compute() -> Answer:
        return engine.ask(question, top_k=req.top_k, filters=filters, llm=MODELS[req.model])

    if req.stream:
        usage = bool((req.stream_options or {}).get("include_usage"))
        frames = _stream(compute, req.model, prompt_words, usage, request.url.path)
        return StreamingResponse(frames, media_type=SSE, headers=dict(SSE_HEADERS))
    return completion(compute(), req.model, prompt_words)


__all__ = ["MODELS", "chunks", "completion", "router"]

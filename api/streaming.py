"""Server-Sent Events for `POST /v1/ask`: retrieval first, then each verified sentence, then done.

The engine computes a whole answer at once (in a worker thread); the events follow it:

    event: retrieval   data: {"results": [search hits, as in /v1/search]}
    event: sentence    data: {"index": 0, "text": ..., "marked": ..., "support": 0.91,
                              "citations": [{"marker", "doc_id", "start", "end", "quote", "score"}]}
    event: done        data: the whole answer object (as the JSON response of /v1/ask)
    event: error       data: a problem+json object (then the stream ends)
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import asdict
from typing import Any

import anyio.to_thread
from fastapi.responses import StreamingResponse

from api.errors import MAPPING, TYPE_BASE, ApiProblem
from rag import Answer

log = logging.getLogger(__name__)

SSE = "text/event-stream"
CLOSING = ".!?…\"'”’) "
MARKED_END = re.compile(r"(?:\s*\[\d+\])+[.!?…\"'”’)]*\s*")
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def wants_stream(stream: bool, accept: str | None) -> bool:
    """Stream when the body asks for it or the client accepts only/first an event stream."""
    if stream:
        return True
    ranges = [r.split(";")[0].strip().lower() for r in (accept or "").split(",")]
    return SSE in ranges and (ranges.index(SSE) == 0 or "application/json" not in ranges)


def sse(event: str | None, data: Any) -> str:
    """One SSE frame; the JSON payload has no newlines, so it fits one `data:` line."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n"


def answer_pieces(answer: Answer) -> list[tuple[str, int | None]]:
    """Cut `answer.answer` into one piece per sentence (with its [n] markers and the space
    before the next sentence), plus any closing text that is not a verified sentence.

    Returns (piece, sentence index or None); the pieces concatenate to `answer.answer` exactly.
    """
    text = answer.answer
    found: list[tuple[int, int]] = []  # (offset, sentence index) of each sentence's start
    pos = 0
    for i, sentence in enumerate(answer.sentences):
        head = sentence.text.rstrip(CLOSING)[:24]  # markers go before the closing punctuation
        at = text.find(head, pos) if head else -1
        if at >= 0:
            found.append((at, i))
            pos = at + len(head)
    cuts: list[tuple[int, int | None]] = [] if found and found[0][0] == 0 else [(0, None)]
    for k, (at, i) in enumerate(found):
        limit = found[k + 1][0] if k + 1 < len(found) else len(text)
        cuts.append((at, i))
        end = MARKED_END.search(text, at, limit)  # the sentence ends after its markers
        if end and end.end() < limit:
            cuts.append((end.end(), None))  # text that is not a verified sentence
    ends = [at for at, _ in cuts[1:]] + [len(text)]
    return [(text[s:e], i) for (s, i), e in zip(cuts, ends, strict=True) if e > s]


def sentence_events(answer: Answer) -> list[dict[str, Any]]:
    """The `sentence` event payloads: each sentence with its full citation objects."""
    by_marker = {c.marker: asdict(c) for c in answer.citations}
    marked = {i: piece.strip() for piece, i in answer_pieces(answer) if i is not None}
    return [
        {
            "index": i,
            "text": s.text,
            "marked": marked.get(i, s.text),
            "support": s.support,
            "citations": [by_marker[n] for n in s.citations if n in by_marker],
        }
        for i, s in enumerate(answer.sentences)
    ]


def problem_body(exc: BaseException, instance: str) -> dict[str, Any]:
    """The problem+json object the HTTP error handlers would have sent for `exc`."""
    if isinstance(exc, ApiProblem):
        status, kind, title, detail = exc.status, exc.kind, exc.title, exc.detail
    else:
        found = next((v for t, v in MAPPING.items() if isinstance(exc, t)), None)
        if found is None:
            log.error("error while streaming %s", instance, exc_info=exc)
            status, kind, title = 500, "internal-error", "Internal error"
            detail = "an unexpected error occurred"
        else:
            status, kind, title = found
            detail = str(exc)
    return {
        "type": TYPE_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }


def ask_events(answer: Answer) -> Iterator[str]:
    yield sse("retrieval", {"results": [h.to_dict() for h in answer.retrieved]})
    for payload in sentence_events(answer):
        yield sse("sentence", payload)
    yield sse("done", answer.to_dict())


async def _ask_stream(compute: Callable[[], Answer], instance: str) -> AsyncIterator[str]:
    try:
        answer = await anyio.to_thread.run_sync(compute)
        for frame in ask_events(answer):
            yield frame
    except Exception as exc:
        yield sse("error", problem_body(exc, instance))


def ask_response(compute: Callable[[], Answer], instance: str) -> StreamingResponse:
    """A `text/event-stream` response that runs `compute` (engine.ask) in a worker thread."""
    return StreamingResponse(
        _ask_stream(compute, instance), media_type=SSE, headers=dict(SSE_HEADERS)
    )

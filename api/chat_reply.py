"""An Answer as OpenAI's `chat.completion` and `chat.completion.chunk` objects.

The content is the cited answer, one piece per sentence (api.streaming.answer_pieces). With
`max_tokens`, whole sentences are kept while they fit, in tokens of the model that wrote them
(api.tokens); if the first does not fit, it is cut after the last word that does. Either way
`finish_reason` is `"length"` and only the citations the kept text uses are sent. Each
`[n]` also becomes an OpenAI `url_citation` annotation: the document's link and title, the
quote, and `start_index`/`end_index` of the sentence it supports in the content.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from api.streaming import answer_pieces
from api.tokens import Counter, counter, cut
from rag import Answer
from rag.types import Citation

MARKER = re.compile(r"\[(\d+)\]")
Linker = Callable[[Citation], tuple[str, str]]  # citation -> (url, document title)


@dataclass(frozen=True)
class Reply:
    pieces: list[str]  # the content, one piece per sentence
    finish_reason: str  # "stop" or "length"
    citations: list[dict[str, Any]]  # the ones the content uses
    annotations: list[list[dict[str, Any]]]  # per piece
    usage: dict[str, int]
    rag: dict[str, Any]

    @property
    def content(self) -> str:
        return "".join(self.pieces)


def rag_extra(answer: Answer) -> dict[str, Any]:
    d = answer.to_dict()
    keys = ("question", "status", "sentences", "conflicts", "missing", "mode", "fallback_reason")
    return {k: d[k] for k in keys} | {"timings_ms": d["timings_ms"]}


def _fit(pieces: list[str], max_tokens: int | None, count: Counter) -> tuple[list[str], bool]:
    """The pieces that fit in max_tokens (whole, or a cut first one); and whether all did."""
    if max_tokens is None or count("".join(pieces)) <= max_tokens:
        return pieces, True
    kept: list[str] = []
    for piece in pieces:
        if count("".join([*kept, piece]).rstrip()) > max_tokens:
            break
        kept.append(piece)
    if not kept:
        kept = [cut(pieces[0], max_tokens, count)] if pieces else []
    if kept:
        kept[-1] = kept[-1].rstrip()
    return kept, False


def _annotate(
    piece: str, at: int, cites: dict[int, Citation], link: Linker
) -> list[dict[str, Any]]:
    out = []
    for n in dict.fromkeys(int(m) for m in MARKER.findall(piece)):
        c = cites.get(n)
        if c is None:
            continue
        url, title = link(c)
        body = {
            "url": url,
            "title": title,
            "start_index": at,
            "end_index": at + len(piece.rstrip()),
        }
        extra = {"marker": n, "doc_id": c.doc_id, "start": c.start, "end": c.end, "quote": c.quote}
        out.append({"type": "url_citation", "url_citation": body | extra})
    return out


def reply(answer: Answer, prompts: Sequence[str], max_tokens: int | None, link: Linker) -> Reply:
    """What the chat routes send for `answer`; `prompts` are the messages' texts."""
    count = counter(answer.mode)
    pieces, whole = _fit([p for p, _ in answer_pieces(answer)], max_tokens, count)
    cites = {c.marker: c for c in answer.citations}
    annotations, at = [], 0
    for piece in pieces:
        annotations.append(_annotate(piece, at, cites, link))
        at += len(piece)
    used = {a["url_citation"]["marker"] for group in annotations for a in group}
    prompt = sum(count(p) for p in prompts)
    completion = count("".join(pieces))
    return Reply(
        pieces=pieces,
        finish_reason="stop" if whole else "length",
        citations=[asdict(c) for c in answer.citations if c.marker in used],
        annotations=annotations,
        usage={
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
        rag=rag_extra(answer),
    )


def completion(r: Reply, model: str) -> dict[str, Any]:
    """A `chat.completion` object."""
    message = {
        "role": "assistant",
        "content": r.content,
        "citations": r.citations,
        "annotations": [a for group in r.annotations for a in group],
    }
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": r.finish_reason}],
        "usage": r.usage,
        "citations": r.citations,
        "rag": r.rag,
    }


def chunks(r: Reply, model: str, usage: bool) -> list[dict[str, Any]]:
    """The `chat.completion.chunk` objects of a streamed reply, in order."""
    cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        base = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model}
        return base | {"choices": [choice]} | extra

    by_marker = {c["marker"]: c for c in r.citations}
    out = [chunk({"role": "assistant", "content": ""})]
    seen: set[int] = set()
    for piece, notes in zip(r.pieces, r.annotations, strict=True):
        delta: dict[str, Any] = {"content": piece}
        new = [a["url_citation"]["marker"] for a in notes]
        new = [n for n in new if n not in seen and n in by_marker]
        if new:
            seen.update(new)
            delta["citations"] = [by_marker[n] for n in new]
        if notes:
            delta["annotations"] = notes
        out.append(chunk(delta))
    out.append(chunk({}, r.finish_reason, citations=r.citations, rag=r.rag))
    if usage:
        out.append(chunk({}) | {"choices": [], "usage": r.usage})
    return out

"""Passages with exact offsets: consecutive sentences grouped within a token budget.

Spans are computed as ``[start, end)`` first and text is sliced from them afterwards; nothing
is ever located again with ``str.find`` (repeated text would give the wrong offset).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rag.text.sentences import estimate_tokens, split_sentences
from rag.types import Passage, Span


def _split_long(text: str, span: Span, budget: int, count: Callable[[str], int]) -> list[Span]:
    """Cut an over-budget sentence at whitespace into pieces within the budget."""
    pieces: list[Span] = []
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[span.start : span.end])]
    cur_start: int | None = None
    cur_end = span.start
    cur_tokens = 0
    for ws, we in words:
        a, b = span.start + ws, span.start + we
        t = count(text[a:b])
        if cur_start is not None and cur_tokens + t > budget:
            pieces.append(Span(cur_start, cur_end))
            cur_start, cur_tokens = None, 0
        if cur_start is None:
            cur_start = a
        cur_end = b
        cur_tokens += t
    if cur_start is not None:
        pieces.append(Span(cur_start, cur_end))
    return pieces


def chunk_spans(
    text: str,
    sentences: list[Span],
    max_tokens: int,
    overlap: int,
    count: Callable[[str], int] = estimate_tokens,
) -> list[Span]:
    """Group consecutive sentences into passages of at most ``max_tokens``.

    A passage starts ``overlap`` sentences before the previous one ended (when it had more
    sentences than that). A single sentence over the budget is cut at whitespace.
    """
    units: list[Span] = []
    for s in sentences:
        if count(text[s.start : s.end]) > max_tokens:
            units.extend(_split_long(text, s, max_tokens, count))
        else:
            units.append(s)
    sizes = [count(text[u.start : u.end]) for u in units]
    out: list[Span] = []
    i = 0
    while i < len(units):
        j, total = i, 0
        while j < len(units) and (j == i or total + sizes[j] <= max_tokens):
            total += sizes[j]
            j += 1
        out.append(Span(units[i].start, units[j - 1].end))
        if j >= len(units):
            break
        i = max(j - overlap, i + 1) if overlap and j - i > overlap else j
    return out


def chunk_document(
    doc_id: str, text: str, body_start: int, max_tokens: int, overlap: int
) -> tuple[list[Passage], list[Span]]:
    """Passages and sentence spans of one document."""
    sentences = split_sentences(text, body_start)
    spans = chunk_spans(text, sentences, max_tokens, overlap)
    passages = [Passage(doc_id, s.start, s.end, text[s.start : s.end]) for s in spans]
    return passages, sentences

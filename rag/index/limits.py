"""Limits that bound what one uploaded document costs, checked before it is embedded."""

from __future__ import annotations

import bisect
import re

from rag.index.corpus import BadDocument
from rag.settings import LimitSettings
from rag.types import Passage, Span


class OverLimit(BadDocument):
    """An upload exceeds a configured limit; ``limit`` names the setting."""

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(f"{message} (limit {limit})")
        self.limit = limit


class DocumentTooLarge(OverLimit):
    """Too many passages, or a passage with too many sentences (HTTP 413)."""


class CorpusFull(OverLimit):
    """The index would hold more passages than allowed (HTTP 413)."""


class RepetitiveDocument(OverLimit):
    """A long run of near-identical sentences (HTTP 422)."""


_NOT_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")


def sentence_key(text: str) -> str:
    """What near-identical sentences share: lower case, words only, numbers as 0."""
    return _DIGITS.sub("0", _NOT_WORD.sub(" ", text.lower())).strip()


def check_repetition(text: str, sentences: list[Span], limits: LimitSettings) -> None:
    """RepetitiveDocument when more than max_repeated_sentences near-identical sentences
    follow one another (checked first: it is the cheapest and the 1 MB repeated line)."""
    run, last = 0, None
    for s in sentences:
        key = sentence_key(text[s.start : s.end])
        run = run + 1 if key == last else 1
        last = key
        if run > limits.max_repeated_sentences:
            raise RepetitiveDocument(
                "max_repeated_sentences",
                f"more than {limits.max_repeated_sentences} near-identical sentences in a row "
                f"(at offset {s.start})",
            )


def check_size(
    passages: list[Passage], starts: list[int], corpus_passages: int, limits: LimitSettings
) -> None:
    """DocumentTooLarge or CorpusFull for a chunked document (``starts``: where its sentences
    start, in order); ``corpus_passages`` is what the index holds without it."""
    if len(passages) > limits.max_document_passages:
        raise DocumentTooLarge(
            "max_document_passages",
            f"the document has {len(passages)} passages, more than {limits.max_document_passages}",
        )
    for p in passages:
        inside = _count_between(starts, p.start, p.end)
        if inside > limits.max_passage_sentences:
            raise DocumentTooLarge(
                "max_passage_sentences",
                f"a passage at offset {p.start} has {inside} sentences, more than "
                f"{limits.max_passage_sentences}",
            )
    if corpus_passages + len(passages) > limits.max_corpus_passages:
        raise CorpusFull(
            "max_corpus_passages",
            f"the index would hold {corpus_passages + len(passages)} passages, more than "
            f"{limits.max_corpus_passages}",
        )


def _count_between(starts: list[int], lo: int, hi: int) -> int:
    return bisect.bisect_left(starts, hi) - bisect.bisect_left(starts, lo)

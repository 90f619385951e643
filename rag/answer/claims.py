"""Answer claims: sentences with the spans they cite, before verification and numbering.

A ``ClaimWriter`` turns scored evidence into claims. The extractive writer picks document
sentences; the LLM writer (rag.answer.llm) has a model phrase them. Whatever a writer
returns goes through the one citing path (rag.answer.citing) before anyone sees it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from rag.answer.scored import FloatArray, ScoredSentence
from rag.answer.selection import select
from rag.text.questions import question_types
from rag.text.wording import capitalise, trim

Span = tuple[str, int, int]  # (doc_id, start, end)


@dataclass(frozen=True, slots=True)
class Claim:
    """An answer sentence before numbering: its text and the spans it cites."""

    text: str
    spans: tuple[Span, ...]
    score: float
    facts_only: bool = False  # connective sentences (conflicts) are checked on facts alone


class ClaimWriter(Protocol):
    """Writes claims for a question from its evidence (best first); `mode` names the writer
    in answers ("extractive", "llm:local", ...). Raises LLMUnavailable when it cannot write."""

    mode: str

    def write(
        self,
        question: str,
        evidence: Sequence[ScoredSentence],
        max_n: int,
        lead_rows: Sequence[int] = (),
    ) -> list[Claim]: ...


class ExtractiveWriter:
    """Claims that are document sentences, chosen by rag.answer.selection.

    >>> writer = ExtractiveWriter(index.sentence_vectors)
    >>> [c.text for c in writer.write(question, scored, max_n=3)]
    """

    mode = "extractive"

    def __init__(self, sentence_vectors: FloatArray) -> None:
        self.vectors = sentence_vectors

    def write(
        self,
        question: str,
        evidence: Sequence[ScoredSentence],
        max_n: int,
        lead_rows: Sequence[int] = (),
    ) -> list[Claim]:
        typed = bool(question_types(question) - {"how"})
        claims = []
        for c in select(self.vectors, list(evidence), max_n, typed=typed, lead_rows=lead_rows):
            text, s, e = trim(c.text, c.start, c.end)
            claims.append(Claim(capitalise(text), ((c.doc_id, s, e),), c.score))
        return claims


def lead_with(claims: Sequence[Claim], doc_id: str, start: int, end: int) -> list[Claim]:
    """The claim quoting ``[start, end)`` of doc_id (trimmed or not) first, the rest in their
    order: an antecedent or a better-scored sentence does not lead in its place."""

    def quotes_it(c: Claim) -> bool:
        return any(d == doc_id and start <= s and e <= end for d, s, e in c.spans)

    i = next((i for i, c in enumerate(claims) if quotes_it(c)), None)
    return list(claims) if i is None else [claims[i], *claims[:i], *claims[i + 1 :]]

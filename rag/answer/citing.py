"""The one citing path, for answers and briefings: verify each sentence against the spans it
cites, re-cite it to a retrieved sentence that supports it or drop it, number spans from 1."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence

from rag.answer.claims import Claim, Span
from rag.answer.scored import ScoredSentence
from rag.answer.verify import Verifier
from rag.text.facts import missing_facts
from rag.text.voice import speaks_as_system, strip_markers
from rag.types import AnswerSentence, Citation, Document

log = logging.getLogger(__name__)

RECITE_FROM = 10  # retrieved sentences tried when a sentence's own spans do not support it
TERMINAL = re.compile(r"[.!?…]+[\"'”’)]*$")


def with_markers(text: str, markers: Sequence[int], close: str = ".") -> str:
    """The sentence with its [n] markers before the final punctuation (`close` is added
    when it has none).

    >>> with_markers("Ant's IPO was suspended.", [1, 2])
    "Ant's IPO was suspended [1][2]."
    >>> with_markers("A headline", [3], close="")
    'A headline [3]'
    """
    marks = "".join(f"[{n}]" for n in markers)
    m = TERMINAL.search(text)
    if m:
        return f"{text[: m.start()]} {marks}{text[m.start() :]}"
    return f"{text} {marks}{close}"


class Citer:
    """Verifies sentences and numbers the spans they cite, for one answer or briefing.

    A citation's score is the claim's score, or, when `span_scores` is given, the score of
    the retrieved sentence starting at the span ((doc_id, start) -> score; 0 if none).
    """

    def __init__(
        self,
        documents: Mapping[str, Document],
        verifier: Verifier,
        span_scores: Mapping[tuple[str, int], float] | None = None,
    ) -> None:
        self.docs = documents
        self.verifier = verifier
        self.span_scores = span_scores
        self.citations: list[Citation] = []
        self.markers: dict[Span, int] = {}

    def cite_claim(
        self, claim: Claim, recite: Sequence[ScoredSentence] = ()
    ) -> AnswerSentence | None:
        return self.cite(claim.text, claim.spans, claim.score, claim.facts_only, recite)

    def cite(
        self,
        text: str,
        spans: Sequence[Span],
        score: float,
        facts_only: bool = False,
        recite: Sequence[ScoredSentence] = (),
    ) -> AnswerSentence | None:
        """The verified sentence with its markers, or None if nothing supports it.

        Documents never speak as the system: a sentence that addresses the reader or a model,
        or that cites such a sentence or an untrusted document, is dropped; a document's own
        marker lookalikes ("[2]", "［２］") are stripped from the text, so only the markers
        numbered here appear (quotes keep their exact text).
        """
        voice = speaks_as_system(text)
        if voice or any(not self._quotable(span) for span in spans):
            log.info("dropped a sentence that speaks as the system (%s): %r", voice, text[:80])
            return None
        recite = [c for c in recite if self._quotable((c.doc_id, c.start, c.end))]
        found = self._support(text, list(spans), facts_only, recite)
        if found is None:
            log.info("dropped an unsupported sentence: %r", text[:80])
            return None
        spans, support = found
        markers = [self._marker(span, score) for span in spans]
        return AnswerSentence(strip_markers(text), markers, support)

    def _quotable(self, span: Span) -> bool:
        d, s, e = span
        doc = self.docs[d]
        return doc.trust != "untrusted" and speaks_as_system(doc.text[s:e]) is None

    def _support(
        self, text: str, spans: list[Span], facts_only: bool, recite: Sequence[ScoredSentence]
    ) -> tuple[list[Span], float] | None:
        quotes = [self.docs[d].text[s:e] for d, s, e in spans]
        if facts_only:  # connective sentences (the sources differ ...) are checked on facts
            ok = bool(spans) and not missing_facts(text, " ".join(quotes))
            return (spans, 1.0) if ok else None
        verdict = self.verifier.check(text, quotes)
        if verdict.supported:
            return spans, round(float(verdict.score), 4)
        for c in recite[:RECITE_FROM]:
            again = self.verifier.check(text, [c.text])
            if again.supported:
                return [(c.doc_id, c.start, c.end)], round(float(again.score), 4)
        return None

    def _marker(self, span: Span, score: float) -> int:
        if span not in self.markers:
            self.markers[span] = len(self.markers) + 1
            d, s, e = span
            if self.span_scores is not None:
                score = self.span_scores.get((d, s), 0.0)
            quote = self.docs[d].text[s:e]
            marker, trust = self.markers[span], self.docs[d].trust
            self.citations.append(Citation(marker, d, s, e, quote, round(score, 4), trust))
        return self.markers[span]


def span_scores(scored: Sequence[ScoredSentence]) -> dict[tuple[str, int], float]:
    """(doc_id, start) -> score of the best retrieved sentence starting there."""
    out: dict[tuple[str, int], float] = {}
    for c in scored:  # best first: the first one wins
        out.setdefault((c.doc_id, c.start), c.score)
    return out

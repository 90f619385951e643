"""Cited answers: extractive by default, LLM-phrased on request, every sentence verified.

>>> answerer = engine.snapshot.answerer
>>> answerer.ask("Why was the Ant IPO suspended?").status
'answered'
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rag.answer.answerability import Answerability, answerability
from rag.answer.citing import Citer, span_scores, with_markers
from rag.answer.claims import Claim, ClaimWriter
from rag.answer.conflicts import conflict_claim, conflicts_of, find_money_conflict
from rag.answer.llm import LLMUnavailable
from rag.answer.scored import RELATIVE_FLOOR, FloatArray, ScoredSentence, candidates
from rag.answer.trusted import search_with_trusted
from rag.answer.verify import Verifier
from rag.index.embedder import Embedder
from rag.index.store import LoadedIndex
from rag.search.filters import Filters
from rag.search.retriever import Retriever
from rag.settings import Settings
from rag.text.questions import question_types
from rag.text.wording import lower_first
from rag.types import Answer, SearchResult

log = logging.getLogger(__name__)

NOT_COVERED = "The corpus does not cover this question."


@dataclass(frozen=True, slots=True)
class Evidence:
    """What an answer starts from: the cleaned question, its vector, the search result, its
    sentences scored for the question, and how answerable the question is from them."""

    question: str
    vector: FloatArray
    result: SearchResult
    sentences: list[ScoredSentence]
    verdict: Answerability


@dataclass(frozen=True, slots=True)
class Written:
    """The claims of an answer, the writer's mode and why an asked-for LLM was not used."""

    claims: list[Claim]
    mode: str
    fallback: str | None


class Answerer:
    """Answers questions from one index version with the collaborators it is given."""

    def __init__(
        self,
        index: LoadedIndex,
        retriever: Retriever,
        embedder: Embedder,
        verifier: Verifier,
        settings: Settings,
        writer: ClaimWriter,
        llm_writers: Mapping[str, ClaimWriter],
    ) -> None:
        self.index = index
        self.retriever = retriever
        self.embedder = embedder
        self.verifier = verifier
        self.settings = settings
        self.writer = writer
        self.llm_writers = llm_writers

    def evidence(
        self, question: str, top_k: int | None = None, filters: Filters | None = None
    ) -> Evidence:
        """Retrieve for the question, score the sentences, judge answerability."""
        q, _ = self.retriever.clean_query(question)
        qvec = self.embedder.embed_query(q)
        k = top_k or self.settings.retrieval.top_k
        result = search_with_trusted(self.retriever, self.index, q, k, filters, qvec)
        scored = candidates(self.index, result.results, q, qvec, question_types(q))
        verdict = answerability(
            self.index,
            self.embedder,
            q,
            result.results,
            scored,
            self.settings.answer.abstain_threshold,
        )
        return Evidence(q, qvec, result, scored, verdict)

    def ask(
        self,
        question: str,
        top_k: int | None = None,
        filters: dict[str, Any] | Filters | None = None,
        llm: str | None = None,
    ) -> Answer:
        """Answer a question with verified citations, or abstain."""
        t0 = time.perf_counter()
        f = filters if isinstance(filters, Filters) else Filters.from_dict(filters)
        ev = self.evidence(question, top_k, f)
        t1 = time.perf_counter()
        timings = {"retrieve": round((t1 - t0) * 1000, 2)}

        def finish(**fields: Any) -> Answer:
            t2 = time.perf_counter()
            timings["answer"] = round((t2 - t1) * 1000, 2)
            timings["total"] = round((t2 - t0) * 1000, 2)
            return Answer(
                question=question, timings_ms=timings, retrieved=ev.result.results, **fields
            )

        unanswerable: dict[str, Any] = {
            "status": "unanswerable",
            "answer": NOT_COVERED,
            "sentences": [],
            "citations": [],
            "conflicts": [],
        }
        if ev.verdict.score < self.settings.answer.abstain_threshold:
            return finish(**unanswerable)
        cands = ev.sentences
        figures = find_money_conflict(cands, RELATIVE_FLOOR * cands[0].score) if cands else []
        # The sentence saying the sources differ counts towards the answer's length.
        room = self.settings.answer.max_sentences - (1 if figures else 0)
        written = self._write(ev, llm or self.settings.llm.backend, max(1, room))
        claims = [*written.claims, conflict_claim(figures)] if figures else written.claims
        citer = Citer(self.index.documents, self.verifier, span_scores(cands))
        sentences = [s for claim in claims if (s := citer.cite_claim(claim, recite=cands))]
        own = [s for s in sentences if not (figures and s.text == claims[-1].text)]
        if written.mode != "extractive" and not own:
            plain = self.ask(question, top_k, f, llm="none")
            return dataclasses.replace(plain, fallback_reason="no LLM sentence passed verification")
        if not sentences:
            return finish(**unanswerable, mode=written.mode, fallback_reason=written.fallback)
        texts = [with_markers(s.text, s.citations) for s in sentences]
        missing = ev.verdict.missing
        if missing:
            gaps = "; ".join(lower_first(m) for m in missing)
            texts.append(f"The corpus does not say: {gaps}.")
        return finish(
            status="partial" if missing else "answered",
            answer=" ".join(texts),
            sentences=sentences,
            citations=citer.citations,
            conflicts=conflicts_of(figures, citer.citations),
            mode=written.mode,
            fallback_reason=written.fallback,
            missing=missing,
        )

    def _write(self, ev: Evidence, backend: str, max_n: int) -> Written:
        """Claims from the LLM when asked for (falling back on failure), else extractive ones."""
        fallback = None
        if backend and backend != "none":
            try:
                writer = self.llm_writers.get(backend)
                if writer is None:
                    raise LLMUnavailable(f"unknown LLM backend {backend!r}")
                return Written(writer.write(ev.question, ev.sentences, max_n), writer.mode, None)
            except LLMUnavailable as exc:
                log.warning("LLM %s failed, answering extractively: %s", backend, exc)
                fallback = str(exc)
        claims = self.writer.write(ev.question, ev.sentences, max_n, ev.verdict.lead_rows)
        return Written(claims, self.writer.mode, fallback)

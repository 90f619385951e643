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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from rag.answer.answerability import answerability
from rag.answer.citing import Citer, span_scores, with_markers
from rag.answer.claims import Claim, ClaimWriter
from rag.answer.conflicts import (
    asked_measure,
    asks_for_figure,
    conflict_claim,
    conflicts_of,
    find_conflict,
)
from rag.answer.corpus_words import CorpusWords
from rag.answer.evidence import Evidence
from rag.answer.llm import LLMUnavailable
from rag.answer.partial import PARTIAL_SENTENCES, partial_answer
from rag.answer.reading import read_evidence, reason_first
from rag.answer.scored import RELATIVE_FLOOR, candidates
from rag.answer.status import PARTIAL_FLOOR, Decider
from rag.answer.trusted import search_with_trusted
from rag.answer.verify import Verifier
from rag.index.embedder import Embedder
from rag.index.readings import readings_of
from rag.index.store import LoadedIndex
from rag.search.filters import Filters
from rag.search.retriever import Retriever
from rag.settings import Settings
from rag.text.focus import known_focus, question_focus
from rag.text.questions import question_types
from rag.text.wording import lower_first
from rag.types import Answer

__all__ = [
    "NOT_COVERED",
    "PARTIAL_FLOOR",
    "PARTIAL_SENTENCES",
    "UNANSWERABLE",
    "Answerer",
    "Evidence",
    "Written",
]

log = logging.getLogger(__name__)

NOT_COVERED = "The corpus does not cover this question."
# The question's parse (spaCy, holds the GIL) runs while onnxruntime embeds it (releases it).
_READER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="question-parse")
UNANSWERABLE: dict[str, Any] = {
    "status": "unanswerable",
    "answer": NOT_COVERED,
    "sentences": [],
    "citations": [],
    "conflicts": [],
}


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
        self.decider = Decider(settings)
        self._corpus_words: CorpusWords | None = None

    def corpus_words(self) -> CorpusWords:
        """The corpus's words (for names a question uses that it never does), built on first
        use for this index version."""
        if self._corpus_words is None:
            text = "\n".join(d.text for d in self.index.documents.values()).lower()
            self._corpus_words = CorpusWords(text)
        return self._corpus_words

    def evidence(
        self, question: str, top_k: int | None = None, filters: Filters | None = None
    ) -> Evidence:
        """Retrieve for the question, score the sentences, judge answerability."""
        q, _ = self.retriever.clean_query(question)
        parsing = _READER.submit(question_focus, q) if known_focus(q) is None else None
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
        focus = parsing.result() if parsing is not None else question_focus(q)
        reading = read_evidence(focus, scored, readings_of(self.index), self.corpus_words())
        return Evidence(q, qvec, result, scored, verdict, focus, reading)

    def decide(self, ev: Evidence) -> str:
        """answered, partial or unanswerable, before writing (rag.answer.status)."""
        return self.decider.decide(ev)

    def decision_features(self, ev: Evidence) -> dict[str, float]:
        """What the learned decision reads (rag.answer.status)."""
        return self.decider.decision_features(ev)

    def explanation(self, ev: Evidence, status: str) -> dict[str, Any]:
        """Why the engine answered, answered in part or refused (rag.answer.status)."""
        return self.decider.explanation(ev, status, self.index.sentences)

    def ask(
        self,
        question: str,
        top_k: int | None = None,
        filters: dict[str, Any] | Filters | None = None,
        llm: str | None = None,
        explain: bool = False,
    ) -> Answer:
        """Answer a question with verified citations, say what is missing, or abstain."""
        t0 = time.perf_counter()
        f = filters if isinstance(filters, Filters) else Filters.from_dict(filters)
        ev = self.evidence(question, top_k, f)
        status = self.decide(ev)
        t1 = time.perf_counter()
        timings = {"retrieve": round((t1 - t0) * 1000, 2)}

        def finish(**fields: Any) -> Answer:
            t2 = time.perf_counter()
            timings["answer"] = round((t2 - t1) * 1000, 2)
            timings["total"] = round((t2 - t0) * 1000, 2)
            why = self.explanation(ev, status) if explain else None
            return Answer(
                question=question,
                timings_ms=timings,
                retrieved=ev.result.results,
                explain=why,
                **fields,
            )

        if status == "unanswerable":
            return finish(**UNANSWERABLE)
        if status == "partial":
            fields = partial_answer(ev, self.index, self.verifier, self.writer)
            if fields is None:
                return finish(**UNANSWERABLE)
            backend = llm or self.settings.llm.backend
            if backend != "none":  # quoted, not phrased
                fields["fallback_reason"] = "a partial answer is quoted, not phrased by the LLM"
            return finish(**fields)
        cands = ev.sentences
        readings = readings_of(self.index)
        floor = RELATIVE_FLOOR * cands[0].score if cands else 0.0
        asked, reach = asked_measure(ev.focus), asks_for_figure(ev.focus)
        figures = find_conflict(cands, readings, floor, asked, reach=reach) if cands else []
        # The sentence saying the sources differ counts towards the answer's length.
        room = self.settings.answer.max_sentences - (1 if figures else 0)
        written = self._write(ev, llm or self.settings.llm.backend, max(1, room))
        claims = reason_first(ev.focus, written.claims, self._trusted)  # the reason first
        claims = [*claims, conflict_claim(figures)] if figures else claims
        citer = Citer(self.index.documents, self.verifier, span_scores(cands))
        sentences = [s for claim in claims if (s := citer.cite_claim(claim, recite=cands))]
        own = [s for s in sentences if not (figures and s.text == claims[-1].text)]
        if written.mode != "extractive" and not own:
            plain = self.ask(question, top_k, f, llm="none", explain=explain)
            return dataclasses.replace(plain, fallback_reason="no LLM sentence passed verification")
        if not sentences:
            return finish(**UNANSWERABLE, mode=written.mode, fallback_reason=written.fallback)
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

    def _trusted(self, claim: Claim) -> bool:
        """The claim quotes only trusted documents (an upload never leads an answer)."""
        docs = self.index.documents
        return all(docs[d].trust == "trusted" for d, _, _ in claim.spans)

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
        lead = ev.verdict.lead_rows
        if "answers" in ev.reading.best:  # the most direct answering sentence first
            lead = list(dict.fromkeys([ev.reading.best["answers"], *lead]))
        claims = self.writer.write(ev.question, ev.sentences, max_n, lead)
        return Written(claims, self.writer.mode, fallback)

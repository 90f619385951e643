"""Cited answers: extractive by default, LLM-phrased on request, every sentence verified."""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import TYPE_CHECKING, Any

from rag.answer.answerability import answerability
from rag.answer.citing import _conflict_claim, _conflicts, _number
from rag.answer.claims import _claims
from rag.answer.conflicts import find_money_conflict
from rag.answer.scored import FloatArray, candidates
from rag.answer.selection import RELATIVE_FLOOR
from rag.answer.verify import Verifier
from rag.search.filters import Filters
from rag.text.questions import question_types
from rag.text.wording import _lower_first
from rag.types import Answer, SearchResult

if TYPE_CHECKING:
    from rag.engine import Engine


log = logging.getLogger(__name__)

NOT_COVERED = "The corpus does not cover this question."


def retrieve(
    engine: Engine, question: str, top_k: int | None = None, filters: Filters | None = None
) -> tuple[str, FloatArray, SearchResult]:
    """The cleaned question, its vector and its search result: what an answer starts from."""
    q, _ = engine.retriever.clean_query(question)
    qvec = engine.embedder.embed_query(q)
    k = top_k or engine.settings.retrieval.top_k
    return q, qvec, engine.retriever.search(q, k, filters, qvec=qvec)


def answer_question(
    engine: Engine,
    question: str,
    top_k: int | None = None,
    filters: dict[str, Any] | Filters | None = None,
    llm: str | None = None,
) -> Answer:
    """Answer a question with verified citations, or abstain."""
    t0 = time.perf_counter()
    settings = engine.settings
    f = filters if isinstance(filters, Filters) else Filters.from_dict(filters)
    q, qvec, result = retrieve(engine, question, top_k, f)
    t1 = time.perf_counter()
    timings = {"retrieve": round((t1 - t0) * 1000, 2)}
    cands = candidates(engine.index, result.results, q, qvec, question_types(q))
    verdict = answerability(engine, q, result.results, cands)
    strength, missing = verdict.score, verdict.missing

    def finish(**fields: Any) -> Answer:
        t2 = time.perf_counter()
        timings["answer"] = round((t2 - t1) * 1000, 2)
        timings["total"] = round((t2 - t0) * 1000, 2)
        return Answer(question=question, timings_ms=timings, retrieved=result.results, **fields)

    unanswerable: dict[str, Any] = {
        "status": "unanswerable",
        "answer": NOT_COVERED,
        "sentences": [],
        "citations": [],
        "conflicts": [],
    }
    if strength < settings.answer.abstain_threshold:
        return finish(**unanswerable)
    verifier = Verifier(engine.embedder, settings.answer.support_threshold)
    figures = find_money_conflict(cands, RELATIVE_FLOOR * cands[0].score) if cands else []
    # The sentence saying the sources differ counts towards the answer's length.
    room = settings.answer.max_sentences - (1 if figures else 0)
    backend = llm or settings.llm.backend
    claims, mode, fallback = _claims(engine, q, cands, backend, max(1, room), verdict.lead_rows)
    if figures:
        claims.append(_conflict_claim(figures))
    sentences, citations, texts = _number(claims, verifier, engine, cands)
    own = [s for s in sentences if not (figures and s.text == claims[-1].text)]
    if mode != "extractive" and not own:
        plain = answer_question(engine, question, top_k, f, llm="none")
        return dataclasses.replace(plain, fallback_reason="no LLM sentence passed verification")
    if not sentences:
        return finish(**unanswerable, mode=mode, fallback_reason=fallback)
    if missing:
        gaps = "; ".join(_lower_first(m) for m in missing)
        texts.append(f"The corpus does not say: {gaps}.")
    return finish(
        status="partial" if missing else "answered",
        answer=" ".join(texts),
        sentences=sentences,
        citations=citations,
        conflicts=_conflicts(figures, citations),
        mode=mode,
        fallback_reason=fallback,
        missing=missing,
    )

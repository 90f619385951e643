"""Citation-backed briefings: a short, structured account of a topic, every sentence sourced.

A briefing has a title, a two- or three-sentence summary, the sections the evidence supports
(what happened, why, who acted, what changes for the subject, what comes next), a timeline of
dated events (resolved against each article's published date where the text allows), key
figures with their sources (disagreements side by side) and references. Every sentence goes
through the same citing path as answers (rag.answer.citing); a sentence that fails is
dropped, a section left without sentences is left out, and a topic the corpus does not cover
gets a one-line result.

>>> b = engine.brief("the regulatory crackdown on Ant Group")
>>> b.status, [s.heading for s in b.sections][:2]
('briefed', ['What happened', 'Why'])
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from rag.answer.answerability import evidence_strength
from rag.answer.citing import Citer
from rag.answer.claims import ClaimWriter, Span
from rag.answer.selection import REDUNDANT
from rag.answer.verify import Verifier
from rag.briefing.evidence import Pool, gather, pick_summary, relevant_terms, subject_of
from rag.briefing.facets import FACETS, assign_sections
from rag.briefing.figures import FigureRef, cite_figures, key_figures
from rag.briefing.numbering import renumber
from rag.briefing.pieces import Deduper, Piece, cite_piece, tidy
from rag.briefing.timeline import (
    Event,
    cite_timeline,
    dated_events,
    split_undated,
    timeline_order,
)
from rag.briefing.types import Briefing, Reference, Section
from rag.index.embedder import Embedder
from rag.index.readings import readings_of
from rag.index.store import LoadedIndex
from rag.search.filters import Filters, QueryError
from rag.search.retriever import Retriever
from rag.settings import Settings
from rag.text.dates import find_dates
from rag.text.wording import capitalise
from rag.types import AnswerSentence, Citation, Document

log = logging.getLogger(__name__)

DEFAULT_MAX_SENTENCES = 12
MAX_SENTENCES_LIMIT = 40
PER_SECTION = 3
TIMELINE_MAX = 8
FIGURES_MAX = 5
RETRIEVE_K = 10


class Briefer:
    """Briefs on topics from one index version with the collaborators it is given."""

    def __init__(
        self,
        index: LoadedIndex,
        retriever: Retriever,
        embedder: Embedder,
        verifier: Verifier,
        settings: Settings,
        llm_writers: Mapping[str, ClaimWriter],
    ) -> None:
        self.index = index
        self.retriever = retriever
        self.embedder = embedder
        self.verifier = verifier
        self.settings = settings
        self.llm_writers = llm_writers

    def brief(
        self,
        topic: str,
        max_sentences: int | None = None,
        filters: dict[str, Any] | Filters | None = None,
        llm: str | None = None,
        writer: ClaimWriter | None = None,
    ) -> Briefing:
        """Brief on a topic from the indexed documents (optionally filtered), or say it is not
        covered. `max_sentences` bounds the prose (summary and sections); `llm` names an LLM
        backend and `writer` is any ClaimWriter that phrases a section (both verified)."""
        t0 = time.perf_counter()
        topic, _ = self.retriever.clean_query(topic)
        max_n = DEFAULT_MAX_SENTENCES if max_sentences is None else int(max_sentences)
        if not 1 <= max_n <= MAX_SENTENCES_LIMIT:
            raise QueryError(f"max_sentences must be in [1, {MAX_SENTENCES_LIMIT}], got {max_n}")
        f = filters if isinstance(filters, Filters) else Filters.from_dict(filters)
        raw_filters = _filters_dict(f)
        subject = subject_of(topic)
        pool = gather(self.index, self.retriever, self.embedder, topic, subject, f, RETRIEVE_K)
        t1 = time.perf_counter()
        timings = {"retrieve": round((t1 - t0) * 1000, 2)}
        known, unknown = relevant_terms(self.index, topic)
        strength = evidence_strength(pool.topic_cands, topic, self.index)
        if strength < self.settings.answer.abstain_threshold or len(unknown) > len(known):
            timings["total"] = round((time.perf_counter() - t0) * 1000, 2)
            return _not_covered(topic, max_n, raw_filters, unknown, timings)

        plan = _plan(self.index, pool, subject, max_n)
        citer = Citer(self.index.documents, self.verifier)
        summary = [s for p in plan.summary if (s := cite_piece(citer, p))]
        sections, mode, fallback = self._sections(citer, plan, topic, subject, llm, writer)
        timeline, undated = split_undated(cite_timeline(citer, plan.events))
        figures, conflicts = cite_figures(citer, plan.disputed, plan.figures)
        t2 = time.perf_counter()
        timings["brief"] = round((t2 - t1) * 1000, 2)
        timings["total"] = round((t2 - t0) * 1000, 2)
        if not (summary or sections or timeline or undated):
            return _not_covered(topic, max_n, raw_filters, unknown, timings)
        briefing = Briefing(
            topic=topic,
            title=_title(topic),
            status="briefed",
            summary=summary,
            sections=sections,
            timeline=timeline,
            key_figures=figures,
            conflicts=conflicts,
            citations=citer.citations,
            references=_references(self.index.documents, citer.citations),
            timings_ms=timings,
            max_sentences=max_n,
            filters=raw_filters,
            mode=mode,
            fallback_reason=fallback,
            missing=unknown,
            undated=undated,
        )
        return renumber(briefing)

    def _writer(
        self, llm: str | None, writer: ClaimWriter | None
    ) -> tuple[ClaimWriter | None, str | None]:
        """The writer that phrases sections (None: extract), or why an asked-for one is not."""
        if writer is not None:
            return writer, None
        backend = llm or self.settings.llm.backend
        if not backend or backend == "none":
            return None, None
        found = self.llm_writers.get(backend)
        if found is None:
            return None, f"LLM failed: unknown LLM backend {backend!r}"
        return found, None

    def _sections(
        self,
        citer: Citer,
        plan: Plan,
        topic: str,
        subject: str,
        llm: str | None,
        writer: ClaimWriter | None,
    ) -> tuple[list[Section], str, str | None]:
        """The sections in facet order, the briefing's mode and the LLM fallback reason."""
        phraser, fallback = self._writer(llm, writer)
        mode = phraser.mode if phraser is not None else "extractive"
        sections: list[Section] = []
        used_llm = False
        for fc in FACETS:
            pieces = plan.sections.get(fc.key, [])
            if not pieces:
                continue
            heading = fc.heading.format(subject=subject)
            sents: list[AnswerSentence] = []
            if phraser is not None:
                sents, error = _phrase(phraser, citer, self.embedder, topic, heading, pieces)
                if error:
                    phraser, fallback = None, error
                elif not sents:
                    fallback = "no LLM sentence passed verification"
            used_llm = used_llm or bool(sents)
            sec_mode = mode if sents else "extractive"
            sents = sents or [s for p in pieces if (s := cite_piece(citer, p))]
            if sents:
                sections.append(Section(fc.key, heading, sents[:PER_SECTION], sec_mode))
        return sections, (mode if used_llm else "extractive"), fallback


def _title(topic: str) -> str:
    t = " ".join(topic.split()).rstrip(".?!")
    return "Briefing: " + capitalise(t)


def _not_covered(
    topic: str, max_n: int, filters: dict[str, Any], missing: list[str], timings: dict[str, float]
) -> Briefing:
    return Briefing(
        topic=topic,
        title=_title(topic),
        status="not_covered",
        summary=[],
        sections=[],
        timeline=[],
        key_figures=[],
        conflicts=[],
        citations=[],
        references=[],
        timings_ms=timings,
        max_sentences=max_n,
        filters=filters,
        missing=missing,
    )


def _filters_dict(f: Filters) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if f.doc_ids is not None:
        out["doc_ids"] = list(f.doc_ids)
    if f.published_from:
        out["published_from"] = f.published_from.isoformat()
    if f.published_to:
        out["published_to"] = f.published_to.isoformat()
    return out


@dataclass(frozen=True, slots=True)
class Plan:
    """What goes where, before any sentence is verified or numbered."""

    summary: list[Piece]
    sections: dict[str, list[Piece]]
    events: list[Event]
    disputed: list[FigureRef]
    figures: list[list[FigureRef]]


def _plan(index: LoadedIndex, pool: Pool, subject: str, max_n: int) -> Plan:
    """Each sentence row serves one part at most: summary, then dated events, then sections."""
    pieces = [p for c in pool.relevant if (p := tidy(c))]
    wide = [p for c in pool.wide if (p := tidy(c))]
    dedupe = Deduper(index, subject)
    n_summary = min(3 if max_n >= 8 else 2, max_n)
    undated = [p for p in pieces if not _dated(p, index.documents[p.cand.doc_id].published)]
    summary = pick_summary(undated, subject, n_summary, dedupe, pool.trusted_first)
    used = {p.cand.row for p in summary}
    events = dated_events(index, [p for p in wide if p.cand.row not in used])
    cap = min(TIMELINE_MAX, max(2, max_n))
    placed = [e for e in events if e.placeable][:cap]
    for e in placed:
        for p in e.pieces:
            used.add(p.cand.row)
            dedupe.add(p.cand)
    rest = [p for p in pieces if p.cand.row not in used]
    sections = assign_sections(
        index, rest, pool.facet_vecs, max_n - len(summary), PER_SECTION, dedupe, pool.trusted_first
    )
    used |= {p.cand.row for ps in sections.values() for p in ps}
    spare = [e for e in events if not e.placeable and e.pieces[0].cand.row not in used]
    timeline = timeline_order(placed + spare[: max(0, cap - len(placed))])
    readings = readings_of(index)
    disputed, figures = key_figures(pool.wide, FIGURES_MAX, readings, subject)
    return Plan(summary, sections, timeline, disputed, figures)


def _dated(p: Piece, published: str | None) -> bool:
    """Whether the piece says when, in a way the timeline can place (a month at least)."""
    return any(m.month is not None or published for m in find_dates(p.text))


def _references(docs: Mapping[str, Document], citations: list[Citation]) -> list[Reference]:
    by_doc: dict[str, list[Citation]] = {}
    for c in citations:
        by_doc.setdefault(c.doc_id, []).append(c)
    return [
        Reference(d, docs[d].title, docs[d].published, cs, docs[d].url) for d, cs in by_doc.items()
    ]


def _valid_span(citer: Citer, span: Span) -> bool:
    doc_id, start, end = span
    doc = citer.docs.get(doc_id)
    return doc is not None and 0 <= start < end <= len(doc.text)


def _phrase(
    writer: ClaimWriter,
    citer: Citer,
    embedder: Embedder,
    topic: str,
    heading: str,
    pieces: list[Piece],
) -> tuple[list[AnswerSentence], str | None]:
    """Sentences the writer phrased that passed verification, or the error that stopped it."""
    cands = [p.cand for p in pieces]
    try:
        claims = writer.write(f"{heading}: {topic}", cands, PER_SECTION)
    except Exception as exc:  # any failure of the writer falls back to extraction
        log.warning("LLM phrasing of %r failed, extracting instead: %s", heading, exc)
        return [], f"LLM failed: {exc}"
    out: list[AnswerSentence] = []
    vectors: list[np.ndarray] = []
    for claim in claims[:PER_SECTION]:
        if not all(_valid_span(citer, span) for span in claim.spans):
            log.info("LLM claim cites a span that does not exist: %r", claim.spans)
            continue
        vec = embedder.embed_query(claim.text)
        if any(float(v @ vec) > REDUNDANT for v in vectors):
            continue  # the same fact twice
        s = citer.cite(claim.text, list(claim.spans), claim.score, claim.facts_only, cands)
        if s is not None:
            out.append(s)
            vectors.append(vec)
    return out, None

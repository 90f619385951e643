"""Citation-backed briefings: a short, structured account of a topic, every sentence sourced.

A briefing has a title, a two- or three-sentence summary, the sections the evidence supports
(what happened, why, who acted, what changes for the subject, what comes next), a timeline of
dated events (resolved against each article's published date where the text allows), key
figures with their sources (disagreements side by side) and references. Every sentence is
checked by the same Verifier as answers; a sentence that fails is dropped, a section left
without sentences is left out, and a topic the corpus does not cover gets a one-line result.

>>> b = build_briefing(engine, "the regulatory crackdown on Ant Group")
>>> b.status, [s.heading for s in b.sections][:2]
('briefed', ['What happened', 'Why'])
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.answer.answerability import evidence_strength
from rag.answer.claims import Claim
from rag.answer.scored import Candidate
from rag.answer.verify import Verifier
from rag.briefing.evidence import Pool, gather, pick_summary, relevant_terms, subject_of
from rag.briefing.facets import FACETS, assign_sections
from rag.briefing.figures import FigureRef, key_figures
from rag.briefing.pieces import Deduper, Piece, shown, tidy
from rag.briefing.timeline import Event, dated_events, timeline_order
from rag.briefing.types import (
    NOT_COVERED,
    Briefing,
    FigureValue,
    KeyFigure,
    Reference,
    Section,
    TimelineEntry,
    join,
    link,
    with_markers,
)
from rag.search.filters import Filters, QueryError
from rag.text.dates import find_dates
from rag.text.facts import missing_facts
from rag.types import AnswerSentence, Citation, Conflict

if TYPE_CHECKING:
    from rag.engine import Engine


__all__ = ["NOT_COVERED", "Briefing", "Phraser", "build_briefing", "join", "link", "with_markers"]

log = logging.getLogger(__name__)

DEFAULT_MAX_SENTENCES = 12
MAX_SENTENCES_LIMIT = 40
PER_SECTION = 3
TIMELINE_MAX = 8
FIGURES_MAX = 5
RETRIEVE_K = 10

Phraser = Callable[[str, str, list[Candidate]], list[Claim]]
"""An LLM hook: (topic, section heading, evidence sentences) -> claims citing spans."""


class Citer:
    """Verifies sentences against the spans they cite and numbers the spans from 1."""

    def __init__(self, engine: Engine, verifier: Verifier) -> None:
        self.docs = engine.index.documents
        self.verifier = verifier
        self.citations: list[Citation] = []
        self.markers: dict[tuple[str, int, int], int] = {}

    def cite(
        self,
        text: str,
        spans: list[tuple[str, int, int]],
        score: float,
        facts_only: bool = False,
        recite: list[Candidate] | None = None,
    ) -> AnswerSentence | None:
        quotes = [self.docs[d].text[s:e] for d, s, e in spans]
        if facts_only:  # connective sentences are checked on their facts, as in answers
            ok = bool(spans) and not missing_facts(text, " ".join(quotes))
            support = 1.0 if ok else 0.0
        else:
            verdict = self.verifier.check(text, quotes)
            ok, support = verdict.supported, verdict.score
            for c in (recite or [])[:10] if not ok else []:
                v2 = self.verifier.check(text, [c.text])
                if v2.supported:
                    spans, ok, support = [(c.doc_id, c.start, c.end)], True, v2.score
                    break
        if not ok:
            log.info("briefing dropped an unsupported sentence: %r", text[:80])
            return None
        nums = []
        for span in spans:
            if span not in self.markers:
                self.markers[span] = len(self.markers) + 1
                d, s, e = span
                quote = self.docs[d].text[s:e]
                self.citations.append(Citation(self.markers[span], d, s, e, quote, round(score, 4)))
            nums.append(self.markers[span])
        return AnswerSentence(text, nums, round(float(support), 4))

    def piece(self, p: Piece) -> AnswerSentence | None:
        return self.cite(shown(p), [p.span], p.cand.score)


def _title(topic: str) -> str:
    t = " ".join(topic.split()).rstrip(".?!")
    return "Briefing: " + (t[:1].upper() + t[1:])


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


def build_briefing(
    engine: Engine,
    topic: str,
    max_sentences: int | None = None,
    filters: dict[str, Any] | Filters | None = None,
    llm: str | None = None,
    phraser: Phraser | None = None,
) -> Briefing:
    """Brief on a topic from the indexed documents (optionally filtered), or say it is not
    covered. `max_sentences` bounds the prose (summary and sections); `llm` names a backend of
    rag.llm and `phraser` is any callable hook that phrases a section (both verified)."""
    t0 = time.perf_counter()
    topic, _ = engine.retriever.clean_query(topic)
    max_n = DEFAULT_MAX_SENTENCES if max_sentences is None else int(max_sentences)
    if not 1 <= max_n <= MAX_SENTENCES_LIMIT:
        raise QueryError(f"max_sentences must be in [1, {MAX_SENTENCES_LIMIT}], got {max_n}")
    f = filters if isinstance(filters, Filters) else Filters.from_dict(filters)
    raw_filters = _filters_dict(f)
    subject = subject_of(topic)
    pool = gather(engine, topic, subject, f, RETRIEVE_K)
    t1 = time.perf_counter()
    timings = {"retrieve": round((t1 - t0) * 1000, 2)}
    known, unknown = relevant_terms(engine.index, topic)
    strength = evidence_strength(pool.topic_cands, topic, engine)
    if strength < engine.settings.answer.abstain_threshold or len(unknown) > len(known):
        timings["total"] = round((time.perf_counter() - t0) * 1000, 2)
        return _not_covered(topic, max_n, raw_filters, unknown, timings)

    plan = _plan(engine, pool, subject, max_n)
    verifier = Verifier(engine.embedder, engine.settings.answer.support_threshold)
    citer = Citer(engine, verifier)
    summary = [s for p in plan.summary if (s := citer.piece(p))]
    hook, mode, fallback = _hook(engine, llm, phraser)
    sections: list[Section] = []
    used_llm = False
    for fc in FACETS:
        pieces = plan.sections.get(fc.key, [])
        if not pieces:
            continue
        heading = fc.heading.format(subject=subject)
        sents: list[AnswerSentence] = []
        if hook is not None:
            sents, error = _phrase(hook, citer, topic, heading, pieces, engine)
            if error:
                hook, fallback = None, error
            elif not sents:
                fallback = "no LLM sentence passed verification"
        sec_mode = mode if sents else "extractive"
        used_llm = used_llm or bool(sents)
        sents = sents or [s for p in pieces if (s := citer.piece(p))]
        if sents:
            sections.append(Section(fc.key, heading, sents[:PER_SECTION], sec_mode))
    timeline = _timeline(citer, plan.events)
    figures, conflicts = _figures(citer, plan.disputed, plan.figures)
    t2 = time.perf_counter()
    timings["brief"] = round((t2 - t1) * 1000, 2)
    timings["total"] = round((t2 - t0) * 1000, 2)
    if not (summary or sections or timeline):
        return _not_covered(topic, max_n, raw_filters, unknown, timings)
    return Briefing(
        topic=topic,
        title=_title(topic),
        status="briefed",
        summary=summary,
        sections=sections,
        timeline=timeline,
        key_figures=figures,
        conflicts=conflicts,
        citations=citer.citations,
        references=_references(engine, citer.citations),
        timings_ms=timings,
        max_sentences=max_n,
        filters=raw_filters,
        mode=mode if used_llm else "extractive",
        fallback_reason=fallback,
        missing=unknown,
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


def _plan(engine: Engine, pool: Pool, subject: str, max_n: int) -> Plan:
    """Each sentence row serves one part at most: summary, then dated events, then sections."""
    index = engine.index
    pieces = [p for c in pool.relevant if (p := tidy(c))]
    wide = [p for c in pool.wide if (p := tidy(c))]
    dedupe = Deduper(index, subject)
    n_summary = min(3 if max_n >= 8 else 2, max_n)
    undated = [p for p in pieces if not _dated(p, index.documents[p.cand.doc_id].published)]
    summary = pick_summary(undated, subject, n_summary, dedupe)
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
        index, rest, pool.facet_vecs, max_n - len(summary), PER_SECTION, dedupe
    )
    used |= {p.cand.row for ps in sections.values() for p in ps}
    spare = [e for e in events if not e.placeable and e.pieces[0].cand.row not in used]
    timeline = timeline_order(placed + spare[: max(0, cap - len(placed))])
    disputed, figures = key_figures(pool.wide, FIGURES_MAX)
    return Plan(summary, sections, timeline, disputed, figures)


def _dated(p: Piece, published: str | None) -> bool:
    """Whether the piece says when, in a way the timeline can place (a month at least)."""
    return any(m.month is not None or published for m in find_dates(p.text))


def _timeline(citer: Citer, events: list[Event]) -> list[TimelineEntry]:
    out = []
    for e in events:
        first = e.pieces[0]
        spans = [p.span for p in e.pieces]
        s = citer.cite(shown(first), spans, first.cand.score)
        if s is None:  # the corroborating spans together did not hold: cite the shown one
            s = citer.piece(first)
        if s is not None:
            out.append(
                TimelineEntry(e.date, s, list(dict.fromkeys(p.cand.doc_id for p in e.pieces)))
            )
    return out


def _quantity(fact: str) -> str:
    return {"money": "amount", "pct": "share"}.get(fact.split(":", 1)[0], "count")


def _figure_value(citer: Citer, r: FigureRef) -> FigureValue | None:
    doc = citer.docs[r.cand.doc_id]
    context = doc.text[r.start : r.end]
    s = citer.cite(context, [(r.cand.doc_id, r.cand.start, r.cand.end)], r.cand.score)
    if s is None:
        s = citer.cite(context, [(r.cand.doc_id, r.start, r.end)], r.cand.score)
    return FigureValue(r.display, r.fact, r.cand.doc_id, s) if s else None


def _figures(
    citer: Citer, disputed: list[FigureRef], groups: list[list[FigureRef]]
) -> tuple[list[KeyFigure], list[Conflict]]:
    figures: list[KeyFigure] = []
    conflicts: list[Conflict] = []
    values = [v for r in disputed if (v := _figure_value(citer, r))]
    if len(values) > 1:
        shown_values = [v.value for v in values]
        listing = ", ".join(shown_values[:-1]) + f" and {shown_values[-1]}"
        spans = [(r.cand.doc_id, r.cand.start, r.cand.end) for r in disputed]
        note = citer.cite(
            f"The sources differ on this figure, giving {listing}.",
            spans,
            max(r.cand.score for r in disputed),
            facts_only=True,
        )
        figures.append(KeyFigure(_quantity(values[0].fact), values, True, note))
        conflicts.append(
            Conflict(
                quantity=_quantity(values[0].fact),
                values=[
                    {"value": v.value, "doc_id": v.doc_id, "citations": v.context.citations}
                    for v in values
                ],
            )
        )
    if len(values) == 1:  # the other side did not verify: no disagreement left to show
        groups = [[r for r in disputed if r.fact == values[0].fact], *groups]
    for group in groups:
        vals = [v for r in group if (v := _figure_value(citer, r))]
        if vals:
            figures.append(KeyFigure(_quantity(vals[0].fact), vals, False))
    return figures, conflicts


def _references(engine: Engine, citations: list[Citation]) -> list[Reference]:
    by_doc: dict[str, list[Citation]] = {}
    for c in citations:
        by_doc.setdefault(c.doc_id, []).append(c)
    docs = engine.index.documents
    return [Reference(d, docs[d].title, docs[d].published, cs) for d, cs in by_doc.items()]


def _valid_span(citer: Citer, span: tuple[str, int, int]) -> bool:
    doc_id, start, end = span
    doc = citer.docs.get(doc_id)
    return doc is not None and 0 <= start < end <= len(doc.text)


def _hook(
    engine: Engine, llm: str | None, phraser: Phraser | None
) -> tuple[Phraser | None, str, str | None]:
    """The phrasing hook to use, the mode it gives, and why there is none if one was asked."""
    if phraser is not None:
        return phraser, f"llm:{llm or 'custom'}", None
    backend = llm or engine.settings.llm.backend
    if not backend or backend == "none":
        return None, "extractive", None
    try:
        from rag.answer.llm import llm_claims
    except ImportError as exc:
        return None, "extractive", f"LLM module rag.llm is not available ({exc})"

    def phrase(topic: str, heading: str, cands: list[Candidate]) -> list[Claim]:
        claims: list[Claim] = llm_claims(engine, f"{heading}: {topic}", cands, backend)
        return claims

    return phrase, f"llm:{backend}", None


def _phrase(
    hook: Phraser, citer: Citer, topic: str, heading: str, pieces: list[Piece], engine: Engine
) -> tuple[list[AnswerSentence], str | None]:
    """Sentences the hook phrased that passed verification, or the error that stopped it."""
    cands = [p.cand for p in pieces]
    try:
        claims = hook(topic, heading, cands)
    except Exception as exc:  # any failure of the hook falls back to extraction
        log.warning("LLM phrasing of %r failed, extracting instead: %s", heading, exc)
        return [], f"LLM failed: {exc}"
    out: list[AnswerSentence] = []
    vectors: list[np.ndarray] = []
    for claim in claims[:PER_SECTION]:
        if not all(_valid_span(citer, span) for span in claim.spans):
            log.info("LLM claim cites a span that does not exist: %r", claim.spans)
            continue
        vec = engine.embedder.embed_query(claim.text)
        if any(float(v @ vec) > 0.85 for v in vectors):
            continue  # the same fact twice
        s = citer.cite(claim.text, list(claim.spans), claim.score, claim.facts_only, cands)
        if s is not None:
            out.append(s)
            vectors.append(vec)
    return out, None

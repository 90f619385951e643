"""Cited answers: extractive by default, LLM-phrased on request, every sentence verified."""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rag.conflicts import Figure, find_money_conflict
from rag.evidence import ANAPHOR, Candidate, FloatArray, candidates, term_stats
from rag.lexical import tokenize
from rag.qtype import question_types, split_parts, unmatched_names
from rag.retrieval import Filters
from rag.types import Answer, AnswerSentence, Citation, Conflict, SearchHit, SearchResult
from rag.verify import Verifier

if TYPE_CHECKING:
    from rag.engine import Engine

log = logging.getLogger(__name__)

NOT_COVERED = "The corpus does not cover this question."
CONNECTIVE = re.compile(
    r"^(?:However|Indeed|Still|Therefore|Moreover|As a result|In addition|Nevertheless|"
    r"Meanwhile|Thus|Also|Yet|But|And|So|Furthermore),\s+"
)
RELATIVE_FLOOR = 0.75  # a sentence joins the answer if it scores within 75% of the best
TYPED_FLOOR = 0.6  # how far below the best a sentence of the asked-for type may be
REDUNDANT = 0.85  # cosine above which two sentences say the same thing
OOV_PENALTY = 0.35  # weight of question terms the corpus never uses
UNKNOWN_NAME_PENALTY = 0.2  # per name or year of the question the evidence never mentions
EVIDENCE_SENTENCES = 8


@dataclass(frozen=True, slots=True)
class Claim:
    """An answer sentence before numbering: its text and the spans it cites."""

    text: str
    spans: tuple[tuple[str, int, int], ...]
    score: float
    facts_only: bool = False  # connective sentences (conflicts) are checked on facts alone


def trim(text: str, start: int, end: int) -> tuple[str, int, int]:
    """Drop a leading connective ("However, ..."); offsets stay exact."""
    m = CONNECTIVE.match(text)
    if not m or m.end() >= len(text):
        return text, start, end
    rest = text[m.end() :]
    return rest, start + m.end(), end


def capitalise(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def evidence_features(cands: list[Candidate], question: str, engine: Engine) -> dict[str, float]:
    """Signals that the retrieved evidence answers the question (inputs to abstention)."""
    stats = term_stats(engine.index)
    terms = list(dict.fromkeys(tokenize(question)))
    total = sum(stats.idf(t) for t in terms) or 1.0
    top = cands[:3]
    covered: set[str] = set()
    for c in top:
        covered |= set(tokenize(c.text))
    typed = [c for c in cands[:5] if c.type_ok]
    return {
        "best": cands[0].score if cands else 0.0,
        "best_typed": max((c.score for c in typed), default=0.0),
        "semantic": max((c.semantic for c in cands), default=0.0),
        "lexical": max((c.lexical for c in cands), default=0.0),
        "oov": sum(stats.idf(t) for t in terms if not stats.known(t)) / total,
        "uncovered": sum(stats.idf(t) for t in terms if stats.known(t) and t not in covered)
        / total,
        "type_ok": 1.0 if typed else 0.0,
        "n_terms": float(len(terms)),
    }


def evidence_strength(cands: list[Candidate], question: str, engine: Engine) -> float:
    """How well the best evidence answers the question; compared with a calibrated threshold.

    The best candidate that holds the asked-for answer type counts, less a penalty for
    question terms the corpus never uses (a question about something it does not mention).
    """
    if not cands:
        return 0.0
    typed = [c for c in cands if c.type_ok] or cands
    best = max(c.score for c in typed)
    docs = engine.index.documents
    evidence = " ".join(c.text for c in cands[:EVIDENCE_SENTENCES])
    years = {(docs[c.doc_id].published or "")[:4] for c in cands}
    unknown = unmatched_names(question, evidence, {y for y in years if y})
    best -= UNKNOWN_NAME_PENALTY * min(len(unknown), 2)
    stats = term_stats(engine.index)
    terms = list(dict.fromkeys(tokenize(question)))
    if not terms:
        return best
    total = sum(stats.idf(t) for t in terms)
    oov = sum(stats.idf(t) for t in terms if not stats.known(t)) / total
    return best - OOV_PENALTY * oov


def _select(
    engine: Engine,
    cands: list[Candidate],
    max_n: int,
    typed: bool = False,
    lead_rows: Sequence[int] = (),
) -> list[Candidate]:
    """Up to max_n non-redundant sentences within RELATIVE_FLOOR of the best; for a typed
    question (why, how much, when, who) at least one that holds the asked-for type; the best
    sentence of each covered part of a multi-part question (``lead_rows``) first."""
    if not cands:
        return []
    best = cands[0].score
    vecs = engine.index.sentence_vectors
    by_row = {c.row: c for c in cands}
    chosen: list[Candidate] = [by_row[r] for r in lead_rows if r in by_row][:max_n]
    for c in cands:
        if len(chosen) >= max_n or c.score < RELATIVE_FLOOR * best:
            break
        if c in chosen or any(float(vecs[c.row] @ vecs[o.row]) > REDUNDANT for o in chosen):
            continue
        chosen.append(c)
    if typed and not any(c.type_ok for c in chosen):
        # A sentence restating the question outscores the one that answers it ("why": the
        # reason rarely repeats the question's words); keep the best one of the right type.
        extra = next((c for c in cands if c.type_ok and c.score >= TYPED_FLOOR * best), None)
        if extra is not None:
            chosen = [*chosen[: max_n - 1], extra]
    chosen.sort(key=lambda c: -c.score)  # the parts' leads are kept, read by relevance
    return _with_antecedents(chosen, cands, max_n)


def _with_antecedents(
    chosen: list[Candidate], cands: list[Candidate], max_n: int
) -> list[Candidate]:
    """Put the sentence an anaphoric one points back to ("The latter want ...") just before
    it, so the answer reads on its own; the antecedent takes the place of the weakest other
    sentence when the answer is full."""
    by_row = {c.row: c for c in cands}
    out = list(chosen)
    for c in chosen:
        prev = by_row.get(c.row - 1)
        if prev is None or prev.doc_id != c.doc_id or not ANAPHOR.match(c.text):
            continue
        if prev in out:  # already chosen: read it first
            if out.index(prev) > out.index(c):
                out.remove(prev)
                out.insert(out.index(c), prev)
            continue
        if len(out) >= max_n:
            spare = [o for o in out if o is not c and not ANAPHOR.match(o.text)]
            if not spare:
                continue
            out.remove(spare[-1])
        out.insert(out.index(c), prev)
    return out


def _conflict_claim(figures: list[Figure]) -> Claim:
    parts = [f"{f.display}" for f in figures]
    listing = ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else parts[0]
    text = f"The sources differ on this figure, giving {listing}."
    spans = tuple((f.candidate.doc_id, f.candidate.start, f.candidate.end) for f in figures)
    return Claim(text, spans, max(f.candidate.score for f in figures), facts_only=True)


def _number(
    claims: list[Claim], verifier: Verifier, engine: Engine, cands: list[Candidate]
) -> tuple[list[AnswerSentence], list[Citation], list[str]]:
    """Verify each claim, re-cite or drop it, and number citations from 1."""
    docs = engine.index.documents
    citations: list[Citation] = []
    markers: dict[tuple[str, int, int], int] = {}
    sentences: list[AnswerSentence] = []
    texts: list[str] = []
    for claim in claims:
        spans = list(claim.spans)
        quotes = [docs[d].text[s:e] for d, s, e in spans]
        if claim.facts_only:
            from rag.facts import missing_facts

            ok = not missing_facts(claim.text, " ".join(quotes))
            support = 1.0 if ok else 0.0
        else:
            verdict = verifier.check(claim.text, quotes)
            ok, support = verdict.supported, verdict.score
            if not ok:  # re-cite to the retrieved sentence that supports it, if any
                for c in cands[:10]:
                    v2 = verifier.check(claim.text, [c.text])
                    if v2.supported:
                        spans, ok, support = [(c.doc_id, c.start, c.end)], True, v2.score
                        break
        if not ok:
            log.info("dropped unsupported sentence: %r", claim.text[:80])
            continue
        nums = []
        for span in spans:
            if span not in markers:
                markers[span] = len(markers) + 1
                d, s, e = span
                score = next((c.score for c in cands if (c.doc_id, c.start) == (d, s)), 0.0)
                citations.append(
                    Citation(markers[span], d, s, e, docs[d].text[s:e], round(score, 4))
                )
            nums.append(markers[span])
        sentences.append(AnswerSentence(claim.text, nums, round(float(support), 4)))
        texts.append(_with_markers(claim.text, nums))
    return sentences, citations, texts


def _with_markers(text: str, nums: list[int]) -> str:
    marks = "".join(f"[{n}]" for n in nums)
    m = re.search(r"[.!?…]+[\"'”’)]*$", text)
    if m:
        return f"{text[: m.start()]} {marks}{text[m.start() :]}"
    return f"{text} {marks}."


def _unanswerable(question: str, timings: dict[str, float], hits: list[SearchHit]) -> Answer:
    return Answer(
        question=question,
        status="unanswerable",
        answer=NOT_COVERED,
        sentences=[],
        citations=[],
        conflicts=[],
        timings_ms=timings,
        retrieved=hits,
    )


def _conflicts(figures: list[Figure], citations: list[Citation]) -> list[Conflict]:
    if not figures:
        return []
    by_span = {(c.doc_id, c.start, c.end): c.marker for c in citations}
    values = []
    for fig in figures:
        key = (fig.candidate.doc_id, fig.candidate.start, fig.candidate.end)
        marks = [by_span[key]] if key in by_span else []
        values.append({"value": fig.display, "doc_id": fig.candidate.doc_id, "citations": marks})
    return [Conflict(quantity="amount", values=values)]


@dataclass(frozen=True, slots=True)
class Answerability:
    """The score compared with the abstain threshold, the parts of a multi-part question
    below it, and the best sentence row of each covered part (the answer leads with those)."""

    score: float
    missing: list[str]
    lead_rows: list[int]


def part_strengths(
    engine: Engine, question: str, hits: list[SearchHit]
) -> dict[str, tuple[float, int | None]]:
    """Evidence strength and best sentence row of each part of a multi-part question
    ({} for a single question)."""
    parts = split_parts(question)
    if len(parts) < 2:
        return {}
    out: dict[str, tuple[float, int | None]] = {}
    for i, part in enumerate(parts):
        # "..., and who set it?": a part with under two content words is about the first part
        query = part if i == 0 or len(tokenize(part)) >= 2 else f"{part} ({parts[0]})"
        pvec = engine.embedder.embed_query(query)
        kinds = question_types(part)
        pc = candidates(engine.index, hits, query, pvec, kinds)
        # the best sentence of the asked-for type, else the best sentence
        best = next((c for c in pc if c.type_ok), pc[0] if pc else None)
        out[part.rstrip("?")] = (evidence_strength(pc, query, engine), best.row if best else None)
    return out


def answerability(
    engine: Engine, question: str, hits: list[SearchHit], cands: list[Candidate]
) -> Answerability:
    """How answerable the question is from the retrieved evidence.

    A multi-part question is as answerable as its best-covered part; its uncovered parts are
    reported as missing.
    """
    parts = part_strengths(engine, question, hits)
    threshold = engine.settings.answer.abstain_threshold
    if not parts:
        return Answerability(evidence_strength(cands, question, engine), [], [])
    covered = [row for v, row in parts.values() if v >= threshold and row is not None]
    return Answerability(
        max(v for v, _ in parts.values()),
        [p for p, (v, _) in parts.items() if v < threshold],
        list(dict.fromkeys(covered)),
    )


def _claims(
    engine: Engine,
    q: str,
    cands: list[Candidate],
    backend: str,
    max_n: int,
    lead_rows: Sequence[int] = (),
) -> tuple[list[Claim], str, str | None]:
    """Claims from the LLM when asked for (falling back on failure), else extractive ones."""
    if backend and backend != "none":
        from rag.llm import LLMUnavailable, llm_claims

        try:
            return llm_claims(engine, q, cands, backend)[:max_n], f"llm:{backend}", None
        except LLMUnavailable as exc:
            log.warning("LLM %s failed, answering extractively: %s", backend, exc)
            fallback: str | None = str(exc)
    else:
        fallback = None
    claims = []
    typed = bool(question_types(q) - {"how"})
    for c in _select(engine, cands, max_n, typed=typed, lead_rows=lead_rows):
        text, s, e = trim(c.text, c.start, c.end)
        claims.append(Claim(capitalise(text), ((c.doc_id, s, e),), c.score))
    return claims, "extractive", fallback


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


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:]

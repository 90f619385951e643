"""Evidence for a briefing: the pool of relevant sentences, the summary, the topic's names.

Every choice here is a selection among document sentences (with exact offsets); nothing is
written. The parts are a summary, a few sections (facets of a news story, kept only when
sentences support them), a timeline of dated sentences and key figures.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.answer.scored import TRUSTED_ENOUGH, ScoredSentence, candidates, term_stats
from rag.answer.trusted import search_with_trusted
from rag.briefing.facets import AMOUNT_QUERY, FACETS
from rag.briefing.pieces import Deduper, Piece
from rag.index.embedder import Embedder
from rag.index.store import LoadedIndex
from rag.search.filters import Filters
from rag.search.retriever import Retriever
from rag.text.facts import entities
from rag.text.tokens import tokenize
from rag.types import SearchHit

POOL_FLOOR = 0.6  # a sentence is relevant if it scores within 60% of the best one


WIDE_FLOOR = 0.3  # dated events and figures may come from a wider pool (relevant documents)


@dataclass(frozen=True, slots=True)
class Pool:
    topic_cands: list[ScoredSentence]  # scored for the topic alone (abstention)
    cands: list[ScoredSentence]  # the union pool, scored for the topic, best first
    relevant: list[ScoredSentence]  # cands above the relevance floor
    wide: list[ScoredSentence]  # above a lower floor, from documents with a relevant sentence
    facet_vecs: np.ndarray  # embedded FACETS examples, one row each
    trusted_first: bool = False  # trusted evidence covers the topic: uploads only fill in


def subject_of(topic: str) -> str:
    """The topic's main name ("Ant Group" in "the regulatory crackdown on Ant Group")."""
    names = re.findall(r"[A-Z][\w&.'’-]*(?:\s+(?:of\s+)?[A-Z][\w&.'’-]*)*", topic)
    names = [re.sub(r"['’]s$", "", n) for n in names]
    names = [n for n in names if entities(n)] or names
    return max(names, key=len) if names else "the subject"


def _merge_hits(results: Sequence[Sequence[SearchHit]]) -> list[SearchHit]:
    """Union of several result lists, each scaled by its own best score."""
    best: dict[int, SearchHit] = {}
    for hits in results:
        top = max((h.score for h in hits), default=1.0) or 1.0
        for h in hits:
            scaled = dataclasses.replace(h, score=h.score / top)
            if h.passage_id not in best or best[h.passage_id].score < scaled.score:
                best[h.passage_id] = scaled
    return sorted(best.values(), key=lambda h: -h.score)


_VECTORS: dict[tuple[str, str], np.ndarray] = {}
_VECTORS_LOCK = threading.Lock()
VECTOR_CACHE_SIZE = 1024


def _embed_cached(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Vectors of fixed texts (facet examples, facet queries of a subject), computed once."""
    model = embedder.model_id
    with _VECTORS_LOCK:
        known = {t: _VECTORS[(model, t)] for t in texts if (model, t) in _VECTORS}
    todo = [t for t in dict.fromkeys(texts) if t not in known]
    if todo:
        fresh = dict(zip(todo, embedder.embed(todo), strict=True))
        known.update(fresh)
        with _VECTORS_LOCK:
            if len(_VECTORS) + len(fresh) > VECTOR_CACHE_SIZE:
                _VECTORS.clear()
            _VECTORS.update({(model, t): v for t, v in fresh.items()})
    return np.stack([known[t] for t in texts])


def gather(
    index: LoadedIndex,
    retriever: Retriever,
    embedder: Embedder,
    topic: str,
    subject: str,
    filters: Filters,
    k: int,
) -> Pool:
    """Retrieve for the topic and for each facet; score every sentence against the topic.
    Uploads must not push the corpus out (rag.answer.trusted): every search keeps the best
    trusted passages in view, and when trusted evidence covers the topic the relevance
    floors are measured from its best sentence and trusted sentences come first."""
    qvec = embedder.embed_query(topic)
    first = search_with_trusted(retriever, index, topic, k, filters, qvec).results
    topic_cands = candidates(index, first, topic, qvec, set())
    results = [first]
    queries = [f"{subject} {f.query.format(subject=subject)}" for f in FACETS]
    queries.append(f"{subject} {AMOUNT_QUERY}")
    vecs = _embed_cached(embedder, [*queries, *(f.example for f in FACETS)])
    for q, vec in zip(queries, vecs[: len(queries)], strict=True):
        hits = search_with_trusted(retriever, index, q, max(3, k // 2), filters, vec).results
        results.append(hits)
    cands = candidates(index, _merge_hits(results), topic, qvec, set())
    best, trusted_first = _floor_base(cands)
    relevant = _ordered([c for c in cands if c.score >= POOL_FLOOR * best], trusted_first)
    docs = {c.doc_id for c in relevant}
    wide = [c for c in cands if c.score >= WIDE_FLOOR * best and c.doc_id in docs]
    return Pool(
        topic_cands, cands, relevant, _ordered(wide, trusted_first), vecs[len(queries) :],
        trusted_first,
    )  # fmt: skip


def _floor_base(cands: list[ScoredSentence]) -> tuple[float, bool]:
    """The score the relevance floors are measured from, and whether trusted evidence leads:
    the best trusted sentence when it scores at least TRUSTED_ENOUGH of the best overall (as
    for answers, rag.answer.scored.lead_with_trusted), else the best sentence."""
    best = max((c.score for c in cands), default=0.0)
    trusted = max((c.score for c in cands if c.trusted), default=None)
    if trusted is None or all(c.trusted for c in cands):
        return best, False
    if trusted >= TRUSTED_ENOUGH * best:
        return trusted, True
    return best, False


def _ordered(cands: list[ScoredSentence], trusted_first: bool) -> list[ScoredSentence]:
    """Best first; trusted sentences before uploads when trusted evidence leads."""
    ranked = sorted(cands, key=lambda c: (-c.score, c.doc_id, c.start))
    return sorted(ranked, key=lambda c: not c.trusted) if trusted_first else ranked


def pick_summary(
    pieces: list[Piece], subject: str, n: int, dedupe: Deduper, trusted_first: bool = False
) -> list[Piece]:
    """The best stand-alone sentences that name the subject, from different documents while
    there are any (a second pass fills up from documents already used); when trusted
    evidence leads, uploads only fill what the trusted sentences leave."""
    subject_terms = set(tokenize(subject))
    ranked = sorted(
        pieces,
        key=lambda p: -(p.cand.score + (0.05 if subject_terms & set(tokenize(p.text)) else 0.0)),
    )
    groups = (
        [[p for p in ranked if p.cand.trusted], [p for p in ranked if not p.cand.trusted]]
        if trusted_first
        else [ranked]
    )
    chosen: list[Piece] = []
    for group in groups:
        for distinct in (True, False):
            docs = {p.cand.doc_id for p in chosen}
            for p in group:
                if len(chosen) >= n:
                    return chosen
                if (distinct and p.cand.doc_id in docs) or p in chosen or dedupe.seen(p.cand):
                    continue
                chosen.append(p)
                docs.add(p.cand.doc_id)
                dedupe.add(p.cand)
    return chosen


def relevant_terms(index: LoadedIndex, topic: str) -> tuple[list[str], list[str]]:
    """The topic's name words, split into those the corpus uses and those it never does."""
    stats = term_stats(index)
    known: list[str] = []
    unknown: list[str] = []
    for ent in sorted(entities(topic)):
        for t in tokenize(ent):
            (known if stats.known(t) else unknown).append(t)
    return known, unknown

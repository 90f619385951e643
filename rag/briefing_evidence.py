"""Evidence for a briefing: the pool of relevant sentences, and which part each one serves.

Every choice here is a selection among document sentences (with exact offsets); nothing is
written. The parts are a summary, a few sections (facets of a news story, kept only when
sentences support them), a timeline of dated sentences and key figures.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rag.answer import CONNECTIVE, capitalise
from rag.briefing_timeline import (
    MONTH_NAMES,
    PART_DAY,
    WEEKDAY_NAMES,
    DateMention,
    ResolvedDate,
    compatible,
    find_dates,
    rank,
    resolve,
)
from rag.evidence import Candidate, candidates, term_stats
from rag.facts import entities
from rag.lexical import tokenize
from rag.qtype import CAUSAL_CUES
from rag.retrieval import Filters
from rag.store import LoadedIndex
from rag.types import SearchHit

if TYPE_CHECKING:
    from rag.engine import Engine

REDUNDANT = 0.85  # cosine above which two sentences state the same thing
SAME_FACT = 1.0  # cosine + shared rare-term share at which they do too (see Deduper)
POOL_FLOOR = 0.6  # a sentence is relevant if it scores within 60% of the best one
MIN_WORDS, MAX_WORDS = 6, 60

ANAPHORA = re.compile(
    r"^(?:It(?! is \w+ (?:that|to)\b)|This|That|These|Those|They|Them|She|He|We|I|You|Our|"
    r"Their|His|Her|Its|The latter|The former|Such)\b"
)
DATELINE = re.compile(r"^[^()]{0,80}\((?:Reporter|Correspondent|By)\b[^)]*\)\s*")
BROKEN_TAIL = re.compile(r"\.\s+,")
OPEN_QUOTES, CLOSE_QUOTES = '“"', '”"'


@dataclass(frozen=True, slots=True)
class Facet:
    """A part of a news story. `query` retrieves for it; `example` is a sentence of the
    kind that serves it (a sentence's affinity is its cosine to the example plus a bonus for
    the cue words), so sections come from what the evidence says, not from the topic."""

    key: str
    heading: str  # "{subject}" is replaced by the topic's main name
    query: str
    example: str
    cue: re.Pattern[str]


FACETS = [
    Facet(
        "what_happened",
        "What happened",
        "what happened: decisions, actions and events",
        "The authorities suspended the listing, announced measures and met the company.",
        re.compile(
            r"\b(?:suspend|halt|stop|announc|order|fine|ban|launch|withdr[ae]w|"
            r"interview|meeting|met|asked|called on|warned|investigat|decid)\w*",
            re.I,
        ),
    ),
    Facet(
        "why",
        "Why",
        "why: the reasons, causes and concerns behind it",
        "This happened because of concerns about risks and a failure to comply with the rules.",
        CAUSAL_CUES,
    ),
    Facet(
        "who",
        "Who acted",
        "who acted: regulators, officials, authorities and leaders",
        "Officials of the central bank, the regulator and the government leaders acted and spoke.",
        re.compile(
            r"\b(?:regulators?|authorit\w+|officials?|commission|central bank|exchange|"
            r"president|governor|ministr\w+|party|head of)\b",
            re.I,
        ),
    ),
    Facet(
        "consequences",
        "What changes for {subject}",
        "what changes for {subject}: consequences for its business and services",
        "The company must change its business, withdraw products and lose revenue.",
        re.compile(
            r"\b(?:rectif\w+|withdr[ae]w\w*|overhaul|business|revenue|lending|"
            r"services?|products?|users|customers|dismantl\w+|blow|setback)\b",
            re.I,
        ),
    ),
    Facet(
        "next",
        "What comes next",
        "what comes next: future steps, plans and risks",
        "More inspections, new rules and further trouble are expected in the future.",
        re.compile(
            r"\b(?:will|could|may|might|likely|later|next|future|transition|expect\w*|"
            r"plans?|signs?|more trouble)\b",
            re.I,
        ),
    ),
]
AMOUNT_QUERY = "how much: amounts of money, shares and numbers"
CUE_BONUS = 0.12
FACET_FLOOR = 0.3  # least affinity for a sentence to serve a facet at all
FACET_MARGIN = 0.05  # and by how much it must beat its mean affinity over the facets
WIDE_FLOOR = 0.3  # dated events and figures may come from a wider pool (relevant documents)


@dataclass(frozen=True, slots=True)
class Piece:
    """A usable extract of a candidate sentence: exact span, tidied only at its edges."""

    cand: Candidate
    text: str
    start: int
    end: int

    @property
    def span(self) -> tuple[str, int, int]:
        return (self.cand.doc_id, self.start, self.end)


@dataclass(frozen=True, slots=True)
class Pool:
    topic_cands: list[Candidate]  # scored for the topic alone (abstention)
    cands: list[Candidate]  # the union pool, scored for the topic, best first
    relevant: list[Candidate]  # cands above the relevance floor
    wide: list[Candidate]  # above a lower floor, from documents with a relevant sentence
    facet_vecs: np.ndarray  # embedded FACETS examples, one row each


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


def _embed_cached(engine: Engine, texts: list[str]) -> np.ndarray:
    """Vectors of fixed texts (facet examples, facet queries of a subject), computed once."""
    model = engine.embedder.model_id
    with _VECTORS_LOCK:
        known = {t: _VECTORS[(model, t)] for t in texts if (model, t) in _VECTORS}
    todo = [t for t in dict.fromkeys(texts) if t not in known]
    if todo:
        fresh = dict(zip(todo, engine.embedder.embed(todo), strict=True))
        known.update(fresh)
        with _VECTORS_LOCK:
            if len(_VECTORS) + len(fresh) > VECTOR_CACHE_SIZE:
                _VECTORS.clear()
            _VECTORS.update({(model, t): v for t, v in fresh.items()})
    return np.stack([known[t] for t in texts])


def gather(engine: Engine, topic: str, subject: str, filters: Filters, k: int) -> Pool:
    """Retrieve for the topic and for each facet; score every sentence against the topic."""
    index, retriever = engine.index, engine.retriever
    qvec = engine.embedder.embed_query(topic)
    first = retriever.search(topic, k, filters, qvec=qvec).results
    topic_cands = candidates(index, first, topic, qvec, set())
    results = [first]
    queries = [f"{subject} {f.query.format(subject=subject)}" for f in FACETS]
    queries.append(f"{subject} {AMOUNT_QUERY}")
    vecs = _embed_cached(engine, [*queries, *(f.example for f in FACETS)])
    for q, vec in zip(queries, vecs[: len(queries)], strict=True):
        results.append(retriever.search(q, max(3, k // 2), filters, qvec=vec).results)
    cands = candidates(index, _merge_hits(results), topic, qvec, set())
    best = cands[0].score if cands else 0.0
    relevant = [c for c in cands if c.score >= POOL_FLOOR * best]
    docs = {c.doc_id for c in relevant}
    wide = [c for c in cands if c.score >= WIDE_FLOOR * best and c.doc_id in docs]
    return Pool(topic_cands, cands, relevant, wide, vecs[len(queries) :])


def tidy(cand: Candidate) -> Piece | None:
    """The candidate as a stand-alone extract, or None if it cannot stand alone."""
    text, start = cand.text, cand.start
    m = DATELINE.match(text)
    if m:
        if m.end() >= len(text):
            return None  # a dateline alone
        text, start = text[m.end() :], start + m.end()
    m = CONNECTIVE.match(text)
    if m and m.end() < len(text):
        text, start = text[m.end() :], start + m.end()
    tail = BROKEN_TAIL.search(text)
    if tail:
        text = text[: tail.start() + 1]
    text = text.rstrip()
    if not stands_alone(text):
        return None
    return Piece(cand, text, start, start + len(text))


def stands_alone(text: str) -> bool:
    """A whole sentence a reader can take out of its article: not a fragment, not a quote
    cut open, not opening on a pronoun whose referent stays behind."""
    quoted = text[:1] in OPEN_QUOTES
    if quoted and not any(q in text[1:] for q in CLOSE_QUOTES):
        return False
    if not (quoted or capitalise(text)[:1].isupper()) or text.endswith(":"):
        return False
    return MIN_WORDS <= len(text.split()) <= MAX_WORDS and not ANAPHORA.match(text)


def shown(piece: Piece) -> str:
    """The text a reader sees: the extract with its first letter capitalised."""
    return capitalise(piece.text)


class Deduper:
    """Keeps one sentence per fact. Two sentences state the same fact if their embeddings
    are near (cosine > 0.85), or fairly near and sharing much of their rarer vocabulary
    (cosine plus idf-weighted shared-term share >= 1.0; the subject's own words, which
    every sentence shares, do not count)."""

    def __init__(self, index: LoadedIndex, subject: str) -> None:
        self.vectors = index.sentence_vectors
        self.stats = term_stats(index)
        self.ignore = set(tokenize(subject))
        self.kept: list[tuple[int, set[str]]] = []

    def _terms(self, text: str) -> set[str]:
        return set(tokenize(text)) - self.ignore

    def _weight(self, terms: set[str]) -> float:
        return sum(self.stats.idf(t) for t in terms)

    def seen(self, cand: Candidate) -> bool:
        v = self.vectors[cand.row]
        terms = self._terms(cand.text)
        for row, other in self.kept:
            cosine = float(self.vectors[row] @ v)
            if row == cand.row or cosine > REDUNDANT:
                return True
            shared = self._weight(terms & other) / max(
                1e-9, min(self._weight(terms), self._weight(other))
            )
            if cosine + shared >= SAME_FACT:
                return True
        return False

    def add(self, cand: Candidate) -> None:
        self.kept.append((cand.row, self._terms(cand.text)))


def pick_summary(pieces: list[Piece], subject: str, n: int, dedupe: Deduper) -> list[Piece]:
    """The best stand-alone sentences that name the subject, from different documents while
    there are any (a second pass fills up from documents already used)."""
    subject_terms = set(tokenize(subject))
    ranked = sorted(
        pieces,
        key=lambda p: -(p.cand.score + (0.05 if subject_terms & set(tokenize(p.text)) else 0.0)),
    )
    chosen: list[Piece] = []
    for distinct in (True, False):
        docs = {p.cand.doc_id for p in chosen}
        for p in ranked:
            if len(chosen) >= n:
                return chosen
            if (distinct and p.cand.doc_id in docs) or p in chosen or dedupe.seen(p.cand):
                continue
            chosen.append(p)
            docs.add(p.cand.doc_id)
            dedupe.add(p.cand)
    return chosen


def facet_affinity(index: LoadedIndex, pieces: list[Piece], facet_vecs: np.ndarray) -> np.ndarray:
    """(pieces x facets) affinity: cosine to the facet's example plus a bonus for its cues."""
    if not pieces:
        return np.zeros((0, len(FACETS)), dtype=np.float32)
    rows = index.sentence_vectors[[p.cand.row for p in pieces]]
    aff = np.asarray(rows @ facet_vecs.T, dtype=np.float32)
    for i, p in enumerate(pieces):
        for j, f in enumerate(FACETS):
            if f.cue.search(p.text):
                aff[i, j] += CUE_BONUS
    return aff


def assign_sections(
    index: LoadedIndex,
    pieces: list[Piece],
    facet_vecs: np.ndarray,
    budget: int,
    per_section: int,
    dedupe: Deduper,
) -> dict[str, list[Piece]]:
    """Each piece to the facet it serves best, if it clearly serves one; facets are filled
    best first, one sentence each in turn, until the budget is spent."""
    aff = facet_affinity(index, pieces, facet_vecs)
    queues: dict[str, list[tuple[float, Piece]]] = {f.key: [] for f in FACETS}
    for i, p in enumerate(pieces):
        j = int(np.argmax(aff[i]))
        if aff[i, j] >= FACET_FLOOR and aff[i, j] - float(aff[i].mean()) >= FACET_MARGIN:
            queues[FACETS[j].key].append((0.5 * p.cand.score + 0.5 * float(aff[i, j]), p))
    for q in queues.values():
        q.sort(key=lambda t: -t[0])
    out: dict[str, list[Piece]] = {f.key: [] for f in FACETS}
    used, progress = 0, True
    while used < budget and progress:
        progress = False
        for f in FACETS:
            q = queues[f.key]
            while q and used < budget and len(out[f.key]) < per_section:
                _, p = q.pop(0)
                if dedupe.seen(p.cand):
                    continue
                dedupe.add(p.cand)
                out[f.key].append(p)
                used += 1
                progress = True
                break
    return {k: v for k, v in out.items() if v}


def relevant_terms(index: LoadedIndex, topic: str) -> tuple[list[str], list[str]]:
    """The topic's name words, split into those the corpus uses and those it never does."""
    stats = term_stats(index)
    known: list[str] = []
    unknown: list[str] = []
    for ent in sorted(entities(topic)):
        for t in tokenize(ent):
            (known if stats.known(t) else unknown).append(t)
    return known, unknown


@dataclass(frozen=True, slots=True)
class Event:
    """One dated happening; several documents may report it (the first piece is shown)."""

    pieces: tuple[Piece, ...]
    date: ResolvedDate
    mention: DateMention

    @property
    def placeable(self) -> bool:
        """Whether the text gives at least a month (with or without the year)."""
        return self.date.resolved or self.mention.month is not None


DATE_WORDS = frozenset(
    tokenize(" ".join(MONTH_NAMES + WEEKDAY_NAMES + ["early mid late beginning end week"]))
)


def _same_event(a: Piece, b: Piece, index: LoadedIndex) -> bool:
    ta = set(tokenize(a.text)) - DATE_WORDS
    tb = set(tokenize(b.text)) - DATE_WORDS
    overlap = len(ta & tb) / max(1, min(len(ta), len(tb)))
    cosine = float(index.sentence_vectors[a.cand.row] @ index.sentence_vectors[b.cand.row])
    return overlap >= 0.3 or cosine >= 0.6


def dated_events(index: LoadedIndex, pieces: list[Piece]) -> list[Event]:
    """Pieces that say when something happened, merged when two documents tell one event."""
    events: list[Event] = []
    for p in sorted(pieces, key=lambda p: -p.cand.score):
        mentions = find_dates(p.text)
        if not mentions:
            continue
        published = index.documents[p.cand.doc_id].published
        mention = mentions[0]
        date = resolve(mention, dt.date.fromisoformat(published) if published else None)
        for i, ev in enumerate(events):
            if compatible(ev.date, date, ev.mention, mention) and _same_event(
                ev.pieces[0], p, index
            ):
                best_date, best_m = (
                    (date, mention) if rank(date) < rank(ev.date) else (ev.date, ev.mention)
                )
                events[i] = Event((*ev.pieces, p), best_date, best_m)
                break
        else:
            events.append(Event((p,), date, mention))
    return events


def timeline_order(events: list[Event]) -> list[Event]:
    """Calendar order; then year-unknown dates by month and day; then unresolved ones."""

    def key(e: Event) -> tuple[int, int, int, int]:
        if e.date.sort_key:
            return (0, *e.date.sort_key)
        if e.mention.month is not None:
            return (1, 0, e.mention.month, e.mention.day or PART_DAY[e.mention.part])
        return (2, 0, 0, 0)

    return sorted(events, key=key)

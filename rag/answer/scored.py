"""Sentence-level evidence: candidate sentences from retrieved passages, scored for a question."""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rag.index.store import LoadedIndex
from rag.text.lexicon import lexicon, match
from rag.text.questions import satisfies
from rag.text.tokens import tokenize
from rag.text.voice import speaks_as_system
from rag.types import SearchHit

FloatArray = npt.NDArray[np.float32]

# Weights of the sentence score (semantic, lexical, retrieval prior, answer type).
W_SEM, W_LEX, W_PRIOR, W_TYPE = 0.5, 0.35, 0.15, 0.08
# A sentence that opens by pointing back ("The latter want to ...", "this measure was taken
# to ...") is about what the sentence before it names; it may borrow that sentence's
# relevance, discounted. News puts the reason for a fact in just such a follow-on sentence.
CARRY = 0.9
RELATIVE_FLOOR = 0.75  # a sentence joins the answer if it scores within 75% of the best
TRUSTED_ENOUGH = 0.5  # trusted evidence this strong, relative to the best, leads uploads
ANAPHOR = re.compile(
    r"^\W*(?:the (?:latter|former)|this|these|those|that|it|they|such|he|she|"
    r"far from being \w+, this)\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class ScoredSentence:
    """A sentence of a retrieved passage, scored for one question.

    ``score`` = W_SEM * semantic + W_LEX * lexical + W_PRIOR * prior, plus W_TYPE when the
    sentence holds the asked-for answer type (minus it when it does not). ``row`` is the
    sentence's row in the index (its vector); ``[start, end)`` its exact span.
    """

    row: int  # sentence row in the index
    doc_id: str
    start: int
    end: int
    text: str
    semantic: float
    lexical: float
    prior: float
    type_ok: bool
    score: float
    trusted: bool = True  # from a trusted document (rag.index.trust); uploads are not


class TermStats:
    """Inverse document frequency of stemmed terms over the index's sentences."""

    def __init__(self, index: LoadedIndex) -> None:
        df: Counter[str] = Counter()
        for s in index.sentences:
            df.update(set(tokenize(s.text)))
        self.n = max(1, len(index.sentences))
        self.df = df

    def idf(self, term: str) -> float:
        return math.log(1 + self.n / (1 + self.df.get(term, 0)))

    def known(self, term: str) -> bool:
        return term in self.df


_STATS: dict[str, TermStats] = {}
_STATS_LOCK = threading.Lock()


def term_stats(index: LoadedIndex) -> TermStats:
    with _STATS_LOCK:
        if index.version not in _STATS:
            _STATS[index.version] = TermStats(index)
        return _STATS[index.version]


def weighted_coverage(query_terms: Sequence[str], text_terms: set[str], stats: TermStats) -> float:
    """idf-weighted share of the query's terms found in the text; a term found only as a
    synonym or related form ("supervisors" for "supervise") counts in part
    (rag.text.lexicon)."""
    if not query_terms:
        return 0.0
    total = sum(stats.idf(t) for t in query_terms)
    lex = lexicon()
    got = sum(stats.idf(t) * match(t, text_terms, lex) for t in query_terms)
    return got / total if total else 0.0


def candidates(
    index: LoadedIndex,
    hits: Sequence[SearchHit],
    question: str,
    qvec: FloatArray,
    kinds: set[str],
) -> list[ScoredSentence]:
    """Every sentence of the retrieved passages that may be quoted, scored against the
    question, best first (trusted evidence first when it qualifies: ``lead_with_trusted``).
    Sentences of untrusted documents and sentences that speak to the reader or to a model
    (rag.text.voice) are never candidates."""
    stats = term_stats(index)
    docs = index.documents
    q_terms = list(dict.fromkeys(tokenize(question)))
    seen: set[int] = set()
    out: list[ScoredSentence] = []
    top = max((h.score for h in hits), default=1.0) or 1.0
    for hit in hits:
        rows = index.passage_sentences[hit.passage_id]
        for row in rows:
            if row in seen:
                continue
            seen.add(row)
            s = index.sentences[row]
            trust = docs[s.doc_id].trust
            if trust == "untrusted" or _silenced(s.text):
                continue
            sem = float(index.sentence_vectors[row] @ qvec)
            lex = weighted_coverage(q_terms, set(tokenize(s.text)), stats)
            prior = max(0.0, hit.score / top)
            type_ok = all(satisfies(k, s.text) for k in kinds)
            score = W_SEM * sem + W_LEX * lex + W_PRIOR * prior
            if kinds:
                score += W_TYPE if type_ok else -W_TYPE
            out.append(ScoredSentence(row, s.doc_id, s.start, s.end, s.text, sem, lex, prior,
                                 type_ok, score, trust == "trusted"))  # fmt: skip
    if kinds:
        out = _carry_context(out, index)
    out.sort(key=lambda c: (-c.score, c.doc_id, c.start))
    return lead_with_trusted(out)


@functools.lru_cache(maxsize=65536)
def _silenced(text: str) -> bool:
    return speaks_as_system(text) is not None


def lead_with_trusted(cands: list[ScoredSentence]) -> list[ScoredSentence]:
    """Trusted evidence first: when the best trusted sentence scores at least TRUSTED_ENOUGH
    of the best overall, the trusted sentences within RELATIVE_FLOOR of it lead and the rest
    follow by score, so an upload never outranks trusted evidence that answers on its own
    (an upload that repeats the question's words easily scores twice a paraphrase). Else (a
    question only an upload covers) the order is the scores'."""
    trusted = [c for c in cands if c.trusted]
    if len(trusted) == len(cands) or not trusted:
        return cands
    if trusted[0].score < TRUSTED_ENOUGH * cands[0].score:
        return cands
    lead = [c for c in trusted if c.score >= RELATIVE_FLOOR * trusted[0].score]
    rows = {c.row for c in lead}
    return lead + [c for c in cands if c.row not in rows]


def _carry_context(cands: list[ScoredSentence], index: LoadedIndex) -> list[ScoredSentence]:
    """Let an anaphoric sentence of the asked-for type borrow its predecessor's relevance."""
    by_row = {c.row: c for c in cands}
    out = []
    for c in cands:
        prev = by_row.get(c.row - 1)
        if prev is not None and c.type_ok and prev.doc_id == c.doc_id and ANAPHOR.match(c.text):
            base = prev.score - (W_TYPE if prev.type_ok else -W_TYPE)
            carried = CARRY * base + W_TYPE
            if carried > c.score:
                c = dataclasses.replace(c, score=carried)
        out.append(c)
    return out

"""Pieces: candidate sentences tidied into stand-alone extracts (exact spans), and the deduper
that keeps one sentence per fact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer.citing import Citer
from rag.answer.scored import ScoredSentence, term_stats
from rag.answer.selection import REDUNDANT
from rag.index.store import LoadedIndex
from rag.text.tokens import tokenize
from rag.text.wording import CONNECTIVE, capitalise
from rag.types import AnswerSentence

SAME_FACT = 1.0  # cosine + shared rare-term share at which they do too (see Deduper)


MIN_WORDS, MAX_WORDS = 6, 60

ANAPHORA = re.compile(
    r"^(?:It(?! is \w+ (?:that|to)\b)|This|That|These|Those|They|Them|She|He|We|I|You|Our|"
    r"Their|His|Her|Its|The latter|The former|Such)\b"
)
DATELINE = re.compile(r"^[^()]{0,80}\((?:Reporter|Correspondent|By)\b[^)]*\)\s*")
BROKEN_TAIL = re.compile(r"\.\s+,")
OPEN_QUOTES, CLOSE_QUOTES = '“"', '”"'


@dataclass(frozen=True, slots=True)
class Piece:
    """A usable extract of a candidate sentence: exact span, tidied only at its edges."""

    cand: ScoredSentence
    text: str
    start: int
    end: int

    @property
    def span(self) -> tuple[str, int, int]:
        return (self.cand.doc_id, self.start, self.end)


def tidy(cand: ScoredSentence) -> Piece | None:
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

    def seen(self, cand: ScoredSentence) -> bool:
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

    def add(self, cand: ScoredSentence) -> None:
        self.kept.append((cand.row, self._terms(cand.text)))


def cite_piece(citer: Citer, piece: Piece) -> AnswerSentence | None:
    """The piece as shown, verified against its own span."""
    return citer.cite(shown(piece), [piece.span], piece.cand.score)

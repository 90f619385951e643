"""Index terms: lower-cased words, acronyms expanded, English stopwords dropped, Snowball stems."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    # bm25s's list is short; add the question words that carry no content.
    extra = {
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "why",
        "how",
        "when",
        "where",
        "did",
        "does",
        "do",
        "was",
        "were",
        "is",
        "are",
        "has",
        "have",
        "had",
        "its",
        "it",
    }
    return frozenset(STOPWORDS_EN) | extra


# Acronyms news text spells both ways; each side gets the other's tokens too.
ACRONYMS = {
    "ipo": "initial public offering",
    "ceo": "chief executive officer",
    "pboc": "people's bank of china",
    "cbirc": "china banking and insurance regulatory commission",
    "fintech": "financial technology",
}


def _expand(words: list[str]) -> list[str]:
    joined = " ".join(words)
    extra: list[str] = []
    for short, long in ACRONYMS.items():
        if short in words:
            extra.extend(WORD.findall(long))
        elif long in joined:
            extra.append(short)
    return words + extra


def tokenize(text: str) -> list[str]:
    """Lower-cased, stopword-free, stemmed word tokens (acronyms expanded both ways).

    >>> tokenize("Why was the Ant Group IPO suspended?")
    ['ant', 'group', 'ipo', 'suspend', 'initi', 'public', 'offer']
    """
    return list(_tokens(text))


@lru_cache(maxsize=16384)  # an answer tokenises the same corpus sentences again and again
def _tokens(text: str) -> tuple[str, ...]:
    stop = _stopwords()
    words = [w for w in _expand(WORD.findall(text.lower())) if w not in stop]
    return tuple(_stemmer().stemWords(words))

"""BM25 over passages (bm25s), with Snowball stemming and English stopwords."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

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
    """Lower-cased, stopword-free, stemmed word tokens (acronyms expanded both ways)."""
    stop = _stopwords()
    words = [w for w in _expand(WORD.findall(text.lower())) if w not in stop]
    return list(_stemmer().stemWords(words))


class BM25Index:
    """A bm25s index over passage texts; scores come back for every passage."""

    def __init__(self, model: Any) -> None:
        self.model = model

    @classmethod
    def build(cls, texts: Sequence[str]) -> BM25Index:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        model = bm25s.BM25()
        tokens = [tokenize(t) or ["\x00empty"] for t in texts]
        model.index(tokens, show_progress=False)
        return cls(model)

    def save(self, folder: Path) -> None:
        self.model.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        import bm25s

        return cls(bm25s.BM25.load(str(folder), show_progress=False, verbosity=0))

    def scores(self, query: str) -> npt.NDArray[np.float32]:
        """BM25 score of every passage for the query (zeros when no query term is known)."""
        vocab = self.model.vocab_dict
        q = [t for t in tokenize(query) if t in vocab]
        n = int(self.model.scores["num_docs"])
        if not q:
            return np.zeros(n, dtype=np.float32)
        return np.asarray(self.model.get_scores(q), dtype=np.float32)

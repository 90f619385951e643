"""BM25 over passages (bm25s) on the terms of rag.text.tokens.

A full build indexes token lists with bm25s. The term counts of every passage are kept
(``TermCounts``, saved beside the index), so adding or removing a document re-scores the
whole matrix with numpy instead of tokenizing every passage again (BM25 scores depend on
corpus-wide idf and average length, so every score moves when one document does).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from rag.text.tokens import tokenize

EMPTY = "\x00empty"  # stands for a passage without terms (bm25s wants at least one)
TERMS_FILE = "bm25_terms.npz"
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


def top_positive(scores: FloatArray, k: int) -> IntArray:
    """Ids of the ``k`` highest positive scores, best first, ties by id.

    The same ids in the same order as ``np.argsort(-scores, kind="stable")[:k]`` restricted
    to positive scores, but only the positive entries are sorted (after an O(n) partition),
    so the cost follows the number of matching passages rather than the corpus size: at 1M
    passages a full argsort takes ~70 ms, this a few ms.
    """
    pos = np.flatnonzero(scores > 0)
    k = min(k, len(pos))
    if k <= 0:
        return np.zeros(0, np.int64)
    vals = scores[pos]
    if len(pos) > 4 * k:
        kth = np.partition(vals, len(vals) - k)[len(vals) - k]  # the k-th largest value
        keep = vals >= kth  # keeps every tie at the boundary, so ties still go by id
        pos, vals = pos[keep], vals[keep]
    out: IntArray = pos[np.argsort(-vals, kind="stable")[:k]].astype(np.int64)
    return out


def passage_tokens(text: str) -> list[str]:
    return tokenize(text) or [EMPTY]


@dataclass
class TermCounts:
    """Term counts per passage, a CSR matrix: passage i has terms ``ids[indptr[i]:indptr[i+1]]``
    (ids into ``vocab``) with counts ``tf``; ``lengths`` are its token counts."""

    vocab: list[str]
    ids: npt.NDArray[np.int32]
    tf: npt.NDArray[np.float32]
    indptr: npt.NDArray[np.int64]
    lengths: npt.NDArray[np.int32]

    @property
    def rows(self) -> int:
        return len(self.lengths)

    @classmethod
    def from_tokens(cls, tokens: Sequence[list[str]], vocab: list[str] | None = None) -> TermCounts:
        """Counts of token lists; new terms are appended to (a copy of) ``vocab``."""
        vocab = list(vocab or [])
        known = {t: i for i, t in enumerate(vocab)}
        ids: list[int] = []
        tf: list[int] = []
        indptr = [0]
        for toks in tokens:
            for term, n in Counter(toks).items():
                if term not in known:
                    known[term] = len(vocab)
                    vocab.append(term)
                ids.append(known[term])
                tf.append(n)
            indptr.append(len(ids))
        return cls(
            vocab,
            np.array(ids, dtype=np.int32),
            np.array(tf, dtype=np.float32),
            np.array(indptr, dtype=np.int64),
            np.array([len(t) for t in tokens], dtype=np.int32),
        )

    def take(self, rows: npt.NDArray[np.int64]) -> TermCounts:
        """The given passage rows, in that order (same vocab)."""
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        counts = ends - starts
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        flat = np.arange(int(indptr[-1]), dtype=np.int64) + np.repeat(starts - indptr[:-1], counts)
        return TermCounts(self.vocab, self.ids[flat], self.tf[flat], indptr, self.lengths[rows])

    @classmethod
    def concat(cls, parts: Sequence[TermCounts], vocab: list[str]) -> TermCounts:
        """Rows of ``parts`` in order; every part's ids must index ``vocab``."""
        ends = np.cumsum([0] + [len(p.ids) for p in parts[:-1]], dtype=np.int64)
        shifted = [p.indptr[1:] + e for p, e in zip(parts, ends, strict=True)]
        indptr = [np.zeros(1, np.int64), *shifted]
        return cls(
            vocab,
            np.concatenate([p.ids for p in parts]).astype(np.int32),
            np.concatenate([p.tf for p in parts]).astype(np.float32),
            np.concatenate(indptr),
            np.concatenate([p.lengths for p in parts]).astype(np.int32),
        )

    def save(self, path: Path) -> None:
        with path.open("wb") as f:
            np.savez(
                f,
                vocab=np.array(self.vocab, dtype=str),
                ids=self.ids,
                tf=self.tf,
                indptr=self.indptr,
                lengths=self.lengths,
            )

    @classmethod
    def load(cls, path: Path) -> TermCounts:
        with np.load(path, allow_pickle=False) as z:
            return cls([str(t) for t in z["vocab"]], z["ids"], z["tf"], z["indptr"], z["lengths"])


class BM25Index:
    """A bm25s index over passage texts; scores come back for every passage."""

    def __init__(self, model: Any) -> None:
        self.model = model

    @classmethod
    def build(cls, texts: Sequence[str]) -> BM25Index:
        return cls.from_tokens([passage_tokens(t) for t in texts])

    @classmethod
    def from_tokens(cls, tokens: Sequence[list[str]]) -> BM25Index:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        model = bm25s.BM25()
        model.index(list(tokens), show_progress=False)
        return cls(model)

    @classmethod
    def from_counts(cls, counts: TermCounts) -> BM25Index:
        """The scores bm25s's lucene method gives (to float32 rounding), computed in numpy."""
        import bm25s

        model = bm25s.BM25()
        k1, b = float(model.k1), float(model.b)
        n, n_vocab = counts.rows, len(counts.vocab)
        df = np.bincount(counts.ids, minlength=n_vocab).astype(np.float64)
        idf = np.where(df > 0, np.log1p((n - df + 0.5) / (df + 0.5)), 0.0).astype(np.float32)
        row = np.repeat(np.arange(n, dtype=np.int64), np.diff(counts.indptr))
        l_avg = float(counts.lengths.mean()) if n else 1.0
        tf = counts.tf.astype(np.float64)
        norm = k1 * ((1 - b) + b * counts.lengths[row].astype(np.float64) / l_avg)
        score = (idf[counts.ids].astype(np.float64) * (tf / (norm + tf))).astype(np.float32)
        # by term, then passage (rows ascend already, so a stable sort keeps them): CSC
        order = np.argsort(counts.ids, kind="stable")
        indptr = np.zeros(n_vocab + 1, dtype=np.int64)
        np.cumsum(np.bincount(counts.ids, minlength=n_vocab), out=indptr[1:])
        model.scores = {
            "data": score[order],
            "indices": row[order].astype(np.int32),
            "indptr": indptr,
            "num_docs": n,
        }
        model.vocab_dict = {t: i for i, t in enumerate(counts.vocab)}
        model.unique_token_ids_set = set(model.vocab_dict.values())
        model.nonoccurrence_array = None
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

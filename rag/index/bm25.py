"""BM25 over passages (bm25s) on the terms of rag.text.tokens."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from rag.text.tokens import tokenize


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

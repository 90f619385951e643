"""Embedder wrappers for the benchmarks: one that times, one that embeds each text once.

Both satisfy ``rag.index.embedder.Embedder``. :class:`TimedEmbedder` forwards
``embed_with_spans``, so the engine's default contextual-sentences strategy still runs;
:class:`CachingEmbedder` deliberately has no ``embed_with_spans``, so the engine falls back to
embedding passages and sentences separately and every distinct text goes through the model
once (a WordNet gloss's one sentence is its passage text).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from rag.index.embedder import Embedder, Progress, Vectors


class TimedEmbedder:
    """Wraps an embedder and adds up the seconds spent in ``embed``."""

    def __init__(self, base: Embedder) -> None:
        self.base = base
        self.model_id = base.model_id
        self.dim = base.dim
        self.seconds = 0.0
        self.texts = 0

    def embed(
        self,
        texts: Sequence[str],
        batch_size: int = 32,
        progress: Progress | None = None,
        workers: int = 1,
    ) -> Vectors:
        t0 = time.perf_counter()
        out = self.base.embed(texts, batch_size, progress, workers)
        self.seconds += time.perf_counter() - t0
        self.texts += len(texts)
        return out

    def embed_query(self, text: str) -> Vectors:
        return self.base.embed_query(text)

    def embed_with_spans(self, texts: Sequence[str], *args: Any) -> Any:
        t0 = time.perf_counter()
        out = self.base.embed_with_spans(texts, *args)  # type: ignore[attr-defined]
        self.seconds += time.perf_counter() - t0
        self.texts += len(texts)
        return out


class CachingEmbedder:
    """Memoises an embedder per text for the length of a run: passage and sentence vectors,
    query vectors and (for maxsim) token vectors.

    These are the same model calls on the same texts, so scores do not change (up to float
    noise from batch padding). ``seconds`` is the time spent in the base model's ``embed``;
    ``len(cache)`` is the number of distinct texts it embedded.
    """

    def __init__(self, base: Any) -> None:
        self.base = base
        self.model_id: str = base.model_id
        self.dim: int = base.dim
        self.max_seq_length: int = getattr(base, "max_seq_length", 256)
        self.cache: dict[str, Vectors] = {}
        self.seconds = 0.0
        self._queries: dict[str, Vectors] = {}
        self._tokens: dict[str, Vectors] = {}

    def embed(
        self,
        texts: Sequence[str],
        batch_size: int = 32,
        progress: Progress | None = None,
        workers: int = 1,
    ) -> Vectors:
        missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if missing:
            t0 = time.perf_counter()
            new = self.base.embed(missing, batch_size, progress, workers)
            self.seconds += time.perf_counter() - t0
            self.cache.update(zip(missing, new, strict=True))
        if progress and len(texts) > len(missing):
            progress(len(texts) - len(missing))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.cache[t] for t in texts]).astype(np.float32, copy=False)

    def embed_query(self, text: str) -> Vectors:
        if text not in self._queries:
            self._queries[text] = self.base.embed_query(text)
        return self._queries[text]

    def token_embeddings(self, texts: Sequence[str]) -> list[Vectors]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._tokens))
        if missing:
            self._tokens.update(zip(missing, self.base.token_embeddings(missing), strict=True))
        return [self._tokens[t] for t in texts]

    def forget_tokens(self) -> None:
        """Drop token vectors (passage texts change with the chunking; they take memory)."""
        self._tokens.clear()

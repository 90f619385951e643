"""One index version in Milvus: dense and BM25 top-k answered by its passages collection."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from rag.index import milvus_rows as rows
from rag.index.seam import IntArray, LoadedIndex, Vectors
from rag.index.store import StoreUnavailable


@contextlib.contextmanager
def calls(what: str) -> Iterator[None]:
    """Milvus errors as one-line StoreUnavailable (the CLI and the API show those)."""
    from pymilvus.exceptions import MilvusException

    try:
        yield
    except MilvusException as exc:
        raise StoreUnavailable(f"milvus: {what} failed: {exc.message}") from exc


def _doc_filter(doc_ids: Iterable[str]) -> str:
    return f"doc_id in {json.dumps(sorted(set(doc_ids)))}"


@dataclass(kw_only=True)
class MilvusIndex(LoadedIndex):
    """A version whose dense and BM25 top-k are answered by Milvus."""

    client: Any
    collection: str  # the version's passages collection

    def _filter(self, allowed: IntArray | None) -> str:
        return "" if allowed is None else _doc_filter(self.passages[int(i)].doc_id for i in allowed)

    def dense_top_k(
        self, qvec: Vectors, k: int, allowed: IntArray | None = None
    ) -> tuple[Vectors, IntArray]:
        k = min(k, len(self.passages))
        if k <= 0 or (allowed is not None and len(allowed) == 0):
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        with calls("dense search"):
            hits = self.client.search(
                self.collection,
                data=[np.asarray(qvec, dtype=np.float32).tolist()],
                anns_field="vector",
                limit=k,
                filter=self._filter(allowed),
                search_params={"metric_type": "IP"},
            )[0]
        ids, scores = _ranked([(float(h["distance"]), int(h["id"])) for h in hits], allowed)
        return scores, ids

    def lexical_top_k(
        self, query: str, k: int, allowed: IntArray | None = None
    ) -> tuple[IntArray, Vectors]:
        terms = rows.query_terms(query)
        if k <= 0 or not terms or (allowed is not None and len(allowed) == 0):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        with calls("BM25 search"):
            hits = self.client.search(
                self.collection,
                data=[terms],
                anns_field="sparse",
                limit=k,
                filter=self._filter(allowed),
                search_params={"metric_type": "BM25"},
            )[0]
        # milvus-lite gives BM25 scores negated, a cluster positive: take magnitudes. Milvus
        # scores tf * (k1 + 1) / (tf + norm), bm25s's lucene variant tf / (tf + norm).
        pairs = [(abs(float(h["distance"])) / (1 + rows.BM25_K1), int(h["id"])) for h in hits]
        return _ranked([p for p in pairs if p[0] > 0], allowed)


def _ranked(pairs: list[tuple[float, int]], allowed: IntArray | None) -> tuple[IntArray, Vectors]:
    """(ids, scores) of (score, id) pairs in ``allowed``, best first, ties by id (the order
    the embedded store gives)."""
    keep = None if allowed is None else {int(i) for i in allowed}
    pairs = sorted((p for p in pairs if keep is None or p[1] in keep), key=lambda p: (-p[0], p[1]))
    ids = np.array([i for _, i in pairs], dtype=np.int64)
    return ids, np.array([s for s, _ in pairs], dtype=np.float32)

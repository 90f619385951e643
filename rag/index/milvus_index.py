"""One index version in Milvus: dense and BM25 top-k answered by its passages collection.

Milvus ids are not row numbers once a document was updated in place: ``pids`` maps rows to
ids, and a search asks only for ids below ``limit`` (the next free id of this revision), so
rows another writer added since are not returned; an id this snapshot does not hold (a
replaced document's old row, not yet deleted) is dropped.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rag.index import milvus_rows as rows
from rag.index.seam import IntArray, LoadedIndex, Vectors
from rag.index.store import StoreUnavailable

# Without output fields milvus-lite returns every field of each hit (vector, sparse vector,
# tokens): decoding those cost ~7 ms of a 28 ms search at 10k. We only need the ids.
ONLY_ID = ["id"]


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
    pids: IntArray  # the Milvus id of each passage row
    limit: int  # ids at or above it are not this revision's
    pending: Any = None  # what publishing this revision does (rag.index.milvus_live.Pending)
    _order: IntArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._order = np.argsort(self.pids, kind="stable")

    def rows_of(self, ids: list[int]) -> list[int | None]:
        """The row of each Milvus id, None for an id this snapshot does not hold."""
        if not ids:
            return []
        ordered = self.pids[self._order]
        at = np.searchsorted(ordered, np.asarray(ids, dtype=np.int64))
        out: list[int | None] = []
        for i, a in zip(ids, at.tolist(), strict=True):
            ok = a < len(ordered) and int(ordered[a]) == i
            out.append(int(self._order[a]) if ok else None)
        return out

    def _filter(self, allowed: IntArray | None) -> str:
        own = f"id < {self.limit}"
        if allowed is None:
            return own
        return f"{own} and " + _doc_filter(self.passages[int(i)].doc_id for i in allowed)

    def _pairs(self, hits: list[dict[str, Any]]) -> list[tuple[float, int]]:
        """(distance, row) of the hits this snapshot holds."""
        rows = self.rows_of([int(h["id"]) for h in hits])
        return [(float(h["distance"]), r) for h, r in zip(hits, rows, strict=True) if r is not None]

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
                output_fields=ONLY_ID,
            )[0]
        ids, scores = _ranked(self._pairs(hits), allowed)
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
                output_fields=ONLY_ID,
            )[0]
        # milvus-lite gives BM25 scores negated, a cluster positive: take magnitudes. Milvus
        # scores tf * (k1 + 1) / (tf + norm), bm25s's lucene variant tf / (tf + norm).
        pairs = [(abs(d) / (1 + rows.BM25_K1), r) for d, r in self._pairs(hits)]
        return _ranked([p for p in pairs if p[0] > 0], allowed)


def _ranked(pairs: list[tuple[float, int]], allowed: IntArray | None) -> tuple[IntArray, Vectors]:
    """(ids, scores) of (score, id) pairs in ``allowed``, best first, ties by id (the order
    the embedded store gives)."""
    keep = None if allowed is None else {int(i) for i in allowed}
    pairs = sorted((p for p in pairs if keep is None or p[1] in keep), key=lambda p: (-p[0], p[1]))
    ids = np.array([i for _, i in pairs], dtype=np.int64)
    return ids, np.array([s for s, _ in pairs], dtype=np.float32)

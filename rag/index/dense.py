"""The dense index (FAISS): the only faiss module. Inner product on unit vectors; exact while
small, IVF past a size threshold.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from rag.settings import IndexSettings

log = logging.getLogger(__name__)


Vectors = npt.NDArray[np.float32]


def _faiss() -> Any:
    """faiss, untyped on purpose: its SWIG stubs are incomplete."""
    import faiss

    return faiss


# IVF training: k-means on at most this many sampled vectors per cell (faiss warns below 39)
# for a few iterations; at 1M passages that is 160k vectors, a minute or two on one thread.
IVF_TRAIN_PER_LIST = 40
IVF_KMEANS_ITERS = 10


def ivf_lists(n: int, per_sqrt: float) -> int:
    """Cells for ``n`` vectors: ``per_sqrt x sqrt(n)``, but at least 39 vectors a cell."""
    return max(1, min(round(per_sqrt * math.sqrt(n)), n // 39))


class DenseIndex:
    """Inner product on unit vectors: exact while small, IVF (or HNSW) past a threshold.

    ``kind`` is ``flat`` (exact), ``ivf`` or ``hnsw``; ``params`` are what the build chose
    (recorded in the manifest). ``vectors``, when given, are the float32 rows the index was
    built from: a filtered IVF search over few rows is then done exactly on them.
    """

    def __init__(
        self,
        index: Any,
        kind: str,
        params: dict[str, Any] | None = None,
        vectors: Vectors | None = None,
    ) -> None:
        self.index = index
        self.kind = kind
        self.params = params or {}
        self.vectors = vectors

    @classmethod
    def build(cls, vectors: Vectors, settings: IndexSettings) -> DenseIndex:
        faiss = _faiss()

        x = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = x.shape
        params: dict[str, Any] = {}
        if n <= settings.ann_threshold:
            index, kind = faiss.IndexFlatIP(dim), "flat"
        elif settings.ann == "hnsw":
            kind = "hnsw"
            index = faiss.IndexHNSWFlat(dim, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = max(2 * settings.hnsw_m, settings.hnsw_ef_construction)
            index.hnsw.efSearch = settings.hnsw_ef_search
            params = {
                "m": settings.hnsw_m,
                "ef_construction": int(index.hnsw.efConstruction),
                "ef_search": settings.hnsw_ef_search,
            }
        else:
            nlist = ivf_lists(n, settings.ivf_lists_per_sqrt)
            quantizer = faiss.IndexFlatIP(dim)
            if settings.ivf_storage == "float16":
                qt = faiss.ScalarQuantizer.QT_fp16
                index = faiss.IndexIVFScalarQuantizer(
                    quantizer, dim, nlist, qt, faiss.METRIC_INNER_PRODUCT
                )
            else:
                index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
            # A fixed sample and seed: the same vectors give the same cells.
            n_train = min(n, IVF_TRAIN_PER_LIST * nlist)
            rows = np.sort(np.random.default_rng(0).choice(n, n_train, replace=False))
            index.cp.niter = IVF_KMEANS_ITERS
            index.cp.max_points_per_centroid = IVF_TRAIN_PER_LIST
            index.cp.seed = 1234
            index.train(x[rows])
            index.nprobe = min(settings.ivf_nprobe, nlist)
            kind = "ivf"
            params = {
                "nlist": nlist,
                "nprobe": int(index.nprobe),
                "storage": settings.ivf_storage,
                "train_vectors": n_train,
                "kmeans_iters": IVF_KMEANS_ITERS,
            }
        if n:
            index.add(x)
        return cls(index, kind, params, x)

    @classmethod
    def flat(cls, vectors: Vectors) -> DenseIndex:
        """The exact index over ``vectors`` (what a flat build saved, rebuilt by a copy)."""
        faiss = _faiss()

        x = np.ascontiguousarray(vectors, dtype=np.float32)
        index = faiss.IndexFlatIP(x.shape[1])
        if len(x):
            index.add(x)
        return cls(index, "flat", {}, x)

    def save(self, path: Path) -> None:
        faiss = _faiss()

        faiss.write_index(self.index, str(path))
        with path.open("rb+") as f:
            os.fsync(f.fileno())

    @classmethod
    def load(
        cls,
        path: Path,
        kind: str,
        ef_search: int | None = None,
        nprobe: int | None = None,
        params: dict[str, Any] | None = None,
        vectors: Vectors | None = None,
    ) -> DenseIndex:
        """Read a saved index; ``ef_search``/``nprobe`` override the built search breadth."""
        faiss = _faiss()

        index = faiss.read_index(str(path))
        params = dict(params or {})
        if kind == "hnsw" and ef_search is not None:
            index.hnsw.efSearch = ef_search
            params["ef_search"] = ef_search
        if kind == "ivf" and nprobe is not None:
            index.nprobe = min(nprobe, index.nlist)
            params["nprobe"] = int(index.nprobe)
        return cls(index, kind, params, vectors)

    def search(
        self, query: Vectors, k: int, allowed: npt.NDArray[np.int64] | None = None
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        """Top-k (scores, ids) for one query vector; ``allowed`` restricts the ids."""
        faiss = _faiss()

        k = min(k, self.index.ntotal)
        if k <= 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        params = None
        if allowed is not None:
            if len(allowed) == 0:
                return np.zeros(0, np.float32), np.zeros(0, np.int64)
            k = min(k, len(allowed))
            if self.kind == "ivf":
                return self._search_ivf_allowed(q, k, allowed)
            sel = faiss.IDSelectorBatch(allowed)
            params = (
                faiss.SearchParametersHNSW(sel=sel, efSearch=self.index.hnsw.efSearch)
                if self.kind == "hnsw"
                else faiss.SearchParameters(sel=sel)
            )
        scores, ids = self.index.search(q, k, params=params)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep].astype(np.int64)

    def _search_ivf_allowed(
        self, q: Vectors, k: int, allowed: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        """Filtered IVF search: exact over the allowed rows while they are few, else IVF
        scanning proportionally more cells, so about as many allowed vectors are seen as an
        unfiltered search sees. Both cost about the same at
        ``len(allowed) = ntotal * sqrt(nprobe / nlist)`` (126k of 1M with the defaults)."""
        faiss = _faiss()

        n, nlist, nprobe = self.index.ntotal, self.index.nlist, self.index.nprobe
        allowed = np.asarray(allowed, dtype=np.int64)
        if self.vectors is not None and len(allowed) <= n * math.sqrt(nprobe / nlist):
            scores = self.vectors[allowed] @ q[0]
            top = np.argsort(-scores, kind="stable")[:k]
            return scores[top].astype(np.float32), allowed[top]
        wider = min(nlist, math.ceil(nprobe * n / len(allowed)))
        sel = faiss.IDSelectorBatch(allowed)
        params = faiss.SearchParametersIVF(sel=sel, nprobe=wider)
        scores, ids = self.index.search(q, k, params=params)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep].astype(np.int64)


def set_faiss_threads(n: int) -> None:
    faiss = _faiss()

    faiss.omp_set_num_threads(n)

"""Scale benchmark, dense only: synthetic vectors and raw faiss indexes, no texts, no BM25.

For sizes no corpus reaches (1M): the exact index, the engine's default approximate index
(IVF) and any HNSW graphs asked for, built on ``build_threads`` threads and searched on one.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import cycle, log, peak_rss_mb, pin_threads, rss_mb, time_interleaved
from bench.data import query_texts, synthetic_vectors, unit
from bench.scale_build import MODEL
from bench.scale_measure import (
    K,
    breadth_sweep,
    describe,
    raw_search,
    recall_vs_exact,
    storage_recall,
)
from rag.index.dense import DenseIndex
from rag.index.embedder import Embedder
from rag.index.embedding import get_embedder
from rag.index.store import IndexStore
from rag.settings import IndexSettings, Settings


def _file_mb(dense: DenseIndex) -> float:
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        dense.save(Path(tmp) / "dense.faiss")
        return (Path(tmp) / "dense.faiss").stat().st_size / 2**20


def _floor_timings(
    flat: DenseIndex, ann: DenseIndex, embedder: Embedder, qs: list[str], n_queries: int
) -> dict[str, list[float]]:
    """p50/p95 ms of embed + raw search (the floor) and of the raw search alone, k=30."""
    pool = Settings().retrieval.candidates
    qmap = {q: embedder.embed_query(q).reshape(1, -1) for q in qs}

    def floor(d: DenseIndex) -> Callable[[str], Any]:
        return lambda q: d.index.search(embedder.embed_query(q).reshape(1, -1), pool)

    def raw(d: DenseIndex) -> Callable[[str], Any]:
        return lambda q: d.index.search(qmap[q], pool)

    ops = [
        ("floor_flat", floor(flat)),
        ("floor_ann", floor(ann)),
        ("faiss_flat", raw(flat)),
        ("faiss_ann", raw(ann)),
    ]
    timings = time_interleaved(ops, cycle(qs, n_queries))
    return {k: [t.p50, t.p95] for k, t in timings.items()}


def _hnsw_specs(text: str) -> list[tuple[int, int]]:
    """``"32:80,32:200"`` -> [(M, efConstruction), ...]."""
    return [(int(m), int(e)) for m, e in (p.split(":") for p in text.split(",") if p.strip())]


def measure_dense_only(
    n: int, real_index: Path, n_queries: int, hnsw: str = "", build_threads: int = 2
) -> dict[str, Any]:
    """Synthetic vectors only, raw faiss only (run in a fresh process).

    Builds the exact index, the engine's default approximate index (IVF) and, if asked,
    HNSW indexes (``hnsw="M:efConstruction,..."``) on ``build_threads`` threads; searches
    on one thread.
    """
    embedder = get_embedder("sentence-transformers", MODEL, 1)
    pin_threads(1)
    embedder.embed_query("warm up")
    qs = query_texts(n_queries)
    qv = np.stack([embedder.embed_query(q) for q in qs]).astype(np.float32)
    store = IndexStore(real_index)
    real = np.load(real_index / str(store.current_version()) / "passage_vectors.npy")
    rss0 = rss_mb()
    vecs = synthetic_vectors(unit(real), n, seed=n)
    rss_vecs = rss_mb()
    ix = Settings().index
    pin_threads(build_threads)
    t0 = time.perf_counter()
    flat = DenseIndex.build(vecs, ix.model_copy(update={"ann_threshold": n}))
    flat_s = time.perf_counter() - t0
    rss_flat = rss_mb()
    exact = raw_search(flat.index, qv, K)
    storage = storage_recall(vecs, qv, exact)
    anns: list[dict[str, Any]] = []
    specs: list[IndexSettings] = [ix.model_copy(update={"ann_threshold": 0, "ann": "ivf"})]
    for m, efc in _hnsw_specs(hnsw):
        update = {"ann_threshold": 0, "ann": "hnsw", "hnsw_m": m, "hnsw_ef_construction": efc}
        specs.append(ix.model_copy(update=update))
    for spec in specs:
        pin_threads(build_threads)
        rss_before = rss_mb()
        log(f"dense-only {n:,}: building {spec.ann} on {build_threads} thread(s)")
        t0 = time.perf_counter()
        ann = DenseIndex.build(vecs, spec)
        build_s = time.perf_counter() - t0
        ann.vectors = None  # do not count the shared float32 rows
        rss_ann = rss_mb() - rss_before
        pin_threads(1)
        anns.append(
            {
                "ann": describe(ann),
                "ann_kind": ann.kind,
                "build_s": build_s,
                "index_mb": rss_ann,
                "file_mb": _file_mb(ann),
                "recall": recall_vs_exact(raw_search(ann.index, qv, K), exact),
                "sweep": breadth_sweep(ann, qv, exact),
                "lat": _floor_timings(flat, ann, embedder, qs, n_queries),
            }
        )
        del ann
    return {
        "passages": n,
        "build_threads": build_threads,
        "vectors_mb": rss_vecs - rss0,
        "flat_mb": rss_flat - rss_vecs,
        "flat_build_s": flat_s,
        "peak_rss_mb": peak_rss_mb(),
        "recall_fp16": storage["fp16"],
        "recall_sq8": storage["sq8"],
        "anns": anns,
    }

"""Scale benchmark, serving: one index loaded by the Engine in a fresh process, measured.

Load time, RSS, disk, search / ask latency against the floor (query embedding plus a raw
faiss search), and the approximate index's recall@10 against exact search, by search breadth
and by vector storage (float16, int8). The helpers are shared with ``bench.scale_dense``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import (
    cycle,
    dir_size_mb,
    peak_rss_mb,
    pin_threads,
    rss_mb,
    time_interleaved,
)
from bench.data import Vectors, query_texts
from bench.scale_build import MODEL
from rag.engine import Engine
from rag.index.dense import DenseIndex
from rag.index.embedding import get_embedder
from rag.index.store import EmbeddedIndex
from rag.settings import Settings

K = 10
NPROBE_SWEEP = (8, 16, 32, 64, 128, 256)
EF_SWEEP = (32, 64, 128, 256, 512)


def recall_vs_exact(got: np.ndarray, exact: np.ndarray) -> float:
    """Mean share of each query's exact top-k that the approximate top-k also holds."""
    return float(np.mean([len(set(g) & set(e)) / len(e) for g, e in zip(got, exact, strict=True)]))


def raw_search(index: Any, qv: np.ndarray, k: int) -> np.ndarray:
    ids: np.ndarray = index.search(qv, k)[1]
    return ids


def _breadths(dense: DenseIndex) -> tuple[int, ...]:
    return NPROBE_SWEEP if dense.kind == "ivf" else EF_SWEEP


def _set_knob(dense: DenseIndex, value: int) -> None:
    if dense.kind == "ivf":
        dense.index.nprobe = min(value, dense.index.nlist)
    else:
        dense.index.hnsw.efSearch = value


def breadth_sweep(dense: DenseIndex, qv: np.ndarray, exact: np.ndarray) -> dict[str, list[float]]:
    """Recall@10 and raw search p50 (ms, k=10) of an IVF index by nprobe / HNSW by efSearch."""
    saved = dense.index.nprobe if dense.kind == "ivf" else dense.index.hnsw.efSearch
    out: dict[str, list[float]] = {}
    for v in _breadths(dense):
        _set_knob(dense, v)
        t = time_interleaved(
            [("s", lambda i: dense.index.search(qv[i : i + 1], K))], range(len(qv))
        )
        out[str(v)] = [recall_vs_exact(raw_search(dense.index, qv, K), exact), t["s"].p50]
    _set_knob(dense, saved)
    return out


def storage_recall(vecs: Vectors, qv: np.ndarray, exact: np.ndarray) -> dict[str, float]:
    """Recall@10 (vs fp32 exact) of exact search over vectors stored as fp16 and as int8."""
    import faiss

    out: dict[str, float] = {}
    f16 = faiss.IndexFlatIP(vecs.shape[1])
    f16.add(vecs.astype(np.float16).astype(np.float32))
    out["fp16"] = recall_vs_exact(raw_search(f16, qv, K), exact)
    del f16
    sq8 = faiss.IndexScalarQuantizer(
        vecs.shape[1], faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    sq8.train(vecs)
    sq8.add(vecs)
    out["sq8"] = recall_vs_exact(raw_search(sq8, qv, K), exact)
    return out


def describe(dense: DenseIndex) -> str:
    """``ivf nlist=4000 nprobe=64 float16`` and the like, from the recorded parameters."""
    p = dense.params
    if dense.kind == "ivf":
        return f"IVF nlist={p['nlist']} nprobe={p['nprobe']} {p['storage']}"
    if dense.kind == "hnsw":
        return f"HNSW M={p['m']} efC={p['ef_construction']} efSearch={p['ef_search']}"
    return "flat (exact)"


def measure_index(index_dir: Path, n_queries: int) -> dict[str, Any]:
    """Run in a fresh process: load the index with the engine and time searches.

    "ann" is the approximate index the engine serves past the threshold; where it serves
    the exact one (10k), the default approximate index is built here to compare.
    """
    settings = Settings().with_paths(index=index_dir)
    embedder = get_embedder("sentence-transformers", MODEL, 1)
    pin_threads(1)
    embedder.embed_query("warm up")
    rss_model = rss_mb()
    engine = Engine(settings, embedder)
    t0 = time.perf_counter()
    idx = engine.load()
    assert isinstance(idx, EmbeddedIndex), "the bench measures the embedded store"
    load_s = time.perf_counter() - t0
    rss_loaded = rss_mb()
    engine.warm()
    n = len(idx.passages)
    qs = query_texts(n_queries)
    qv = np.stack([embedder.embed_query(q) for q in qs]).astype(np.float32)
    served = idx.dense
    flat = DenseIndex.build(
        idx.passage_vectors, settings.index.model_copy(update={"ann_threshold": n})
    )
    t0 = time.perf_counter()
    every = settings.index.model_copy(update={"ann_threshold": 0})
    ann = served if served.kind != "flat" else DenseIndex.build(idx.passage_vectors, every)
    ann_build_s = time.perf_counter() - t0 if served.kind == "flat" else None
    exact = raw_search(flat.index, qv, K)
    recall = recall_vs_exact(raw_search(ann.index, qv, K), exact)
    sweep = breadth_sweep(ann, qv, exact)
    storage = storage_recall(idx.passage_vectors, qv, exact)
    qmap = {q: qv[i : i + 1] for i, q in enumerate(qs)}
    pool = settings.retrieval.candidates

    def with_dense(d: DenseIndex) -> Callable[[str], Any]:
        def run(q: str) -> Any:
            idx.dense = d
            return engine.search(q)

        return run

    def ask_served(q: str) -> Any:
        idx.dense = served
        return engine.ask(q)

    ops: list[tuple[str, Callable[[str], Any]]] = [
        ("floor_flat", lambda q: flat.index.search(embedder.embed_query(q).reshape(1, -1), pool)),
        ("floor_ann", lambda q: ann.index.search(embedder.embed_query(q).reshape(1, -1), pool)),
        ("search_flat", with_dense(flat)),
        ("search_ann", with_dense(ann)),
        ("faiss_flat", lambda q: flat.index.search(qmap[q], pool)),
        ("faiss_ann", lambda q: ann.index.search(qmap[q], pool)),
        ("bm25", idx.bm25.scores),
        ("ask_served", ask_served),
    ]
    timings = time_interleaved(ops, cycle(qs, n_queries))
    idx.dense = served
    dense_file = idx.path / "dense.faiss"
    return {
        "passages": n,
        "served_kind": served.kind,
        "served": describe(served),
        "ann": describe(ann),
        "ann_kind": ann.kind,
        "load_s": load_s,
        "rss_model_mb": rss_model,
        "rss_loaded_mb": rss_loaded,
        "peak_rss_mb": peak_rss_mb(),
        "disk_mb": dir_size_mb(idx.path),
        "dense_file_mb": dense_file.stat().st_size / 2**20,
        "recall_ann": recall,
        "recall_fp16": storage["fp16"],
        "recall_sq8": storage["sq8"],
        "ann_build_s": ann_build_s,
        "sweep": sweep,
        "lat": {k: [t.p50, t.p95] for k, t in timings.items()},
    }

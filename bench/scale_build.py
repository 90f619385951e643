"""Scale benchmark, index builds: one embedded for real, larger ones with synthetic vectors.

``build_real`` ingests the scale corpus with ``Engine.ingest`` and the default model (through
a ``CachingEmbedder``: each distinct text embedded once). ``build_synthetic`` reuses that
index's vectors for the passages it has and gives every other passage a synthetic vector,
then writes the index with the real ``IndexStore.write``. Both time the dense and BM25 builds
inside the write.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import log, pin_threads
from bench.data import scale_documents, synthetic_vectors
from bench.embedders import CachingEmbedder
from eval.harness import workdir_settings
from rag.engine import Engine
from rag.index.bm25 import BM25Index
from rag.index.chunking import chunk_document
from rag.index.corpus import corpus_fingerprint
from rag.index.dense import DenseIndex
from rag.index.embedding import get_embedder
from rag.index.ingest import chunking_params
from rag.index.store import BuildData, IndexStore
from rag.settings import Settings
from rag.types import Document, Passage, SentenceRef

MODEL = "all-MiniLM-L6-v2"


def _chunk_all(
    docs: list[Document], settings: Settings
) -> tuple[list[Passage], list[SentenceRef], list[int]]:
    """Passages, sentences and, per sentence, the row of the first passage holding it."""
    c = settings.chunking
    passages: list[Passage] = []
    sentences: list[SentenceRef] = []
    owner: list[int] = []
    for d in docs:
        ps, ss = chunk_document(d.doc_id, d.text, d.body_start, c.max_tokens, c.overlap_sentences)
        first = len(passages)
        passages.extend(ps)
        for s in ss:
            row = next((first + i for i, p in enumerate(ps) if p.start <= s.start < p.end), first)
            owner.append(row)
            sentences.append(SentenceRef(d.doc_id, s.start, s.end, d.text[s.start : s.end]))
    return passages, sentences, owner


@contextmanager
def timed_builds() -> Iterator[dict[str, float]]:
    """Time DenseIndex.build and BM25Index.build inside IndexStore.write (bench-only patch)."""
    out: dict[str, float] = {}
    dense_build, bm25_build = DenseIndex.build, BM25Index.build

    def wrap(name: str, fn: Callable[..., Any]) -> Any:
        def inner(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                out[name] = time.perf_counter() - t0

        return inner

    DenseIndex.build = wrap("dense", dense_build)  # type: ignore[method-assign]
    BM25Index.build = wrap("bm25", bm25_build)  # type: ignore[method-assign]
    try:
        yield out
    finally:
        DenseIndex.build = dense_build  # type: ignore[method-assign]
        BM25Index.build = bm25_build  # type: ignore[method-assign]


# --------------------------------------------------------------------------- builds


def build_real(n: int, root: Path) -> dict[str, Any]:
    settings = workdir_settings(root)
    docs = scale_documents(n, settings)
    embedder = CachingEmbedder(get_embedder("sentence-transformers", MODEL, 1))
    engine = Engine(settings, embedder)
    pin_threads(1)
    log(f"scale {n:,}: real ingest of {len(docs):,} documents")
    t0 = time.perf_counter()
    with timed_builds() as parts:
        engine.ingest(documents=docs)
    wall = time.perf_counter() - t0
    return {
        "passages": len(engine.index.passages),
        "vectors": "real",
        "build_s": wall,
        "embed_s": embedder.seconds,
        "embedded": len(embedder.cache),
        "dense_s": parts.get("dense", 0.0),
        "bm25_s": parts.get("bm25", 0.0),
        "index": str(settings.index.dir),
    }


def build_synthetic(n: int, root: Path, real_index: Path) -> dict[str, Any]:
    settings = workdir_settings(root)
    real = IndexStore(real_index).load()
    pvec = {p.text: real.passage_vectors[i] for i, p in enumerate(real.passages)}
    svec = {s.text: real.sentence_vectors[i] for i, s in enumerate(real.sentences)}
    docs = scale_documents(n, settings)
    passages, sentences, owner = _chunk_all(docs, settings)
    log(f"scale {n:,}: {len(passages):,} passages, synthetic vectors for the unseen ones")
    missing = [i for i, p in enumerate(passages) if p.text not in pvec]
    fake = synthetic_vectors(real.passage_vectors, len(missing), seed=n)
    p_out = np.empty((len(passages), real.passage_vectors.shape[1]), dtype=np.float32)
    for i, p in enumerate(passages):
        if p.text in pvec:
            p_out[i] = pvec[p.text]
    p_out[missing] = fake
    s_out = np.stack([svec.get(s.text, p_out[owner[j]]) for j, s in enumerate(sentences)]).astype(
        np.float32
    )
    manifest = {
        "model_id": MODEL,
        "embedding_backend": "synthetic (bench/scale.py)",
        "dim": int(p_out.shape[1]),
        "chunking": chunking_params(settings),
        "corpus_fingerprint": corpus_fingerprint(docs),
        "documents": {d.doc_id: d.sha256 for d in docs},
    }
    data = BuildData(docs, passages, sentences, p_out, s_out, manifest)
    ix = settings.index
    t0 = time.perf_counter()
    with timed_builds() as parts:
        IndexStore(ix.dir).write(data, ix)
    wall = time.perf_counter() - t0
    return {
        "passages": len(passages),
        "vectors": f"{len(passages) - len(missing):,} real + {len(missing):,} synthetic",
        "build_s": wall,
        "embed_s": 0.0,
        "embedded": 0,
        "dense_s": parts.get("dense", 0.0),
        "bm25_s": parts.get("bm25", 0.0),
        "index": str(ix.dir),
    }

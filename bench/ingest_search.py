"""Sections 1 and 2: ingest throughput, and search / ask latency on the five articles.

    .venv/bin/python -m bench.ingest_search [--section ingest|search|all]
        [--lee-articles 120] [--queries 200]

1. Ingest: ``Engine.ingest`` (chunk, embed passages *and* sentences, write the versioned index
   with BM25, load it back) on the five articles plus the first ``--lee-articles`` Lee news
   articles, against plain ``SentenceTransformer.encode`` (same model object, batch 32) on the
   same passage texts, in the same run. The int8 ONNX backend is measured too when installed.
2. Search: ``--queries`` queries (the question set cycled) against an index of the five
   articles: ``Engine.search`` (defaults), ``Engine.search`` without the second stage,
   ``Engine.ask`` (extractive), and the floor, i.e. embedding the query plus a raw faiss search
   of the same vectors for the same candidate pool.

Everything runs with one thread for torch, faiss and onnxruntime.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import (
    cycle,
    emit,
    log,
    md_table,
    ms,
    pin_threads,
    stopwatch,
    time_interleaved,
)
from bench.data import five_documents, lee_documents, questions
from bench.embedders import TimedEmbedder
from eval.harness import Timing, build_engine, workdir_settings
from rag.engine import Engine
from rag.index.embedder import Embedder
from rag.index.embedding import get_embedder
from rag.settings import Settings
from rag.types import Document


def _settings(root: Path, **embedding: Any) -> Settings:
    s = workdir_settings(root)
    return s.model_copy(update={"embedding": s.embedding.model_copy(update=embedding)})


def _ingest_row(
    name: str, embedder: Embedder, docs: list[Document], root: Path, **embedding: Any
) -> list[str]:
    timed = TimedEmbedder(embedder)
    engine = Engine(_settings(root, **embedding), timed)
    _, secs = stopwatch(lambda: engine.ingest(documents=docs))
    n_p, n_s = len(engine.index.passages), len(engine.index.sentences)
    return [
        name,
        f"{secs:.1f}",
        f"{timed.seconds:.1f}",
        f"{n_p:,}",
        f"{n_s:,}",
        f"{(n_p + n_s) / secs:.1f}",
        f"{n_p / secs:.1f}",
    ]


def section_ingest(lee_articles: int, workdir: Path) -> str:
    docs = five_documents() + lee_documents(lee_articles)
    st = get_embedder("sentence-transformers", "all-MiniLM-L6-v2", 1)
    pin_threads(1)
    st.embed(["warm up the model"] * 32)
    log(f"ingest: {len(docs)} documents with sentence-transformers")
    default = Settings().embedding
    rows = [
        _ingest_row(
            f"Engine.ingest (defaults: {default.strategy}, {default.ingest_workers} workers)",
            st,
            docs,
            workdir / "st",
        )
    ]
    engine = Engine(_settings(workdir / "st"), st)
    texts = [p.text for p in engine.index.passages]
    model: Any = st.model  # type: ignore[attr-defined]

    def plain_row(threads: int) -> list[str]:
        pin_threads(threads)
        log(f"ingest: plain model.encode on {len(texts)} passages, {threads} torch thread(s)")
        _, secs = stopwatch(
            lambda: model.encode(
                texts,
                batch_size=32,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        )
        pin_threads(1)
        n = f"{len(texts):,}"
        rate = f"{len(texts) / secs:.1f}"
        label = f"plain model.encode(passages, batch_size=32), {threads} torch thread(s)"
        return [label, f"{secs:.1f}", f"{secs:.1f}", n, "0", rate, rate]

    rows.append(plain_row(1))
    plain = float(rows[-1][1])
    rows.append(plain_row(2))
    for name, kw in (
        ("Engine.ingest (separate, 1 worker)", {"ingest_workers": 1}),
        ("Engine.ingest (contextual-sentences)", {"strategy": "contextual-sentences"}),
        ("Engine.ingest (pooled-passages)", {"strategy": "pooled-passages"}),
    ):
        log(f"ingest: {name}")
        rows.append(_ingest_row(name, st, docs, workdir / name.split("(")[1][:8], **kw))
    try:
        int8 = get_embedder("onnx-int8", "all-MiniLM-L6-v2", 1)
    except Exception as exc:
        log(f"ingest: onnx-int8 skipped ({exc})")
    else:
        int8.embed(["warm up the model"] * 32)
        log("ingest: Engine.ingest with onnx-int8")
        rows.append(_ingest_row("Engine.ingest (onnx-int8)", int8, docs, workdir / "int8"))
    engine_pps = float(rows[0][6])
    ratio = engine_pps / (len(texts) / plain)
    units = float(rows[0][5]) / (len(texts) / plain)
    table = md_table(
        [
            "pipeline",
            "wall s",
            "embedding s",
            "passages",
            "sentences",
            "texts embedded/s",
            "passages/s",
        ],
        rows,
    )
    return (
        f"## 1. Ingest throughput ({len(docs)} documents: 5 articles + {lee_articles} Lee)\n\n"
        f"{table}\n\n"
        f"Engine passages/s (defaults) ÷ plain encode passages/s (1 thread) = **{ratio:.2f}** "
        f"(the engine also embeds every sentence for the second stage and the verifier, two "
        f"batches at a time on the two cores); texts embedded/s ÷ plain = **{units:.2f}**."
    )


def _row(name: str, t: Timing, floor: float) -> list[str]:
    return [name, str(t.n), ms(t.p50), ms(t.p95), ms(t.mean), f"{t.p50 / floor:.1f}x"]


def section_search(n_queries: int, workdir: Path) -> str:
    settings = _settings(workdir / "five")
    e = settings.embedding
    # The defaults: passages and sentences by fp32 MiniLM, queries by the int8 ONNX MiniLM.
    embedder = get_embedder(e.backend, e.model_id, 1, e.query_backend)
    fp32 = get_embedder("sentence-transformers", e.model_id, 1)
    engine = build_engine(settings, embedder, five_documents())
    slow = Engine(settings, fp32)
    slow.load()
    pin_threads(1)
    qs = cycle([q.question for q in questions()], n_queries)
    faiss_index: Any = engine.index.dense.index
    pool = settings.retrieval.candidates

    def floor(q: str) -> None:
        faiss_index.search(embedder.embed_query(q).reshape(1, -1), pool)

    def floor_fp32(q: str) -> None:
        faiss_index.search(fp32.embed_query(q).reshape(1, -1), pool)

    qvecs = {q: embedder.embed_query(q).reshape(1, -1) for q in set(qs)}
    none = settings.retrieval.model_copy(update={"second_stage": "none"})
    runs: list[tuple[str, Callable[[str], Any]]] = [
        (f"floor: embed query ({e.query_backend}) + raw faiss search (k=30)", floor),
        ("Engine.search (defaults: hybrid + sentence stage, top_k=5)", engine.search),
        ("Engine.search, second_stage=none", lambda q: engine.search(q, retrieval=none)),
        ("Engine.ask (extractive, verified)", engine.ask),
        (f"  part: embed query ({e.query_backend})", embedder.embed_query),
        ("  part: raw faiss search (k=30)", lambda q: faiss_index.search(qvecs[q], pool)),
        ("  part: BM25 scores", engine.index.bm25.scores),
        ("floor with the fp32 query embedder", floor_fp32),
        ("Engine.search with the fp32 query embedder (query_backend=same)", slow.search),
        ("Engine.ask with the fp32 query embedder", slow.ask),
    ]
    log(f"search: {len(runs)} operations x {len(qs)} queries, interleaved")
    timings = time_interleaved(runs, qs)
    base = timings[runs[0][0]].p50
    rows = [_row(name, t, base) for name, t in timings.items()]
    table = md_table(["operation", "queries", "p50 ms", "p95 ms", "mean ms", "p50 ÷ floor"], rows)
    n = len(engine.index.passages)
    return (
        f"## 2. Search and ask latency (five articles: {n} passages, "
        f"{len(engine.index.sentences)} sentences; {n_queries} queries, question set cycled)\n\n"
        f"{table}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--section", choices=["ingest", "search", "all"], default="all")
    p.add_argument("--lee-articles", type=int, default=60)
    p.add_argument("--queries", type=int, default=200)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    np.random.seed(0)
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        if args.section in ("ingest", "all"):
            emit(section_ingest(args.lee_articles, Path(tmp) / "ingest"))
            emit()
        if args.section in ("search", "all"):
            emit(section_search(args.queries, Path(tmp) / "search"))
            emit()


if __name__ == "__main__":
    main()

"""Section 3: our engine against a naive llama-index pipeline on the same chunks and model.

    .venv/bin/python -m bench.naive_llamaindex [--queries 200] [--sizes 0,10000]

Both sides get the passages our chunker made from the five articles (as llama-index
``TextNode``s with no metadata in the embedded text) and the same all-MiniLM-L6-v2 weights
(llama-index through ``HuggingFaceEmbedding(model_name=<packaged model folder>)``):

* llama-index dense: ``VectorStoreIndex(nodes).as_retriever(similarity_top_k=10)``;
* llama-index hybrid: ``QueryFusionRetriever([dense, BM25Retriever], mode="reciprocal_rerank",
  num_queries=1)``: no query generation, so no LLM is called (``Settings.llm`` is a
  ``MockLLM`` anyway, so nothing can reach OpenAI);
* ours: ``Engine.search(top_k=10)`` with default settings, and with ``second_stage=none``.

Latency: ``--queries`` queries (the question set cycled), interleaved. Quality: evidence-level
recall@5 and MRR@10 (``eval.metrics``) over the answerable questions of eval/questions.jsonl.

``--sizes``: 0 is the five articles alone; a size N adds distractors until there are N passages
(the scale corpus of ``bench.scale``: Lee news, then WordNet glosses), so the same questions
are asked of a corpus in which their evidence is 25 passages out of N. There llama-index is
given our passage vectors (``TextNode.embedding``, same model) instead of re-embedding N nodes.

Needs ``llama-index-embeddings-huggingface==0.8.0`` and ``llama-index-retrievers-bm25==0.8.0``
(the latter installed with ``--no-deps``: it asks for PyStemmer<3, and 3.1.0 works).
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

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
from bench.data import five_documents, questions, scale_documents, wordnet_available
from eval.harness import Timing, build_engine, workdir_settings
from eval.metrics import mean, mrr_at_k, recall_at_k
from rag.engine import Engine
from rag.index.embedder import minilm_path
from rag.index.embedding import get_embedder

K = 10
Span = tuple[str, int, int]


def _llama_retrievers(engine: Engine, reuse_vectors: bool) -> tuple[Any, Any, float]:
    """(dense retriever, fusion retriever, build seconds) over the engine's passages."""
    from llama_index.core import Settings as LISettings
    from llama_index.core import VectorStoreIndex
    from llama_index.core.llms import MockLLM
    from llama_index.core.retrievers import QueryFusionRetriever
    from llama_index.core.retrievers.fusion_retriever import FUSION_MODES
    from llama_index.core.schema import TextNode
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.retrievers.bm25 import BM25Retriever

    LISettings.llm = MockLLM()
    embed_model = HuggingFaceEmbedding(model_name=str(minilm_path()), device="cpu")
    LISettings.embed_model = embed_model
    pin_threads(1)
    keys = ["doc_id", "start", "end"]
    nodes = [
        TextNode(
            id_=str(i),
            text=p.text,
            metadata={"doc_id": p.doc_id, "start": p.start, "end": p.end},
            excluded_embed_metadata_keys=keys,
            excluded_llm_metadata_keys=keys,
            embedding=engine.index.passage_vectors[i].tolist() if reuse_vectors else None,
        )
        for i, p in enumerate(engine.index.passages)
    ]

    def build() -> tuple[Any, Any]:
        index = VectorStoreIndex(nodes, embed_model=embed_model)
        dense = index.as_retriever(similarity_top_k=K)
        bm25 = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=K)
        fusion = QueryFusionRetriever(
            [dense, bm25],
            llm=MockLLM(),
            mode=FUSION_MODES.RECIPROCAL_RANK,
            similarity_top_k=K,
            num_queries=1,
            use_async=False,
        )
        return dense, fusion

    (dense, fusion), secs = stopwatch(build)
    return dense, fusion, secs


def _llama_spans(retriever: Any) -> Callable[[str], list[Span]]:
    def run(q: str) -> list[Span]:
        return [
            (n.node.metadata["doc_id"], n.node.metadata["start"], n.node.metadata["end"])
            for n in retriever.retrieve(q)
        ]

    return run


def _engine_spans(engine: Engine, retrieval: Any = None) -> Callable[[str], list[Span]]:
    def run(q: str) -> list[Span]:
        hits = engine.search(q, top_k=K, retrieval=retrieval).results
        return [(h.doc_id, h.start, h.end) for h in hits]

    return run


def section_llamaindex(n_queries: int, workdir: Path, size: int = 0) -> str:
    settings = workdir_settings(workdir)
    e = settings.embedding
    embedder = get_embedder(e.backend, e.model_id, 1, e.query_backend)
    docs = five_documents() if size == 0 else scale_documents(size, settings)
    log(f"llama-index: ingesting {len(docs)} documents")
    engine = build_engine(settings, embedder, docs)
    log("llama-index: building VectorStoreIndex + BM25Retriever")
    dense, fusion, build_s = _llama_retrievers(engine, reuse_vectors=size > 0)
    none = settings.retrieval.model_copy(update={"second_stage": "none"})
    pipelines: list[tuple[str, Callable[[str], list[Span]]]] = [
        ("ours: Engine.search (defaults)", _engine_spans(engine)),
        ("ours: Engine.search, second_stage=none", _engine_spans(engine, none)),
        ("llama-index: VectorStoreIndex retriever", _llama_spans(dense)),
        ("llama-index: QueryFusionRetriever(dense + BM25, RRF)", _llama_spans(fusion)),
    ]
    qs = [q for q in questions() if q.answerable and q.evidence]
    gold = [[(e.doc_id, e.start, e.end) for e in q.evidence] for q in qs]
    quality: dict[str, tuple[float, float]] = {}
    for name, fn in pipelines:
        got = [fn(q.question) for q in qs]
        quality[name] = (
            mean([recall_at_k(r, g, 5) for r, g in zip(got, gold, strict=True)]),
            mean([mrr_at_k(r, g, K) for r, g in zip(got, gold, strict=True)]),
        )
    texts = cycle([q.question for q in questions()], n_queries)
    log(f"llama-index: {len(pipelines)} pipelines x {len(texts)} queries, interleaved")
    timings: dict[str, Timing] = time_interleaved(pipelines, texts)
    ours = timings[pipelines[0][0]].p50
    rows = [
        [
            name,
            ms(t.p50),
            ms(t.p95),
            f"{t.p50 / ours:.2f}",
            f"{quality[name][0]:.3f}",
            f"{quality[name][1]:.3f}",
        ]
        for name, t in timings.items()
    ]
    table = md_table(
        ["pipeline (top 10)", "p50 ms", "p95 ms", "p50 ÷ ours", "evidence R@5", "MRR@10"], rows
    )
    fusion_p50 = timings[pipelines[3][0]].p50
    n = len(engine.index.passages)
    what = "five articles" if size == 0 else "five articles + distractors"
    built = "embed nodes + BM25" if size == 0 else "nodes with our vectors + BM25"
    return (
        f"### {n:,} passages ({what}; {n_queries} queries for latency, {len(qs)} answerable "
        f"questions for quality)\n\n{table}\n\n"
        f"llama-index build ({built}): {build_s:.1f} s. "
        f"Speed: llama-index hybrid p50 ÷ ours = **{fusion_p50 / ours:.2f}**."
    )


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Engine vs a naive llama-index pipeline")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--sizes", default="0,10000", help="passages (0: the five articles alone)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    emit("## 3. A naive llama-index pipeline on the same chunks and model\n")
    for size in [int(x) for x in args.sizes.split(",") if x.strip()]:
        if size and not wordnet_available():
            emit(f"{size:,} passages skipped: WordNet is missing (apt-get install wordnet-base)\n")
            continue
        with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
            emit(section_llamaindex(args.queries, Path(tmp), size))
            emit()


if __name__ == "__main__":
    main()

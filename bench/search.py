"""Section 2: search and ask latency on the five articles, against the floor.

The floor is embedding the query plus a raw faiss search of the same vectors for the same
candidate pool; every operation runs on the same queries, interleaved. See
``bench.ingest_search``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import cycle, log, md_table, ms, pin_threads, time_interleaved
from bench.data import five_documents, questions
from eval.harness import Timing, build_engine, workdir_settings
from rag.engine import Engine
from rag.index.embedding import get_embedder
from rag.index.store import EmbeddedIndex


def _row(name: str, t: Timing, floor: float) -> list[str]:
    return [name, str(t.n), ms(t.p50), ms(t.p95), ms(t.mean), f"{t.p50 / floor:.1f}x"]


def section_search(n_queries: int, workdir: Path) -> str:
    settings = workdir_settings(workdir / "five")
    e = settings.embedding
    # The defaults: passages and sentences by fp32 MiniLM, queries by the int8 ONNX MiniLM.
    embedder = get_embedder(e.backend, e.model_id, 1, e.query_backend)
    fp32 = get_embedder("sentence-transformers", e.model_id, 1)
    engine = build_engine(settings, embedder, five_documents())
    slow = Engine(settings, fp32)
    slow.load()
    pin_threads(1)
    qs = cycle([q.question for q in questions()], n_queries)
    index = engine.index
    assert isinstance(index, EmbeddedIndex), "the bench measures the embedded store"
    faiss_index: Any = index.dense.index
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
        ("  part: BM25 scores", index.bm25.scores),
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

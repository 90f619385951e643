"""Section 1: ingest throughput, ``Engine.ingest`` against plain ``SentenceTransformer.encode``.

The five articles plus the first ``lee_articles`` Lee articles; the engine with its default
strategy and the alternatives, and the same model object's ``encode`` on the same passage
texts (batch 32, one and two torch threads), all in one run. See ``bench.ingest_search``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.common import log, md_table, pin_threads, stopwatch
from bench.data import five_documents, lee_documents
from bench.embedders import TimedEmbedder
from eval.harness import workdir_settings
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

"""Uploads at scale: upload -> visible latency at ~10,000 passages, and the process's memory.

The index is built from the five articles and Lee articles repeated under new ids (``rep<k>_``)
until it holds ``--passages`` passages; their vectors are synthetic unit vectors (written
with the real ``IndexStore.write``), so the build takes seconds. Then the real engine with the
real model uploads ``--uploads`` Lee articles under new names, one at a time: the latency is
from the call of ``Engine.add_document`` to the first search (restricted to that document)
that returns it. RSS is the process's resident set after warm-up (idle, document model
loaded) and its peak during the uploads.

    PYTHONPATH=$PWD .venv/bin/python -m bench.upload --passages 10000 --uploads 7
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.common import emit, log, md_table, pin_threads, rss_mb
from bench.data import five_documents, lee_articles, lee_documents
from cli.commands import fix_mmap_threshold
from eval.harness import workdir_settings
from rag.engine import Engine
from rag.index.chunking import chunk_document
from rag.index.corpus import corpus_fingerprint, parse_document
from rag.index.embedding import get_embedder
from rag.index.ingest import chunking_params
from rag.index.limits import RepetitiveDocument
from rag.index.store import BuildData, IndexStore
from rag.settings import Settings
from rag.types import Document, Passage, SentenceRef

MODEL = "all-MiniLM-L6-v2"


def _documents(n_passages: int, settings: Settings) -> list[Document]:
    base = five_documents() + lee_documents()
    c = settings.chunking
    out: list[Document] = []
    count, k = 0, 0
    while count < n_passages:
        for d in base:
            doc_id = d.doc_id if k == 0 else f"rep{k}_{d.doc_id}"
            doc = d if k == 0 else parse_document(doc_id, f"{doc_id}.txt", d.text.encode())
            out.append(doc)
            ps, _ = chunk_document(doc_id, doc.text, doc.body_start, c.max_tokens, 1)
            count += len(ps)
            if count >= n_passages:
                break
        k += 1
    return sorted(out, key=lambda d: d.doc_id)


def _unit(n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    v = rng.standard_normal((n, dim)).astype(np.float32)
    out: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def build(root: Path, n_passages: int, dim: int) -> Settings:
    """A corpus folder and a published index of synthetic vectors over it."""
    settings = workdir_settings(root)
    docs = _documents(n_passages, settings)
    settings.corpus.dir.mkdir(parents=True)
    passages: list[Passage] = []
    sentences: list[SentenceRef] = []
    c = settings.chunking
    for d in docs:
        (settings.corpus.dir / d.source).write_text(d.text, encoding="utf-8")
        ps, ss = chunk_document(d.doc_id, d.text, d.body_start, c.max_tokens, c.overlap_sentences)
        passages.extend(ps)
        sentences.extend(SentenceRef(d.doc_id, s.start, s.end, d.text[s.start : s.end]) for s in ss)
    rng = np.random.default_rng(0)
    manifest = {
        "model_id": MODEL,
        "embedding_backend": "synthetic (bench/upload.py)",
        "dim": dim,
        "chunking": chunking_params(settings),
        "corpus_fingerprint": corpus_fingerprint(docs),
        "documents": {d.doc_id: d.sha256 for d in docs},
    }
    data = BuildData(
        docs,
        passages,
        sentences,
        _unit(len(passages), dim, rng),
        _unit(len(sentences), dim, rng),
        manifest,
    )
    IndexStore(settings.index.dir).write(data, settings.index)
    log(f"built {len(docs):,} documents, {len(passages):,} passages, {len(sentences):,} sentences")
    return settings


class PeakRss:
    """Samples this process's RSS every 20 ms in a thread; ``peak`` is the largest seen."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.02)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run(n_passages: int, n_uploads: int, glibc_default: bool) -> None:
    pin_threads(1)
    if not glibc_default:
        fix_mmap_threshold()  # as `rag serve` does
    embedder = get_embedder("sentence-transformers", MODEL, 1)
    with tempfile.TemporaryDirectory() as tmp:
        settings = build(Path(tmp), n_passages, embedder.dim)
        engine = Engine(settings, embedder)
        engine.load()
        engine.load_document_model()
        engine.warm()
        embedder.embed(["warm up the document model"], 1)
        idle = rss_mb()
        latencies: list[float] = []
        refused = float("nan")
        articles = [t for _, t in lee_articles()[:n_uploads]]
        with PeakRss() as peak:
            for i, text in enumerate(articles):
                name = f"upload_{i:03d}.txt"
                t0 = time.perf_counter()
                engine.add_document(name, text.encode("utf-8"))
                hits = engine.search(text[:200], filters={"doc_ids": [Path(name).stem]})
                assert hits.results and hits.results[0].doc_id == Path(name).stem
                latencies.append(time.perf_counter() - t0)
                log(f"upload {i}: {latencies[-1]:.2f} s, rss {rss_mb():.0f} MiB")
            t0 = time.perf_counter()
            try:  # the 1 MB file of one sentence: refused before anything is embedded
                engine.add_document(
                    "repeated.txt", ("The moon is made of cheese. " * 36_000).encode()
                )
            except RepetitiveDocument:
                refused = time.perf_counter() - t0
        n = len(engine.index.passages)
    emit(
        md_table(
            [
                "passages",
                "uploads",
                "p50 s",
                "max s",
                "1 MB repeated: refused in s",
                "idle RSS MiB",
                "peak RSS MiB",
                "ratio",
            ],
            [
                [
                    f"{n:,}",
                    len(latencies),
                    statistics.median(latencies),
                    max(latencies),
                    refused,
                    idle,
                    peak.peak,
                    f"{peak.peak / idle:.2f}",
                ]
            ],
        )
    )


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--passages", type=int, default=10_000)
    p.add_argument("--uploads", type=int, default=7)
    p.add_argument(
        "--glibc-default", action="store_true", help="keep glibc's dynamic mmap threshold"
    )
    args = p.parse_args(argv)
    run(args.passages, args.uploads, args.glibc_default)


if __name__ == "__main__":
    main()

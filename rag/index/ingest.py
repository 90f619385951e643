"""Build or update the index from the corpus, re-embedding only what changed."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rag.index.backends import open_store
from rag.index.chunking import chunk_document
from rag.index.commit import Reconciled, settle
from rag.index.corpus import Skipped, corpus_fingerprint, load_corpus
from rag.index.embedder import Embedder
from rag.index.readings import FORMAT as READINGS_FORMAT
from rag.index.readings import lend_readings
from rag.index.seam import Inserter, Store
from rag.index.store import BuildData, IndexProblem, LoadedIndex
from rag.index.strategies import EmbedWork, ProgressFactory, embed_work
from rag.settings import EmbeddingSettings, Settings
from rag.types import Document, Passage, SentenceRef

log = logging.getLogger(__name__)

# Fills the vectors of an EmbedWork: in this process (embed_work) or elsewhere (a Ray pool).
EmbedStage = Callable[[EmbedWork, Embedder, EmbeddingSettings, ProgressFactory | None], None]


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    passages: int = 0
    embedded_passages: int = 0
    seconds: float = 0.0
    version: str | None = None
    rebuilt: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": len(self.added),
            "changed": len(self.changed),
            "removed": len(self.removed),
            "unchanged": len(self.unchanged),
            "skipped": [{"file": str(s.path), "reason": s.reason} for s in self.skipped],
            "passages": self.passages,
            "embedded_passages": self.embedded_passages,
            "seconds": round(self.seconds, 3),
            "version": self.version,
            "rebuilt": self.rebuilt,
        }


def chunking_params(settings: Settings) -> dict[str, Any]:
    return {
        "max_tokens": settings.chunking.max_tokens,
        "overlap_sentences": settings.chunking.overlap_sentences,
        "splitter": 1,  # bump when the sentence splitter changes behaviour
        "embedding_strategy": settings.embedding.strategy,
    }


def build_manifest(
    documents: list[Document], embedder: Embedder, settings: Settings
) -> dict[str, Any]:
    """What a version records about its build: the model, the chunking and the corpus
    (doc_id -> sha256: start-up reconciles the corpus folder against it)."""
    return {
        "model_id": embedder.model_id,
        "embedding_backend": type(embedder).__name__,
        "dim": embedder.dim,
        "chunking": chunking_params(settings),
        "corpus_fingerprint": corpus_fingerprint(documents),
        "documents": {d.doc_id: d.sha256 for d in documents},
        "readings": READINGS_FORMAT,
    }


def _previous(store: Store, settings: Settings, embedder: Embedder) -> LoadedIndex | None:
    """The current index if its vectors can be reused with these settings."""
    if store.current_version() is None:
        return None
    try:
        old = store.load()
    except IndexProblem as exc:
        log.warning("previous index not reusable (%s); rebuilding from scratch", exc)
        return None
    m = old.manifest
    if (m.get("model_id"), m.get("dim"), m.get("chunking")) != (
        embedder.model_id,
        embedder.dim,
        chunking_params(settings),
    ):
        log.info("model or chunking changed; re-embedding everything")
        return None
    return old


def _settle(store: Store, settings: Settings) -> None:
    """Staged files of a crashed upload or delete: in or out, as the live version says."""
    if store.current_version() is None or not settings.corpus.dir.is_dir():
        return
    try:
        documents = store.read_manifest().get("documents") or {}
    except IndexProblem:
        return
    settle(settings.corpus.dir, dict(documents), Reconciled())


def _rows_by_doc(sentences: list[SentenceRef]) -> dict[str, list[int]]:
    """Sentence rows per document, in one pass (not one scan per unchanged document)."""
    rows: dict[str, list[int]] = {}
    for i, s in enumerate(sentences):
        rows.setdefault(s.doc_id, []).append(i)
    return rows


def ingest(
    settings: Settings,
    embedder: Embedder,
    progress: ProgressFactory | None = None,
    documents: list[Document] | None = None,
    embed: EmbedStage = embed_work,
    insert: Inserter | None = None,
) -> IngestReport:
    """Build a new index version from the corpus folder (or the given documents); `embed`
    fills the new vectors and `insert` writes the rows into a Milvus store (the stages
    another runner replaces)."""
    t0 = time.perf_counter()
    store = open_store(settings, insert)
    report = IngestReport()
    with store.lock():
        store.clean_partial_builds()
        _settle(store, settings)
        if documents is None:
            documents, report.skipped = load_corpus(settings.corpus.dir)
        old = _previous(store, settings, embedder)
        report.rebuilt = old is None
        old_docs = old.documents if old else {}
        new_ids = {d.doc_id for d in documents}
        report.removed = sorted(set(old_docs) - new_ids)

        old_sentence_rows = _rows_by_doc(old.sentences if old else [])
        passages: list[Passage] = []
        sentences: list[SentenceRef] = []
        pvecs: list[np.ndarray] = []
        svecs: list[np.ndarray] = []
        todo_p: list[int] = []  # rows of `passages` that need embedding
        todo_s: list[int] = []
        for d in documents:
            prev = old_docs.get(d.doc_id)
            if old is not None and prev is not None and prev.sha256 == d.sha256:
                report.unchanged.append(d.doc_id)
                rows = old.doc_passages.get(d.doc_id, np.zeros(0, np.int64))
                passages.extend(old.passages[i] for i in rows)
                pvecs.extend(old.passage_vectors[i] for i in rows)
                srows = old_sentence_rows.get(d.doc_id, [])
                sentences.extend(old.sentences[i] for i in srows)
                svecs.extend(old.sentence_vectors[i] for i in srows)
                continue
            (report.changed if prev is not None else report.added).append(d.doc_id)
            ps, ss = chunk_document(
                d.doc_id,
                d.text,
                d.body_start,
                settings.chunking.max_tokens,
                settings.chunking.overlap_sentences,
            )
            for p in ps:
                todo_p.append(len(passages))
                passages.append(p)
                pvecs.append(np.zeros(embedder.dim, np.float32))
            for s in ss:
                todo_s.append(len(sentences))
                sentences.append(SentenceRef(d.doc_id, s.start, s.end, d.text[s.start : s.end]))
                svecs.append(np.zeros(embedder.dim, np.float32))

        work = EmbedWork(passages, sentences, pvecs, svecs, todo_p, todo_s)
        embed(work, embedder, settings.embedding, progress)
        if old is not None:
            lend_readings(old)
        report.embedded_passages = len(todo_p)
        report.passages = len(passages)

        manifest = build_manifest(documents, embedder, settings)
        dim = embedder.dim
        data = BuildData(
            documents=documents,
            passages=passages,
            sentences=sentences,
            passage_vectors=np.array(pvecs, dtype=np.float32).reshape(-1, dim),
            sentence_vectors=np.array(svecs, dtype=np.float32).reshape(-1, dim),
            manifest=manifest,
        )
        report.version = store.write(data, settings.index)
    report.seconds = time.perf_counter() - t0
    log.info("ingest done: %s", report.to_dict())
    return report


def is_stale(settings: Settings) -> bool:
    """Whether the corpus differs from what the current index was built from, or the index
    was built with other chunking or an older readings format."""
    store = open_store(settings)
    try:
        manifest = store.read_manifest()
    except IndexProblem:
        return True
    try:
        docs, _ = load_corpus(settings.corpus.dir)
    except Exception:
        return True
    return bool(
        manifest.get("corpus_fingerprint") != corpus_fingerprint(docs)
        or manifest.get("chunking") != chunking_params(settings)
        or manifest.get("readings") != READINGS_FORMAT
    )

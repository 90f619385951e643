"""The composition root: one immutable Snapshot per index version, swapped as a unit.

A request takes ``engine.snapshot`` once and uses only that object: its index, retriever,
answerer and briefer belong to the same index version, so an upload or a delete that
publishes a new version mid-request cannot mix two versions in one answer.

The Engine builds the collaborators and answers queries; the served version lives in
rag.live (load, pick-up, fallback, prune) and corpus changes in rag.changes.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from rag.answer.claims import ClaimWriter
from rag.answer.llm import llm_writers
from rag.answer.verify import Verifier
from rag.briefing.types import Briefing
from rag.changes import CorpusChanges, CorpusNotAFolder, corpus_folder
from rag.index.backends import open_store
from rag.index.commit import Reconciled
from rag.index.dense import set_faiss_threads
from rag.index.embedder import Embedder
from rag.index.embedding import get_embedder
from rag.index.ingest import EmbedStage, IngestReport, ingest
from rag.index.seam import Inserter
from rag.index.store import LoadedIndex
from rag.index.strategies import ProgressFactory, embed_work
from rag.jobs import JobQueue
from rag.live import DocumentNotFound, LiveIndex, Snapshot
from rag.search.filters import Filters
from rag.search.retriever import Retriever
from rag.settings import RetrievalSettings, Settings
from rag.types import Answer, Document, SearchResult

__all__ = ["CorpusNotAFolder", "DocumentNotFound", "Engine", "Snapshot", "corpus_folder"]

log = logging.getLogger(__name__)


class Engine:
    """Loads the index once and answers searches, questions and briefings.

    >>> engine = Engine(Settings())
    >>> engine.search("why was the Ant IPO suspended?").results[0].doc_id
    '000_341026f71ce0a6ab'
    """

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        set_faiss_threads(settings.embedding.threads)
        self.embedder = embedder or get_embedder(
            settings.embedding.backend,
            settings.embedding.model_id,
            settings.embedding.threads,
            settings.embedding.query_backend,
        )
        self.store = open_store(settings)
        # Built once: they hold no index state (the extractive writer is per snapshot).
        self.verifier = Verifier(self.embedder, settings.answer.support_threshold)
        self.llm_writers: dict[str, ClaimWriter] = dict(
            llm_writers(settings.llm, settings.embedding.threads)
        )
        self.live = LiveIndex(settings, self.embedder, self.store, self.verifier, self.llm_writers)
        self.changes = CorpusChanges(settings, self.embedder, self.store, self.live)
        self.jobs = JobQueue()  # uploads, replacements and deletes, one at a time

    # -- index lifecycle (rag.live) ---------------------------------------------------------
    def load(self) -> LoadedIndex:
        """Load (or reload) the current index version (see LiveIndex.load)."""
        return self.live.load()

    @property
    def snapshot(self) -> Snapshot:
        """The current snapshot (loading the index on first use); take it once per request."""
        return self.live.snapshot

    @property
    def fallback(self) -> str | None:
        """Why the live version is not the one CURRENT names (None when it is)."""
        return self.live.fallback

    @property
    def index(self) -> LoadedIndex:
        return self.snapshot.index

    @property
    def retriever(self) -> Retriever:
        return self.snapshot.retriever

    def ready(self) -> bool:
        return self.live.ready()

    def load_document_model(self) -> None:
        """Build the document model now; a split embedder otherwise builds it on first use."""
        load = getattr(self.embedder, "load_documents", None)
        if load is not None:
            load()

    def warmth(self) -> dict[str, bool]:
        """What is in memory: the index, the query model, the document model.

        The query model loads with the Engine; the document model of a split embedder loads
        on first use (an ingest, an upload, a briefing), so a query replica reports it cold.
        """
        loaded = getattr(self.embedder, "documents_loaded", True)
        return {"index": self.ready(), "query_model": True, "document_model": bool(loaded)}

    def ingest(
        self,
        progress: ProgressFactory | None = None,
        documents: list[Document] | None = None,
        embed: EmbedStage = embed_work,
        insert: Inserter | None = None,
    ) -> IngestReport:
        report = ingest(self.settings, self.embedder, progress, documents, embed, insert)
        self.load()
        return report

    # -- corpus changes (rag.changes) ------------------------------------------------------
    def check_document(self, filename: str, data: bytes) -> Document:
        """The upload as a Document, or the error add_document would raise (see
        CorpusChanges.check_document)."""
        return self.changes.check_document(filename, data)

    def add_document(
        self,
        filename: str,
        data: bytes,
        trust: str = "upload",
        *,
        title: str | None = None,
        published: str | None = None,
        url: str | None = None,
    ) -> tuple[Document, IngestReport]:
        """Add one document, committed with its new index version (CorpusChanges.add_document)."""
        return self.changes.add_document(
            filename, data, trust, title=title, published=published, url=url
        )

    def replace_document(
        self, filename: str, data: bytes, trust: str = "upload"
    ) -> tuple[Document, IngestReport]:
        """Replace an indexed document with this file (CorpusChanges.replace_document)."""
        return self.changes.replace_document(filename, data, trust)

    def remove_document(self, doc_id: str) -> IngestReport:
        """Remove one document's rows and its corpus file, committed together."""
        return self.changes.remove_document(doc_id)

    def wait_pruned(self, timeout: float | None = None) -> None:
        """Wait for the last background prune (tests, and a clean shutdown)."""
        self.live.wait_pruned(timeout)

    def reconcile(self, quarantine: bool = False) -> Reconciled | None:
        """Bring the corpus folder in line with the live index version (LiveIndex.reconcile);
        None when another writer holds the lock."""
        return self.live.reconcile(quarantine)

    # -- queries: each takes the snapshot once ---------------------------------------------
    def warm(self) -> None:
        """Run one query end to end so the first user request is not the slow one."""
        self.search("warm up")

    def search(
        self,
        query: str,
        top_k: int | None = None,
        filters: dict[str, Any] | Filters | None = None,
        retrieval: RetrievalSettings | None = None,
    ) -> SearchResult:
        f = filters if isinstance(filters, Filters) else Filters.from_dict(filters)
        t0 = time.perf_counter()
        result = self.snapshot.retriever.search(query, top_k, f, retrieval)
        log.info(
            "search q=%r k=%s hits=%d ms=%.1f",
            result.query[:80],
            top_k,
            len(result.results),
            (time.perf_counter() - t0) * 1000,
        )
        return result

    def ask(
        self,
        question: str,
        top_k: int | None = None,
        filters: dict[str, Any] | Filters | None = None,
        llm: str | None = None,
        explain: bool = False,
    ) -> Answer:
        return self.snapshot.answerer.ask(question, top_k, filters, llm, explain)

    def brief(
        self,
        topic: str,
        max_sentences: int | None = None,
        filters: dict[str, Any] | Filters | None = None,
        llm: str | None = None,
        writer: ClaimWriter | None = None,
    ) -> Briefing:
        """A citation-backed briefing on a topic (see rag.briefing.briefer)."""
        return self.snapshot.briefer.brief(topic, max_sentences, filters, llm, writer)

    def document(self, doc_id: str) -> Document:
        return self.live.document(doc_id)

    def documents(self) -> list[Document]:
        return sorted(self.snapshot.index.documents.values(), key=lambda d: d.doc_id)

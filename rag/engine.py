"""The Engine: the one object the CLI, api/ and eval/ hold."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from rag.index.corpus import DOC_ID, SUFFIXES, BadDocument, parse_document
from rag.index.dense import set_faiss_threads
from rag.index.embedder import Embedder
from rag.index.embedding import get_embedder
from rag.index.ingest import IngestReport, ingest
from rag.index.store import IndexStore, LoadedIndex
from rag.index.strategies import ProgressFactory
from rag.search.filters import Filters
from rag.search.retriever import Retriever
from rag.settings import RetrievalSettings, Settings
from rag.types import Answer, Document, SearchResult

log = logging.getLogger(__name__)


class DocumentNotFound(KeyError):
    """No document with that doc_id in the index."""


class Engine:
    """Loads the index once and answers searches and questions.

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
        self.store = IndexStore(settings.index.dir, settings.index.keep_versions)
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()  # one upload/delete at a time
        self._index: LoadedIndex | None = None
        self._retriever: Retriever | None = None

    # -- index lifecycle -------------------------------------------------------------------
    def load(self) -> LoadedIndex:
        """Load (or reload) the current index version; raises IndexNotFound/Mismatch/Corrupt."""
        index = self.store.load(
            model_id=self.embedder.model_id,
            dim=self.embedder.dim,
            ef_search=self.settings.index.hnsw_ef_search,
            nprobe=self.settings.index.ivf_nprobe,
        )
        retriever = Retriever(
            index,
            self.embedder,
            self.settings.retrieval,
            self.settings.embedding.max_query_chars,
        )
        with self._lock:
            self._index, self._retriever = index, retriever
        log.info("index %s loaded: %s", index.version, index.manifest["counts"])
        return index

    @property
    def index(self) -> LoadedIndex:
        if self._index is None:
            return self.load()
        return self._index

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            self.load()
        assert self._retriever is not None
        return self._retriever

    def ready(self) -> bool:
        return self._index is not None

    def ingest(
        self, progress: ProgressFactory | None = None, documents: list[Document] | None = None
    ) -> IngestReport:
        report = ingest(self.settings, self.embedder, progress, documents)
        self.load()
        return report

    def add_document(self, filename: str, data: bytes) -> tuple[Document, IngestReport]:
        """Save an uploaded file into the corpus and ingest it; nothing stays on failure.

        The file name gives the doc_id; it must be a plain name with a supported suffix.
        """
        name = Path(filename).name
        suffix = Path(name).suffix.lower()
        if name != filename or suffix not in SUFFIXES or not DOC_ID.match(Path(name).stem):
            raise BadDocument(
                f"bad file name {filename!r}: use letters, digits, '.', '_' or '-' and one of "
                f"{', '.join(SUFFIXES)}"
            )
        doc = parse_document(Path(name).stem, name, data)  # raises BadDocument
        folder = self.settings.corpus.dir
        folder.mkdir(parents=True, exist_ok=True)
        with self._write_lock:
            for other in folder.glob(doc.doc_id + ".*"):
                if other.suffix.lower() in SUFFIXES and other.name != name:
                    raise BadDocument(f"doc_id {doc.doc_id} already exists as {other.name}")
            target = folder / name
            backup = target.read_bytes() if target.exists() else None
            tmp = folder / f".upload-{uuid.uuid4().hex}"
            tmp.write_bytes(data)
            tmp.replace(target)
            try:
                report = self.ingest()
            except BaseException:
                if backup is None:
                    target.unlink(missing_ok=True)
                else:
                    target.write_bytes(backup)
                raise
        return doc, report

    def remove_document(self, doc_id: str) -> IngestReport:
        """Delete a document's file from the corpus and re-ingest without it."""
        self.document(doc_id)  # DocumentNotFound if unknown
        folder = self.settings.corpus.dir
        with self._write_lock:
            files = [p for p in folder.glob(doc_id + ".*") if p.suffix.lower() in SUFFIXES]
            saved = [(p, p.read_bytes()) for p in files]
            for p in files:
                p.unlink()
            try:
                return self.ingest()
            except BaseException:
                for p, data in saved:
                    p.write_bytes(data)
                raise

    def warm(self) -> None:
        """Run one query end to end so the first user request is not the slow one."""
        self.search("warm up")

    # -- queries -------------------------------------------------------------------------
    def search(
        self,
        query: str,
        top_k: int | None = None,
        filters: dict[str, Any] | Filters | None = None,
        retrieval: RetrievalSettings | None = None,
    ) -> SearchResult:
        f = filters if isinstance(filters, Filters) else Filters.from_dict(filters)
        t0 = time.perf_counter()
        result = self.retriever.search(query, top_k, f, retrieval)
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
    ) -> Answer:
        from rag.answer.answerer import answer_question

        answer: Answer = answer_question(self, question, top_k, filters, llm)
        return answer

    def brief(self, topic: str, **kwargs: Any) -> Any:
        """A citation-backed briefing on a topic (see rag.briefing.build_briefing)."""
        from rag.briefing.briefer import build_briefing

        return build_briefing(self, topic, **kwargs)

    def document(self, doc_id: str) -> Document:
        doc = self.index.documents.get(doc_id)
        if doc is None:
            raise DocumentNotFound(doc_id)
        return doc

    def documents(self) -> list[Document]:
        return sorted(self.index.documents.values(), key=lambda d: d.doc_id)

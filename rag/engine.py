"""The composition root: one immutable Snapshot per index version, swapped as a unit.

A request takes ``engine.snapshot`` once and uses only that object: its index, retriever,
answerer and briefer belong to the same index version, so an upload or a delete that
publishes a new version mid-request cannot mix two versions in one answer.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.answer.answerer import Answerer
from rag.answer.claims import ClaimWriter, ExtractiveWriter
from rag.answer.llm import llm_writers
from rag.answer.verify import Verifier
from rag.briefing.briefer import Briefer
from rag.briefing.types import Briefing
from rag.errors import RagError
from rag.index import frontmatter
from rag.index.backends import open_store
from rag.index.commit import (
    Reconciled,
    crash_point,
    reconcile,
    settle,
    stage_existing,
    stage_new,
    unstage,
)
from rag.index.corpus import DOC_ID, SUFFIXES, BadDocument, CorpusError, parse_document
from rag.index.dense import set_faiss_threads
from rag.index.embedder import Embedder
from rag.index.embedding import get_embedder
from rag.index.ingest import EmbedStage, IngestReport, ingest
from rag.index.readings import readings_of
from rag.index.seam import Inserter
from rag.index.store import BuildData, IndexBusy, IndexCorrupt, LoadedIndex
from rag.index.strategies import ProgressFactory, embed_work
from rag.index.trust import TRUST_LEVELS, read_trust, set_trust
from rag.index.update import checked_chunks, with_document, without_document
from rag.jobs import JobQueue
from rag.search.filters import Filters
from rag.search.retriever import Retriever
from rag.settings import RetrievalSettings, Settings
from rag.types import Answer, Document, SearchResult

log = logging.getLogger(__name__)


class CorpusNotAFolder(CorpusError):
    """The corpus path names a file (or something else that is not a folder)."""


def corpus_folder(folder: Path) -> Path:
    """`folder`, created if missing; CorpusNotAFolder if the path exists as something else."""
    if folder.exists() and not folder.is_dir():
        raise CorpusNotAFolder(f"the corpus path {folder} is a file, not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class DocumentNotFound(RagError):
    """No document with that doc_id in the index."""

    def __init__(self, doc_id: str) -> None:
        super().__init__(f"no document {doc_id!r}")
        self.doc_id = doc_id


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One index version and everything built on it."""

    index: LoadedIndex
    retriever: Retriever
    answerer: Answerer
    briefer: Briefer


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
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()  # one upload/delete at a time
        self._reload_lock = threading.Lock()  # one pick-up of a new version at a time
        self._snapshot: Snapshot | None = None
        self._seen: str | None = None  # what CURRENT named at the last load
        self._checked = 0.0  # monotonic time CURRENT was last looked at
        self.fallback: str | None = None  # why the live version is not CURRENT's
        self.jobs = JobQueue()  # uploads, replacements and deletes, one at a time
        self._pruner: threading.Thread | None = None

    # -- index lifecycle -------------------------------------------------------------------
    def load(self) -> LoadedIndex:
        """Load (or reload) the current index version; raises IndexNotFound/Mismatch/Corrupt.

        A corrupt current version falls back to the newest intact one (``fallback`` says
        so); with none intact the first error is raised.
        """
        if self._snapshot is None:
            self.reconcile()  # first load: settle what a crash may have left
        named = self.store.current_version()
        try:
            index, fallback = self._load_version(None), None
        except IndexCorrupt as exc:
            index, fallback = self._newest_intact(named, exc)
        snapshot = self._build(index)
        with self._lock:
            self._snapshot, self._seen, self.fallback = snapshot, named, fallback
            self._checked = time.monotonic()
        log.info("index %s loaded: %s", index.version, index.manifest["counts"])
        return index

    def _load_version(self, version: str | None) -> LoadedIndex:
        return self.store.load(
            model_id=self.embedder.model_id,
            dim=self.embedder.dim,
            ef_search=self.settings.index.hnsw_ef_search,
            nprobe=self.settings.index.ivf_nprobe,
            version=version,
        )

    def _newest_intact(self, named: str | None, error: IndexCorrupt) -> tuple[LoadedIndex, str]:
        for version in self.store.versions():
            if version == named:
                continue
            try:
                index = self._load_version(version)
            except IndexCorrupt:
                continue
            why = f"index version {named} is corrupt ({error}); serving {version} instead"
            log.warning("%s", why)
            return index, why
        raise error

    def _pick_up(self) -> None:
        """Load the version another process published, if CURRENT changed (checked at most
        every index.reload_check_s; one thread reloads, the others keep the old snapshot)."""
        every = self.settings.index.reload_check_s
        now = time.monotonic()
        if every <= 0 or now - self._checked < every or not self._reload_lock.acquire(False):
            return
        try:
            self._checked = now
            named = self.store.current_version()
            if named is None or named == self._seen:
                return
            log.info("index version %s was published elsewhere: loading it", named)
            try:
                self.load()
            except RagError as exc:  # keep serving what is loaded; warn once per version
                log.warning("could not load the newly published index %s: %s", named, exc)
                self._seen = named
        finally:
            self._reload_lock.release()

    def _build(self, index: LoadedIndex) -> Snapshot:
        s = self.settings
        retriever = Retriever(index, self.embedder, s.retrieval, s.embedding.max_query_chars)
        writer = ExtractiveWriter(index.sentence_vectors)
        answerer = Answerer(
            index, retriever, self.embedder, self.verifier, s, writer, self.llm_writers
        )
        briefer = Briefer(index, retriever, self.embedder, self.verifier, s, self.llm_writers)
        return Snapshot(index, retriever, answerer, briefer)

    @property
    def snapshot(self) -> Snapshot:
        """The current snapshot (loading the index on first use); take it once per request."""
        if self._snapshot is not None:
            self._pick_up()
        snap = self._snapshot
        if snap is None:
            self.load()
            snap = self._snapshot
            assert snap is not None
        return snap

    @property
    def index(self) -> LoadedIndex:
        return self.snapshot.index

    @property
    def retriever(self) -> Retriever:
        return self.snapshot.retriever

    def ready(self) -> bool:
        return self._snapshot is not None

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

    def check_document(self, filename: str, data: bytes) -> Document:
        """The upload as a Document, or the error add_document would raise for its name, its
        content or a limit of settings.limits (cheap: nothing is embedded or written)."""
        name = Path(filename).name
        suffix = Path(name).suffix.lower()
        if name != filename or suffix not in SUFFIXES or not DOC_ID.match(Path(name).stem):
            raise BadDocument(
                f"bad file name {filename!r}: use letters, digits, '.', '_' or '-' and one of "
                f"{', '.join(SUFFIXES)}"
            )
        doc = parse_document(Path(name).stem, name, data)  # raises BadDocument
        index = self.snapshot.index
        kept = len(index.passages) - len(index.doc_passages.get(doc.doc_id, []))
        checked_chunks(doc, self.settings, kept)
        return doc

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
        """Add one document: only it is embedded; the corpus file and the new index version
        are committed together (rag.index.commit); nothing stays on failure.

        The file name gives the doc_id; it must be a plain name with a supported suffix.
        ``trust`` ("upload", "untrusted" or "trusted") is recorded beside the corpus
        (rag.index.trust), so it survives restarts and re-ingests. A title, published date or
        URL given here goes into the file's front matter. Over a limit of settings.limits:
        DocumentTooLarge, CorpusFull, RepetitiveDocument.
        """
        # BadMetadata (422 over HTTP) for a date or URL that is not one
        data = frontmatter.with_fields(data, {"title": title, "published": published, "url": url})
        return self._put_document(filename, data, replace=False, trust=trust)

    def replace_document(
        self, filename: str, data: bytes, trust: str = "upload"
    ) -> tuple[Document, IngestReport]:
        """Replace an indexed document (same doc_id, any supported suffix) with this file;
        on failure the old file is back and the index unchanged. The replacement came from an
        upload: it takes ``trust`` as add_document does."""
        self.document(Path(filename).stem)  # DocumentNotFound if unknown
        return self._put_document(filename, data, replace=True, trust=trust)

    def _put_document(
        self, filename: str, data: bytes, replace: bool, trust: str
    ) -> tuple[Document, IngestReport]:
        if trust not in TRUST_LEVELS:
            raise BadDocument(f"trust must be one of {', '.join(TRUST_LEVELS)}, got {trust!r}")
        t0 = time.perf_counter()
        if self.store.current_version() is None:  # an update starts from a published version
            self.ingest()  # (the corpus as it is; CorpusError if it has no document yet)
        doc = dataclasses.replace(self.check_document(filename, data), trust=trust)
        name = doc.source
        folder = corpus_folder(self.settings.corpus.dir)
        with self._write_lock, self.store.lock():
            base = self._writable_base()
            others = [
                p
                for p in folder.glob(doc.doc_id + ".*")
                if p.suffix.lower() in SUFFIXES and p.name != name
            ]
            if others and not replace:
                raise BadDocument(f"doc_id {doc.doc_id} already exists as {others[0].name}")
            build = with_document(base, doc, self.settings, self.embedder)
            levels = read_trust(folder)
            set_trust(folder, doc.doc_id, trust)  # before the file: never an unmarked upload
            try:
                gone = [stage_existing(p) for p in others]  # another suffix, replaced
                staged = stage_new(folder, name, data)
                crash_point("upload:staged")
                index = self._commit(build, [staged], gone, "upload", (base, doc.doc_id))
            except BaseException:
                set_trust(folder, doc.doc_id, levels.get(doc.doc_id))
                raise
        prev = base.documents.get(doc.doc_id)
        report = IngestReport(
            added=[] if prev else [doc.doc_id],
            changed=[doc.doc_id] if prev else [],
            unchanged=[d for d in base.documents if d != doc.doc_id],
            passages=len(index.passages),
            embedded_passages=len(index.doc_passages.get(doc.doc_id, [])),
            seconds=time.perf_counter() - t0,
            version=index.version,
        )
        log.info("document %s added: %s", doc.doc_id, report.to_dict())
        return doc, report

    def remove_document(self, doc_id: str) -> IngestReport:
        """Remove one document's rows and its corpus file, committed together."""
        t0 = time.perf_counter()
        self.document(doc_id)  # DocumentNotFound if unknown
        folder = corpus_folder(self.settings.corpus.dir)
        with self._write_lock, self.store.lock():
            base = self._writable_base()
            if doc_id not in base.documents:
                raise DocumentNotFound(doc_id)
            if len(base.documents) == 1:
                raise CorpusError(f"{doc_id} is the last document: the corpus cannot be empty")
            build = without_document(base, doc_id, self.settings, self.embedder)
            files = [p for p in folder.glob(doc_id + ".*") if p.suffix.lower() in SUFFIXES]
            staged = [stage_existing(p) for p in files]
            crash_point("delete:staged")
            index = self._commit(build, [], staged, "delete", (base, doc_id))
            set_trust(folder, doc_id, None)
        report = IngestReport(
            removed=[doc_id],
            unchanged=list(index.documents),
            passages=len(index.passages),
            seconds=time.perf_counter() - t0,
            version=index.version,
        )
        log.info("document %s removed: %s", doc_id, report.to_dict())
        return report

    def _writable_base(self) -> LoadedIndex:
        """The index an update starts from (call with the store lock): staged files of a
        crashed write settled first, and the version CURRENT names if another process
        published one since this engine last looked."""
        manifest = self.store.read_manifest()
        settle(self.settings.corpus.dir, dict(manifest.get("documents") or {}), Reconciled())
        index = self.snapshot.index
        if manifest["version"] != index.version and self.fallback is None:
            index = self.load()
        readings_of(index.path, index.sentences)  # primed: the update parses only new sentences
        return index

    def _commit(
        self,
        build: BuildData,
        incoming: list[Path],
        outgoing: list[Path],
        point: str,
        change: tuple[LoadedIndex, str],
    ) -> LoadedIndex:
        """Write the version, publish it, then settle the staged corpus files (``incoming``
        move in, ``outgoing`` are removed); on failure before publishing, undo the staging.

        ``change`` is (the base index, the doc_id changed): Milvus takes that one document
        into its live version in place; the embedded store writes a new version."""
        base, doc_id = change
        try:
            index = self.store.write_update(base, build, doc_id, self.settings.index)
            crash_point(f"{point}:written")
            try:
                self.store.publish_update(index)
            except BaseException:
                self.store.discard_update(index)
                raise
        except BaseException:
            for path in incoming:
                unstage(path, keep=False)
            for path in outgoing:
                unstage(path, keep=True)
            raise
        crash_point(f"{point}:published")
        for path in incoming:
            unstage(path, keep=True)
        for path in outgoing:
            unstage(path, keep=False)
        crash_point(f"{point}:settled")
        snapshot = self._build(index)
        with self._lock:
            self._snapshot, self._seen, self.fallback = snapshot, index.version, None
            self._checked = time.monotonic()
        self._prune_later()
        return index

    def _prune_later(self) -> None:
        """Remove old versions in a thread: after the swap, so deleting a large folder is
        not on an upload's path to visible (nor on the next upload's)."""
        previous = self._pruner

        def run() -> None:
            if previous is not None:
                previous.join()  # one prune at a time, in order
            try:
                self.store.prune()
            except Exception:  # a folder left behind is removed by the next prune
                log.exception("pruning old index versions failed")

        self._pruner = threading.Thread(target=run, name="index-prune", daemon=True)
        self._pruner.start()

    def wait_pruned(self, timeout: float | None = None) -> None:
        """Wait for the last background prune (tests, and a clean shutdown)."""
        if self._pruner is not None:
            self._pruner.join(timeout)

    def reconcile(self, quarantine: bool = False) -> Reconciled | None:
        """Bring the corpus folder in line with the live index version (see
        rag.index.commit; ``quarantine``: also move unknown files to .orphans/, as the server
        does at start); None when another writer holds the lock."""
        if self.store.current_version() is None:
            return None
        try:
            with self.store.lock():
                return reconcile(self.settings.corpus.dir, self.store, quarantine)
        except IndexBusy:
            log.info("corpus not reconciled: another writer holds the index lock")
            return None

    def warm(self) -> None:
        """Run one query end to end so the first user request is not the slow one."""
        self.search("warm up")

    # -- queries: each takes the snapshot once ---------------------------------------------
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
        doc = self.snapshot.index.documents.get(doc_id)
        if doc is None:
            raise DocumentNotFound(doc_id)
        return doc

    def documents(self) -> list[Document]:
        return sorted(self.snapshot.index.documents.values(), key=lambda d: d.doc_id)

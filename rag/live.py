"""The index version being served, as one immutable Snapshot, and the swap to the next one.

`LiveIndex` loads a version (falling back to the newest intact one when CURRENT's is
corrupt), picks up a version another process published, installs the version an update of
this process committed, and prunes old versions in the background. Every swap replaces the
whole Snapshot, so a request that took it once never mixes two versions.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from rag.answer.answerer import Answerer
from rag.answer.claims import ClaimWriter, ExtractiveWriter
from rag.answer.verify import Verifier
from rag.briefing.briefer import Briefer
from rag.errors import RagError
from rag.index.commit import Reconciled, reconcile
from rag.index.embedder import Embedder
from rag.index.seam import Store
from rag.index.store import IndexBusy, IndexCorrupt, LoadedIndex
from rag.search.retriever import Retriever
from rag.settings import Settings
from rag.types import Document

log = logging.getLogger(__name__)


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


class LiveIndex:
    """The served Snapshot: loaded on first use, swapped as a unit (see the module doc)."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        store: Store,
        verifier: Verifier,
        llm_writers: dict[str, ClaimWriter],
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.store = store
        self.verifier = verifier
        self.llm_writers = llm_writers
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()  # one pick-up of a new version at a time
        self._snapshot: Snapshot | None = None
        self._seen: str | None = None  # what CURRENT named at the last load
        self._checked = 0.0  # monotonic time CURRENT was last looked at
        self.fallback: str | None = None  # why the live version is not CURRENT's
        self._pruner: threading.Thread | None = None

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
        self._swap(index, named, fallback)
        log.info("index %s loaded: %s", index.version, index.manifest["counts"])
        return index

    def install(self, index: LoadedIndex) -> None:
        """Serve a version this process just published, then prune the old ones."""
        self._swap(index, index.version, None)
        self._prune_later()

    def _swap(self, index: LoadedIndex, named: str | None, fallback: str | None) -> None:
        snapshot = self._build(index)
        with self._lock:
            self._snapshot, self._seen, self.fallback = snapshot, named, fallback
            self._checked = time.monotonic()

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

    def ready(self) -> bool:
        return self._snapshot is not None

    def document(self, doc_id: str) -> Document:
        doc = self.snapshot.index.documents.get(doc_id)
        if doc is None:
            raise DocumentNotFound(doc_id)
        return doc

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

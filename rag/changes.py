"""Changes to the corpus: add, replace or remove one document.

Only the changed document is embedded; its corpus file and the new index version are
committed together (rag.index.commit), one change at a time, and nothing stays on failure.
The committed version is handed to the LiveIndex, which serves it.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from pathlib import Path

from rag.index import frontmatter
from rag.index.commit import (
    Reconciled,
    crash_point,
    settle,
    stage_existing,
    stage_new,
    unstage,
)
from rag.index.corpus import DOC_ID, SUFFIXES, BadDocument, CorpusError, parse_document
from rag.index.embedder import Embedder
from rag.index.ingest import IngestReport, ingest
from rag.index.readings import readings_of
from rag.index.seam import Store
from rag.index.store import BuildData, LoadedIndex
from rag.index.trust import TRUST_LEVELS, read_trust, set_trust
from rag.index.update import checked_chunks, with_document, without_document
from rag.live import DocumentNotFound, LiveIndex
from rag.settings import Settings
from rag.types import Document

log = logging.getLogger(__name__)


class CorpusNotAFolder(CorpusError):
    """The corpus path names a file (or something else that is not a folder)."""


def corpus_folder(folder: Path) -> Path:
    """`folder`, created if missing; CorpusNotAFolder if the path exists as something else."""
    if folder.exists() and not folder.is_dir():
        raise CorpusNotAFolder(f"the corpus path {folder} is a file, not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class CorpusChanges:
    """Adds, replaces and removes documents of the live index (see the module doc)."""

    def __init__(
        self, settings: Settings, embedder: Embedder, store: Store, live: LiveIndex
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.store = store
        self.live = live
        self._write_lock = threading.Lock()  # one upload/delete at a time

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
        index = self.live.snapshot.index
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
        self.live.document(Path(filename).stem)  # DocumentNotFound if unknown
        return self._put_document(filename, data, replace=True, trust=trust)

    def _put_document(
        self, filename: str, data: bytes, replace: bool, trust: str
    ) -> tuple[Document, IngestReport]:
        if trust not in TRUST_LEVELS:
            raise BadDocument(f"trust must be one of {', '.join(TRUST_LEVELS)}, got {trust!r}")
        t0 = time.perf_counter()
        if self.store.current_version() is None:  # an update starts from a published version
            ingest(self.settings, self.embedder)  # (the corpus as it is; CorpusError if empty)
            self.live.load()
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
        self.live.document(doc_id)  # DocumentNotFound if unknown
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
        index = self.live.snapshot.index
        if manifest["version"] != index.version and self.live.fallback is None:
            index = self.live.load()
        readings_of(index)  # primed: the update parses only new sentences
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
        self.live.install(index)
        return index

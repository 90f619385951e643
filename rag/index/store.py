"""The versioned on-disk index: atomic version folders, checksums, manifests, pruning.

Layout::

    index/
      CURRENT              name of the live version (replaced atomically)
      <version>/           one folder per build: manifest.json + the files it checksums
      .build-<version>/    a build in progress (deleted if a crash left it behind)
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from rag.errors import RagError
from rag.index.bm25 import TERMS_FILE, BM25Index, TermCounts, passage_tokens, top_positive
from rag.index.dense import DenseIndex, Vectors
from rag.index.files import fsync_dir, sha256_file, sync_and_digest, write_durable
from rag.index.readings import write_readings
from rag.index.rows import passage_sentence_map, write_documents
from rag.index.seam import BuildData as BuildData
from rag.index.seam import LoadedIndex as LoadedIndex
from rag.index.seam import doc_rows
from rag.index.segments import KINDS, Base, read_vectors, write_vectors
from rag.settings import IndexSettings
from rag.types import Document, Passage, SentenceRef

FORMAT_VERSION = 1


class IndexProblem(RagError):
    """Base of index problems."""


class IndexNotFound(IndexProblem):
    """There is no built index in the folder."""


class IndexCorrupt(IndexProblem):
    """A file of the index is missing or its checksum does not match."""


class IndexMismatch(IndexProblem):
    """The index was built with another model or dimension than the settings ask for."""


class IndexBusy(IndexProblem):
    """Another ingest holds the index lock."""


class StoreUnavailable(IndexProblem):
    """The index store (Milvus) cannot be reached, or refused a call."""


# doc_id -> its JSON string, kept between versions: an upload encodes only its own id
_ENCODED_IDS: dict[str, str] = {}
MAX_ENCODED_IDS = 1_000_000


def _write_spans(path: Path, rows: Sequence[Passage | SentenceRef]) -> None:
    """JSON lines of {doc_id, start, end} rows (json.dumps's bytes) without a json.dumps
    per row (a large index has hundreds of thousands)."""
    ids = _ENCODED_IDS
    if len(ids) > MAX_ENCODED_IDS:
        ids.clear()
    lines = []
    for r in rows:
        enc = ids.get(r.doc_id)
        if enc is None:
            enc = ids[r.doc_id] = json.dumps(r.doc_id, ensure_ascii=False)
        lines.append(f'{{"doc_id": {enc}, "start": {r.start}, "end": {r.end}}}\n')
    path.write_bytes("".join(lines).encode("utf-8"))  # durable with the version's other files


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@dataclass(kw_only=True)
class EmbeddedIndex(LoadedIndex):
    """A version of the embedded store: FAISS for dense, bm25s for lexical search."""

    dense: DenseIndex
    bm25: BM25Index

    def dense_top_k(
        self, qvec: Vectors, k: int, allowed: npt.NDArray[np.int64] | None = None
    ) -> tuple[Vectors, npt.NDArray[np.int64]]:
        return self.dense.search(qvec, k, allowed)

    def lexical_top_k(
        self, query: str, k: int, allowed: npt.NDArray[np.int64] | None = None
    ) -> tuple[npt.NDArray[np.int64], Vectors]:
        bm = self.bm25.scores(query)
        if allowed is not None:
            mask = np.zeros(len(bm), dtype=bool)
            mask[allowed] = True
            bm = np.where(mask, bm, 0.0).astype(np.float32)
        ids = top_positive(bm, k)
        return ids, bm[ids]


class IndexStore:
    """Reads and writes index versions under one folder."""

    def __init__(self, root: Path, keep_versions: int = 3) -> None:
        self.root = root
        self.keep_versions = keep_versions

    @property
    def current_file(self) -> Path:
        return self.root / "CURRENT"

    def current_version(self) -> str | None:
        try:
            name = self.current_file.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name or None

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """An exclusive lock for writers; a second ingest fails fast instead of racing."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("w") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise IndexBusy(f"another ingest is running on {self.root}") from exc
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def clean_partial_builds(self) -> None:
        """Remove build folders a crash left behind, and versions a prune had begun to
        remove (call with the lock held)."""
        for pattern in (".build-*", ".pruned-*"):
            for p in self.root.glob(pattern):
                shutil.rmtree(p, ignore_errors=True)

    def write(self, data: BuildData, settings: IndexSettings | None = None) -> str:
        """Write a new version and publish it; the old one stays live until the swap."""
        index = self.write_version(data, settings)
        self.publish(index.version)
        return index.version

    def write_version(
        self, data: BuildData, settings: IndexSettings | None = None
    ) -> EmbeddedIndex:
        """Write a complete version (as a build folder until ``publish``) and return it as
        loaded, without reading it back."""
        # Names sort by build time (nanoseconds), so pruning by name keeps the newest.
        version = f"v{time.time_ns():020d}-{uuid.uuid4().hex[:6]}"
        tmp = self.root / f".build-{version}"
        tmp.mkdir(parents=True)
        write_documents(tmp / "documents.jsonl", data.documents)
        _write_spans(tmp / "passages.jsonl", data.passages)
        _write_spans(tmp / "sentences.jsonl", data.sentences)
        write_readings(tmp, data.sentences, self.root / version)  # parsed for the decision
        pvec = np.ascontiguousarray(data.passage_vectors, dtype=np.float32)
        svec = np.ascontiguousarray(data.sentence_vectors, dtype=np.float32)
        base = self._base(data.base_version)
        segments: dict[str, Any] = {}
        reused: dict[str, str] = {}  # files linked from the base, with its checksums
        for kind, arr, source in zip(
            KINDS, (pvec, svec), (data.passage_from, data.sentence_from), strict=True
        ):
            entry, linked = write_vectors(tmp, kind, arr, source, base, version)
            if entry is not None:
                segments[kind] = entry
            reused.update(linked)
        dense = DenseIndex.build(pvec, settings or IndexSettings())
        if dense.kind != "flat":  # an exact index is rebuilt from the passage vectors on load
            dense.save(tmp / "dense.faiss")
        terms, bm25 = _bm25(data)
        (tmp / "bm25").mkdir()
        bm25.save(tmp / "bm25")
        terms.save(tmp / TERMS_FILE)
        files = sorted(
            p for p in tmp.rglob("*") if p.is_file() and p.relative_to(tmp).as_posix() not in reused
        )
        manifest = {
            **data.manifest,
            "format": FORMAT_VERSION,
            "version": version,
            "dense_index": dense.kind,
            "dense_params": dense.params,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "counts": {
                "documents": len(data.documents),
                "passages": len(data.passages),
                "sentences": len(data.sentences),
            },
            "files": dict(
                sorted(
                    {
                        **reused,
                        **{
                            p.relative_to(tmp).as_posix(): digest
                            for p, digest in zip(files, sync_and_digest(files), strict=True)
                        },
                    }.items()
                )
            ),
        }
        if segments:
            manifest["segments"] = segments
        write_durable(tmp / "manifest.json", json.dumps(manifest, indent=2).encode("utf-8"))
        fsync_dir(tmp / "bm25")
        fsync_dir(tmp)
        return _loaded(data, version, self.root / version, manifest, dense, bm25, terms)

    def _base(self, version: str | None) -> Base | None:
        """The published version an update starts from, if it is still on disk."""
        if version is None:
            return None
        try:
            return Base(self.root / version, self.read_manifest(version))
        except IndexProblem:
            return None

    def publish(self, version: str, prune: bool = True) -> None:
        """Move a written build into place and make it the live version (the commit point),
        then prune old versions (unless ``prune`` is False: the engine prunes once its new
        snapshot serves, so removing old folders is not on an upload's path to visible)."""
        tmp = self.root / f".build-{version}"
        if tmp.is_dir():
            tmp.rename(self.root / version)
            fsync_dir(self.root)
        self._publish(version)
        if prune:
            self.prune()

    def _publish(self, version: str) -> None:
        tmp = self.root / f".CURRENT.{uuid.uuid4().hex}"
        write_durable(tmp, (version + "\n").encode("utf-8"))
        tmp.replace(self.current_file)  # atomic on POSIX
        fsync_dir(self.root)

    def discard(self, version: str) -> None:
        """Remove a written build that will not be published."""
        shutil.rmtree(self.root / f".build-{version}", ignore_errors=True)

    # One document's change is a new version here (its unchanged vectors linked from the base).
    def write_update(
        self,
        base: LoadedIndex,
        build: BuildData,
        doc_id: str,
        settings: IndexSettings | None = None,
    ) -> EmbeddedIndex:
        return self.write_version(build, settings)

    def publish_update(self, index: LoadedIndex) -> None:
        self.publish(index.version, prune=False)  # the engine prunes after its swap

    def discard_update(self, index: LoadedIndex) -> None:
        self.discard(index.version)

    def prune(self) -> None:
        current = self.current_version()
        versions = sorted(
            p
            for p in self.root.iterdir()
            if p.is_dir() and not p.name.startswith(".") and (p / "manifest.json").exists()
        )
        others = [p for p in versions if p.name != current]
        keep_others = self.keep_versions - 1
        old = others[: len(others) - keep_others] if keep_others > 0 else others
        for p in old:
            # renamed first (atomic): a process that dies mid-removal leaves a hidden folder
            # for clean_partial_builds, never a version with some of its files gone
            gone = p.with_name(f".pruned-{p.name}")
            try:
                p.rename(gone)
            except OSError:
                continue  # another process pruned it
            shutil.rmtree(gone, ignore_errors=True)

    def versions(self) -> list[str]:
        """Every complete version on disk, newest first (names sort by build time)."""
        if not self.root.is_dir():
            return []
        found = [
            p.name
            for p in self.root.iterdir()
            if not p.name.startswith(".") and (p / "manifest.json").is_file()
        ]
        return sorted(found, reverse=True)

    def read_manifest(self, version: str | None = None) -> dict[str, Any]:
        version = version or self.current_version()
        if version is None:
            raise IndexNotFound(f"no index in {self.root}: run `rag ingest` first")
        path = self.root / version / "manifest.json"
        try:
            manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise IndexCorrupt(f"index version {version} has no manifest") from exc
        except json.JSONDecodeError as exc:
            raise IndexCorrupt(f"index manifest {path} is not valid JSON") from exc
        return manifest

    def load(
        self,
        model_id: str | None = None,
        dim: int | None = None,
        ef_search: int | None = None,
        nprobe: int | None = None,
        version: str | None = None,
    ) -> EmbeddedIndex:
        """Load the current version (or `version`), verifying checksums and the model it
        was built with; a file that passes its checksum but cannot be read is IndexCorrupt.

        ``ef_search`` (HNSW) and ``nprobe`` (IVF) override the search breadth the build
        recorded; indexes written before ``dense_params`` existed load as they were.
        """
        manifest = self.read_manifest(version)
        version = str(manifest["version"])
        folder = self.root / version
        if model_id is not None and manifest.get("model_id") != model_id:
            raise IndexMismatch(
                f"index {version} was built with model {manifest.get('model_id')!r}, "
                f"settings ask for {model_id!r}: run `rag ingest` to rebuild"
            )
        if dim is not None and manifest.get("dim") != dim:
            raise IndexMismatch(
                f"index {version} has dimension {manifest.get('dim')}, the model gives {dim}"
            )
        for rel, digest in manifest["files"].items():
            p = folder / rel
            if not p.is_file():
                raise IndexCorrupt(f"index file missing: {p}")
            if sha256_file(p) != digest:
                raise IndexCorrupt(f"index file corrupted (checksum mismatch): {p}")
        try:
            return _read_version(folder, version, manifest, ef_search, nprobe)
        except (OSError, RuntimeError, ValueError, KeyError, TypeError) as exc:
            raise IndexCorrupt(f"index version {version} cannot be read: {exc}") from exc


def _read_version(
    folder: Path,
    version: str,
    manifest: dict[str, Any],
    ef_search: int | None,
    nprobe: int | None,
) -> EmbeddedIndex:
    """The files of a checked version, read into memory (faiss, numpy, bm25s, JSON lines)."""
    docs: dict[str, Document] = {}
    for r in _read_jsonl(folder / "documents.jsonl"):
        docs[r["doc_id"]] = Document(
            doc_id=r["doc_id"],
            text=r["text"],
            title=r["title"],
            published=r["published"],
            sha256=r["sha256"],
            source=r["source"],
            body_start=r["body_start"],
            trust=r.get("trust", "trusted"),  # versions written before trust levels
            url=r.get("url"),  # absent from versions written before it existed
        )
    passages = [
        Passage(d, r["start"], r["end"], docs[d].text[r["start"] : r["end"]])
        for r in _read_jsonl(folder / "passages.jsonl")
        for d in (r["doc_id"],)
    ]
    sentences = [
        SentenceRef(
            r["doc_id"], r["start"], r["end"], docs[r["doc_id"]].text[r["start"] : r["end"]]
        )
        for r in _read_jsonl(folder / "sentences.jsonl")
    ]
    pvec = read_vectors(folder, manifest, "passage_vectors")
    svec = read_vectors(folder, manifest, "sentence_vectors")
    if "dense.faiss" in manifest["files"]:
        dense = DenseIndex.load(
            folder / "dense.faiss",
            manifest["dense_index"],
            ef_search,
            nprobe,
            manifest.get("dense_params"),
            pvec,
        )
    elif manifest["dense_index"] == "flat":
        dense = DenseIndex.flat(pvec)
    else:
        raise ValueError(f"no dense.faiss for a {manifest['dense_index']} index")
    return EmbeddedIndex(
        version=version,
        path=folder,
        manifest=manifest,
        documents=docs,
        passages=passages,
        sentences=sentences,
        passage_vectors=pvec,
        sentence_vectors=svec,
        dense=dense,
        bm25=BM25Index.load(folder / "bm25"),
        passage_sentences=passage_sentence_map(passages, sentences),
        doc_passages=doc_rows(passages),
        terms=TermCounts.load(folder / TERMS_FILE) if TERMS_FILE in manifest["files"] else None,
    )


def _bm25(data: BuildData) -> tuple[TermCounts, BM25Index]:
    """A full build indexes tokens with bm25s; an update re-scores the counts it was given."""
    if data.terms is not None:
        return data.terms, BM25Index.from_counts(data.terms)
    tokens = [passage_tokens(p.text) for p in data.passages]
    return TermCounts.from_tokens(tokens), BM25Index.from_tokens(tokens)


def _loaded(
    data: BuildData,
    version: str,
    folder: Path,
    manifest: dict[str, Any],
    dense: DenseIndex,
    bm25: BM25Index,
    terms: TermCounts,
) -> EmbeddedIndex:
    """The version just written, as ``load`` would read it, without reading it back."""
    return EmbeddedIndex(
        version=version,
        path=folder,
        manifest=manifest,
        documents={d.doc_id: d for d in data.documents},
        passages=data.passages,
        sentences=data.sentences,
        passage_vectors=dense.vectors if dense.vectors is not None else data.passage_vectors,
        sentence_vectors=np.ascontiguousarray(data.sentence_vectors, dtype=np.float32),
        dense=dense,
        bm25=bm25,
        passage_sentences=(
            data.passage_sentences
            if data.passage_sentences is not None
            else passage_sentence_map(data.passages, data.sentences)
        ),
        doc_passages=doc_rows(data.passages),
        terms=terms,
    )

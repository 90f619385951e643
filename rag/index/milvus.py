"""Index versions in Milvus (``RAG_STORE__BACKEND=milvus``): a cluster, or milvus-lite.

A version is written as new collections (``rag.index.milvus_rows``) and published by
pointing the alias ``<prefix>current`` at its passages collection: one call, so every
replica switches together (each looks at the alias every ``index.reload_check_s``). Texts,
spans and vectors are also held in memory per replica for citing and the second stage;
Milvus answers the dense and the BM25 top-k.

>>> store = MilvusStore(StoreSettings(uri="http://127.0.0.1:19530"), Path("index"))
>>> store.current_version()
'v01764650000000000000_1a2b3c'
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from rag.index import milvus_rows as rows
from rag.index.milvus_index import MilvusIndex, calls
from rag.index.rows import passage_sentence_map
from rag.index.seam import Vectors, doc_rows
from rag.index.store import (
    FORMAT_VERSION,
    BuildData,
    IndexCorrupt,
    IndexMismatch,
    IndexNotFound,
    IndexStore,
    StoreUnavailable,
)
from rag.settings import IndexSettings, StoreSettings
from rag.types import Document, Passage, SentenceRef

KINDS = ("passages", "sentences", "documents")


class MilvusStore:
    """The ``rag.index.seam.Store`` over Milvus. ``root`` holds the writers' lock (and the
    milvus-lite file when ``uri`` is empty)."""

    def __init__(self, settings: StoreSettings, root: Path, keep_versions: int = 3) -> None:
        try:
            from pymilvus import MilvusClient
        except ImportError as exc:
            raise StoreUnavailable(
                "RAG_STORE__BACKEND=milvus needs the Milvus client: pip install '.[scale]'"
            ) from exc

        # pymilvus logs every failed call with a traceback; ours become one-line errors.
        logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
        self.root = root
        self.keep_versions = keep_versions
        self.prefix = settings.collection_prefix
        uri = settings.uri
        if not uri:
            root.mkdir(parents=True, exist_ok=True)
            uri = str(root / "milvus.db")
        with calls(f"connecting to {uri}"):
            self.client = MilvusClient(uri=uri, token=settings.token.get_secret_value(), timeout=30)
        self._files = IndexStore(root, keep_versions)  # the lock; no versions live there
        self._loaded: set[str] = set()

    def name(self, kind: str, version: str) -> str:
        return f"{self.prefix}{kind}_{version}"

    @property
    def alias(self) -> str:
        return f"{self.prefix}current"

    def current_version(self) -> str | None:
        with calls("reading the current alias"):
            if self.alias not in self.client.list_aliases().get("aliases", []):
                return None  # nothing published yet
            described = self.client.describe_alias(self.alias)
        return str(described["collection_name"]).removeprefix(f"{self.prefix}passages_")

    def _ready(self, version: str) -> None:
        """Load a version's collections for search (a restarted milvus-lite holds them
        released); once per version and process."""
        if version in self._loaded:
            return
        with calls(f"loading version {version}"):
            for kind in KINDS:
                name = self.name(kind, version)
                if not self.client.has_collection(name):
                    raise IndexNotFound(f"no index version {version} in milvus ({name})")
                self.client.load_collection(name)
        self._loaded.add(version)

    def versions(self) -> list[str]:
        with calls("listing collections"):
            names = set(self.client.list_collections())
        head = f"{self.prefix}passages_"
        found = [n.removeprefix(head) for n in names if n.startswith(head)]
        return sorted((v for v in found if self.name("documents", v) in names), reverse=True)

    def lock(self) -> contextlib.AbstractContextManager[None]:
        return self._files.lock()

    def clean_partial_builds(self) -> None:
        """Drop versions newer than the live one that were never published (a crash)."""
        current = self.current_version()
        with calls("listing collections"):
            names = self.client.list_collections()
        heads = [f"{self.prefix}{k}_" for k in KINDS]
        built = {n.removeprefix(h) for n in names for h in heads if n.startswith(h)}
        for v in built:
            if current is None or v > current:
                self.discard(v)

    def _blobs(self, version: str, expr: str) -> dict[str, Any]:
        self._ready(version)
        name = self.name("documents", version)
        with calls(f"reading {name}"):
            got = self._query(name, expr, ["id", "key", "part", "body"])
        return rows.read_blobs(got)

    def read_manifest(self, version: str | None = None) -> dict[str, Any]:
        version = version or self.current_version()
        if version is None:
            raise IndexNotFound("no index in milvus: run `rag ingest` first")
        found = self._blobs(version, f'key == "{rows.MANIFEST}"').get(rows.MANIFEST)
        if not isinstance(found, dict):
            raise IndexCorrupt(f"index version {version} has no manifest")
        return found

    def _query(self, name: str, expr: str, fields: list[str]) -> list[dict[str, Any]]:
        it = self.client.query_iterator(
            name, batch_size=rows.BATCH * 4, filter=expr, output_fields=fields
        )
        out: list[dict[str, Any]] = []
        while batch := it.next():
            out.extend(batch)
        it.close()
        return out

    def write(self, data: BuildData, settings: IndexSettings | None = None) -> str:
        index = self.write_version(data, settings)
        self.publish(index.version)
        return index.version

    def write_version(self, data: BuildData, settings: IndexSettings | None = None) -> MilvusIndex:
        """Write a version's collections; nobody reads them until ``publish``."""
        import pymilvus

        version = f"v{time.time_ns():020d}_{uuid.uuid4().hex[:6]}"
        dim = int(data.passage_vectors.shape[1]) if data.passage_vectors.ndim == 2 else 0
        dim = dim or int(data.manifest.get("dim", 0))
        docs = {d.doc_id: d for d in data.documents}
        manifest = {
            **data.manifest,
            "format": FORMAT_VERSION,
            "version": version,
            "dense_index": "milvus",
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "counts": {
                "documents": len(data.documents),
                "passages": len(data.passages),
                "sentences": len(data.sentences),
            },
        }
        pvec = np.ascontiguousarray(data.passage_vectors, dtype=np.float32)
        svec = np.ascontiguousarray(data.sentence_vectors, dtype=np.float32)
        plan = [
            (
                "passages",
                rows.passage_schema(pymilvus, dim),
                rows.passage_rows(data.passages, docs, pvec),
            ),
            (
                "sentences",
                rows.span_schema(pymilvus, dim),
                rows.sentence_rows(data.sentences, svec),
            ),
            ("documents", rows.blob_schema(pymilvus), rows.blob_rows(data.documents, manifest)),
        ]
        try:
            for kind, (schema, params), it in plan:
                self._create(self.name(kind, version), schema, params, it)
        except BaseException:
            self.discard(version)
            raise
        return self._index(
            version, manifest, data.documents, data.passages, data.sentences, pvec, svec
        )

    def _create(self, name: str, schema: Any, params: Any, it: Iterable[dict[str, Any]]) -> None:
        with calls(f"writing {name}"):
            self.client.create_collection(
                name, schema=schema, index_params=params, consistency_level="Strong"
            )
            batch: list[dict[str, Any]] = []
            for row in it:
                batch.append(row)
                if len(batch) == rows.BATCH:
                    self.client.insert(name, batch)
                    batch = []
            if batch:
                self.client.insert(name, batch)
            self.client.flush(name)
            self.client.load_collection(name)

    def _index(
        self,
        version: str,
        manifest: dict[str, Any],
        documents: list[Document],
        passages: list[Passage],
        sentences: list[SentenceRef],
        pvec: Vectors,
        svec: Vectors,
    ) -> MilvusIndex:
        return MilvusIndex(
            version=version,
            path=self.root / ".milvus" / version,  # per-version caches (readings) only
            manifest=manifest,
            documents={d.doc_id: d for d in documents},
            passages=passages,
            sentences=sentences,
            passage_vectors=pvec,
            sentence_vectors=svec,
            passage_sentences=passage_sentence_map(passages, sentences),
            doc_passages=doc_rows(passages),
            client=self.client,
            collection=self.name("passages", version),
        )

    def publish(self, version: str, prune: bool = True) -> None:
        """Point the alias at the version (the commit point), then prune old versions
        (unless ``prune`` is False: the engine prunes once its new snapshot serves)."""
        target = self.name("passages", version)
        with calls(f"publishing {version}"):
            if self.current_version() is None:
                self.client.create_alias(target, self.alias)
            else:
                self.client.alter_alias(target, self.alias)
        if prune:
            self.prune()

    def discard(self, version: str) -> None:
        self._loaded.discard(version)
        with calls(f"dropping version {version}"):
            for kind in KINDS:
                if self.client.has_collection(self.name(kind, version)):
                    self.client.drop_collection(self.name(kind, version))

    def prune(self) -> None:
        current = self.current_version()
        others = [v for v in self.versions() if v != current]
        for v in others[max(self.keep_versions - 1, 0) :]:
            self.discard(v)

    def load(
        self,
        model_id: str | None = None,
        dim: int | None = None,
        ef_search: int | None = None,
        nprobe: int | None = None,
        version: str | None = None,
    ) -> MilvusIndex:
        """Read a version's rows into memory (search stays in Milvus); ``ef_search`` and
        ``nprobe`` are FAISS settings and do not apply."""
        manifest = self.read_manifest(version)
        version = str(manifest["version"])
        if model_id is not None and manifest.get("model_id") != model_id:
            raise IndexMismatch(
                f"index {version} was built with model {manifest.get('model_id')!r}, "
                f"settings ask for {model_id!r}: run `rag ingest` to rebuild"
            )
        if dim is not None and manifest.get("dim") != dim:
            raise IndexMismatch(
                f"index {version} has dimension {manifest.get('dim')}, the model gives {dim}"
            )
        records = self._blobs(version, f'key != "{rows.MANIFEST}"')
        documents = [rows.document_of(r) for r in records.values()]
        texts = {d.doc_id: d.text for d in documents}
        fields = ["id", "doc_id", "start", "end", "vector"]
        with calls(f"reading version {version}"):
            prow = sorted(self._query(self.name("passages", version), "id >= 0", fields), key=_id)
            srow = sorted(self._query(self.name("sentences", version), "id >= 0", fields), key=_id)
        if (
            len(prow) != manifest["counts"]["passages"]
            or len(srow) != manifest["counts"]["sentences"]
        ):
            raise IndexCorrupt(f"index version {version} is missing rows in milvus")
        passages = [
            Passage(r["doc_id"], r["start"], r["end"], texts[r["doc_id"]][r["start"] : r["end"]])
            for r in prow
        ]
        sentences = [
            SentenceRef(
                r["doc_id"], r["start"], r["end"], texts[r["doc_id"]][r["start"] : r["end"]]
            )
            for r in srow
        ]
        d = int(manifest.get("dim") or 0)
        pvec = np.array([r["vector"] for r in prow], dtype=np.float32).reshape(-1, d)
        svec = np.array([r["vector"] for r in srow], dtype=np.float32).reshape(-1, d)
        return self._index(version, manifest, documents, passages, sentences, pvec, svec)


def _id(r: dict[str, Any]) -> int:
    return int(r["id"])

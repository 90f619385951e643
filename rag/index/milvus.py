"""Index versions in Milvus (``RAG_STORE__BACKEND=milvus``): a cluster, or milvus-lite.

A version is written as new collections (``rag.index.milvus_rows``) and published by
pointing the alias ``<prefix>current`` at its passages collection: one call, so every
replica switches together (each looks at the alias every ``index.reload_check_s``). An
upload or a delete of one document changes the live version in place instead
(``write_update``, ``publish_update``; see ``rag.index.milvus_live``): the version then reads
``<v>@<revision>``. Texts, spans and vectors are also held in memory per replica for citing
and the second stage; Milvus answers the dense and the BM25 top-k.

>>> store = MilvusStore(StoreSettings(uri="http://127.0.0.1:19530"), Path("index"))
>>> store.current_version()
'v01764650000000000000_1a2b3c'
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from rag.index import milvus_head as head_
from rag.index import milvus_live as live
from rag.index import milvus_read as read
from rag.index import milvus_rows as rows
from rag.index.milvus_index import MilvusIndex, calls
from rag.index.seam import Inserter, LoadedIndex
from rag.index.store import (
    FORMAT_VERSION,
    BuildData,
    IndexBusy,
    IndexMismatch,
    IndexNotFound,
    IndexStore,
    StoreUnavailable,
)
from rag.settings import IndexSettings, StoreSettings

KINDS = head_.KINDS


# pymilvus pings every 10 s even on an idle channel; a gRPC server's default policy (at most
# one ping per 5 minutes without data) answers the third with GOAWAY "too_many_pings", and the
# next call on that cached channel fails (seen while a Ray ingest kept the driver idle). Ping
# only while calls are in flight, and seldom.
QUIET_KEEPALIVE = {"grpc.keepalive_permit_without_calls": False, "grpc.keepalive_time_ms": 300_000}


class MilvusStore:
    """The ``rag.index.seam.Store`` over Milvus. ``root`` holds the writers' lock (and the
    milvus-lite file when ``uri`` is empty)."""

    def __init__(
        self,
        settings: StoreSettings,
        root: Path,
        keep_versions: int = 3,
        insert: Inserter | None = None,
    ) -> None:
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
            # Embedded milvus-lite serves gRPC in this process and logs, with a traceback, each
            # method it lacks (AllocTimestamp, which pymilvus asks for while an index builds
            # and then does without): `rag ingest` printed four of them.
            logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
        token = settings.token.get_secret_value()
        with calls(f"connecting to {uri}"):
            self.client = MilvusClient(
                uri=uri,
                token=token,
                timeout=30,
                grpc_options=QUIET_KEEPALIVE,
                # our own cached connection: another client of the same URI (pymilvus shares
                # one per URI and token) would bring its channel and its keepalive
                alias="rag-" + hashlib.sha256(f"{uri}\n{token}".encode()).hexdigest()[:16],
            )
        self._files = IndexStore(root, keep_versions)  # the lock; no versions live there
        self._loaded: set[str] = set()
        self._last: MilvusIndex | None = None  # what load returned last: updates reuse it
        self._insert = insert

    def name(self, kind: str, version: str) -> str:
        return f"{self.prefix}{kind}_{head_.bare(version)}"

    @property
    def alias(self) -> str:
        return f"{self.prefix}current"

    def current_version(self) -> str | None:
        """The version the alias names, with its revision (``<v>@<r>``) once updated in
        place: what a replica compares to pick up a change."""
        with calls("reading the current alias"):
            if self.alias not in self.client.list_aliases().get("aliases", []):
                return None  # nothing published yet
            described = self.client.describe_alias(self.alias)
        version = str(described["collection_name"]).removeprefix(f"{self.prefix}passages_")
        self._ready(version)
        return head_.marker(version, self._collections(version).head().revision)

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
        named = self.current_version()
        current = None if named is None else head_.bare(named)
        with calls("listing collections"):
            names = self.client.list_collections()
        heads = [f"{self.prefix}{k}_" for k in KINDS]
        built = {n.removeprefix(h) for n in names for h in heads if n.startswith(h)}
        for v in built:
            if current is None or v > current:
                self.discard(v)
        if current is not None:  # and an update in place that never published
            c = self._collections(current)
            c.drop_unpublished(c.head())

    def _collections(self, version: str) -> head_.Collections:
        v = head_.bare(version)
        names = (self.name("passages", v), self.name("sentences", v), self.name("documents", v))
        return head_.Collections(self.client, v, names)

    def read_manifest(self, version: str | None = None) -> dict[str, Any]:
        version = version or self.current_version()
        if version is None:
            raise IndexNotFound("no index in milvus: run `rag ingest` first")
        self._ready(head_.bare(version))
        c = self._collections(version)
        return c.manifest(c.head())

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
        pspan = _spans(p.doc_id for p in data.passages)
        sspan = _spans(s.doc_id for s in data.sentences)
        blobs: list[dict[str, Any]] = []
        ranges: dict[str, list[int]] = {}
        for d in data.documents:
            part = rows.blob_parts(d.doc_id, rows.document_body(d), len(blobs))
            ranges[d.doc_id] = [*pspan.get(d.doc_id, (0, 0)), *sspan.get(d.doc_id, (0, 0))]
            ranges[d.doc_id] += [len(blobs), len(part)]
            blobs += part
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
            "revision": 0,
            "rows": ranges,
        }
        mparts = rows.blob_parts(rows.MANIFEST, json.dumps(manifest), len(blobs))
        head = head_.Head(
            0,
            (len(blobs), len(mparts)),
            (len(data.passages), len(data.sentences), len(blobs) + len(mparts)),
        )
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
            ("documents", rows.blob_schema(pymilvus), [*blobs, *mparts, head.row()]),
        ]
        try:
            for kind, (schema, params), it in plan:
                bulk = self._insert if kind != "documents" else None
                self._create(self.name(kind, version), schema, params, it, bulk)
        except BaseException:
            self.discard(version)
            raise
        c = self._collections(version)
        pids = np.arange(len(data.passages), dtype=np.int64)
        return read.build_index(
            c, manifest, head, self.root, data.documents, data.passages, data.sentences,
            pvec, svec, pids,
        )  # fmt: skip

    def _create(
        self,
        name: str,
        schema: Any,
        params: Any,
        it: Iterable[dict[str, Any]],
        bulk: Inserter | None = None,
    ) -> None:
        with calls(f"writing {name}"):
            self.client.create_collection(
                name, schema=schema, index_params=params, consistency_level="Strong"
            )
            if bulk is not None:
                todo = list(it)
                if bulk(name, todo) != len(todo):
                    raise StoreUnavailable(f"milvus: writing {name}: not every row was written")
            else:
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
        version = head_.bare(version)
        self._loaded.discard(version)
        with calls(f"dropping version {version}"):
            for kind in KINDS:
                if self.client.has_collection(self.name(kind, version)):
                    self.client.drop_collection(self.name(kind, version))

    def prune(self) -> None:
        current = head_.bare(self.current_version() or "")
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
        """Read a version's rows into memory (search stays in Milvus); from the snapshot
        loaded last, only the documents an update in place changed. ``ef_search`` and
        ``nprobe`` are FAISS settings and do not apply."""
        version = version or self.current_version()
        if version is None:
            raise IndexNotFound("no index in milvus: run `rag ingest` first")
        self._ready(head_.bare(version))
        c = self._collections(version)
        head = c.head()
        manifest = c.manifest(head)
        _check(manifest, model_id, dim)
        last = self._last
        if last is None or head_.bare(last.version) != c.version:
            parts = read.fetch(c, manifest, None)
        else:
            same = [d for d, r in manifest["rows"].items() if last.manifest["rows"].get(d) == r]
            changed = [d for d in manifest["rows"] if d not in set(same)]
            parts = read.reuse(last, same) | read.fetch(c, manifest, changed)
        index = read.assemble(c, manifest, head, parts, self.root)
        self._last = index
        return index

    # -- continuous ingest: one document in the live version (rag.index.milvus_live) --------
    def write_update(
        self,
        base: LoadedIndex,
        build: BuildData,
        doc_id: str,
        settings: IndexSettings | None = None,
    ) -> MilvusIndex:
        """Write ``doc_id``'s rows of ``build`` (none: a delete) into ``base``'s version at
        fresh ids, and the manifest of its next revision; nobody reads them until
        ``publish_update``."""
        if not isinstance(base, MilvusIndex):
            raise TypeError(f"a Milvus update starts from a Milvus index, not {type(base)}")
        c = self._collections(base.version)
        before = c.head()
        if before.revision != base.manifest.get("revision"):
            raise IndexBusy(f"index {base.version} changed under this update: try again")
        c.drop_unpublished(before)
        return live.write_update(c, before, base, build, doc_id, self.root)

    def publish_update(self, index: LoadedIndex) -> None:
        assert isinstance(index, MilvusIndex) and index.pending is not None
        live.publish(self._collections(index.version), index.pending)
        self._last = index

    def discard_update(self, index: LoadedIndex) -> None:
        assert isinstance(index, MilvusIndex) and index.pending is not None
        live.discard(self._collections(index.version), index.pending)


def _check(manifest: dict[str, Any], model_id: str | None, dim: int | None) -> None:
    version = manifest["version"]
    if model_id is not None and manifest.get("model_id") != model_id:
        raise IndexMismatch(
            f"index {version} was built with model {manifest.get('model_id')!r}, "
            f"settings ask for {model_id!r}: run `rag ingest` to rebuild"
        )
    if dim is not None and manifest.get("dim") != dim:
        raise IndexMismatch(
            f"index {version} has dimension {manifest.get('dim')}, the model gives {dim}"
        )


def _spans(doc_ids: Iterable[str]) -> dict[str, tuple[int, int]]:
    """doc_id -> (first row, count); a document's rows must be contiguous."""
    out: dict[str, tuple[int, int]] = {}
    for i, d in enumerate(doc_ids):
        first, n = out.get(d, (i, 0))
        if first + n != i:
            raise ValueError(f"the rows of {d} are not contiguous")
        out[d] = (first, n + 1)
    return out

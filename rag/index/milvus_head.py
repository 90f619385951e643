"""A Milvus version's collections and its head row, the one row an update in place commits.

Each version's documents collection holds a head row (id -1): the revision, where the
manifest's parts are, and the next free id of each collection. The manifest names each
document's rows, ``rows[doc_id] = [p0, pn, s0, sn, b0, bn]`` (first id and count in the
passages, sentences and documents collections). A row no range names is not part of the
version (an update's not yet published, or one it replaced): readers skip it, writers delete
it (``rag.index.milvus_live``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rag.index import milvus_rows as rows
from rag.index.milvus_index import calls
from rag.index.store import IndexCorrupt

HEAD_ID = -1
KINDS = ("passages", "sentences", "documents")


def marker(version: str, revision: int) -> str:
    """What a replica compares: the version, and its revision once updated in place."""
    return version if revision == 0 else f"{version}@{revision}"


def bare(version: str) -> str:
    return version.split("@", 1)[0]


@dataclass(frozen=True)
class Head:
    revision: int
    manifest: tuple[int, int]  # first id and count of the manifest's parts
    next: tuple[int, int, int]  # next free id in passages, sentences, documents

    def row(self) -> dict[str, Any]:
        body = {"revision": self.revision, "manifest": self.manifest, "next": self.next}
        return {"id": HEAD_ID, "key": "head", "part": 0, "body": json.dumps(body)} | {
            "vector": [0.0, 0.0]
        }


@dataclass(frozen=True)
class Collections:
    """The three collections of one version."""

    client: Any
    version: str  # bare
    names: tuple[str, str, str]  # passages, sentences, documents

    def get(self, kind: int, ids: list[int], fields: list[str]) -> list[dict[str, Any]]:
        """Rows by primary key, in chunks. A key look-up: a range filter (``id >= a``, what a
        query iterator pages with) makes milvus-lite scan every row of the collection (at 100k
        rows one head row took 470 ms that way, 3 ms by key)."""
        out: list[dict[str, Any]] = []
        step = rows.BATCH * 4
        for at in range(0, len(ids), step):
            chunk = ids[at : at + step]
            out.extend(self.client.get(self.names[kind], ids=chunk, output_fields=fields))
        return out

    def insert(self, kind: int, batch: Iterable[dict[str, Any]]) -> None:
        chunk: list[dict[str, Any]] = []
        for row in batch:
            chunk.append(row)
            if len(chunk) == rows.BATCH:
                self.client.insert(self.names[kind], chunk)
                chunk = []
        if chunk:
            self.client.insert(self.names[kind], chunk)

    def delete(self, kind: int, expr: str) -> None:
        self.client.delete(self.names[kind], filter=expr)

    def head(self) -> Head:
        with calls(f"reading the head of {self.version}"):
            got = self.get(2, [HEAD_ID], ["body"])
        if not got:
            raise IndexCorrupt(f"index version {self.version} has no head row: run `rag ingest`")
        h = json.loads(got[0]["body"])
        m, nx = h["manifest"], h["next"]
        return Head(
            int(h["revision"]), (int(m[0]), int(m[1])), (int(nx[0]), int(nx[1]), int(nx[2]))
        )

    def manifest(self, head: Head) -> dict[str, Any]:
        first, n = head.manifest
        with calls(f"reading the manifest of {self.version}"):
            got = self.get(2, list(range(first, first + n)), ["id", "key", "part", "body"])
        found = rows.read_blobs(got).get(rows.MANIFEST)
        if not isinstance(found, dict) or len(got) != n:
            raise IndexCorrupt(f"index version {self.version} has no manifest")
        return found

    def drop_unpublished(self, head: Head) -> None:
        """Rows at or past the head's next ids: an update that never published."""
        with calls(f"cleaning {self.version}"):
            for kind, first in enumerate(head.next):
                self.delete(kind, f"id >= {first}")


def within(first: int, n: int) -> str:
    return f"(id >= {first} and id < {first + n})"


@dataclass(frozen=True)
class Pending:
    """What publishing an update does: commit ``head``, then drop ``doc_id``'s old rows."""

    before: Head
    head: Head
    doc_id: str
    ranges: list[int] | None  # the document's new ranges; None when it was deleted

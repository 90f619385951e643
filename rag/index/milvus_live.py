"""Continuous ingest on Milvus: one document's add, replace or delete in the live version.

``write_update`` inserts the document's new rows and the next revision's manifest at fresh ids
(past the head's ``next``; nobody reads them); ``publish`` upserts the head row (the commit
point: one row), then deletes the document's old rows and the old manifest. A crash before
the head moves leaves rows past ``next``, which the next writer deletes; one after leaves old
rows no manifest names, which readers skip (``rag.index.milvus_head``). Another replica sees
the new revision in ``MilvusStore.current_version`` and reads only the changed document's
rows; a snapshot searches ids below its own ``next`` and drops ids it does not hold, so a
request never cites a row its own retrieval did not return.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from rag.index import milvus_rows as rows
from rag.index.milvus_head import Collections, Head, Pending, marker, within
from rag.index.milvus_index import MilvusIndex, calls
from rag.index.milvus_read import build_index
from rag.index.seam import BuildData, IntArray
from rag.index.store import StoreUnavailable

log = logging.getLogger(__name__)


def publish(c: Collections, pending: Pending) -> None:
    """Commit (upsert the head), then delete what the new revision no longer names."""
    with calls(f"publishing revision {pending.head.revision} of {c.version}"):
        c.client.upsert(c.names[2], [pending.head.row()])
    doc = json.dumps(pending.doc_id)
    keep = pending.ranges
    old_manifest = within(*pending.before.manifest)
    try:
        with calls(f"deleting the old rows of {pending.doc_id}"):
            for kind, field in ((0, "doc_id"), (1, "doc_id"), (2, "key")):
                new = "" if keep is None else within(keep[2 * kind], keep[2 * kind + 1])
                mine = f" and not {new}" if new else ""
                c.delete(kind, f"{field} == {doc}{mine}")
            c.delete(2, old_manifest)
    except StoreUnavailable as exc:  # published: what is left is skipped by readers
        log.warning("%s (readers skip those rows; the next update deletes them)", exc)


def discard(c: Collections, pending: Pending) -> None:
    """Delete an unpublished update's rows (not if its head was committed after all)."""
    if c.head().revision == pending.head.revision:
        return
    c.drop_unpublished(pending.before)


def write_update(
    c: Collections, before: Head, base: MilvusIndex, build: BuildData, doc_id: str, root: Path
) -> MilvusIndex:
    """Insert ``doc_id``'s rows of ``build`` and the next revision's manifest at fresh ids;
    the snapshot of that revision, to publish (``build`` holds every document's rows)."""
    p0, s0, b0 = before.next
    new_p = [i for i, p in enumerate(build.passages) if p.doc_id == doc_id]
    new_s = [i for i, s in enumerate(build.sentences) if s.doc_id == doc_id]
    doc = next((d for d in build.documents if d.doc_id == doc_id), None)
    blobs = [] if doc is None else rows.blob_parts(doc_id, rows.document_body(doc), b0)
    ranges: dict[str, list[int]] = {}
    pids: list[IntArray] = []
    for d in build.documents:
        if d.doc_id == doc_id:
            ranges[d.doc_id] = [p0, len(new_p), s0, len(new_s), b0, len(blobs)]
            pids.append(np.arange(p0, p0 + len(new_p), dtype=np.int64))
        else:
            ranges[d.doc_id] = base.manifest["rows"][d.doc_id]
            pids.append(base.pids[base.doc_passages.get(d.doc_id, np.zeros(0, np.int64))])
    revision = before.revision + 1
    manifest = {
        **base.manifest,
        **build.manifest,
        "version": marker(c.version, revision),
        "counts": {
            "documents": len(build.documents),
            "passages": len(build.passages),
            "sentences": len(build.sentences),
        },
        "revision": revision,
        "rows": ranges,
    }
    m0 = b0 + len(blobs)
    mparts = rows.blob_parts(rows.MANIFEST, json.dumps(manifest), m0)
    head = Head(revision, (m0, len(mparts)), (p0 + len(new_p), s0 + len(new_s), m0 + len(mparts)))
    pvec = np.ascontiguousarray(build.passage_vectors, dtype=np.float32)
    svec = np.ascontiguousarray(build.sentence_vectors, dtype=np.float32)
    docs = {d.doc_id: d for d in build.documents}
    try:
        with calls(f"writing {doc_id} into {c.version}"):
            ps, ss = [build.passages[i] for i in new_p], [build.sentences[i] for i in new_s]
            c.insert(0, rows.passage_rows(ps, docs, pvec[new_p], p0))
            c.insert(1, rows.sentence_rows(ss, svec[new_s], s0))
            c.insert(2, [*blobs, *mparts])
    except BaseException:
        c.drop_unpublished(before)
        raise
    pending = Pending(before, head, doc_id, None if doc is None else ranges[doc_id])
    return build_index(
        c, manifest, head, root, build.documents, build.passages, build.sentences,
        pvec, svec, np.concatenate([np.zeros(0, np.int64), *pids]), pending,
    )  # fmt: skip

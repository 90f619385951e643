"""A Milvus version's rows read into a snapshot: every document's, or only those an update in
place changed (the rest reused from the snapshot loaded before)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.index import milvus_rows as rows
from rag.index.milvus_head import Collections, Head, Pending, marker
from rag.index.milvus_index import MilvusIndex, calls
from rag.index.rows import passage_sentence_map
from rag.index.seam import IntArray, Vectors, doc_rows
from rag.index.store import IndexCorrupt
from rag.types import Document, Passage, SentenceRef

Row = dict[str, Any]


@dataclass
class DocRows:
    """One document's rows in a version, in id order."""

    doc: Document
    passages: list[Passage]
    pvec: Vectors
    pids: IntArray
    sentences: list[SentenceRef]
    svec: Vectors


def fetch(c: Collections, manifest: dict[str, Any], wanted: list[str] | None) -> dict[str, DocRows]:
    """The rows of the ``wanted`` documents (all when None), only those the manifest names."""
    ranges: dict[str, list[int]] = manifest["rows"]
    docs = list(ranges) if wanted is None else wanted
    dim = int(manifest.get("dim") or 0)

    def ids(kind: int) -> list[int]:
        """The ids the manifest names for ``docs`` (rows it does not name are not read)."""
        spans = (ranges[d][2 * kind : 2 * kind + 2] for d in docs)
        return [i for first, n in spans for i in range(first, first + n)]

    def named(kind: int, field: str) -> list[dict[str, Any]]:
        fields = ["id", "key", "part", "body"] if kind == 2 else ["id", "doc_id", "start", "end"]
        got = c.get(kind, ids(kind), fields + ([] if kind == 2 else ["vector"]))
        out = []
        for r in got:
            rg = ranges.get(r[field])
            if rg is not None and rg[2 * kind] <= r["id"] < rg[2 * kind] + rg[2 * kind + 1]:
                out.append(r)
        return sorted(out, key=lambda r: int(r["id"]))

    with calls(f"reading version {c.version}"):
        records = rows.read_blobs(named(2, "key"))
        prow, srow = named(0, "doc_id"), named(1, "doc_id")
    texts = {d: rows.document_of(records[d]) for d in docs if d in records}
    by_doc: dict[str, tuple[list[Row], list[Row]]] = {d: ([], []) for d in docs}
    for r in prow:
        by_doc[r["doc_id"]][0].append(r)
    for r in srow:
        by_doc[r["doc_id"]][1].append(r)
    out: dict[str, DocRows] = {}
    for d in docs:
        ps, ss = by_doc[d]
        if d not in texts or len(ps) != ranges[d][1] or len(ss) != ranges[d][3]:
            raise IndexCorrupt(f"index version {c.version} is missing rows of {d} in milvus")
        text = texts[d].text
        out[d] = DocRows(
            texts[d],
            [Passage(d, r["start"], r["end"], text[r["start"] : r["end"]]) for r in ps],
            np.array([r["vector"] for r in ps], dtype=np.float32).reshape(-1, dim),
            np.array([r["id"] for r in ps], dtype=np.int64),
            [SentenceRef(d, r["start"], r["end"], text[r["start"] : r["end"]]) for r in ss],
            np.array([r["vector"] for r in ss], dtype=np.float32).reshape(-1, dim),
        )
    return out


def reuse(index: MilvusIndex, docs: list[str]) -> dict[str, DocRows]:
    """The rows of ``docs`` as a loaded snapshot holds them (unchanged documents)."""
    srows: dict[str, list[int]] = {}
    for i, ref in enumerate(index.sentences):
        srows.setdefault(ref.doc_id, []).append(i)
    out: dict[str, DocRows] = {}
    for d in docs:
        p = index.doc_passages.get(d, np.zeros(0, np.int64))
        s = np.array(srows.get(d, []), dtype=np.int64)
        out[d] = DocRows(
            index.documents[d],
            [index.passages[int(i)] for i in p],
            index.passage_vectors[p],
            index.pids[p],
            [index.sentences[int(i)] for i in s],
            index.sentence_vectors[s],
        )
    return out


def assemble(
    c: Collections, manifest: dict[str, Any], head: Head, parts: dict[str, DocRows], root: Path
) -> MilvusIndex:
    """A snapshot of the documents in the manifest's order."""
    order = [parts[d] for d in manifest["rows"]]
    dim = int(manifest.get("dim") or 0)
    empty = np.zeros((0, dim), np.float32)
    passages = [p for r in order for p in r.passages]
    sentences = [s for r in order for s in r.sentences]
    return build_index(
        c,
        manifest,
        head,
        root,
        [r.doc for r in order],
        passages,
        sentences,
        np.concatenate([empty, *(r.pvec for r in order)]),
        np.concatenate([empty, *(r.svec for r in order)]),
        np.concatenate([np.zeros(0, np.int64), *(r.pids for r in order)]),
    )


def build_index(
    c: Collections,
    manifest: dict[str, Any],
    head: Head,
    root: Path,
    documents: list[Document],
    passages: list[Passage],
    sentences: list[SentenceRef],
    pvec: Vectors,
    svec: Vectors,
    pids: IntArray,
    pending: Pending | None = None,
) -> MilvusIndex:
    version = marker(c.version, head.revision)
    return MilvusIndex(
        version=version,
        path=root / ".milvus" / version,  # per-revision caches (readings) only
        manifest=manifest,
        documents={d.doc_id: d for d in documents},
        passages=passages,
        sentences=sentences,
        passage_vectors=pvec,
        sentence_vectors=svec,
        passage_sentences=passage_sentence_map(passages, sentences),
        doc_passages=doc_rows(passages),
        client=c.client,
        collection=c.names[0],
        pids=pids,
        limit=head.next[0],
        pending=pending,
    )

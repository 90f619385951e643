"""Row tables of a version computed in numpy or reused, so an upload at 10,000 passages does
not redo per-row Python work for every document it did not change."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from rag.types import Document, Passage, SentenceRef

# documents.jsonl lines of the last version written, by document (frozen, hashed by value):
# a new version re-serialises only its new document. Not kept past this many characters.
MAX_CACHED_CHARS = 64_000_000
_lock = threading.Lock()
_doc_lines: dict[Document, str] = {}


def _document_line(doc: Document) -> str:
    row = {**doc.meta(), "text": doc.text, "body_start": doc.body_start}
    return json.dumps(row, ensure_ascii=False) + "\n"


def write_documents(path: Path, documents: Sequence[Document]) -> None:
    """documents.jsonl: one JSON object per document (meta, text, body_start), written line
    by line (one joined copy of every text, then its bytes, was an upload's RSS peak)."""
    global _doc_lines
    with _lock:
        lines = {d: _doc_lines.get(d) or _document_line(d) for d in documents}
        size = 0
        with path.open("w", encoding="utf-8", newline="") as f:
            for d in documents:
                f.write(lines[d])
                size += len(lines[d])
        _doc_lines = lines if size <= MAX_CACHED_CHARS else {}


def _reference_map(passages: Sequence[Passage], sentences: Sequence[SentenceRef]) -> list[range]:
    by_doc: dict[str, list[int]] = {}
    for i, s in enumerate(sentences):
        by_doc.setdefault(s.doc_id, []).append(i)
    out: list[range] = []
    for p in passages:
        rows = [i for i in by_doc.get(p.doc_id, []) if sentences[i].start < p.end]
        rows = [i for i in rows if sentences[i].end > p.start]
        out.append(range(rows[0], rows[-1] + 1) if rows else range(0))
    return out


def passage_sentence_map(
    passages: Sequence[Passage], sentences: Sequence[SentenceRef]
) -> list[range]:
    """For each passage, the run of sentence rows of its document that overlap it.

    In an index, each document's sentences are one run of rows in text order (starts and ends
    ascending); then two binary searches per passage give the run. Any other layout takes the
    per-passage scan this replaces.
    """
    rank: dict[str, int] = {}
    sdoc = np.fromiter((rank.setdefault(s.doc_id, len(rank)) for s in sentences), np.int64)
    sstart = np.fromiter((s.start for s in sentences), np.int64, len(sentences))
    send = np.fromiter((s.end for s in sentences), np.int64, len(sentences))
    width = int(max(send.max(initial=0), max((p.end for p in passages), default=0))) + 1
    skey_start, skey_end = sdoc * width + sstart, sdoc * width + send
    ordered = bool(np.all(np.diff(skey_start) >= 0) and np.all(np.diff(skey_end) >= 0))
    if not ordered:  # (ordered keys also mean each document's rows are one run)
        return _reference_map(passages, sentences)
    pdoc = np.fromiter((rank.get(p.doc_id, -1) for p in passages), np.int64, len(passages))
    pstart = np.fromiter((p.start for p in passages), np.int64, len(passages))
    pend = np.fromiter((p.end for p in passages), np.int64, len(passages))
    first = np.searchsorted(skey_end, pdoc * width + pstart, side="right")
    last = np.searchsorted(skey_start, pdoc * width + pend, side="left") - 1
    empty = (pdoc < 0) | (first > last)
    return [
        range(0) if e else range(f, lt + 1)
        for f, lt, e in zip(first.tolist(), last.tolist(), empty.tolist(), strict=True)
    ]


def carried_map(
    base: Sequence[range],
    kept_passages: npt.NDArray[np.int64],
    kept_sentences: npt.NDArray[np.int64],
    n_base_sentences: int,
    new: tuple[Sequence[range], int, int, int] = ((), 0, 0, 0),
) -> list[range] | None:
    """The passage -> sentence map of an update, carried over from its base's map instead of
    recomputed over every row.

    ``kept_*`` are the base rows kept, in their new order. ``new`` is (the map of the new
    document's passages, over its own sentences from 0; the passage row it is inserted at;
    the sentence row it is inserted at; its sentence count). None when a kept passage's
    sentences were not kept as one run (then the map is computed afresh).
    """
    new_map, new_at, new_sentences_at, n_new_sentences = new
    kept = np.asarray(kept_sentences, dtype=np.int64)
    rows = np.arange(len(kept), dtype=np.int64)
    where = np.full(n_base_sentences, -1, dtype=np.int64)
    where[kept] = rows + np.where(rows >= new_sentences_at, n_new_sentences, 0)
    out: list[range] = []
    for row in np.asarray(kept_passages, dtype=np.int64).tolist():
        r = base[row]
        if not r:
            out.append(r)
            continue
        first, last = int(where[r.start]), int(where[r.stop - 1])
        if first < 0 or last - first != r.stop - 1 - r.start:
            return None
        out.append(range(first, last + 1))
    moved = [
        range(r.start + new_sentences_at, r.stop + new_sentences_at) if r else r for r in new_map
    ]
    return [*out[:new_at], *moved, *out[new_at:]]

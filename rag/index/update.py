"""Add or remove one document without rebuilding the rest of the index.

The rows of every other document (passages, sentences, their vectors and BM25 term counts)
are copied from the loaded index; only the new document is chunked and embedded. Documents
keep the order a full ingest gives them (by file name), so the result equals a full rebuild
of the same corpus: same passages and offsets, the same vectors (to float tolerance of the
batching), the same BM25 scores and search results.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from rag.index.bm25 import TermCounts, passage_tokens
from rag.index.chunking import chunk_spans
from rag.index.embedder import Embedder
from rag.index.ingest import build_manifest
from rag.index.limits import check_repetition, check_size
from rag.index.rows import carried_map, passage_sentence_map
from rag.index.store import BuildData, LoadedIndex
from rag.index.strategies import EmbedWork, ProgressFactory, embed_work
from rag.settings import Settings
from rag.text.sentences import split_sentences
from rag.types import Document, Passage, SentenceRef

Rows = npt.NDArray[np.int64]
UPLOAD_BATCH = 8


def _sentence_rows(index: LoadedIndex) -> dict[str, Sequence[int]]:
    """Each document's sentence rows. In an index they run from its first passage's first
    sentence to its last passage's last: taken from the passage map when those runs tile
    every row (no per-sentence work), else counted row by row."""
    ps = index.passage_sentences
    runs: dict[str, Sequence[int]] = {}
    end = 0
    for doc_id, prows in index.doc_passages.items():
        if not len(prows):
            break
        first, last = ps[int(prows[0])], ps[int(prows[-1])]
        if not first or not last or first.start != end:
            break
        runs[doc_id] = range(first.start, last.stop)
        end = last.stop
    else:
        if end == len(index.sentences):
            return runs
    counted: dict[str, list[int]] = {}
    for i, sent in enumerate(index.sentences):
        counted.setdefault(sent.doc_id, []).append(i)
    return dict(counted)


def _terms(index: LoadedIndex) -> TermCounts:
    """The index's term counts (a version written before they were kept: counted now)."""
    if index.terms is not None:
        return index.terms
    return TermCounts.from_tokens([passage_tokens(p.text) for p in index.passages])


class _Rows:
    """Passage and sentence rows of a list of the index's documents, in that order."""

    def __init__(
        self, index: LoadedIndex, docs: list[Document], srows: dict[str, Sequence[int]]
    ) -> None:
        empty = np.zeros(0, np.int64)
        p = [index.doc_passages.get(d.doc_id, empty) for d in docs]
        s = [np.array(srows.get(d.doc_id, []), dtype=np.int64) for d in docs]
        self.p: Rows = np.concatenate([empty, *p])
        self.s: Rows = np.concatenate([empty, *s])


def checked_chunks(
    doc: Document, settings: Settings, corpus_passages: int
) -> tuple[list[Passage], list[SentenceRef]]:
    """Passages and sentences of a new document, refused over a limit of settings.limits
    (``corpus_passages``: what the index holds without it) before anything is embedded."""
    sentences = split_sentences(doc.text, doc.body_start)
    check_repetition(doc.text, sentences, settings.limits)
    c = settings.chunking
    spans = chunk_spans(doc.text, sentences, c.max_tokens, c.overlap_sentences)
    passages = [Passage(doc.doc_id, s.start, s.end, doc.text[s.start : s.end]) for s in spans]
    check_size(passages, [s.start for s in sentences], corpus_passages, settings.limits)
    refs = [SentenceRef(doc.doc_id, s.start, s.end, doc.text[s.start : s.end]) for s in sentences]
    return passages, refs


def with_document(
    index: LoadedIndex,
    doc: Document,
    settings: Settings,
    embedder: Embedder,
    progress: ProgressFactory | None = None,
) -> BuildData:
    """The index plus ``doc`` (replacing a document of the same doc_id), ready to write.

    Raises DocumentTooLarge, CorpusFull or RepetitiveDocument before embedding anything.
    """
    others = [d for d in index.documents.values() if d.doc_id != doc.doc_id]
    at = next((i for i, d in enumerate(others) if d.source > doc.source), len(others))
    srows = _sentence_rows(index)
    before, after = _Rows(index, others[:at], srows), _Rows(index, others[at:], srows)
    passages, sentences = checked_chunks(doc, settings, len(before.p) + len(after.p))
    dim = embedder.dim
    work = EmbedWork(
        passages,
        sentences,
        [np.zeros(dim, np.float32) for _ in passages],
        [np.zeros(dim, np.float32) for _ in sentences],
        list(range(len(passages))),
        list(range(len(sentences))),
    )
    # Small batches: one document's sentences and passages differ in length, and a batch is
    # padded to its longest text.
    small = settings.embedding.model_copy(
        update={"batch_size": min(settings.embedding.batch_size, UPLOAD_BATCH)}
    )
    embed_work(work, embedder, small, progress)
    terms = _terms(index)
    new_terms = TermCounts.from_tokens([passage_tokens(p.text) for p in passages], terms.vocab)
    documents = [*others[:at], doc, *others[at:]]
    return BuildData(
        documents=documents,
        passages=[
            *(index.passages[i] for i in before.p),
            *passages,
            *(index.passages[i] for i in after.p),
        ],
        sentences=[
            *(index.sentences[i] for i in before.s),
            *sentences,
            *(index.sentences[i] for i in after.s),
        ],
        passage_vectors=_stack(index.passage_vectors, before.p, work.pvecs, after.p, dim),
        sentence_vectors=_stack(index.sentence_vectors, before.s, work.svecs, after.s, dim),
        manifest=build_manifest(documents, embedder, settings),
        terms=TermCounts.concat(
            [terms.take(before.p), new_terms, terms.take(after.p)], new_terms.vocab
        ),
        base_version=index.version,
        passage_from=np.concatenate([before.p, np.full(len(passages), -1), after.p]),
        sentence_from=np.concatenate([before.s, np.full(len(sentences), -1), after.s]),
        passage_sentences=carried_map(
            index.passage_sentences,
            np.concatenate([before.p, after.p]),
            np.concatenate([before.s, after.s]),
            len(index.sentences),
            (
                passage_sentence_map(passages, sentences),
                len(before.p),
                len(before.s),
                len(sentences),
            ),
        ),
    )


def without_document(
    index: LoadedIndex, doc_id: str, settings: Settings, embedder: Embedder
) -> BuildData:
    """The index without ``doc_id``, ready to write (nothing is embedded)."""
    documents = [d for d in index.documents.values() if d.doc_id != doc_id]
    rows = _Rows(index, documents, _sentence_rows(index))
    terms = _terms(index)
    return BuildData(
        documents=documents,
        passages=[index.passages[i] for i in rows.p],
        sentences=[index.sentences[i] for i in rows.s],
        passage_vectors=_stack(index.passage_vectors, rows.p, [], _NONE, embedder.dim),
        sentence_vectors=_stack(index.sentence_vectors, rows.s, [], _NONE, embedder.dim),
        manifest=build_manifest(documents, embedder, settings),
        terms=terms.take(rows.p),
        base_version=index.version,
        passage_from=rows.p,
        sentence_from=rows.s,
        passage_sentences=carried_map(
            index.passage_sentences, rows.p, rows.s, len(index.sentences)
        ),
    )


_NONE: Rows = np.zeros(0, np.int64)


def _part(old: npt.NDArray[np.float32], rows: Rows) -> npt.NDArray[np.float32]:
    """``old[rows]``, as a view when the rows are one run (they are, in index order)."""
    if len(rows) and rows[-1] - rows[0] + 1 == len(rows) and bool(np.all(np.diff(rows) == 1)):
        return old[int(rows[0]) : int(rows[-1]) + 1]
    return old[rows]


def _stack(
    old: npt.NDArray[np.float32], before: Rows, new: list[np.ndarray], after: Rows, dim: int
) -> npt.NDArray[np.float32]:
    """One new array: the kept rows before, the new vectors, the kept rows after."""
    fresh = np.array(new, dtype=np.float32).reshape(-1, dim)
    out: npt.NDArray[np.float32] = np.concatenate(
        [_part(old, before), fresh, _part(old, after)], dtype=np.float32
    )
    return out

"""Row tables: the numpy passage -> sentence map equals the per-passage scan it replaced, and
documents.jsonl reused from the last version has json.dumps's bytes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rag.index.rows import _reference_map, carried_map, passage_sentence_map, write_documents
from rag.types import Document, Passage, SentenceRef


@st.composite
def _layout(draw: st.DrawFn) -> tuple[list[Passage], list[SentenceRef]]:
    """Documents as runs of adjacent sentences (as chunking gives), passages as any spans."""
    passages: list[Passage] = []
    sentences: list[SentenceRef] = []
    for d in range(draw(st.integers(0, 4))):
        doc_id = f"d{d}"
        pos = draw(st.integers(0, 5))
        for length in draw(st.lists(st.integers(1, 9), max_size=6)):
            sentences.append(SentenceRef(doc_id, pos, pos + length, "x" * length))
            pos += length + draw(st.integers(0, 2))
        for _ in range(draw(st.integers(0, 4))):
            a = draw(st.integers(0, pos + 3))
            b = draw(st.integers(a + 1, pos + 5))
            passages.append(Passage(doc_id, a, b, "x" * (b - a)))
    passages.append(Passage("no-sentences", 0, 3, "xyz"))
    if draw(st.booleans()):  # a layout no index has: the scan answers
        sentences.reverse()
    return passages, sentences


@given(_layout())
def test_map_equals_the_scan(layout: tuple[list[Passage], list[SentenceRef]]) -> None:
    passages, sentences = layout
    assert passage_sentence_map(passages, sentences) == _reference_map(passages, sentences)


Doc = tuple[list[Passage], list[SentenceRef]]


@st.composite
def _document(draw: st.DrawFn, doc_id: str) -> Doc:
    """One document's rows as an index holds them: sentences in text order, passages over them."""
    sentences, pos = [], draw(st.integers(0, 5))
    for length in draw(st.lists(st.integers(1, 9), max_size=6)):
        sentences.append(SentenceRef(doc_id, pos, pos + length, "x" * length))
        pos += length + draw(st.integers(0, 2))
    passages = []
    for _ in range(draw(st.integers(0, 4))):
        a = draw(st.integers(0, pos + 3))
        b = draw(st.integers(a + 1, pos + 5))
        passages.append(Passage(doc_id, a, b, "x" * (b - a)))
    return passages, sentences


def _rows(docs: list[Doc]) -> Doc:
    return [p for d in docs for p in d[0]], [s for d in docs for s in d[1]]


@given(st.data(), st.integers(1, 5), st.booleans())
def test_a_carried_map_equals_the_map_computed_afresh(
    data: st.DataObject, n_docs: int, add: bool
) -> None:
    docs = [data.draw(_document(f"d{i}")) for i in range(n_docs)]
    passages, sentences = _rows(docs)
    base = passage_sentence_map(passages, sentences)
    at = data.draw(st.integers(0, n_docs if add else n_docs - 1))
    p_start = [0, *np.cumsum([len(d[0]) for d in docs]).tolist()]
    s_start = [0, *np.cumsum([len(d[1]) for d in docs]).tolist()]
    if add:  # a new document inserted before document `at`
        new = data.draw(_document("new"))
        kept_p = np.arange(len(passages))
        kept_s = np.arange(len(sentences))
        after = [*docs[:at], new, *docs[at:]]
        new_map = passage_sentence_map(*new)
        carried = carried_map(
            base,
            kept_p,
            kept_s,
            len(sentences),
            (new_map, p_start[at], s_start[at], len(new[1])),
        )
    else:  # document `at` removed
        kept_p = np.r_[0 : p_start[at], p_start[at + 1] : len(passages)]
        kept_s = np.r_[0 : s_start[at], s_start[at + 1] : len(sentences)]
        after = [*docs[:at], *docs[at + 1 :]]
        carried = carried_map(
            base, kept_p.astype(np.int64), kept_s.astype(np.int64), len(sentences)
        )
    assert carried == passage_sentence_map(*_rows(after))


def _doc(doc_id: str, text: str, title: str = "T") -> Document:
    return Document(doc_id, text, title, None, "ab" * 32, f"{doc_id}.txt", 0)


def _expected(docs: list[Document]) -> bytes:
    rows = [{**d.meta(), "text": d.text, "body_start": d.body_start} for d in docs]
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def test_documents_jsonl_reuses_lines_only_for_equal_documents(tmp_path: Path) -> None:
    def written(docs: list[Document]) -> bytes:
        write_documents(tmp_path / "documents.jsonl", docs)
        return (tmp_path / "documents.jsonl").read_bytes()

    a, b = _doc("a", 'Zürich "quoted"\r\n'), _doc("b", "second")
    assert written([a, b]) == _expected([a, b])
    renamed = _doc("b", "second", title="Another title")  # same text, other metadata
    c = _doc("c", "third")
    assert written([a, renamed, c]) == _expected([a, renamed, c])
    assert written([c, a]) == _expected([c, a])

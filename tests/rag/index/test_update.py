"""Incremental updates: one upload or delete equals a full rebuild of the same corpus."""

from __future__ import annotations

import numpy as np
import pytest
from store_workspace import Workspace, assert_hits_exact

from rag.engine import Engine
from rag.index.embedder import Embedder
from rag.index.ingest import ingest
from rag.index.store import IndexStore, LoadedIndex

QUERIES = [
    "Why was the Ant Group IPO suspended?",
    "restructure as a financial holding company",
    "online deposit services",
    "fintech regulation in China",
]
# sorts between the first and the second article, so every later row shifts
NEW_NAME = "001_0new.md"
NEW_TEXT = (
    " date 2021-04-12 \n# Ant becomes a holding company\n\n"
    "Ant Group agreed to restructure as a financial holding company. "
    "The central bank said the plan covers credit, insurance and wealth management. "
    "Regulators will supervise the new company like a bank.\n"
)


def _full_rebuild(ws: Workspace, embedder: Embedder) -> LoadedIndex:
    """A fresh index of the workspace's corpus folder, built from scratch."""
    settings = ws.settings.with_paths(index=ws.index.parent / "fresh")
    ingest(settings, embedder)
    return IndexStore(settings.index.dir).load()


def _assert_same(a: LoadedIndex, b: LoadedIndex) -> None:
    assert list(a.documents) == list(b.documents)
    assert [(d.sha256, d.text, d.title) for d in a.documents.values()] == [
        (d.sha256, d.text, d.title) for d in b.documents.values()
    ]
    assert a.passages == b.passages
    assert a.sentences == b.sentences
    assert a.passage_sentences == b.passage_sentences
    np.testing.assert_allclose(a.passage_vectors, b.passage_vectors, atol=2e-5)
    np.testing.assert_allclose(a.sentence_vectors, b.sentence_vectors, atol=2e-5)
    for q in QUERIES:
        np.testing.assert_allclose(a.bm25.scores(q), b.bm25.scores(q), rtol=1e-5, atol=1e-6)


def _hits(engine: Engine) -> list[list[tuple[str, int, int]]]:
    return [[(h.doc_id, h.start, h.end) for h in engine.search(q).results] for q in QUERIES]


@pytest.mark.slow
def test_an_upload_equals_a_full_rebuild_and_embeds_only_itself(
    ws: Workspace, embedder: Embedder
) -> None:
    engine = Engine(ws.settings, embedder)
    before = engine.index
    n_before = len(before.passages)

    doc, report = engine.add_document(NEW_NAME, NEW_TEXT.encode())

    index = engine.index
    new_rows = index.doc_passages["001_0new"]
    assert report.added == ["001_0new"]
    assert report.embedded_passages == len(new_rows) > 0
    assert report.passages == len(index.passages) == n_before + len(new_rows)
    assert list(index.documents)[1] == "001_0new"  # a full ingest's order: by file name
    assert (ws.corpus / NEW_NAME).read_bytes() == NEW_TEXT.encode()
    # published as a new version; the previous one is still on disk and intact
    assert ws.store.current_version() == report.version != before.version
    assert sorted(ws.store.load(version=before.version).documents) == sorted(before.documents)
    reloaded = ws.store.load()
    _assert_same(index, reloaded)  # what the engine serves is what was written
    _assert_same(reloaded, _full_rebuild(ws, embedder))
    fresh = Engine(ws.settings.with_paths(index=ws.index.parent / "fresh"), embedder)
    assert _hits(engine) == _hits(fresh)
    assert assert_hits_exact(engine, "restructure as a financial holding company")[0] == doc.doc_id


@pytest.mark.slow
def test_a_delete_equals_a_full_rebuild(ws: Workspace, embedder: Embedder) -> None:
    engine = Engine(ws.settings, embedder)
    before = engine.index.version

    report = engine.remove_document("001_1588505dcf2d46fe")

    assert report.removed == ["001_1588505dcf2d46fe"]
    assert report.embedded_passages == 0
    assert not list(ws.corpus.glob("001_1588505dcf2d46fe.*"))
    assert all(p.doc_id != "001_1588505dcf2d46fe" for p in engine.index.passages)
    assert ws.store.current_version() == report.version != before
    _assert_same(ws.store.load(), _full_rebuild(ws, embedder))


@pytest.mark.slow
def test_replacing_a_document_equals_a_full_rebuild(ws: Workspace, embedder: Embedder) -> None:
    engine = Engine(ws.settings, embedder)
    name = "002_c2792e408a785547.txt"
    text = (ws.corpus / name).read_text(encoding="utf-8") + "\nA final sentence was added.\n"

    _, report = engine.add_document(name, text.encode())

    assert report.changed == ["002_c2792e408a785547"]
    assert engine.document("002_c2792e408a785547").text.endswith("was added.\n")
    _assert_same(ws.store.load(), _full_rebuild(ws, embedder))


@pytest.mark.slow
def test_updates_continue_from_a_version_another_process_published(
    ws: Workspace, embedder: Embedder
) -> None:
    engine = Engine(ws.settings, embedder)
    engine.load()
    (ws.corpus / "005_other.txt").write_text(
        "Another process added this article about payment platforms.\n", encoding="utf-8"
    )
    ingest(ws.settings, embedder)  # like `rag ingest` in another process

    engine.add_document(NEW_NAME, NEW_TEXT.encode())

    assert {"005_other", "001_0new"} <= set(engine.index.documents)
    _assert_same(ws.store.load(), _full_rebuild(ws, embedder))


@pytest.mark.slow
def test_an_upload_reads_no_other_file_and_tokenizes_only_its_own_passages(
    ws: Workspace, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rag.index.bm25 as bm25

    engine = Engine(ws.settings, embedder)
    engine.load()
    (ws.corpus / "009_dropped.txt").write_text("A file nobody ingested.\n", encoding="utf-8")
    seen: list[str] = []

    def counting(text: str) -> list[str]:
        seen.append(text)
        return original(text)

    original = bm25.tokenize
    monkeypatch.setattr(bm25, "tokenize", counting)

    engine.add_document(NEW_NAME, NEW_TEXT.encode())

    assert len(seen) == len(engine.index.doc_passages["001_0new"])
    assert "009_dropped" not in engine.index.documents  # not silently ingested

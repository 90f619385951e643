"""The versioned on-disk index: builds, incremental updates, checksums, mismatches."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from store_workspace import Workspace, assert_hits_exact, passage_count

from rag.engine import Engine
from rag.index.embedder import Embedder
from rag.index.store import IndexCorrupt, IndexMismatch, IndexNotFound, IndexStore
from rag.settings import Settings

REPO = Path(__file__).resolve().parents[3]
IDS = [
    "000_341026f71ce0a6ab",
    "001_1588505dcf2d46fe",
    "002_c2792e408a785547",
    "003_80a24d3b298a0e19",
    "004_90fc3188c9eb6f78",
]


# -- build and search ------------------------------------------------------------------------


@pytest.mark.slow
def test_ingest_from_scratch_then_search(
    tmp_path: Path, corpus_dir: Path, embedder: Embedder
) -> None:
    shutil.copytree(corpus_dir, tmp_path / "corpus")
    settings = Settings().with_paths(corpus=tmp_path / "corpus", index=tmp_path / "index")
    engine = Engine(settings, embedder)

    report = engine.ingest()

    assert report.rebuilt
    assert report.added == IDS
    assert report.changed == report.removed == report.unchanged == []
    expected = sum(passage_count(tmp_path / "corpus" / f"{i}.txt", settings) for i in IDS)
    assert report.passages == report.embedded_passages == expected
    store = IndexStore(tmp_path / "index")
    assert store.current_version() == report.version
    manifest = store.read_manifest()
    assert manifest["counts"]["documents"] == 5
    assert manifest["counts"]["passages"] == expected
    assert manifest["model_id"] == embedder.model_id
    assert manifest["dim"] == embedder.dim
    assert {"documents.jsonl", "passages.jsonl", "passage_vectors.npy"} <= set(manifest["files"])
    loaded = store.load(model_id=embedder.model_id, dim=embedder.dim)
    assert len(loaded.passages) == expected
    assert loaded.passage_vectors.shape == (expected, embedder.dim)
    assert "000_341026f71ce0a6ab" in assert_hits_exact(engine, "Shanghai Stock Exchange listing")


@pytest.mark.slow
def test_reingest_of_an_unchanged_corpus_embeds_nothing(ws: Workspace, embedder: Embedder):
    before = ws.store.load()
    report = Engine(ws.settings, embedder).ingest()
    assert not report.rebuilt
    assert report.unchanged == IDS
    assert report.embedded_passages == 0
    after = ws.store.load()
    assert after.version != before.version
    assert after.passages == before.passages
    assert (after.passage_vectors == before.passage_vectors).all()
    assert (after.sentence_vectors == before.sentence_vectors).all()


@pytest.mark.slow
def test_editing_one_file_reembeds_only_that_document(ws: Workspace, embedder: Embedder):
    edited = ws.corpus / "003_80a24d3b298a0e19.txt"
    new_sentence = " Zebra herds crossed the frozen Antarctic plateau in record numbers."
    edited.write_bytes(edited.read_bytes() + new_sentence.encode("utf-8"))
    engine = Engine(ws.settings, embedder)

    report = engine.ingest()

    assert report.changed == ["003_80a24d3b298a0e19"]
    assert report.unchanged == [i for i in IDS if i != "003_80a24d3b298a0e19"]
    assert report.added == report.removed == []
    assert not report.rebuilt
    assert report.embedded_passages == passage_count(edited, ws.settings)
    hit = engine.search("zebra herds Antarctic plateau").results[0]
    assert hit.doc_id == "003_80a24d3b298a0e19"
    assert new_sentence.strip() in hit.text
    assert engine.document(hit.doc_id).text[hit.start : hit.end] == hit.text


@pytest.mark.slow
def test_removing_a_file_removes_its_document(ws: Workspace, embedder: Embedder) -> None:
    (ws.corpus / "002_c2792e408a785547.txt").unlink()
    engine = Engine(ws.settings, embedder)
    report = engine.ingest()
    assert report.removed == ["002_c2792e408a785547"]
    assert report.embedded_passages == 0
    assert "002_c2792e408a785547" not in engine.index.documents
    assert all(p.doc_id != "002_c2792e408a785547" for p in engine.index.passages)
    assert "002_c2792e408a785547" not in assert_hits_exact(engine, "online deposit services")


@pytest.mark.slow
def test_adding_a_file_embeds_only_the_new_document(ws: Workspace, embedder: Embedder) -> None:
    new = ws.corpus / "005_new.md"
    new.write_text(
        " date 2021-04-12 \n# Ant becomes a holding company\n\n"
        "Ant Group agreed to restructure as a financial holding company. "
        "The central bank said the plan covers credit, insurance and wealth management.\n",
        encoding="utf-8",
    )
    engine = Engine(ws.settings, embedder)
    report = engine.ingest()
    assert report.added == ["005_new"]
    assert report.unchanged == IDS
    assert report.embedded_passages == passage_count(new, ws.settings)
    doc = engine.document("005_new")
    assert doc.published == "2021-04-12"
    assert doc.title == "Ant becomes a holding company"
    assert assert_hits_exact(engine, "restructure as a financial holding company")[0] == "005_new"


# -- integrity -------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["passages.jsonl", "documents.jsonl", "sentence_vectors.npy", "passage_vectors.npy"]
)
def test_a_flipped_byte_is_detected(ws: Workspace, name: str) -> None:
    path = ws.index / ws.store.current_version() / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match="checksum"):
        ws.store.load()


@pytest.mark.slow
def test_a_missing_file_is_detected(ws: Workspace) -> None:
    (ws.index / ws.store.current_version() / "sentences.jsonl").unlink()
    with pytest.raises(IndexCorrupt, match="missing"):
        ws.store.load()


@pytest.mark.slow
def test_current_pointing_to_a_missing_version_is_corrupt(ws: Workspace) -> None:
    (ws.index / "CURRENT").write_text("20000101T000000-deadbeef\n", encoding="utf-8")
    with pytest.raises(IndexCorrupt):
        ws.store.load()


@pytest.mark.slow
def test_ingest_after_corruption_rebuilds_from_scratch(ws: Workspace, embedder: Embedder):
    path = ws.index / ws.store.current_version() / "passage_vectors.npy"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    report = Engine(ws.settings, embedder).ingest()
    assert report.rebuilt
    assert report.added == IDS
    ws.store.load()


@pytest.mark.slow
def test_model_mismatch(ws: Workspace, embedder: Embedder) -> None:
    ws.store.load(model_id=embedder.model_id, dim=embedder.dim)
    with pytest.raises(IndexMismatch, match="other"):
        ws.store.load(model_id="other")


@pytest.mark.slow
def test_dimension_mismatch(ws: Workspace, embedder: Embedder) -> None:
    with pytest.raises(IndexMismatch, match="dimension"):
        ws.store.load(model_id=embedder.model_id, dim=embedder.dim + 1)


@pytest.mark.slow
def test_engine_refuses_an_index_of_another_model(ws: Workspace, embedder: Embedder) -> None:
    class Renamed:
        model_id = "another-model"
        dim = embedder.dim

        def embed(self, texts, batch_size=32, progress=None, workers=1):  # pragma: no cover
            return embedder.embed(texts, batch_size, progress, workers)

        def embed_query(self, text):  # pragma: no cover
            return embedder.embed_query(text)

    with pytest.raises(IndexMismatch):
        Engine(ws.settings, Renamed()).load()


def test_index_not_found(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound):
        IndexStore(tmp_path).load()
    with pytest.raises(IndexNotFound):
        IndexStore(tmp_path / "missing").load()
    (tmp_path / "CURRENT").write_text("\n", encoding="utf-8")
    with pytest.raises(IndexNotFound):
        IndexStore(tmp_path).load()

"""The versioned on-disk index: builds, incremental updates, checksums, pruning, crashes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

import rag.index.store
from rag.engine import Engine
from rag.index.chunking import chunk_document
from rag.index.corpus import parse_document
from rag.index.embedder import Embedder
from rag.index.store import IndexBusy, IndexCorrupt, IndexMismatch, IndexNotFound, IndexStore
from rag.settings import Settings

REPO = Path(__file__).resolve().parents[3]
IDS = [
    "000_341026f71ce0a6ab",
    "001_1588505dcf2d46fe",
    "002_c2792e408a785547",
    "003_80a24d3b298a0e19",
    "004_90fc3188c9eb6f78",
]


@dataclass
class Workspace:
    corpus: Path
    index: Path
    settings: Settings

    @property
    def store(self) -> IndexStore:
        return IndexStore(self.index, self.settings.index.keep_versions)

    def versions(self) -> list[str]:
        return sorted(
            p.name for p in self.index.iterdir() if p.is_dir() and not p.name.startswith(".")
        )


def passage_count(path: Path, settings: Settings) -> int:
    doc = parse_document(path.stem, path.name, path.read_bytes())
    passages, _ = chunk_document(
        doc.doc_id,
        doc.text,
        doc.body_start,
        settings.chunking.max_tokens,
        settings.chunking.overlap_sentences,
    )
    return len(passages)


def assert_hits_exact(engine: Engine, query: str) -> list[str]:
    result = engine.search(query)
    assert result.results
    for hit in result.results:
        assert engine.document(hit.doc_id).text[hit.start : hit.end] == hit.text
    return [h.doc_id for h in result.results]


@pytest.fixture
def ws(tmp_path: Path, built_engine: Engine) -> Workspace:
    """A private copy of the session's corpus and built index (cheap: no embedding)."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(built_engine.settings.corpus.dir, corpus)
    shutil.copytree(built_engine.settings.index.dir, index)
    return Workspace(corpus, index, Settings().with_paths(corpus=corpus, index=index))


def with_keep(settings: Settings, keep: int) -> Settings:
    return settings.model_copy(
        update={"index": settings.index.model_copy(update={"keep_versions": keep})}
    )


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
    assert {"documents.jsonl", "passages.jsonl", "dense.faiss"} <= set(manifest["files"])
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
    "name", ["passages.jsonl", "documents.jsonl", "dense.faiss", "passage_vectors.npy"]
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


# -- versions, leftovers, locks --------------------------------------------------------------


@pytest.mark.slow
def test_old_versions_are_pruned(ws: Workspace, embedder: Embedder) -> None:
    settings = with_keep(ws.settings, 2)
    engine = Engine(settings, embedder)
    for _ in range(4):
        engine.ingest()
    versions = ws.versions()
    assert len(versions) == 2
    assert ws.store.current_version() in versions
    assert all((ws.index / v / "manifest.json").is_file() for v in versions)


@pytest.mark.slow
def test_pruning_keeps_the_newest_versions(
    ws: Workspace, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BUG (rag/store.py IndexStore.write and prune): a version is named
    '<seconds>-<random hex>', and prune() deletes in name order. Two builds in the same second
    are ordered by a random uuid, so prune can delete the version that was live a moment ago
    and keep an older one. (Quick incremental ingests take ~20 ms, so this happens for real.)
    Here the clock is frozen and the uuids happen to sort in reverse build order."""
    hexes = iter(f"{n:032x}" for n in range(2**127, 0, -(2**120)))
    monkeypatch.setattr(rag.index.store.time, "strftime", lambda fmt, *a: "20300101T000000")
    monkeypatch.setattr(rag.index.store.uuid, "uuid4", lambda: uuid.UUID(hex=next(hexes)))
    engine = Engine(with_keep(ws.settings, 2), embedder)
    built = []
    for _ in range(3):
        built.append(engine.ingest().version)
    assert ws.store.current_version() == built[-1]
    assert sorted(ws.versions()) == sorted(built[-2:]), "the previous version must survive"


@pytest.mark.slow
def test_a_leftover_build_folder_is_removed(ws: Workspace, embedder: Embedder) -> None:
    leftover = ws.index / ".build-xyz"
    leftover.mkdir()
    (leftover / "passages.jsonl").write_text("{}\n", encoding="utf-8")
    before = ws.store.current_version()
    assert ws.store.load().version == before  # a half-written build is never read
    Engine(ws.settings, embedder).ingest()
    assert not leftover.exists()
    assert ws.store.current_version() != before


@pytest.mark.slow
def test_a_second_ingest_fails_fast_while_one_holds_the_lock(
    ws: Workspace, embedder: Embedder
) -> None:
    before = ws.store.current_version()
    with ws.store.lock(), pytest.raises(IndexBusy):
        Engine(ws.settings, embedder).ingest()
    assert ws.store.current_version() == before


# -- crash during ingest ---------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path

    import rag.index.store
    from rag.index.embedding import get_embedder
    from rag.index.ingest import ingest
    from rag.settings import Settings

    # Hold the build open after the dense index is written, so the parent can reliably kill
    # the process while a half-written .build-* folder exists (the write phase alone takes
    # well under a second).
    _save = rag.index.store.DenseIndex.save
    def slow_save(self, path):
        _save(self, path)
        time.sleep(120)
    rag.index.store.DenseIndex.save = slow_save

    settings = Settings().with_paths(corpus=Path(sys.argv[1]), index=Path(sys.argv[2]))
    ingest(settings, get_embedder("sentence-transformers", "all-MiniLM-L6-v2", 1))
    print("finished", flush=True)
    """
)


def write_generated_corpus(folder: Path, n: int) -> None:
    topics = ["lending", "insurance", "payments", "wealth management", "credit scoring"]
    for i in range(n):
        topic = topics[i % len(topics)]
        (folder / f"gen_{i:03d}.txt").write_text(
            f"Generated report {i} covers {topic} in the fintech sector. "
            f"Regulators asked platform number {i} to review its {topic} products. "
            f"Analysts expect changes to {topic} rules within {i % 12 + 1} months.\n",
            encoding="utf-8",
        )


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_kill_9_during_ingest_leaves_the_previous_version_live(
    ws: Workspace, embedder: Embedder
) -> None:
    before = ws.store.current_version()
    write_generated_corpus(ws.corpus, 200)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ws.corpus), str(ws.index)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        partial: list[Path] = []
        while time.monotonic() < deadline and proc.poll() is None:
            partial = [p for p in ws.index.glob(".build-*") if (p / "dense.faiss").exists()]
            if partial:
                break
            time.sleep(0.02)
        assert partial, f"no build folder appeared; child: {proc.communicate()[1][-2000:]!r}"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    assert ws.store.current_version() == before
    assert not (partial[0] / "manifest.json").exists()  # killed mid-build
    loaded = ws.store.load(model_id=embedder.model_id, dim=embedder.dim)
    assert sorted(loaded.documents) == IDS
    engine = Engine(ws.settings, embedder)
    assert engine.index.version == before
    assert assert_hits_exact(engine, "Ant Group IPO suspended")

    report = engine.ingest()  # a fresh ingest cleans up and succeeds
    assert not any(ws.index.glob(".build-*"))
    assert ws.store.current_version() == report.version != before
    assert len(report.added) == 200
    assert report.unchanged == IDS
    assert (
        json.loads((ws.index / report.version / "manifest.json").read_text())["counts"]["documents"]
        == 205
    )
    assert "gen_007" in assert_hits_exact(engine, "Generated report 7 covers")

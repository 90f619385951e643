"""rag.engine: one immutable Snapshot per index version, taken once per request."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from rag.engine import DocumentNotFound, Engine, Snapshot
from rag.errors import RagError
from rag.index.embedder import Embedder
from rag.settings import Settings
from rag.types import Answer

# Sorts before every article, so each upload and delete shifts every passage and sentence row.
FIRST = "0000_aaa_upload.txt"
UPLOAD = (
    " date 2021-01-05 \n"
    "Ant Group's IPO was suspended by the Shanghai Stock Exchange after regulators summoned "
    "its founders. The listing would have raised $34.5 billion. Regulators said the "
    "suspension protected investors, and Ant said it would comply with every rule.\n"
)
QUESTIONS = [
    "Why was the Ant IPO suspended?",
    "How much would the Ant Group IPO have raised?",
    "What did the central bank ask Ant Group to do?",
    "Who summoned Jack Ma?",
]


@pytest.fixture()
def engine(tmp_path: Path, built_engine: Engine, embedder: Embedder) -> Engine:
    shutil.copytree(built_engine.settings.corpus.dir, tmp_path / "corpus")
    shutil.copytree(built_engine.settings.index.dir, tmp_path / "index")
    settings = Settings().with_paths(corpus=tmp_path / "corpus", index=tmp_path / "index")
    eng = Engine(settings, embedder)
    eng.load()
    return eng


def publish(engine: Engine, version: str) -> None:
    """Point CURRENT at an existing version, atomically (as a build publishes one)."""
    tmp = engine.store.current_file.with_suffix(".test")
    tmp.write_text(version, encoding="utf-8")
    tmp.replace(engine.store.current_file)


def citations_inside_retrieved(answer: Answer) -> list[str]:
    """Problems with the answer's citations: each must lie inside a passage it retrieved."""
    problems = []
    for c in answer.citations:
        holders = [
            h
            for h in answer.retrieved
            if h.doc_id == c.doc_id and h.start <= c.start and c.end <= h.end
        ]
        if not holders:
            problems.append(f"[{c.marker}] {c.doc_id}:{c.start}-{c.end} outside the retrieved")
        elif holders[0].text[c.start - holders[0].start : c.end - holders[0].start] != c.quote:
            problems.append(f"[{c.marker}] quote differs from the retrieved passage text")
    return problems


def test_a_snapshot_is_one_index_version(engine: Engine) -> None:
    snap = engine.snapshot
    assert isinstance(snap, Snapshot)
    assert snap.retriever.index is snap.index
    assert snap.answerer.index is snap.index and snap.answerer.retriever is snap.retriever
    assert snap.briefer.index is snap.index and snap.briefer.retriever is snap.retriever
    engine.load()
    assert engine.snapshot is not snap  # a reload swaps the whole snapshot
    with pytest.raises(AttributeError):
        snap.index = engine.snapshot.index  # type: ignore[misc]


def test_document_not_found_is_a_rag_error(engine: Engine) -> None:
    with pytest.raises(RagError, match="no document 'nope'"):
        engine.document("nope")
    assert not isinstance(DocumentNotFound("x"), KeyError)


@pytest.mark.slow
def test_uploads_and_deletes_during_asks_never_mix_versions(engine: Engine) -> None:
    """Askers run while a document that shifts every row is uploaded and deleted, and while
    the live version flips between the index with and without it many times a second (the
    moments a swap can fall inside a request): no error, and every citation lies inside a
    passage that the same request retrieved."""
    cycles, swaps, askers = 2, 40, 3
    done = threading.Event()
    errors: list[BaseException] = []
    problems: list[str] = []
    answered = [0] * askers

    def write() -> None:
        try:
            for _ in range(cycles):
                without = engine.store.current_version()
                engine.add_document(FIRST, UPLOAD.encode())
                with_it = engine.store.current_version()
                assert without and with_it and without != with_it
                for k in range(swaps):
                    publish(engine, without if k % 2 == 0 else with_it)
                    engine.load()
                publish(engine, with_it)
                engine.load()
                engine.remove_document(Path(FIRST).stem)
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    def ask(i: int) -> None:
        n = 0
        try:
            while not done.is_set() or n < 2:
                answer = engine.ask(QUESTIONS[n % len(QUESTIONS)], top_k=50 if i % 2 else None)
                problems.extend(citations_inside_retrieved(answer))
                n += 1
        except BaseException as exc:
            errors.append(exc)
        answered[i] = n

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(askers)]
    threads.append(threading.Thread(target=write))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors
    assert not problems, problems[:5]
    assert all(n >= 2 for n in answered), answered
    assert FIRST not in {d.source for d in engine.documents()}


@pytest.mark.slow
def test_replace_document_swaps_the_file_and_restores_it_on_failure(engine: Engine) -> None:
    folder = engine.settings.corpus.dir
    engine.add_document(FIRST, UPLOAD.encode())
    md = Path(FIRST).with_suffix(".md").name
    doc, report = engine.replace_document(md, UPLOAD.replace("$34.5", "$40").encode())
    assert doc.doc_id == Path(FIRST).stem and report.changed == [doc.doc_id]
    assert "$40 billion" in engine.document(doc.doc_id).text
    assert sorted(p.name for p in folder.glob("0000_aaa_upload.*")) == [md]
    with pytest.raises(RagError):  # an empty file: nothing changes
        engine.replace_document(FIRST, b"   ")
    assert sorted(p.name for p in folder.glob("0000_aaa_upload.*")) == [md]
    with pytest.raises(DocumentNotFound):
        engine.replace_document("no_such_doc.txt", UPLOAD.encode())


@pytest.mark.slow
def test_a_corpus_path_that_is_a_file_is_a_corpus_error(engine: Engine, tmp_path: Path) -> None:
    from rag.engine import CorpusNotAFolder

    afile = tmp_path / "corpus.txt"
    afile.write_text("not a folder")
    engine.settings.corpus.dir = afile
    with pytest.raises(CorpusNotAFolder, match="is a file, not a folder"):
        engine.add_document(FIRST, UPLOAD.encode())
    with pytest.raises(CorpusNotAFolder):
        engine.remove_document("000_341026f71ce0a6ab")

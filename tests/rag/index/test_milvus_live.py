"""Continuous ingest on Milvus: an upload, a replacement or a delete of one document changes the
live version in place (no new collections; Milvus holds exactly the rows the snapshot names),
the result equals the embedded index after the same change, another replica picks it up, and a
snapshot taken before never gets a row it does not hold. Against a real milvus-lite server."""

from __future__ import annotations

import dataclasses
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from milvus_support import build_data

from rag.engine import Engine
from rag.index.backends import open_store
from rag.index.corpus import parse_document
from rag.index.milvus import MilvusStore
from rag.index.milvus_index import MilvusIndex
from rag.index.seam import LoadedIndex
from rag.index.update import with_document
from rag.settings import Settings

pytestmark = [pytest.mark.slow, pytest.mark.milvus]

NOTE = "Tomato growers in Leeds allotments reported a record harvest of heritage tomatoes.\n"
SLUGS = (
    "Tomato growers in Leeds allotments said slugs ate most of the heritage tomatoes. "
    "The council promised copper tape for every plot.\n"
)
QUERY = "tomato harvest in Leeds"


def _rows(index: LoadedIndex) -> list[tuple[str, int, int, str]]:
    return [(p.doc_id, p.start, p.end, p.text) for p in index.passages]


def _same(a: LoadedIndex, b: LoadedIndex) -> None:
    assert _rows(a) == _rows(b)
    assert a.sentences == b.sentences
    assert list(a.documents.values()) == list(b.documents.values())
    np.testing.assert_allclose(a.passage_vectors, b.passage_vectors, atol=2e-5)
    np.testing.assert_allclose(a.sentence_vectors, b.sentence_vectors, atol=2e-5)


def _ids_in_milvus(store: MilvusStore, index: LoadedIndex, kind: str, doc_id: str) -> list[int]:
    got: list[dict[str, Any]] = store.client.query(
        store.name(kind, index.version), filter=f'doc_id == "{doc_id}"', output_fields=["id"]
    )
    return sorted(int(r["id"]) for r in got)


def _fast(settings: Settings) -> Settings:
    """Replicas that look for a change every 10 ms."""
    index = settings.index.model_copy(update={"reload_check_s": 0.01})
    return settings.model_copy(update={"index": index})


@pytest.fixture
def engines(built_engine: Engine, milvus_settings: Settings) -> tuple[Engine, Engine]:
    """A writer and another replica on one Milvus version of the built index."""
    open_store(milvus_settings).write(build_data(built_engine.index))
    settings = _fast(milvus_settings)
    return Engine(settings, built_engine.embedder), Engine(settings, built_engine.embedder)


def _picked_up(replica: Engine, version: str) -> LoadedIndex:
    deadline = time.monotonic() + 5
    while replica.index.version != version:
        assert time.monotonic() < deadline, f"replica still on {replica.index.version}"
        time.sleep(0.02)
    return replica.index


def test_add_replace_delete_change_the_live_version_in_place_and_replicas_follow(
    engines: tuple[Engine, Engine], built_engine: Engine, tmp_path: Path
) -> None:
    writer, replica = engines
    here = tmp_path / "embedded"  # the same corpus and index on the embedded store
    shutil.copytree(built_engine.settings.corpus.dir, here / "corpus")
    shutil.copytree(built_engine.settings.index.dir, here / "index")
    settings = Settings().with_paths(corpus=here / "corpus", index=here / "index")
    embedded = Engine(settings, built_engine.embedder)
    store = writer.store
    assert isinstance(store, MilvusStore)
    collections = sorted(store.client.list_collections())
    start = replica.index.version
    steps = [
        ("add", lambda e: e.add_document("garden_2021.txt", NOTE.encode())),
        ("replace", lambda e: e.replace_document("garden_2021.txt", SLUGS.encode())),
        ("delete", lambda e: e.remove_document("garden_2021")),
    ]
    for n, (what, step) in enumerate(steps, start=1):
        step(writer)
        step(embedded)
        index = writer.index
        assert isinstance(index, MilvusIndex)
        assert index.version == f"{start}@{n}" == store.current_version(), what
        assert sorted(store.client.list_collections()) == collections, what  # no new version
        # Milvus holds exactly the rows this revision names: the old ones were deleted
        rows = index.doc_passages.get("garden_2021", np.zeros(0, np.int64))
        assert _ids_in_milvus(store, index, "passages", "garden_2021") == sorted(
            index.pids[rows].tolist()
        )
        want = sum(s.doc_id == "garden_2021" for s in index.sentences)
        assert len(_ids_in_milvus(store, index, "sentences", "garden_2021")) == want
        _same(index, embedded.index)  # as the embedded index after the same change
        _same(_picked_up(replica, index.version), index)
        _same(open_store(writer.settings).load(), index)  # a fresh replica's full read
        for p in index.passages:
            assert index.documents[p.doc_id].text[p.start : p.end] == p.text
        top = [h.doc_id for h in replica.search(QUERY).results]
        assert (top[0] == "garden_2021") == (what != "delete"), (what, top)
        if what == "replace":
            hits = replica.search("slugs copper tape", top_k=3).results
            assert hits[0].doc_id == "garden_2021" and "slugs" in hits[0].text


def test_a_snapshot_taken_before_an_update_never_gets_a_row_it_does_not_hold(
    engines: tuple[Engine, Engine],
) -> None:
    writer, _ = engines
    writer.add_document("garden_2021.txt", NOTE.encode())
    old = writer.snapshot
    held = set(_rows(old.index))
    writer.replace_document("garden_2021.txt", SLUGS.encode())  # old rows deleted, new added
    writer.add_document("0000_first.txt", ("Leeds tomato harvest news. " + NOTE).encode())
    assert writer.snapshot.index.version != old.index.version
    qvec = writer.embedder.embed_query(QUERY)
    _, dense = old.index.dense_top_k(qvec, 50)
    lexical, _ = old.index.lexical_top_k(QUERY + " and the Ant IPO", 50)
    for ids in (dense, lexical):
        assert len(ids) > 0
        assert all(0 <= i < len(old.index.passages) for i in ids.tolist())
        assert "garden_2021" not in {old.index.passages[i].doc_id for i in ids.tolist()}
    result = old.retriever.search(QUERY, 20)
    assert result.results
    for h in result.results:
        assert (h.doc_id, h.start, h.end, h.text) in held
        assert h.doc_id not in ("garden_2021", "0000_first")
    answer = old.answerer.ask("Who reported a record harvest in Leeds?")
    for c in answer.citations:
        assert old.index.documents[c.doc_id].text[c.start : c.end] == c.quote


def test_an_update_that_never_published_is_invisible_and_cleaned_up(
    engines: tuple[Engine, Engine],
) -> None:
    writer, replica = engines
    store = writer.store
    assert isinstance(store, MilvusStore)
    base = writer.index
    assert isinstance(base, MilvusIndex)
    doc = dataclasses.replace(
        parse_document("garden_2021", "garden_2021.txt", NOTE.encode()), trust="upload"
    )
    build = with_document(base, doc, writer.settings, writer.embedder)
    pending = store.write_update(base, build, "garden_2021")  # a crash before publishing
    assert isinstance(pending, MilvusIndex)
    assert len(_ids_in_milvus(store, base, "passages", "garden_2021")) > 0  # written...
    assert store.current_version() == base.version  # ...not published
    _same(open_store(writer.settings).load(), base)
    assert replica.search(QUERY).results[0].doc_id != "garden_2021"
    assert "garden_2021" not in {base.passages[i].doc_id for i in base.dense_top_k(
        writer.embedder.embed_query(QUERY), 50)[1].tolist()}  # fmt: skip
    store.discard_update(pending)
    assert _ids_in_milvus(store, base, "passages", "garden_2021") == []
    store.write_update(base, build, "garden_2021")  # again, and again not published
    store.clean_partial_builds()  # what `rag ingest` does first under the lock
    assert _ids_in_milvus(store, base, "passages", "garden_2021") == []
    doc_, report = writer.add_document("garden_2021.txt", NOTE.encode())
    assert report.version == f"{base.version}@1"
    assert _picked_up(replica, report.version).documents["garden_2021"] == doc_

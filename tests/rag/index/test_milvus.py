"""The Milvus store behind the seam: the same rows, rankings and answers as the embedded
index, versions published by one alias swap, Milvus errors as one line. Against a real
milvus-lite server (or RAG_MILVUS_URI)."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest
from milvus_support import build_data

from rag.engine import Engine
from rag.index.backends import open_store
from rag.settings import Settings, StoreSettings

pytestmark = [pytest.mark.slow, pytest.mark.milvus]

QUERIES = [
    "Why was the Ant IPO suspended?",
    "What did the central bank demand from Alipay?",
    "Jack Ma speech regulators",
    "credit lending microloans Huabei Jiebei",
]


def test_a_version_written_to_milvus_reads_back_and_ranks_as_the_embedded_index(
    built_engine: Engine, milvus_settings: Settings
) -> None:
    embedded = built_engine.index
    store = open_store(milvus_settings)
    version = store.write(build_data(embedded))
    m = store.load(model_id=embedded.model_id, dim=embedded.passage_vectors.shape[1])
    assert m.version == version == store.current_version()
    assert m.passages == embedded.passages and m.sentences == embedded.sentences
    assert list(m.documents.values()) == list(embedded.documents.values())
    for p in m.passages:  # offsets are sacred
        assert m.documents[p.doc_id].text[p.start : p.end] == p.text
    np.testing.assert_array_equal(m.passage_vectors, embedded.passage_vectors)
    np.testing.assert_array_equal(m.sentence_vectors, embedded.sentence_vectors)
    one_doc = embedded.doc_passages[sorted(embedded.doc_passages)[1]]
    for q in QUERIES:
        qvec = built_engine.embedder.embed_query(q)
        for allowed in (None, one_doc):
            e_scores, e_ids = embedded.dense_top_k(qvec, 10, allowed)
            m_scores, m_ids = m.dense_top_k(qvec, 10, allowed)
            assert m_ids.tolist() == e_ids.tolist(), q
            np.testing.assert_allclose(m_scores, e_scores, rtol=1e-5, atol=1e-6)
            e_lex, e_bm = embedded.lexical_top_k(q, 30, allowed)
            m_lex, m_bm = m.lexical_top_k(q, 30, allowed)
            assert m_lex.tolist() == e_lex.tolist(), q  # our tokens, bm25s's k1 and b
            np.testing.assert_allclose(m_bm, e_bm, rtol=1e-4)


def test_an_engine_on_milvus_answers_as_the_embedded_engine(
    built_engine: Engine, milvus_settings: Settings
) -> None:
    open_store(milvus_settings).write(build_data(built_engine.index))
    engine = Engine(milvus_settings, built_engine.embedder)
    for q in QUERIES:
        got, want = engine.search(q), built_engine.search(q)
        assert [(h.doc_id, h.start, h.end) for h in got.results] == [
            (h.doc_id, h.start, h.end) for h in want.results
        ]
    answer = engine.ask(QUERIES[0])
    assert answer.status == built_engine.ask(QUERIES[0]).status == "answered"
    for c in answer.citations:
        assert engine.document(c.doc_id).text[c.start : c.end] == c.quote


def test_publish_is_one_alias_swap_seen_by_another_client_and_old_versions_go(
    built_engine: Engine, milvus_settings: Settings
) -> None:
    writer = open_store(milvus_settings)
    reader = open_store(milvus_settings)  # another replica's client
    assert reader.current_version() is None
    first = writer.write(build_data(built_engine.index))
    assert reader.current_version() == first
    second = writer.write_version(build_data(built_engine.index)).version
    assert reader.current_version() == first  # written, not yet published
    assert reader.load().version == first
    writer.publish(second)
    assert reader.current_version() == second
    kept = milvus_settings.index.keep_versions
    for _ in range(kept):
        writer.write(build_data(built_engine.index))
    assert len(reader.versions()) == kept
    assert first not in reader.versions()
    unpublished = writer.write_version(build_data(built_engine.index)).version
    writer.clean_partial_builds()  # what a crash between write and publish leaves
    assert unpublished not in reader.versions()
    assert reader.current_version() in reader.versions()


def test_no_milvus_at_the_uri_is_a_one_line_error(tmp_path: Path) -> None:
    from rag.index.store import StoreUnavailable

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings().with_paths(index=tmp_path / "index")
    store = StoreSettings(backend="milvus", uri=f"http://127.0.0.1:{port}")
    with pytest.raises(StoreUnavailable, match=f"127.0.0.1:{port}") as err:
        open_store(settings.model_copy(update={"store": store}))
    assert "\n" not in str(err.value)

"""rag.search.llamaindex.CitedRetriever: hybrid retrieval as a llama-index retriever."""

from __future__ import annotations

import pytest
from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.response_synthesizers.no_text import NoText
from llama_index.core.schema import MetadataMode, NodeWithScore, QueryBundle, TextNode

from rag.engine import Engine
from rag.search.llamaindex import CitedRetriever

WHY = "Why was the Ant IPO suspended?"
ANT_000 = "000_341026f71ce0a6ab"
ANT_003 = "003_80a24d3b298a0e19"

pytestmark = pytest.mark.slow


def assert_exact_nodes(engine: Engine, nodes: list[NodeWithScore]) -> None:
    assert nodes
    for n in nodes:
        assert isinstance(n, NodeWithScore)
        node = n.node
        assert isinstance(node, TextNode)
        meta = node.metadata
        assert {"doc_id", "start", "end", "title", "published"} <= set(meta)
        doc = engine.document(meta["doc_id"])
        assert node.text == doc.text[meta["start"] : meta["end"]]  # offsets are sacred
        assert (node.start_char_idx, node.end_char_idx) == (meta["start"], meta["end"])
        assert node.node_id == f"{meta['doc_id']}:{meta['start']}-{meta['end']}"
        assert meta["title"] == doc.title and meta["published"] == doc.published
        # offsets are not embedded or shown to an LLM
        for mode in (MetadataMode.LLM, MetadataMode.EMBED):
            shown = node.get_metadata_str(mode=mode)
            assert "doc_id" in shown and "start:" not in shown and "end:" not in shown
    scores = [n.score or 0.0 for n in nodes]
    assert all(n.score is not None for n in nodes)
    assert scores == sorted(scores, reverse=True)


def test_retrieve_a_string(built_engine: Engine) -> None:
    nodes = CitedRetriever(built_engine).retrieve(WHY)
    assert_exact_nodes(built_engine, nodes)
    assert len(nodes) == built_engine.settings.retrieval.top_k
    assert nodes[0].node.metadata["doc_id"] == ANT_000


def test_retrieve_a_query_bundle_matches_the_engine(built_engine: Engine) -> None:
    nodes = CitedRetriever(built_engine, top_k=3).retrieve(QueryBundle(query_str=WHY))
    assert_exact_nodes(built_engine, nodes)
    hits = built_engine.search(WHY, top_k=3).results
    assert [(n.node.metadata["doc_id"], n.node.metadata["start"]) for n in nodes] == [
        (h.doc_id, h.start) for h in hits
    ]
    assert [n.score for n in nodes] == pytest.approx([h.score for h in hits])


def test_filters_pass_through(built_engine: Engine) -> None:
    nodes = CitedRetriever(built_engine, filters={"doc_ids": [ANT_003]}).retrieve(WHY)
    assert_exact_nodes(built_engine, nodes)
    assert {n.node.metadata["doc_id"] for n in nodes} == {ANT_003}


def test_retriever_query_engine_source_nodes_keep_offsets(built_engine: Engine) -> None:
    """In a llama-index RetrieverQueryEngine. No generative model runs: NO_TEXT synthesis
    returns the retrieved nodes without calling the LLM (MockLLM only fills the slot, so
    llama-index does not reach for OpenAI)."""
    # (from_args(response_mode=NO_TEXT) drops its llm argument, hence the explicit synthesizer)
    engine = RetrieverQueryEngine(
        retriever=CitedRetriever(built_engine, top_k=4), response_synthesizer=NoText(llm=MockLLM())
    )
    response = engine.query(WHY)
    assert len(response.source_nodes) == 4
    assert_exact_nodes(built_engine, response.source_nodes)

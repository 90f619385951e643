"""Our index as a llama-index retriever: NodeWithScore whose metadata carries exact offsets."""

from __future__ import annotations

from typing import Any, Protocol

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from rag.types import SearchResult


class Searcher(Protocol):
    """What the retriever needs: an Engine (or anything with its search) will do."""

    def search(
        self, query: str, top_k: int | None = None, filters: dict[str, Any] | None = None
    ) -> SearchResult: ...


class CitedRetriever(BaseRetriever):
    """Hybrid retrieval (an Engine's search) behind llama-index's retriever interface.

    >>> retriever = CitedRetriever(engine, top_k=3)
    >>> nodes = retriever.retrieve("Why was the Ant IPO suspended?")
    >>> nodes[0].node.metadata["doc_id"], nodes[0].node.metadata["start"]
    ('000_341026f71ce0a6ab', 837)
    """

    def __init__(
        self, engine: Searcher, top_k: int | None = None, filters: dict[str, Any] | None = None
    ) -> None:
        super().__init__()
        self.engine = engine
        self.top_k = top_k
        self.filters = filters

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        result = self.engine.search(query_bundle.query_str, self.top_k, self.filters)
        nodes = []
        for hit in result.results:
            node = TextNode(
                id_=f"{hit.doc_id}:{hit.start}-{hit.end}",
                text=hit.text,
                metadata={
                    "doc_id": hit.doc_id,
                    "start": hit.start,
                    "end": hit.end,
                    "title": hit.title,
                    "published": hit.published,
                },
                start_char_idx=hit.start,
                end_char_idx=hit.end,
                excluded_embed_metadata_keys=["start", "end"],
                excluded_llm_metadata_keys=["start", "end"],
            )
            nodes.append(NodeWithScore(node=node, score=hit.score))
        return nodes

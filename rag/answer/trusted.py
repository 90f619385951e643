"""Retrieval that keeps trusted evidence in view: uploads must not push the corpus out.

Uploaded documents (rag.index.trust) can flood the top passages with text written to match a
question ("The Ant Group IPO was suspended because ..."); trusted evidence then never reaches
the answerer. When a search returns any passage that is not trusted, the best trusted
passages are searched for on their own and added after it, so rag.answer.scored can put
trusted evidence first. A corpus that is all trusted is searched once, as before.
"""

from __future__ import annotations

import dataclasses

from rag.answer.scored import FloatArray
from rag.index.store import LoadedIndex
from rag.search.filters import Filters
from rag.search.retriever import Retriever
from rag.types import SearchResult


def search_with_trusted(
    retriever: Retriever,
    index: LoadedIndex,
    query: str,
    k: int,
    filters: Filters | None,
    qvec: FloatArray,
) -> SearchResult:
    """The search result, plus up to k trusted passages it lacks when uploads are in it."""
    result = retriever.search(query, k, filters, qvec=qvec)
    docs = index.documents
    if all(docs[h.doc_id].trust == "trusted" for h in result.results):
        return result
    f = filters or Filters()
    trusted = tuple(
        d
        for d, doc in sorted(docs.items())
        if doc.trust == "trusted" and (f.doc_ids is None or d in f.doc_ids)
    )
    if not trusted:
        return result
    extra = retriever.search(query, k, dataclasses.replace(f, doc_ids=trusted), qvec=qvec)
    seen = {h.passage_id for h in result.results}
    hits = [*result.results, *(h for h in extra.results if h.passage_id not in seen)]
    ranked = [dataclasses.replace(h, rank=i) for i, h in enumerate(hits, start=1)]
    return dataclasses.replace(result, results=ranked)

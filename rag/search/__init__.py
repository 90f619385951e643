"""Hybrid retrieval over one index version.

- ``filters``: document and date filters; ``QueryError`` for a query that cannot be searched
- ``fusion``: top-k, RRF, min-max and weighted fusion of dense and BM25 scores
- ``stages``: second stages that rescore the fused pool (best sentence, MaxSim, mpnet, ...)
- ``retriever``: the Retriever, composing the above
- ``llamaindex``: the same retrieval behind llama-index's retriever interface
"""

"""From corpus/ to a versioned index/: documents, passages, vectors, BM25, the store.

- ``corpus``: documents read from .txt/.md/.html (offsets into the decoded text)
- ``chunking``: passages of consecutive sentences within a token budget
- ``embedder``: the Embedder seam, batching and mean pooling shared by the back ends
- ``embedding``: the torch embedder and the factory (the only torch module)
- ``onnx``: the int8 ONNX query embedder
- ``strategies``: how ingest fills passage and sentence vectors
- ``bm25``: BM25 over passages; ``dense``: FAISS (the only faiss module)
- ``store``: atomic index versions on disk; ``ingest``: build or update from the corpus
"""

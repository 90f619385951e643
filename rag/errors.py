"""The engine's one exception base. Each subclass lives beside the code that raises it.

    RagError
    ├── CorpusError        rag.index.corpus   the corpus folder cannot be read
    │   └── CorpusNotAFolder  rag.changes     the corpus path is a file
    ├── BadDocument        rag.index.corpus   a file cannot be parsed or named as a document
    ├── EmbeddingError     rag.index.embedder the embedding model cannot be loaded or run
    ├── IndexProblem       rag.index.store    no usable index version
    │   ├── IndexNotFound, IndexCorrupt, IndexMismatch, IndexBusy
    ├── QueryError         rag.search.filters a query, filter or option cannot be used
    ├── LLMUnavailable     rag.answer.llm     an LLM backend failed (callers fall back)
    ├── DocumentNotFound   rag.live           no document with that doc_id
    ├── PdfUnavailable     rag.briefing.pdf   PDF export is not installed (the `pdf` extra)
    ├── QueueFull          rag.jobs           too many corpus changes are waiting
    └── JobConflict        rag.jobs           another job changes that document

The edges translate them and nothing else: the CLI prints one line and exits 2, the API
answers problem+json (api/errors.py has the status of each).
"""

from __future__ import annotations


class RagError(Exception):
    """Base of every error the engine raises on purpose."""

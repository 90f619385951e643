"""Helpers of the Milvus store tests (a module of its own: `from conftest import` resolves to
whichever conftest pytest imported first)."""

from __future__ import annotations

import socket

from rag.index.store import BuildData, LoadedIndex


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_data(index: LoadedIndex) -> BuildData:
    """A loaded version as the data that wrote it (for writing it into another store)."""
    return BuildData(
        documents=list(index.documents.values()),
        passages=index.passages,
        sentences=index.sentences,
        passage_vectors=index.passage_vectors,
        sentence_vectors=index.sentence_vectors,
        manifest={
            k: v for k, v in index.manifest.items() if k not in ("files", "version", "counts")
        },
    )

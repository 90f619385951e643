"""The store the settings name: the embedded files (default) or Milvus."""

from __future__ import annotations

from rag.index.seam import Inserter, Store
from rag.settings import Settings


def open_store(settings: Settings, insert: Inserter | None = None) -> Store:
    """The store the settings name (the Milvus client is imported only when asked for).
    ``insert`` writes a whole version's rows into Milvus (a Ray writer pool); the embedded
    store writes its own files and does not use it."""
    if settings.store.backend == "milvus":
        from rag.index.milvus import MilvusStore

        return MilvusStore(settings.store, settings.index.dir, settings.index.keep_versions, insert)
    from rag.index.store import IndexStore

    return IndexStore(settings.index.dir, settings.index.keep_versions)

"""The store the settings name: the embedded files (default) or Milvus."""

from __future__ import annotations

from rag.index.seam import Store
from rag.settings import Settings


def open_store(settings: Settings) -> Store:
    """The store the settings name (the Milvus client is imported only when asked for)."""
    if settings.store.backend == "milvus":
        from rag.index.milvus import MilvusStore

        return MilvusStore(settings.store, settings.index.dir, settings.index.keep_versions)
    from rag.index.store import IndexStore

    return IndexStore(settings.index.dir, settings.index.keep_versions)

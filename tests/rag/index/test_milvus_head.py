"""What a Milvus replica asks the server per request and per refresh: rows by key, never pages
of a filtered scan (milvus-lite evaluates a range filter over every row: at 100k passages a
query iterator's page took ~0.6 s, a key look-up 3 ms), and searches that return ids only.
Against a real milvus-lite server (or RAG_MILVUS_URI)."""

from __future__ import annotations

from typing import Any

import pytest
from milvus_support import build_data

from rag.engine import Engine
from rag.index.milvus import MilvusStore
from rag.settings import Settings

pytestmark = [pytest.mark.slow, pytest.mark.milvus]


class Recorder:
    """A real client that notes each call's method and keyword arguments."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        real = getattr(self.client, name)
        if not callable(real):
            return real

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            return real(*args, **kwargs)

        return call

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


def test_a_replica_reads_by_key_and_a_search_asks_for_ids_only(
    built_engine: Engine, milvus_settings: Settings
) -> None:
    no_checks = milvus_settings.index.model_copy(update={"reload_check_s": 3600.0})
    settings = milvus_settings.model_copy(update={"index": no_checks})
    engine = Engine(settings, built_engine.embedder)
    store = engine.store
    assert isinstance(store, MilvusStore)
    version = store.write(build_data(built_engine.index))
    spy = Recorder(store.client)
    store.client = spy

    assert store.current_version() == version  # what a replica asks every reload_check_s
    assert spy.names()[-3:] == ["list_aliases", "describe_alias", "get"]
    assert spy.calls[-1][1]["ids"] == [-1]  # the head row, by key

    spy.calls.clear()
    index = store.load()  # a replica's full read: the head, the manifest, every row
    assert index.passages == built_engine.index.passages
    assert "query_iterator" not in spy.names() and "query" not in spy.names()
    got = sum(len(kw["ids"]) for name, kw in spy.calls if name == "get")
    rows = len(index.passages) + len(index.sentences)
    assert got > rows  # the rows, and the documents' and the manifest's parts

    engine.load()
    spy.calls.clear()
    result = engine.search("Why was the Ant IPO suspended?")
    assert result.results
    assert [(name, kw.get("output_fields")) for name, kw in spy.calls] == [
        ("search", ["id"]),  # dense
        ("search", ["id"]),  # BM25
    ]

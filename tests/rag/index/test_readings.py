"""Readings at ingest: a new version reuses the readings of the one it replaces, and the file
holds exactly what parsing every sentence afresh gives."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest
from store_workspace import Workspace

import rag.index.readings as readings
import rag.text.reading as reading
from rag.engine import Engine
from rag.index.embedder import Embedder
from rag.index.files import sha256_file
from rag.index.store import IndexStore
from rag.text.reading import SentenceReading, read_sentences

NEW_DOC = (
    "Zhejiang regulators fined the lender 40 million yuan on Tuesday.\n\n"
    "The bank said it would appeal the decision."
)


def _forget_process_readings() -> None:
    """What a fresh `rag ingest` process starts with: nothing read yet."""
    readings._by_text.clear()
    readings._line_by_text.clear()
    readings._cache.clear()


def test_an_ingest_in_a_fresh_process_parses_only_the_new_sentences(
    ws: Workspace, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[str] = []
    real = reading.read_sentences

    def counting(texts: Iterable[str]) -> list[SentenceReading]:
        texts = list(texts)
        parsed.extend(texts)
        return real(texts)

    monkeypatch.setattr(readings, "read_sentences", counting)
    _forget_process_readings()
    (ws.corpus / "900_new.txt").write_text(NEW_DOC, encoding="utf-8")
    Engine(ws.settings, embedder).ingest()

    index = IndexStore(ws.index).load()
    new_rows = [s.text for s in index.sentences if s.doc_id == "900_new"]
    assert new_rows
    assert sorted(parsed) == sorted(set(new_rows))
    lines = (index.path / readings.FILE).read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(index.sentences)


def test_the_readings_file_equals_a_fresh_parse_of_every_sentence(ws: Workspace) -> None:
    index = IndexStore(ws.index).load()
    lines = (index.path / readings.FILE).read_text(encoding="utf-8").splitlines()
    stored = [SentenceReading.from_dict(json.loads(line)) for line in lines]
    assert stored == read_sentences([s.text for s in index.sentences])


def test_lending_a_version_without_a_readings_file_parses_nothing(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = replace(IndexStore(ws.index).load(), path=tmp_path)
    _forget_process_readings()
    monkeypatch.setattr(readings, "read_sentences", pytest.fail)
    readings.lend_readings(index)


def test_readings_stored_before_links_are_parsed_again_and_make_the_index_stale(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rag.index.ingest as ingest

    index = IndexStore(ws.index).load()
    path = index.path / readings.FILE
    old = [
        {k: v for k, v in json.loads(line).items() if k not in {"links", "roles", "heads"}}
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    _forget_process_readings()
    path.write_text("".join(json.dumps(d) + "\n" for d in old), encoding="utf-8")
    rows = readings.readings_of(index)
    assert all(r.links is not None for r in rows)  # parsed again, not taken as stored
    assert rows == read_sentences([s.text for s in index.sentences])
    assert IndexStore(ws.index).read_manifest()["readings"] == readings.FORMAT
    assert not ingest.is_stale(ws.settings)
    monkeypatch.setattr(ingest, "READINGS_FORMAT", readings.FORMAT + 1)
    assert ingest.is_stale(ws.settings)  # `rag ingest --if-stale` rebuilds an older format


def test_readings_stored_by_an_older_format_are_parsed_again(ws: Workspace) -> None:
    # rows with links, but written by format 2 (before an entity's relative clauses counted);
    # the format counted is the one the store read from the version's manifest
    index = IndexStore(ws.index).load()
    fresh = read_sentences([s.text for s in index.sentences])
    path = index.path / readings.FILE
    old = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for d in old:
        d["links"] = [[] for _ in d["links"]]
    path.write_text("".join(json.dumps(d) + "\n" for d in old), encoding="utf-8")
    manifest = index.path / "manifest.json"
    meta = json.loads(manifest.read_bytes())
    files = {**meta["files"], readings.FILE: sha256_file(path)}
    try:
        for fmt, parsed in ((readings.FORMAT, False), (readings.FORMAT - 1, True)):
            _forget_process_readings()
            manifest.write_text(json.dumps({**meta, "files": files, "readings": fmt}), "utf-8")
            rows = readings.readings_of(IndexStore(ws.index).load())
            assert (rows == fresh) is parsed
    finally:
        _forget_process_readings()  # the stored rows are wrong: keep them from other tests


def test_an_entity_is_linked_to_the_relative_clause_that_modifies_it() -> None:
    r = read_sentences(["Ant, which owns the payments app Alipay, was forced to halt its IPO."])[0]
    assert "own" in r.links[[t for t, _ in r.ents].index("Ant")]

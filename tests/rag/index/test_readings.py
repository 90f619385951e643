"""Readings at ingest: a new version reuses the readings of the one it replaces, and the file
holds exactly what parsing every sentence afresh gives."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pytest
from store_workspace import Workspace

import rag.index.readings as readings
import rag.text.reading as reading
from rag.engine import Engine
from rag.index.embedder import Embedder
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
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readings, "read_sentences", pytest.fail)
    readings.lend_readings(tmp_path, [])

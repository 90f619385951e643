"""A private copy of the session's corpus and built index, for tests of the on-disk store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rag.engine import Engine
from rag.index.chunking import chunk_document
from rag.index.corpus import parse_document
from rag.index.store import IndexStore
from rag.settings import Settings


@dataclass
class Workspace:
    corpus: Path
    index: Path
    settings: Settings

    @property
    def store(self) -> IndexStore:
        return IndexStore(self.index, self.settings.index.keep_versions)

    def versions(self) -> list[str]:
        return sorted(
            p.name for p in self.index.iterdir() if p.is_dir() and not p.name.startswith(".")
        )


def passage_count(path: Path, settings: Settings) -> int:
    doc = parse_document(path.stem, path.name, path.read_bytes())
    passages, _ = chunk_document(
        doc.doc_id,
        doc.text,
        doc.body_start,
        settings.chunking.max_tokens,
        settings.chunking.overlap_sentences,
    )
    return len(passages)


def assert_hits_exact(engine: Engine, query: str) -> list[str]:
    result = engine.search(query)
    assert result.results
    for hit in result.results:
        assert engine.document(hit.doc_id).text[hit.start : hit.end] == hit.text
    return [h.doc_id for h in result.results]


def with_keep(settings: Settings, keep: int) -> Settings:
    return settings.model_copy(
        update={"index": settings.index.model_copy(update={"keep_versions": keep})}
    )

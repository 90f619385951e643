"""Per-sentence readings (entities, lemmas, subjects) stored beside an index version.

Written once at ingest into ``<version>/readings.jsonl`` (one row per sentence row, the
manifest checksums it like every other file); read once per loaded version. A version built
before readings existed is read on first use instead.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path

from rag.text.reading import SentenceReading, read_sentences
from rag.types import SentenceRef

FILE = "readings.jsonl"
_lock = threading.Lock()
_cache: dict[Path, list[SentenceReading]] = {}


def write_readings(folder: Path, sentences: Sequence[SentenceRef]) -> None:
    """Parse the sentences and write their readings into a version folder being built."""
    rows = read_sentences(s.text for s in sentences)
    body = "".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in rows)
    (folder / FILE).write_text(body, encoding="utf-8")


def readings_of(folder: Path, sentences: Sequence[SentenceRef]) -> list[SentenceReading]:
    """The readings of every sentence row of a loaded version (cached per version folder)."""
    with _lock:
        got = _cache.get(folder)
        if got is not None and len(got) == len(sentences):
            return got
        path = folder / FILE
        rows: list[SentenceReading] = []
        if path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()
            rows = [SentenceReading.from_dict(json.loads(line)) for line in lines if line]
        if len(rows) != len(sentences):
            rows = read_sentences(s.text for s in sentences)
        if len(_cache) > 4:
            _cache.clear()
        _cache[folder] = rows
        return rows

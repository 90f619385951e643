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

from rag.index.seam import LoadedIndex
from rag.text.reading import SentenceReading, read_sentences
from rag.types import SentenceRef

FILE = "readings.jsonl"
# Bump when a reading gains what the answer decision needs (2: entity links, roles, heads;
# 3: an entity's links hold its relative clauses; 4: "own", "call", "show" and "name" count as
# content words); a version stored with another format is stale for `rag ingest --if-stale`,
# and its rows are parsed again rather than reused.
FORMAT = 4
_lock = threading.Lock()
_cache: dict[Path, list[SentenceReading]] = {}
_by_text: dict[str, SentenceReading] = {}  # an upload re-reads only the new sentences
_line_by_text: dict[str, str] = {}  # ... and re-serialises none of the old ones
MAX_REMEMBERED = 200_000


def _read(texts: Sequence[str]) -> list[SentenceReading]:
    """Readings of the texts, parsing only those not read before in this process."""
    new = [t for t in dict.fromkeys(texts) if t not in _by_text]
    if len(_by_text) + len(new) > MAX_REMEMBERED:
        _by_text.clear()
        _line_by_text.clear()
    _by_text.update(zip(new, read_sentences(new), strict=True))
    return [_by_text[t] for t in texts]


def _line(text: str) -> str:
    line = _line_by_text.get(text)
    if line is None:
        line = _line_by_text[text] = json.dumps(_by_text[text].to_dict(), ensure_ascii=False)
    return line


def reading_lines(texts: Sequence[str]) -> list[str]:
    """The lines `write_readings` would store for the texts (parsed in another process, such
    as a Ray worker of `rag ingest --runner ray`)."""
    with _lock:
        _read(texts)
        return [_line(t) for t in texts]


def remember_lines(texts: Sequence[str], lines: Sequence[str]) -> None:
    """Take readings parsed elsewhere (`reading_lines`), so that `write_readings` stores
    these lines instead of parsing the texts again."""
    with _lock:
        new = {t: line for t, line in zip(texts, lines, strict=True) if t not in _by_text}
        if len(_by_text) + len(new) > MAX_REMEMBERED:
            _by_text.clear()
            _line_by_text.clear()
        for t, line in new.items():
            _by_text[t] = SentenceReading.from_dict(json.loads(line))
            _line_by_text[t] = line


def lend_readings(index: LoadedIndex) -> None:
    """Remember the stored readings of the version an ingest replaces, so that
    `write_readings` parses only the sentences that are new (a fresh process would otherwise
    parse the whole corpus again)."""
    if (index.path / FILE).is_file():
        readings_of(index)


def _remember(folder: Path, rows: list[SentenceReading]) -> None:
    """Cache a version's readings (call with the lock; a few versions at most)."""
    if len(_cache) > 4:
        _cache.clear()
    _cache[folder] = rows


def write_readings(
    folder: Path, sentences: Sequence[SentenceRef], published: Path | None = None
) -> None:
    """Parse the sentences and write their readings into a version folder being built
    (``published``: where the folder will be once published; its readings are then cached
    under that name, so the next upload starting from it need not look them up again)."""
    # Line by line (not one joined copy): made durable by the store with the version's other
    # files, before the manifest names it.
    with _lock, (folder / FILE).open("w", encoding="utf-8", newline="") as f:
        texts = [s.text for s in sentences]
        rows = _read(texts)
        for t in texts:
            f.write(_line(t) + "\n")
        if published is not None:
            _remember(published, rows)


def readings_of(index: LoadedIndex) -> list[SentenceReading]:
    """The readings of every sentence row of a loaded version (cached per version folder).

    Stored rows count only if the version's manifest, as its store read it, records this
    FORMAT; rows of another format are parsed again."""
    folder, sentences = index.path, index.sentences
    with _lock:
        got = _cache.get(folder)
        if got is not None and len(got) == len(sentences):
            return got
        rows: list[SentenceReading] = []
        if all(s.text in _by_text for s in sentences):  # e.g. a version this process wrote
            rows = [_by_text[s.text] for s in sentences]
        elif (folder / FILE).is_file() and index.manifest.get("readings") == FORMAT:
            lines = (folder / FILE).read_text(encoding="utf-8").splitlines()
            rows = [SentenceReading.from_dict(json.loads(line)) for line in lines if line]
            if any(r.links is None for r in rows):
                rows = []  # stored before links: parse again
        if len(rows) != len(sentences):
            rows = _read([s.text for s in sentences])
        else:
            _by_text.update((s.text, r) for s, r in zip(sentences, rows, strict=True))
        _remember(folder, rows)
        return rows

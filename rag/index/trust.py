"""Trust levels of documents, kept beside the corpus in ``<corpus>/.trust.json``.

- ``trusted``: a file the operator put in the corpus folder (the built-in articles); the
  default for any document the file does not name.
- ``upload``: added through ``POST /v1/documents`` or ``rag add``; answers and briefings
  lead with trusted evidence whenever trusted evidence qualifies (rag.answer.scored).
- ``untrusted``: an upload its sender marked so; searchable, never quoted in an answer or
  a briefing.

The file is hidden, so ``load_corpus`` never reads it as a document; it is replaced
atomically, and an entry for a file that no longer exists is harmless.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Mapping
from pathlib import Path

from rag.index.files import write_durable
from rag.types import Document

TRUST_FILE = ".trust.json"
TRUST_LEVELS = ("trusted", "upload", "untrusted")
RANK = {level: i for i, level in enumerate(TRUST_LEVELS)}  # lower ranks first


def read_trust(folder: Path) -> dict[str, str]:
    """doc_id -> level for the documents not trusted by default; {} without the file."""
    path = folder / TRUST_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    return {str(k): v for k, v in raw.items() if v in TRUST_LEVELS}


def set_trust(folder: Path, doc_id: str, level: str | None) -> None:
    """Record (or, with None or "trusted", forget) a document's level; atomic."""
    if level is not None and level not in TRUST_LEVELS:
        raise ValueError(f"trust must be one of {', '.join(TRUST_LEVELS)}, got {level!r}")
    levels = read_trust(folder)
    if level in (None, "trusted"):
        if levels.pop(doc_id, None) is None:
            return
    else:
        levels[doc_id] = level
    tmp = folder / f".trust-{uuid.uuid4().hex}"
    write_durable(tmp, json.dumps(levels, indent=1, sort_keys=True).encode("utf-8"))
    tmp.replace(folder / TRUST_FILE)


def with_trust(docs: list[Document], levels: Mapping[str, str]) -> list[Document]:
    """The documents with their recorded levels (trusted when not recorded)."""
    out = []
    for d in docs:
        level = levels.get(d.doc_id, "trusted")
        out.append(d if level == d.trust else dataclasses.replace(d, trust=level))
    return out

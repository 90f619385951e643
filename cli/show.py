"""`rag ask` for people: status, the answer, its quotes, the sources and any conflict.

The same blocks go to a pipe and to a terminal; a terminal also gets lines wrapped to its
width and colour (ANSI; never when NO_COLOR is set or stdout is not a TTY).
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from collections.abc import Mapping
from typing import TextIO

from rag import Answer, Document
from rag.text.voice import show_markers

RESET = "\x1b[0m"
STYLES = {"answered": "\x1b[1;32m", "partial": "\x1b[1;33m", "unanswerable": "\x1b[1;31m"}
BOLD, DIM, CYAN = "\x1b[1m", "\x1b[2m", "\x1b[36m"


def _status(answer: Answer) -> str:
    docs = len({c.doc_id for c in answer.citations})
    n = len(answer.citations)
    line: str = answer.status
    if n:
        line += f" · {n} citation{'s' * (n != 1)} from {docs} document{'s' * (docs != 1)}"
    if answer.missing:
        line += " · not covered: " + "; ".join(answer.missing)
    return line


def _sources(answer: Answer, docs: Mapping[str, Document]) -> list[str]:
    markers: dict[str, list[int]] = {}
    for c in answer.citations:
        markers.setdefault(c.doc_id, []).append(c.marker)
    lines = []
    for doc_id, ns in markers.items():
        doc = docs.get(doc_id)
        title = doc.title if doc else doc_id
        date = (doc.published if doc else None) or "undated"
        refs = "".join(f"[{n}]" for n in ns)
        url = f" {doc.url}" if doc and doc.url else ""
        lines.append(f"{refs} {title} ({date}) {doc_id}{url}")
    return lines


def blocks(answer: Answer, docs: Mapping[str, Document]) -> list[tuple[str, list[str]]]:
    """(kind, lines) in order; kinds: status, answer, quotes, sources, conflicts, note."""
    out: list[tuple[str, list[str]]] = [
        ("status", [_status(answer)]),
        ("answer", [answer.answer]),
    ]
    quotes = [
        f"[{c.marker}] {c.doc_id} [{c.start}:{c.end}] “{show_markers(' '.join(c.quote.split()))}”"
        for c in answer.citations
    ]
    if quotes:
        out.append(("quotes", quotes))
        out.append(("sources", ["Sources:", *_sources(answer, docs)]))
    for conflict in answer.conflicts:
        lines = [f"Sources disagree on {conflict.quantity}:"]
        for v in conflict.values:
            refs = "".join(f"[{n}]" for n in v.get("citations", []))
            lines.append(f"{v.get('value')} — {v.get('doc_id', '')} {refs}".rstrip())
        out.append(("conflicts", lines))
    if answer.fallback_reason:
        out.append(("note", [f"(LLM fallback: {answer.fallback_reason})"]))
    return out


def plain(answer: Answer, docs: Mapping[str, Document]) -> str:
    """The text for a pipe: one line per item, blocks apart."""
    parts = []
    for kind, lines in blocks(answer, docs):
        indent = "  " if kind in ("sources", "conflicts") else ""
        parts.append("\n".join([lines[0], *(indent + line for line in lines[1:])]))
    return "\n\n".join(parts)


def _paint(kind: str, i: int, line: str, status: str) -> str:
    if kind == "status":
        return STYLES.get(status, BOLD) + line + RESET
    if kind in ("sources", "conflicts") and i == 0:
        return (BOLD if kind == "sources" else STYLES["partial"]) + line + RESET
    if kind == "quotes":
        head, mark, rest = line.partition("“")
        if not mark:  # a wrapped continuation of the quote
            return DIM + line + RESET
        return CYAN + head + RESET + DIM + mark + rest + RESET
    return line


def terminal(answer: Answer, docs: Mapping[str, Document], width: int, colour: bool) -> str:
    """The text for a terminal: wrapped to `width`, coloured if asked."""
    parts = []
    for kind, lines in blocks(answer, docs):
        rows = []
        for i, line in enumerate(lines):
            lead = "  " if kind in ("sources", "conflicts") and i else ""
            hang = lead + ("    " if kind in ("quotes", "sources", "conflicts") else "")
            wrapped = textwrap.wrap(line, width, initial_indent=lead, subsequent_indent=hang)
            rows += [_paint(kind, i, w, answer.status) if colour else w for w in wrapped]
        parts.append("\n".join(rows))
    return "\n\n".join(parts)


def show(answer: Answer, docs: Mapping[str, Document], out: TextIO | None = None) -> None:
    out = out or sys.stdout  # looked up now: tests and callers may have replaced it
    if not out.isatty():
        print(plain(answer, docs), file=out)
        return
    width = min(shutil.get_terminal_size((100, 24)).columns, 100)
    colour = not os.environ.get("NO_COLOR")
    print(terminal(answer, docs, width, colour), file=out)

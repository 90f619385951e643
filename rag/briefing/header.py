"""The lines under a briefing's title: topic, when it was generated, and what it drew on.

>>> from rag.briefing.types import Scope
>>> scope_text(Scope(3, "2020-11-03", "2020-12-28", 1))
'3 sources, published 3 November 2020 – 28 December 2020 (1 undated)'
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rag.briefing.types import Briefing, Scope


def day(iso: str) -> str:
    """'2020-11-03' as '3 November 2020' (a value that is not a date is shown as it is)."""
    try:
        d = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{d.day} {d:%B %Y}"


def generated_text(iso: str) -> str:
    """'2026-12-02T04:50:07Z' as '2 December 2026, 04:50 UTC'."""
    try:
        t = dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(dt.UTC)
    except ValueError:
        return iso
    return f"{t.day} {t:%B %Y, %H:%M} UTC"


def scope_text(s: Scope) -> str:
    if not s.sources:
        return "no sources"
    out = f"{s.sources} source{'s' if s.sources != 1 else ''}"
    if s.first_published and s.last_published:
        first, last = day(s.first_published), day(s.last_published)
        out += f", published {first}" if first == last else f", published {first} – {last}"
        if s.undated_sources:
            out += f" ({s.undated_sources} undated)"
    else:
        out += ", undated"
    return out


def filters_text(f: dict[str, Any]) -> str | None:
    """The filters a briefing was asked with, in words; None without any."""
    parts = []
    if f.get("doc_ids") is not None:
        parts.append("documents " + ", ".join(f["doc_ids"]))
    since, until = f.get("published_from"), f.get("published_to")
    dates = [f"from {day(since)}" if since else "", f"to {day(until)}" if until else ""]
    if since or until:
        parts.append("published " + " ".join(d for d in dates if d))
    return "; ".join(parts) or None


def header_lines(b: Briefing) -> list[tuple[str, str]]:
    """(label, text) pairs, plain text: each renderer escapes them for its format."""
    out = [("Topic", b.topic), ("Generated", generated_text(b.generated_at))]
    out.append(("Scope", scope_text(b.scope())))
    limits = filters_text(b.filters)
    return [*out, ("Limited to", limits)] if limits else out

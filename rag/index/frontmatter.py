"""A document's own metadata: a front-matter block at the top of its file.

    ---
    title: Ant Group suspends its IPO
    published: 2020-11-03
    url: https://example.org/ant-ipo
    ---
    The article's text ...

Keys: `title`, `published` (or `date`; YYYY-MM-DD) and `url` (or `source_url`; http(s)). The
block stays in the document's text (offsets index the file as it is); the body starts after
it. An upload's title/published/url fields are written into the stored file as this block,
so the corpus itself keeps them.
"""

from __future__ import annotations

import datetime as dt
import re

from rag.errors import RagError

BLOCK = re.compile(r"\A\ufeff?---[ \t]*\r?\n(?P<body>(?:.*\r?\n)*?)---[ \t]*(?:\r?\n|\Z)")
LINE = re.compile(r"^(?P<key>[A-Za-z_]+)[ \t]*:[ \t]*(?P<value>.*?)[ \t]*$")
KEYS = {"title": "title", "published": "published", "date": "published"}
KEYS |= {"url": "url", "source_url": "url"}


class BadMetadata(RagError):
    """A title, date or URL that cannot be stored."""


def check(fields: dict[str, str | None]) -> dict[str, str]:
    """The fields, stripped and checked; empty ones dropped. Raises BadMetadata."""
    out: dict[str, str] = {}
    for key, raw in fields.items():
        value = " ".join((raw or "").split())
        if not value:
            continue
        if key == "published":
            try:
                value = dt.date.fromisoformat(value).isoformat()
            except ValueError:
                raise BadMetadata(f"published: {value!r} is not a date (YYYY-MM-DD)") from None
        if key == "url" and not re.match(r"https?://\S+$", value):
            raise BadMetadata(f"url: {value!r} is not an http(s) URL")
        if key == "title" and len(value) > 300:
            raise BadMetadata("title: longer than 300 characters")
        out[key] = value
    return out


def split(text: str) -> tuple[dict[str, str], int]:
    """The front matter's fields and the offset where the body starts (0 if there is none)."""
    m = BLOCK.match(text)
    if not m:
        return {}, 0
    fields: dict[str, str | None] = {}
    for line in m.group("body").splitlines():
        kv = LINE.match(line)
        if kv and kv.group("key").lower() in KEYS:
            value = kv.group("value").strip().strip("\"'")
            fields[KEYS[kv.group("key").lower()]] = value
    return check(fields), m.end()


def with_fields(data: bytes, fields: dict[str, str | None]) -> bytes:
    """The file's bytes with `fields` in its front matter (added, or merged over it)."""
    new = check(fields)
    if not new:
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data  # not text: parse_document refuses it with the reason
    old, body = split(text)
    merged = old | new
    lines = [f"{key}: {merged[key]}" for key in ("title", "published", "url") if key in merged]
    return ("---\n" + "\n".join(lines) + "\n---\n" + text[body:]).encode("utf-8")

"""Search filters (documents, publication dates) and the error for a bad query."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from rag.errors import RagError


class QueryError(RagError, ValueError):
    """The query cannot be searched (empty, or a bad filter)."""


@dataclass(frozen=True, slots=True)
class Filters:
    doc_ids: tuple[str, ...] | None = None
    published_from: dt.date | None = None
    published_to: dt.date | None = None

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> Filters:
        if not raw:
            return cls()
        unknown = set(raw) - {"doc_ids", "published_from", "published_to"}
        if unknown:
            raise QueryError(f"unknown filter(s): {', '.join(sorted(unknown))}")
        ids = raw.get("doc_ids")
        if ids is not None and (
            not isinstance(ids, list) or not all(isinstance(i, str) for i in ids)
        ):
            raise QueryError("filter doc_ids must be a list of strings")
        return cls(
            doc_ids=tuple(ids) if ids is not None else None,
            published_from=_date(raw.get("published_from"), "published_from"),
            published_to=_date(raw.get("published_to"), "published_to"),
        )

    def active(self) -> bool:
        return bool(self.doc_ids is not None or self.published_from or self.published_to)


def _date(value: Any, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise QueryError(f"filter {name} must be a date YYYY-MM-DD, got {value!r}") from exc

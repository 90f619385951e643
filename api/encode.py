"""JSON bodies of the hot routes, encoded with orjson in the route's own worker thread.

A sync route that returns a dict makes FastAPI validate it against the response model in a
second thread-pool hop and then serialise it: ~100 µs of pydantic and two thread wake-ups
per request for data the engine built from its own typed results. `model_json` writes the
same bytes (tests/api/test_encode.py compares them with FastAPI's own path for every
evaluation question), while the response model still documents the route.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel
from starlette.responses import Response


def model_json(
    content: dict[str, Any], model: type[BaseModel], only_if_set: frozenset[str] = frozenset()
) -> bytes:
    """`content` as JSON with `model`'s top-level fields, in its order, defaults filled in.

    Fields named in `only_if_set` are written only when `content` has them (FastAPI's
    `response_model_exclude_unset` for those fields).
    """
    full = {
        name: content[name] if name in content else field.get_default(call_default_factory=True)
        for name, field in model.model_fields.items()
        if name in content or name not in only_if_set
    }
    return orjson.dumps(full, default=_plain)


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python number pydantic would have written; anything else fails."""
    item = getattr(value, "item", None)
    if item is None:
        raise TypeError(f"not JSON serialisable: {type(value).__name__}")
    return item()


def json_response(
    content: dict[str, Any], model: type[BaseModel], only_if_set: frozenset[str] = frozenset()
) -> Response:
    return Response(model_json(content, model, only_if_set), media_type="application/json")

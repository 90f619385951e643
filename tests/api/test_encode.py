"""api.encode writes the bytes FastAPI's response-model path wrote before it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel, TypeAdapter

from api.encode import model_json
from api.schemas import AnswerResponse, SearchResponse
from rag.engine import Engine

REPO = Path(__file__).resolve().parents[2]


def _questions() -> list[str]:
    lines = (REPO / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def _fastapi_bytes(content: dict[str, Any], model: type[BaseModel]) -> bytes:
    """What FastAPI sends for a route returning `content` with `response_model=model`."""
    adapter = TypeAdapter(model)
    return adapter.dump_json(adapter.validate_python(content), by_alias=True)


@pytest.mark.slow
def test_search_and_ask_bodies_are_byte_identical(built_engine: Engine) -> None:
    questions = _questions()
    assert len(questions) > 50
    for q in questions:
        found = built_engine.search(q).to_dict()
        assert model_json(found, SearchResponse) == _fastapi_bytes(found, SearchResponse), q
        answer = built_engine.ask(q).to_dict()
        assert model_json(answer, AnswerResponse) == _fastapi_bytes(answer, AnswerResponse), q


@pytest.mark.slow
def test_truncated_query_and_filters(built_engine: Engine) -> None:
    long_query = "Why was the Ant Group IPO suspended? " * 200
    found = built_engine.search(long_query, top_k=3).to_dict()
    assert found.get("query_truncated") is True
    assert model_json(found, SearchResponse) == _fastapi_bytes(found, SearchResponse)


def test_defaults_filled_in_model_order_and_extra_keys_dropped() -> None:
    content = {"results": [], "query": "q", "stages": {"dense": [1]}}
    assert model_json(content, SearchResponse) == _fastapi_bytes(content, SearchResponse)
    assert (
        model_json(content, SearchResponse) == b'{"query":"q","results":[],"query_truncated":false}'
    )


def test_numpy_scalars_are_written_as_python_numbers() -> None:
    hit = {
        "rank": np.int64(1),
        "doc_id": "d",
        "start": 0,
        "end": 3,
        "text": "abc",
        "score": np.float32(0.1),
        "title": "",
        "published": None,
    }
    content = {"query": "q", "results": [hit]}
    assert model_json(content, SearchResponse) == _fastapi_bytes(content, SearchResponse)


def test_unknown_objects_fail_loudly() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        model_json({"query": object(), "results": []}, SearchResponse)


def test_only_if_set_fields_are_left_out_unless_present() -> None:
    body = {
        "question": "q",
        "status": "unanswerable",
        "answer": "",
        "sentences": [],
        "citations": [],
        "conflicts": [],
        "timings_ms": {},
        "mode": "extractive",
    }
    assert "retrieved" in json.loads(model_json(body, AnswerResponse))
    left_out = json.loads(model_json(body, AnswerResponse, frozenset({"retrieved"})))
    assert "retrieved" not in left_out and "missing" in left_out
    kept = json.loads(
        model_json({**body, "retrieved": []}, AnswerResponse, frozenset({"retrieved"}))
    )
    assert kept["retrieved"] == []

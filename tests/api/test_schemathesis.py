"""Property-based API testing from /openapi.json with schemathesis: no 5xx, no schema drift.

Runs against a real server whose LLM backends are unreachable on purpose (generated requests
may ask for `llm: local|openai`; the engine then falls back to the extractive answer, fast).
Uploads and deletes are excluded: they change the corpus and are covered in test_documents.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

MUTATING = ("/v1/documents", "/v1/documents/{doc_id}")


@pytest.fixture(scope="module")
def api_schema(live_server: Any) -> Any:
    unreachable = {
        "base_url": "http://127.0.0.1:9/v1",  # nothing listens on the discard port
        "model_path": live_server.root / "no-such-model.gguf",
        "timeout_s": 2.0,
    }
    server = live_server.start(rate_limit_per_minute=100_000, llm=unreachable)
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    schema.config.base_url = server.url
    return schema.exclude(method="POST", path=MUTATING[0]).exclude(
        method="DELETE", path=MUTATING[1]
    )


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_api_conforms_to_its_schema(case: Any) -> None:
    case.call_and_validate()

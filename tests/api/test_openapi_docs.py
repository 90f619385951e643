"""The OpenAPI document is good enough to integrate from: walked here, against real servers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.openapi import operations

pytestmark = pytest.mark.slow
KEY_HASH = "a" * 64


@pytest.fixture(scope="module")
def spec(live_server: Any) -> dict[str, Any]:
    with live_server.default.client() as c:
        body: dict[str, Any] = c.get("/openapi.json").json()
    return body


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref.rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _response_schemas(spec: dict[str, Any]) -> set[str]:
    """Names of every component schema reachable from a response."""
    schemas = spec["components"]["schemas"]
    todo = [r for _, _, op in operations(spec) for r in _refs(op["responses"])]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += list(_refs(schemas[name]))
    return seen


def test_one_tag_per_resource(spec: dict[str, Any]) -> None:
    declared = [t["name"] for t in spec["tags"]]
    used = {}
    for path, method, op in operations(spec):
        assert len(op["tags"]) == 1, (method, path, op["tags"])
        used[path] = op["tags"][0]
    assert set(used.values()) == set(declared)
    assert used["/v1/chat/completions"] == "chat" and used["/v1/models"] == "models"
    assert used["/v1/documents/{doc_id}"] == used["/v1/documents"] == "documents"


def test_every_response_field_has_a_description(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    names = _response_schemas(spec)
    assert {"AnswerResponse", "ChatCompletionOut", "ConflictValueOut", "OpenAIError"} <= names
    bare = [
        f"{name}.{prop}"
        for name in sorted(names)
        for prop, value in schemas[name].get("properties", {}).items()
        if not value.get("description")
    ]
    assert bare == []


def test_mode_and_status_are_enums_and_conflicts_have_a_schema(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for name in ("AnswerResponse", "BriefingResponse", "RagExtraOut"):
        props = schemas[name]["properties"]
        assert props["mode"]["enum"] == ["extractive", "llm:local", "llm:openai"], name
        assert len(props["status"]["enum"]) >= 2, name
    values = schemas["ConflictOut"]["properties"]["values"]
    assert values["items"]["$ref"].endswith("/ConflictValueOut")
    chat = spec["paths"]["/v1/chat/completions"]["post"]["responses"]
    assert chat["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ChatCompletionOut"
    )


def test_openai_routes_declare_openais_errors(spec: dict[str, Any]) -> None:
    for path in ("/v1/chat/completions", "/v1/models", "/v1/models/{model_id}"):
        for method, op in spec["paths"][path].items():
            responses = op["responses"]
            assert "422" not in responses, (method, path)
            for code, response in responses.items():
                if code[0] in "45":
                    schema = response["content"]["application/json"]["schema"]
                    assert schema["$ref"].endswith("/OpenAIError"), (path, code)
    ask = spec["paths"]["/v1/ask"]["post"]["responses"]
    assert "application/problem+json" in ask["422"]["content"]


def test_every_example_request_is_accepted(spec: dict[str, Any], live_server: Any) -> None:
    checked = 0
    with live_server.default.client() as c:
        for path, method, op in operations(spec):
            for param in op.get("parameters", []):
                assert "example" in param, (method, path, param["name"])
            content = op.get("requestBody", {}).get("content", {})
            for media in content.values():
                assert media.get("examples"), (method, path)
            body = content.get("application/json")
            if body is None or method == "delete":
                continue
            example = next(iter(body["examples"].values()))["value"]
            url = path.format(**{p["name"]: p["example"] for p in op.get("parameters", [])})
            r = c.request(method.upper(), url, json=example)
            assert r.status_code == 200, (path, r.text)
            checked += 1
    assert checked == 5


def test_keys_declare_the_security_scheme_and_401_429_503(live_server: Any) -> None:
    server = live_server.start(api_key_hashes=[KEY_HASH])
    spec = httpx.get(server.url + "/openapi.json", timeout=60).json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer"}
    assert schemes["apiKey"]["in"] == "header" and schemes["apiKey"]["name"] == "X-API-Key"
    for path in ("/v1/ask", "/v1/search", "/v1/briefings", "/v1/chat/completions"):
        op = spec["paths"][path]["post"]
        assert op["security"] == [{"bearer": []}, {"apiKey": []}]
        assert {"401", "429", "503"} <= set(op["responses"]), path

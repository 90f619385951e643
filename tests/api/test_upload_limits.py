"""Over HTTP, an upload over a limit is a problem+json naming the limit, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

LOTS = " ".join(
    f"The {a} near the {b} reported {c} figures for season {i}."
    for i, (a, b, c) in enumerate(
        (w[i % 8], w[(i // 8) % 8], w[(i // 64) % 8])
        for w in [["harbour", "orchard", "quarry", "meadow", "foundry", "glacier", "canal", "mill"]]
        for i in range(9000)
    )
)  # ~600 KB, more than 500 passages, no two neighbouring sentences alike


@pytest.fixture(scope="module")
def server(live_server: Any) -> Any:
    return live_server.start(own_index=True)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("data", "status", "kind", "limit"),
    [
        (
            ("The moon is made of cheese. " * 7000).encode(),
            422,
            "repetitive-document",
            "max_repeated_sentences",
        ),
        (LOTS.encode(), 413, "document-too-large", "max_document_passages"),
    ],
)
def test_an_upload_over_a_limit_is_refused(
    server: Any, assert_problem: Any, data: bytes, status: int, kind: str, limit: str
) -> None:
    assert len(data) < server.settings.api.max_body_bytes
    with server.client() as c:
        before = c.get("/readyz").json()["index_version"]
        resp = c.post("/v1/documents", files={"file": ("huge.txt", data)})
        body = assert_problem(resp, status)
        assert body["type"].endswith(kind) and limit in body["detail"]
        assert c.get("/readyz").json()["index_version"] == before
        assert c.get("/v1/documents/huge").status_code == 404
    assert not (server.settings.corpus.dir / "huge.txt").exists()

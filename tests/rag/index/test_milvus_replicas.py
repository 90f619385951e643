"""Several replicas, one store: two `rag serve` processes on one milvus-lite server; a
document uploaded through one is found by the other within 2 s, and once deleted through it,
is gone from the other within 2 s (both in place, in the live version)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from milvus_support import build_data, free_port

from rag.engine import Engine
from rag.index.backends import open_store
from rag.settings import Settings

pytestmark = [pytest.mark.slow, pytest.mark.milvus]

REPO = Path(__file__).resolve().parents[3]
NOTE = "Tomato growers in Leeds allotments reported a record harvest of heritage tomatoes.\n"


@contextmanager
def serve(settings: Settings, name: str) -> Iterator[str]:
    """`rag serve` on the Milvus store of ``settings``, with a corpus and index folder of its
    own (as on another machine); yields its URL once /readyz answers 200."""
    root = settings.index.dir.parent / name
    (root / "corpus").mkdir(parents=True)
    for p in settings.corpus.dir.iterdir():
        (root / "corpus" / p.name).write_bytes(p.read_bytes())
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("RAG_")}
    env |= {
        "OMP_NUM_THREADS": "1",
        "RAG_STORE__BACKEND": "milvus",
        "RAG_STORE__URI": settings.store.uri,
        "RAG_STORE__COLLECTION_PREFIX": settings.store.collection_prefix,
    }
    args = ["--corpus", str(root / "corpus"), "--index", str(root / "index"), "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(root / "serve.log").open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, (root / "serve.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "rag serve not ready after 180 s"
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _top_doc(c: httpx.Client, query: str) -> str:
    return str(c.post("/v1/search", json={"query": query}).json()["results"][0]["doc_id"])


def _wait(c: httpx.Client, resp: httpx.Response) -> dict[str, Any]:
    """The job a 201/202 answered, once it is no longer queued or running."""
    job: dict[str, Any] = resp.json()
    while job["state"] in ("queued", "running"):
        time.sleep(0.05)
        job = c.get(resp.headers["location"]).json()
    return job


def test_an_upload_through_one_replica_is_answered_by_the_other_within_2_s(
    built_engine: Engine, milvus_settings: Settings
) -> None:
    open_store(milvus_settings).write(build_data(built_engine.index))
    with ExitStack() as stack:
        a = stack.enter_context(serve(milvus_settings, "a"))
        b = stack.enter_context(serve(milvus_settings, "b"))
        ca = stack.enter_context(httpx.Client(base_url=a, timeout=120))
        cb = stack.enter_context(httpx.Client(base_url=b, timeout=30))
        query = "tomato harvest in Leeds"
        assert _top_doc(cb, query) != "garden_2021"
        up = ca.post(
            "/v1/documents",
            files={"file": ("garden_2021.txt", NOTE.encode())},
            headers={"Prefer": "wait=60"},
        )
        assert up.status_code in (201, 202), up.text
        job = _wait(ca, up)
        done = time.monotonic()
        assert job["state"] == "done", job
        assert _top_doc(ca, query) == "garden_2021"
        while _top_doc(cb, query) != "garden_2021":
            assert time.monotonic() - done < 2.0, "replica b did not see the upload in 2 s"
            time.sleep(0.05)
        ask = cb.post("/v1/ask", json={"question": "Who reported a record harvest in Leeds?"})
        assert ask.status_code == 200
        cited = [c["doc_id"] for c in ask.json()["citations"]]
        assert "garden_2021" in cited
        version = job["result"]["ingest"]["version"]
        assert "@" in version  # the live version, updated in place
        gone = ca.delete("/v1/documents/garden_2021")
        assert gone.status_code in (200, 201, 202), gone.text
        job = _wait(ca, gone)
        done = time.monotonic()
        assert job["state"] == "done", job
        assert job["result"]["ingest"]["version"].split("@")[0] == version.split("@")[0]
        while "garden_2021" in {h["doc_id"] for h in _search(cb, query)}:
            assert time.monotonic() - done < 2.0, "replica b still finds the deleted document"
            time.sleep(0.05)
        assert cb.get("/v1/documents/garden_2021").status_code == 404


def _search(c: httpx.Client, query: str) -> list[dict[str, Any]]:
    hits: list[dict[str, Any]] = c.post("/v1/search", json={"query": query}).json()["results"]
    return hits

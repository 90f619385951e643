"""`rag serve` as a query replica: ready without torch, `/readyz` says what is warm, and the
first upload loads the document model. A real server process: /proc/<pid>/maps shows whether
libtorch is mapped."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rag.engine import Engine

REPO = Path(__file__).resolve().parents[2]
NOTE = "Tomato growers in Leeds allotments reported a record harvest of heritage tomatoes.\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _torch_mapped(pid: int) -> bool:
    return "libtorch" in Path(f"/proc/{pid}/maps").read_text()


@pytest.fixture()
def replica(
    request: pytest.FixtureRequest, tmp_path: Path, built_engine: Engine
) -> Iterator[tuple[str, int]]:
    """`rag serve` over a private copy of the built index (environment from the parameter, if
    any); yields its URL and pid once /readyz answers 200."""
    shutil.copytree(built_engine.settings.corpus.dir, tmp_path / "corpus")
    shutil.copytree(built_engine.settings.index.dir, tmp_path / "index")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("RAG_")}
    args = ["--corpus", str(tmp_path / "corpus"), "--index", str(tmp_path / "index")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", *args, "--port", str(port)],
        cwd=REPO,
        env={**env, "OMP_NUM_THREADS": "1", **getattr(request, "param", {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"rag serve exited with {proc.returncode}"
            assert time.monotonic() < deadline, "rag serve not ready after 120 s"
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        yield url, proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.slow
def test_a_query_replica_answers_without_torch_and_loads_it_on_upload(
    replica: tuple[str, int], tmp_path: Path
) -> None:
    url, pid = replica
    with httpx.Client(base_url=url, timeout=120) as c:
        ready = c.get("/readyz").json()
        assert ready["warm"] == {"index": True, "query_model": True, "document_model": False}
        hits = c.post("/v1/search", json={"query": "Ant Group IPO"})
        assert hits.status_code == 200 and hits.json()["results"]
        ask = c.post("/v1/ask", json={"question": "Why was the Ant IPO suspended?"})
        assert ask.status_code == 200 and ask.json()["status"] == "answered"
        assert not _torch_mapped(pid)
        assert c.get("/readyz").json()["warm"]["document_model"] is False

        up = c.post(
            "/v1/documents",
            files={"file": ("garden_2021.txt", NOTE.encode())},
            headers={"Prefer": "wait=20"},
        )
        assert up.status_code in (201, 202), up.text
        job = up.json()
        while job["state"] in ("queued", "running"):  # 202: Location is the job; poll it
            time.sleep(0.2)
            job = c.get(up.headers["location"]).json()
        assert job["state"] == "done", job
        # journalled under the port `rag serve --port` was given, not the settings' default
        port = url.rsplit(":", 1)[1]
        journal = tmp_path / "index" / "jobs" / f"{socket.gethostname()}-{port}.jsonl"
        assert job["id"] in journal.read_text()
        assert _torch_mapped(pid)
        ready = c.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["warm"] == {"index": True, "query_model": True, "document_model": True}
        top = c.post("/v1/search", json={"query": "tomato harvest in Leeds"}).json()["results"][0]
        assert top["doc_id"] == "garden_2021"


@pytest.mark.slow
@pytest.mark.parametrize(
    "replica", [{"RAG_EMBEDDING__DOCUMENT_MODEL_LOAD": "background"}], indirect=True
)
def test_a_background_load_warms_the_document_model_after_readiness(
    replica: tuple[str, int],
) -> None:
    url, pid = replica
    deadline = time.monotonic() + 120
    with httpx.Client(base_url=url, timeout=30) as c:
        while True:
            ready = c.get("/readyz")
            assert ready.status_code == 200  # ready all along, warm or not
            if ready.json()["warm"]["document_model"]:
                break
            assert time.monotonic() < deadline, "document model not loaded after 120 s"
            time.sleep(0.2)
    assert _torch_mapped(pid)

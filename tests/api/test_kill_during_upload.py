"""kill -9 at five points of an upload and a delete: after a restart the corpus and the index
agree (no orphan file, no corrupt version) and the document is fully present or fully absent.

Real `rag serve` processes; the test-only variable RAGTEST_KILL_AT names the point at which a
server kills itself with SIGKILL (rag.index.commit.crash_point). One chain of six starts:
each restarted server reconciles what the previous one left and is then killed at the next
point.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from rag.engine import Engine
from rag.index.commit import KILL_ENV, ORPHANS, STAGED
from rag.index.corpus import SUFFIXES
from rag.index.store import IndexStore

REPO = Path(__file__).resolve().parents[2]
NAME, DOC_ID = "kill_note.txt", "kill_note"
NOTE = (
    "Beekeepers in Harrogate counted forty hives after the frost. "
    "The kill note says the honey harvest doubled.\n"
)
# point -> whether the document is in the index after the kill and a restart
POINTS = [
    ("upload:staged", False),
    ("upload:written", False),
    ("upload:published", True),
    ("delete:staged", True),
    ("delete:published", False),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Running:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path


@pytest.fixture
def folders(tmp_path: Path, built_engine: Engine) -> tuple[Path, Path]:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(built_engine.settings.corpus.dir, corpus)
    shutil.copytree(built_engine.settings.index.dir, index)
    return corpus, index


def _start(corpus: Path, index: Path, kill_at: str | None, log: Path) -> Running:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(("RAG_", "RAGTEST"))}
    env["OMP_NUM_THREADS"] = "1"
    # each start has its own port: the journal is named, not left to its <host>-<port> default
    env["RAG_API__JOBS_JOURNAL"] = str(index.parent / "jobs.jsonl")
    if kill_at:
        env[KILL_ENV] = kill_at
    args = ["--corpus", str(corpus), "--index", str(index), "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "serve", *args],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=out,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, f"rag serve exited: {log.read_text()[-2000:]}"
        assert time.monotonic() < deadline, "rag serve not ready after 120 s"
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return Running(proc, url, log)
        except httpx.TransportError:
            pass
        time.sleep(0.05)


def _killed_by(server: Running, action: str) -> None:
    """Send the upload or delete; the server must die by SIGKILL while handling it."""
    with httpx.Client(base_url=server.url, timeout=120) as c:
        try:
            if action == "upload":
                c.post("/v1/documents", files={"file": (NAME, NOTE.encode())})
            else:
                c.delete(f"/v1/documents/{DOC_ID}")
        except httpx.TransportError:
            pass  # the connection dies with the process
    assert server.proc.wait(timeout=120) == -signal.SIGKILL, server.log.read_text()[-2000:]


def _check(server: Running, corpus: Path, index: Path, present: bool) -> None:
    """Corpus and index agree, the live version is intact, the document is all or nothing."""
    store = IndexStore(index)
    loaded = store.load()  # checks every checksum: a corrupt version raises
    with httpx.Client(base_url=server.url, timeout=60) as c:
        ready = c.get("/readyz").json()
        assert ready["index_version"] == loaded.version and ready["fallback"] is None
        listed = {d["doc_id"] for d in c.get("/v1/documents").json()["documents"]}
        doc = c.get(f"/v1/documents/{DOC_ID}")
        hits = c.post("/v1/search", json={"query": "beekeepers in Harrogate honey harvest"})
    files = {p.stem for p in corpus.iterdir() if p.is_file() and p.suffix in SUFFIXES}
    assert files == listed == set(loaded.documents)  # 0 orphans, 0 missing files
    assert not list(corpus.glob(STAGED + "*"))
    assert not (corpus / ORPHANS).exists()
    top = [h["doc_id"] for h in hits.json()["results"]]
    if present:
        assert doc.status_code == 200 and doc.json()["text"] == NOTE
        assert (corpus / NAME).read_bytes() == NOTE.encode()
        assert top[0] == DOC_ID
    else:
        assert doc.status_code == 404
        assert not (corpus / NAME).exists() and DOC_ID not in top


@pytest.fixture
def servers() -> Iterator[list[Running]]:
    started: list[Running] = []
    yield started
    for s in started:
        if s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_kill_9_at_any_point_of_an_upload_or_a_delete_leaves_old_or_new(
    folders: tuple[Path, Path], tmp_path: Path, servers: list[Running]
) -> None:
    corpus, index = folders
    present = False
    for i, (point, after) in enumerate(POINTS):
        server = _start(corpus, index, point, tmp_path / f"serve{i}.log")
        servers.append(server)
        _check(server, corpus, index, present)
        _interrupted(server, tmp_path / "jobs.jsonl", i)
        _killed_by(server, point.split(":")[0])
        present = after
    last = _start(corpus, index, None, tmp_path / "serve-last.log")
    servers.append(last)
    _check(last, corpus, index, present)
    _interrupted(last, tmp_path / "jobs.jsonl", len(POINTS))
    # the restart after the kill at upload:published finished the commit, and said so
    assert '"moved_in": ["kill_note.txt"]' in (tmp_path / "serve3.log").read_text()
    # a job that finished is answered the same after a restart
    with httpx.Client(base_url=last.url, timeout=120) as c:
        files = {"file": (NAME, NOTE.encode())}
        done = c.post("/v1/documents", files=files, headers={"Prefer": "wait=100"})
        assert done.status_code == 201, done.text
        job = c.get(done.headers["Content-Location"]).json()
    last.proc.terminate()  # a graceful stop (uvicorn ends by re-raising SIGTERM)
    assert last.proc.wait(timeout=60) in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in last.log.read_text()
    again = _start(corpus, index, None, tmp_path / "serve-again.log")
    servers.append(again)
    with httpx.Client(base_url=again.url, timeout=60) as c:
        assert c.get(f"/v1/jobs/{job['id']}").json() == job


def _interrupted(server: Running, journal: Path, killed: int) -> None:
    """Each job a killed server was running answers, after the restart, that it was
    interrupted (a problem the client can act on, not a 404)."""
    ids = list(dict.fromkeys(json.loads(line)["id"] for line in journal.read_text().splitlines()))
    assert len(ids) == killed
    with httpx.Client(base_url=server.url, timeout=60) as c:
        for job_id in ids:
            body = c.get(f"/v1/jobs/{job_id}").json()
            assert body["state"] == "failed", body
            assert body["error"]["type"].endswith("/job-interrupted"), body
            assert body["error"]["status"] == 503 and DOC_ID in body["error"]["detail"]

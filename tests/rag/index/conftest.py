"""Fixtures of the on-disk store tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from milvus_support import free_port
from store_workspace import Workspace

from rag.engine import Engine
from rag.settings import Settings, StoreSettings

CORPUS = Path(__file__).resolve().parents[3] / "corpus"


@pytest.fixture
def ws(tmp_path: Path, built_engine: Engine) -> Workspace:
    """A private copy of the session's corpus and built index (cheap: no embedding)."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(built_engine.settings.corpus.dir, corpus)
    shutil.copytree(built_engine.settings.index.dir, index)
    return Workspace(corpus, index, Settings().with_paths(corpus=corpus, index=index))


# Read at import: the autouse fixture drops every RAG_ variable before each test.
MILVUS_URI = os.environ.get("RAG_MILVUS_URI", "")


@pytest.fixture(scope="session")
def milvus_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Milvus to test against: RAG_MILVUS_URI (a real cluster) if set, else a milvus-lite
    server on a free loopback port, stopped at the end of the session."""
    pytest.importorskip("pymilvus", reason="needs the .[scale] extra")
    if MILVUS_URI:
        yield MILVUS_URI
        return
    from pymilvus import MilvusClient

    from rag.index.milvus import QUIET_KEEPALIVE

    port = free_port()
    data = tmp_path_factory.mktemp("milvus")
    cmd = [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(data / "db")]
    proc = subprocess.Popen(
        [*cmd, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=(data / "server.log").open("wb"),
    )
    uri = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (data / "server.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "milvus-lite server not up after 60 s"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        ready = MilvusClient(uri=uri, timeout=30, grpc_options=QUIET_KEEPALIVE)
        ready.list_collections()  # answers, not only listens
        ready.close()
        yield uri
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def milvus_settings(tmp_path: Path, milvus_uri: str) -> Settings:
    """Settings on the Milvus store, with a collection prefix of this test's own (tests share
    one server, or a cluster)."""
    shutil.copytree(CORPUS, tmp_path / "corpus")
    store = StoreSettings(
        backend="milvus", uri=milvus_uri, collection_prefix=f"t{uuid.uuid4().hex[:12]}_"
    )
    base = Settings().with_paths(corpus=tmp_path / "corpus", index=tmp_path / "index")
    return base.model_copy(update={"store": store})

"""A real uvicorn server over a real index, plus a factory for servers with other Settings.

`live_server.url` is the base URL of a server with default API settings (but no practical
rate limit) over a copy of corpus/ and of the session's built index (copied, not re-ingested).
`live_server.start(own_index=..., llm=..., **api_fields)` starts another app on its own port,
its settings' `api` group updated with `api_fields` and its `llm` group with `llm`; with
`own_index=True` it gets a private copy of the corpus and index folders (for tests that upload
or delete). All servers share the session's embedder, so the model loads once, and stop at the
end of the session.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from api.app import create_app
from rag.engine import Engine
from rag.index.embedder import Embedder
from rag.settings import Settings


def check_problem(resp: httpx.Response, status: int) -> dict[str, Any]:
    """The response is RFC 9457 problem+json with the given status; returns its body."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = resp.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"] and body["detail"]
    return body


@pytest.fixture
def assert_problem() -> Callable[[httpx.Response, int], dict[str, Any]]:
    """`assert_problem(resp, status)` checks a problem+json response and returns its body."""
    return check_problem


@dataclass
class Server:
    url: str
    settings: Settings
    engine: Engine
    uvicorn: uvicorn.Server
    thread: threading.Thread

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60.0, **kwargs)

    def stop(self) -> None:
        self.uvicorn.should_exit = True
        self.thread.join(timeout=30)


def _serve(settings: Settings, engine: Engine) -> Server:
    app = create_app(settings, engine)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=5,
        proxy_headers=False,  # as `rag serve`: the app alone decides whom to believe
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on {url}")
        time.sleep(0.05)
    assert httpx.get(url + "/healthz", timeout=10).status_code == 200
    return Server(url, settings, engine, server, thread)


@dataclass
class LiveServer:
    """The default server and a factory for more."""

    root: Path
    settings: Settings
    embedder: Embedder
    default: Server | None = None
    servers: list[Server] = field(default_factory=list)
    _copies: int = 0

    @property
    def url(self) -> str:
        assert self.default is not None
        return self.default.url

    def start(
        self, own_index: bool = False, llm: dict[str, Any] | None = None, **api_fields: Any
    ) -> Server:
        """Another server: `api_fields` update settings.api, `llm` updates settings.llm."""
        update: dict[str, Any] = {"api": self.settings.api.model_copy(update=api_fields)}
        if llm:
            update["llm"] = self.settings.llm.model_copy(update=llm)
        settings = self.settings.model_copy(update=update)
        if own_index:
            self._copies += 1
            dest = self.root / f"copy{self._copies}"
            shutil.copytree(self.settings.corpus.dir, dest / "corpus")
            shutil.copytree(self.settings.index.dir, dest / "index")
            settings = settings.with_paths(corpus=dest / "corpus", index=dest / "index")
        server = _serve(settings, Engine(settings, self.embedder))
        self.servers.append(server)
        return server


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, built_engine: Engine, embedder: Embedder
) -> Iterator[LiveServer]:
    # A copy of the session's built index: the same files as a fresh ingest, without a second
    # embedding pass (the built engine's own folders are never touched).
    root = tmp_path_factory.mktemp("api")
    shutil.copytree(built_engine.settings.corpus.dir, root / "corpus")
    shutil.copytree(built_engine.settings.index.dir, root / "index")
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):  # session fixtures run before the env isolation
            if key.upper().startswith("RAG_"):
                mp.delenv(key, raising=False)
        settings = Settings().with_paths(corpus=root / "corpus", index=root / "index")
    live = LiveServer(root, settings, embedder)
    # Default settings except the rate limit: every test in the session shares this server
    # (and 127.0.0.1's bucket); tests of the rate limit start their own servers.
    live.default = live.start(rate_limit_per_minute=1_000_000)
    try:
        yield live
    finally:
        for server in live.servers:
            server.stop()

"""Before / after on the HTTP path: several servers side by side, requests interleaved.

    python -m bench.http_ab --variant before=/tmp/before:h11:asyncio \
        --variant parser=/tmp/before:httptools:uvloop --variant after=.:httptools:uvloop

Each variant is `name=CHECKOUT:HTTP:LOOP`: the API of that checkout (e.g. `git archive` of an
older commit) served by uvicorn with that HTTP implementation and event loop, access log on as
`rag serve` has it, on one index of corpus/ built by this checkout. Per query the floor (the
int8 query embedding in this process) and one search and one ask on every server run
interleaved over keep-alive connections, so load from other processes hits all alike.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from bench.common import REPO, THREAD_ENV, cycle, free_port, log, md_table, ms, pin_threads
from bench.common import time_interleaved as interleave
from bench.load_client import load_questions
from bench.load_server import build_index

SERVE = (
    "import sys, uvicorn\n"
    "from api.app import create_app\n"
    "uvicorn.run(create_app(), host='127.0.0.1', port=int(sys.argv[1]), http=sys.argv[2],"
    " loop=sys.argv[3], log_level='info')\n"
)


@contextlib.contextmanager
def _serve(spec: str, index: Path, logdir: Path) -> Iterator[str]:
    name, rest = spec.split("=", 1)
    checkout, http, loop = rest.rsplit(":", 2)
    root = Path(checkout).resolve()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env |= THREAD_ENV | {"PYTHONPATH": str(root), "RAG_LLM__BACKEND": "none"}
    env |= {"RAG_INDEX__DIR": str(index), "RAG_CORPUS__DIR": str(REPO / "corpus")}
    env |= {"RAG_API__RATE_LIMIT_PER_MINUTE": "1000000", "RAG_API__MAX_CONCURRENCY": "64"}
    with (logdir / f"{name}.log").open("wb") as out:
        cmd = [sys.executable, "-c", SERVE, str(port), http, loop]
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                        break
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}")
                time.sleep(0.2)
            log(f"http_ab: {name} ({checkout}, {http}, {loop}) on {base}")
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def _calls(name: str, client: httpx.Client) -> list[tuple[str, Callable[[str], Any]]]:
    def search(q: str) -> None:
        client.post("/v1/search", json={"query": q}).raise_for_status()

    def ask(q: str) -> None:
        client.post("/v1/ask", json={"question": q, "llm": "none"}).raise_for_status()

    return [(f"{name}: /v1/search", search), (f"{name}: /v1/ask", ask)]


def main() -> None:
    p = argparse.ArgumentParser(description="HTTP path, several servers interleaved")
    p.add_argument("--variant", action="append", required=True, help="name=CHECKOUT:HTTP:LOOP")
    p.add_argument("--queries", type=int, default=300)
    args = p.parse_args()
    from rag.index.embedding import get_embedder
    from rag.settings import Settings

    e = Settings().embedding
    embedder = get_embedder(e.backend, e.model_id, 1, e.query_backend)
    pin_threads(1)
    qs = cycle(load_questions(REPO / "eval" / "questions.jsonl"), args.queries)
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp, contextlib.ExitStack() as stack:
        index = build_index(Path(tmp), {})
        calls: list[tuple[str, Callable[[str], Any]]] = [("floor", embedder.embed_query)]
        for spec in args.variant:
            base = stack.enter_context(_serve(spec, index, Path(tmp)))
            client = stack.enter_context(httpx.Client(base_url=base, timeout=30.0))
            calls += _calls(spec.split("=", 1)[0], client)
        log(f"http_ab: {len(calls)} operations x {len(qs)} queries, interleaved")
        t = interleave(calls, qs, warmup=10)
    floor = t["floor"].p50
    rows = [[k, ms(v.p50), ms(v.p95), f"{v.p50 / floor:.2f}x"] for k, v in t.items()]
    print(md_table(["operation (keep-alive)", "p50 ms", "p95 ms", "p50 ÷ floor"], rows))


if __name__ == "__main__":
    main()

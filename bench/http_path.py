"""The HTTP path against its floor: a real `rag serve`, a keep-alive client, the same queries.

    python -m bench.http_path [--queries 200] [--seconds 5]

The floor is embedding the query in this process with the int8 ONNX query model at one
thread (what the server does first for every search and ask). Per query the floor, one
`POST /v1/search` and one `POST /v1/ask` run interleaved (rotating order) over one httpx
keep-alive connection to a server on 127.0.0.1; then closed loops at c=1, 4 and 16 give the
throughput (best of the three). Used by bench/table.py (`make bench`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.common import REPO, cycle, log, pin_threads, time_interleaved
from bench.load_client import Bodies, closed_loop, load_questions
from bench.load_server import Server, build_index, serving

# as in bench.load: nothing shed, so the throughput is the server's, not the gate's
THROUGHPUT_SETTINGS = {
    "RAG_API__RATE_LIMIT_PER_MINUTE": "1000000",
    "RAG_API__MAX_CONCURRENCY": "64",
}
CONCURRENCIES = (1, 4, 16)


@dataclass(frozen=True)
class HttpPath:
    floor_ms: float
    search_ms: float
    ask_ms: float
    search_rps: dict[int, float]
    ask_rps: dict[int, float]

    def to_dict(self) -> dict[str, object]:
        return {
            "floor_ms": self.floor_ms,
            "search_ms": self.search_ms,
            "ask_ms": self.ask_ms,
            "search_rps": self.search_rps,
            "ask_rps": self.ask_rps,
        }


def _latency(server: Server, qs: list[str]) -> tuple[float, float, float]:
    """p50 ms of the floor, HTTP search and HTTP ask, interleaved on the same queries."""
    from rag.index.embedding import get_embedder
    from rag.settings import Settings

    e = Settings().embedding
    embedder = get_embedder(e.backend, e.model_id, 1, e.query_backend)
    pin_threads(1)
    with httpx.Client(base_url=server.base, timeout=30.0) as client:

        def search(q: str) -> None:
            client.post("/v1/search", json={"query": q}).raise_for_status()

        def ask(q: str) -> None:
            client.post("/v1/ask", json={"question": q, "llm": "none"}).raise_for_status()

        t = time_interleaved(
            [("floor", embedder.embed_query), ("search", search), ("ask", ask)], qs, warmup=10
        )
    return t["floor"].p50, t["search"].p50, t["ask"].p50


def _throughput(
    server: Server, questions: list[str], seconds: float
) -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {"/v1/search": {}, "/v1/ask": {}}
    for endpoint, rates in out.items():
        for c in CONCURRENCIES:
            run = asyncio.run(
                closed_loop(server, [endpoint], c, seconds, Bodies(questions), warmup_s=1.0)
            )
            ok = len(run.latencies(ok=True))
            if ok != len(run.samples):
                raise RuntimeError(f"{endpoint} c={c}: {len(run.samples) - ok} failed requests")
            rates[c] = run.rate
            log(f"http: {endpoint} c={c}: {run.rate:.1f} req/s")
    return out


@contextlib.contextmanager
def _server(workdir: Path) -> Iterator[Server]:
    index = build_index(workdir, {})
    with serving(index, workdir, "http", THROUGHPUT_SETTINGS) as server:
        yield server


def measure(workdir: Path, n_queries: int, seconds: float) -> HttpPath:
    questions = load_questions(REPO / "eval" / "questions.jsonl")
    with _server(workdir) as server:
        log(f"http: latency, {n_queries} queries interleaved with the floor")
        floor, search, ask = _latency(server, cycle(questions, n_queries))
        rates = _throughput(server, questions, seconds)
    return HttpPath(floor, search, ask, rates["/v1/search"], rates["/v1/ask"])


def main() -> None:
    p = argparse.ArgumentParser(description="HTTP search / ask against the query-embedding floor")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--seconds", type=float, default=5.0, help="per throughput cell")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        result = measure(Path(tmp), args.queries, args.seconds)
    print(json.dumps(result.to_dict()), flush=True)


if __name__ == "__main__":
    main()

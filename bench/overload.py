"""Overload shedding: how fast a real `rag serve` answers the 503s it sheds to 64 clients.

    .venv/bin/python -m bench.overload                 # 64 clients, gate 8, 15 s
    .venv/bin/python -m bench.overload --clients 64 --gate 8 --seconds 15 --index DIR

`rag ingest` of corpus/ into a temporary folder (or `--index DIR`), then `rag serve` with
`RAG_API__MAX_CONCURRENCY=--gate` and a rate limit far above the offered load, so every
rejection is the concurrency gate's 503. `--clients` closed-loop workers each hold one
keep-alive connection and post extractive /v1/ask questions back to back (a shed worker
retries at once: the worst case for the server). The client writes raw HTTP/1.1 on asyncio
streams, not httpx, so that little of the client's own CPU time (it shares the machine with
the server) is counted in the latencies. Reported: requests by status, p50/p99/max of the
shed 503s and of the accepted 200s, the CPU cores the server process and this client kept busy,
and the load average before and after (on a shared machine the other processes' load is part
of what the numbers measure).

How to read it: a shed client retries at once, so about `clients - gate` requests wait for a
503 at any moment and, by Little's law, the shed latency is about that number divided by the
503s the server turns around per second. That rate is bounded by the CPU its event loop gets:
the loop shares the GIL with the `gate` threads answering questions and the cores with the
rest of the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench.common import REPO, emit, md_table
from bench.load_client import load_questions
from bench.load_server import build_index, cpu_seconds, serving
from bench.machine import load_average
from eval.harness import percentile

HIGH_RATE_LIMIT = 1_000_000  # requests per minute: never reached here
SHED_MS = 100.0  # the target: shed 503s within this, p99


def _request(port: int, question: str) -> bytes:
    body = json.dumps({"question": question, "llm": "none"}).encode()
    head = (
        f"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> tuple[int, bool]:
    """Send one request, read its response: (status, whether the server keeps the connection)."""
    writer.write(raw)
    await writer.drain()
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
    status = int(head.split(" ", 2)[1])
    length = 0
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return status, "connection: close" not in head


async def _worker(
    port: int, requests: Sequence[bytes], start: int, deadline: float, out: list[tuple[int, float]]
) -> None:
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    n = start
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        try:
            if conn is None:
                conn = await asyncio.open_connection("127.0.0.1", port)
            status, keep = await _exchange(*conn, requests[n % len(requests)])
        except (OSError, asyncio.IncompleteReadError, ValueError):
            status, keep = 0, False
        out.append((status, (time.perf_counter() - t0) * 1000.0))
        if not keep and conn is not None:
            conn[1].close()
            conn = None
        n += 1
    if conn is not None:
        conn[1].close()


async def closed_loop(
    port: int, questions: Sequence[str], clients: int, seconds: float
) -> list[tuple[int, float]]:
    requests = [_request(port, q) for q in questions]
    out: list[tuple[int, float]] = []
    deadline = time.perf_counter() + seconds
    await asyncio.gather(*(_worker(port, requests, i, deadline, out) for i in range(clients)))
    return out


def _row(name: str, samples: list[tuple[int, float]], seconds: float) -> list[str]:
    ms = sorted(m for _, m in samples)
    if not ms:
        return [name, "0", "-", "-", "-", "-"]
    stats = [percentile(ms, 50), percentile(ms, 99), ms[-1]]
    return [name, str(len(ms)), f"{len(ms) / seconds:.1f}", *(f"{v:.1f}" for v in stats)]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.overload", description=__doc__.split("\n")[0])
    p.add_argument("--clients", type=int, default=64, help="concurrent closed-loop clients")
    p.add_argument("--gate", type=int, default=8, help="RAG_API__MAX_CONCURRENCY of the server")
    p.add_argument("--seconds", type=float, default=15.0, help="timed seconds")
    p.add_argument("--warmup", type=float, default=3.0, help="untimed seconds first")
    p.add_argument(
        "--compute",
        type=int,
        default=None,
        help="RAG_API__COMPUTE_CONCURRENCY of the server (default: its own, 0: every "
        "admitted request computes at once; e.g. 2: two at a time on the GIL)",
    )
    p.add_argument(
        "--switch-ms",
        type=float,
        default=None,
        help="RAG_API__SWITCH_INTERVAL_MS of the server (default: its own, 5: Python's)",
    )
    p.add_argument("--index", type=Path, default=None, help="an index of corpus/ to serve")
    args = p.parse_args(argv)
    if args.clients < 1 or args.gate < 1 or args.seconds <= 0:
        p.error("--clients and --gate must be >= 1 and --seconds > 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    questions = load_questions(REPO / "eval" / "questions.jsonl")
    root = Path(tempfile.mkdtemp(prefix="rag-overload-"))
    settings = {
        "RAG_API__RATE_LIMIT_PER_MINUTE": str(HIGH_RATE_LIMIT),
        "RAG_API__MAX_CONCURRENCY": str(args.gate),
    }
    if args.compute is not None:
        settings["RAG_API__COMPUTE_CONCURRENCY"] = str(args.compute)
    if args.switch_ms is not None:
        settings["RAG_API__SWITCH_INTERVAL_MS"] = str(args.switch_ms)
    try:
        index = args.index or build_index(root, {})
        with serving(index, root, "overload", settings) as server:
            load0 = load_average()
            asyncio.run(closed_loop(server.port, questions, args.clients, args.warmup))
            t0, cpu0, own0 = time.perf_counter(), cpu_seconds(server.pid), time.process_time()
            samples = asyncio.run(closed_loop(server.port, questions, args.clients, args.seconds))
            seconds = time.perf_counter() - t0
            server_cores = (cpu_seconds(server.pid) - cpu0) / seconds
            client_cores = (time.process_time() - own0) / seconds
            load1 = load_average()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    by = Counter(s for s, _ in samples)
    shed = [x for x in samples if x[0] == 503]
    emit(
        f"`python -m bench.overload {' '.join(argv if argv is not None else sys.argv[1:])}`: "
        f"{args.clients} clients, gate {args.gate}, compute {args.compute}, switch "
        f"{args.switch_ms} ms, {seconds:.1f} s, "
        f"{time.strftime('%Y-%m-%d %H:%M')}, load average {load0} -> {load1}\n"
    )
    headers = ["responses", "count", "per s", "p50 ms", "p99 ms", "max ms"]
    rows = [
        _row("503 (shed)", shed, seconds),
        _row("200", [x for x in samples if x[0] == 200], seconds),
    ]
    emit(md_table(headers, rows))
    other = {k: v for k, v in by.items() if k not in (200, 503)}
    p99 = percentile(sorted(m for _, m in shed), 99) if shed else float("inf")
    emit(
        f"\nother statuses: {other or 'none'}; server busy {server_cores:.2f} cores, this "
        f"client {client_cores:.2f} cores; shed p99 < {SHED_MS:g} ms: {p99 < SHED_MS}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

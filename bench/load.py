"""HTTP load: req/s and latency percentiles of a real `rag serve`, overload shedding, RSS soak.

    .venv/bin/python -m bench.load            # full run (15 s cells, 300 s soak, ~10 min)
    .venv/bin/python -m bench.load --quick    # smoke run (5 s cells, 30 s soak, ~2 min)
    .venv/bin/python -m bench.load --soak 0 --sections throughput

What it does, all on 127.0.0.1:

1. `rag ingest --index DIR` of corpus/ into a temporary folder.
2. Throughput: `rag serve --index DIR --port P` as a subprocess (rate limit and concurrency
   gate set far above the offered load, so that nothing is shed), then a closed-loop load per
   cell: N asyncio workers on one httpx client, each sending the next request as soon as the
   last one returned, questions cycled from eval/questions.jsonl. POST /v1/search and
   extractive POST /v1/ask (`llm: none`) at N = 1, 4 and 16; each cell runs a short untimed
   warm-up and then `--cell-seconds`.
3. Overload: a second server with `RAG_API__MAX_CONCURRENCY=--gate` (default 2). The unloaded
   p99 is taken at N = gate; then N = 2 x gate closed-loop workers (a rejected worker retries
   at once: the worst case) and an open-loop arrival stream at 2 x the unloaded req/s (a
   request every 1/rate s whatever the answers do). Reported: the share of 503/429, their
   latency, and the accepted requests' p99 against the unloaded p99.
4. Soak: `--soak` seconds at N = 4, workers alternating search and ask, on the throughput
   server; the server's VmRSS (from /proc/<pid>/status) at the start, every 30 s and at the end.

5. Targets: the issue's targets (search >= 50 req/s and extractive ask >= 20 req/s with < 1 %
   errors; 503/429 within 100 ms; accepted p99 within 2 x unloaded; flat RSS), each with the
   measured value and whether it holds.

The load generator runs on the same machine as the server (2 cores here), so its CPU time is
part of what the numbers measure; the throughput table shows the CPU time per request of the
server process (/proc/<pid>/stat) and of the generator, and how many cores the server kept
busy, which tells a slow server from a busy machine. Tables go to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.common import REPO, emit, md_table
from bench.load_client import Bodies, load_questions
from bench.load_sections import Verdicts, overload, soak, throughput
from bench.load_server import build_index, serving
from bench.machine import load_average

HIGH_RATE_LIMIT = 1_000_000  # requests per minute: never reached by one client here
HIGH_GATE = 64  # requests in flight: above every concurrency of the throughput cells


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="5 s cells and a 30 s soak")
    p.add_argument("--cell-seconds", type=float, default=None, help="timed seconds a cell")
    p.add_argument("--soak", type=float, default=None, help="soak seconds (0: no soak)")
    p.add_argument("--gate", type=int, default=2, help="max_concurrency of the overload server")
    p.add_argument(
        "--backend",
        choices=["sentence-transformers", "onnx-int8"],
        default="sentence-transformers",
        help="RAG_EMBEDDING__BACKEND (documents) for ingest and serve; queries use the default "
        "RAG_EMBEDDING__QUERY_BACKEND (int8 ONNX)",
    )
    p.add_argument(
        "--sections",
        nargs="+",
        choices=["throughput", "overload", "soak"],
        default=["throughput", "overload", "soak"],
    )
    args = p.parse_args(argv)
    if args.cell_seconds is None:
        args.cell_seconds = 5.0 if args.quick else 15.0
    if args.soak is None:
        args.soak = 30.0 if args.quick else 300.0
    if not 0 < args.cell_seconds <= 60:
        p.error("--cell-seconds must be in (0, 60]")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cmd = " ".join(["python -m bench.load", *(argv if argv is not None else sys.argv[1:])])
    warmup = min(3.0, args.cell_seconds / 5)
    bodies = Bodies(load_questions(REPO / "eval" / "questions.jsonl"))
    cores = os.cpu_count()
    emit(
        f"`{cmd.strip()}` (documents: {args.backend}, queries: int8 ONNX), "
        f"{time.strftime('%Y-%m-%d %H:%M')}, {cores} cores, "
        f"load average at start {load_average()}"
    )
    root = Path(tempfile.mkdtemp(prefix="rag-load-"))
    verdicts: Verdicts = []
    try:
        backend = {"RAG_EMBEDDING__BACKEND": args.backend}
        index = build_index(root, backend)
        open_gate = {
            **backend,
            "RAG_API__RATE_LIMIT_PER_MINUTE": str(HIGH_RATE_LIMIT),
            "RAG_API__MAX_CONCURRENCY": str(HIGH_GATE),
        }
        if "throughput" in args.sections or ("soak" in args.sections and args.soak > 0):
            with serving(index, root, "throughput", open_gate) as server:
                if "throughput" in args.sections:
                    throughput(server, bodies, args.cell_seconds, warmup, verdicts)
                if "soak" in args.sections and args.soak > 0:
                    every = min(30.0, args.soak / 3)
                    asyncio.run(soak(server, bodies, args.soak, every, verdicts))
        if "overload" in args.sections:
            gated = {**open_gate, "RAG_API__MAX_CONCURRENCY": str(args.gate)}
            with serving(index, root, "overload", gated) as server:
                overload(server, bodies, args.gate, args.cell_seconds, warmup, verdicts)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    emit("\n### Targets\n")
    emit(md_table(["target", "measured", "holds"], verdicts))
    emit(f"\nload average at the end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

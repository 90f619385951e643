"""`make bench`: the six targets of issue #17 in one run, in a few minutes.

    python -m bench.table [--queries 200] [--seconds 5] [--runs 3] [--out FILE]

1. HTTP `/v1/search` and `/v1/ask` p50 over a keep-alive connection, each divided by the
   floor measured in the same run: embedding the same query in-process with the int8 ONNX
   query model at one thread (bench/http_path.py; interleaved, so load hits all alike).
2. Cold start of `rag serve` to `/readyz` 200 and the replica's RSS right then (a query
   replica: the document model loads on first use), median of `--runs` (bench/cold_start.py).
3. Ingest: Engine.ingest (passages and sentences) passages/s against plain `encode` of the
   passages alone with two torch threads (bench/ingest_ratio.py, its own process).
4. HTTP throughput, closed loops at c=1, 4, 16: the best of the three (bench/http_path.py).

The table goes to stdout (and `--out`), progress to stderr. Everything else that used to be
`make bench` is `make bench-all` (bench/run.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.cold_start import one_run
from bench.common import REPO, THREAD_ENV, log, md_table
from bench.http_path import HttpPath, measure
from bench.machine import load_average
from eval.harness import percentile

# (measure, before issue #17, target, holds) as the issue states them
TARGETS = {
    "search": ("HTTP `/v1/search` p50 / int8 query-embedding floor (keep-alive)", "1.64x"),
    "ask": ("HTTP `/v1/ask` p50 / same floor (keep-alive)", "1.85x"),
    "cold": ("cold start to `/readyz` 200 (query role)", "5.9 s"),
    "rss": ("idle RSS of a query replica", "664 MB"),
    "ingest": ("ingest passages+sentences/s vs plain encode of passages, 2 threads", "0.54x"),
    "rps": ("HTTP throughput, best of c=1/4/16", "70.5 search, 50.6 ask req/s"),
}


def _ingest() -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.ingest_ratio"],
        cwd=REPO,
        env={**os.environ, **THREAD_ENV},
        stdout=subprocess.PIPE,
        text=True,
        check=True,
        timeout=900,
    )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def rows(http: HttpPath, cold: list[dict[str, float]], ingest: dict[str, Any]) -> list[list[str]]:
    search, ask = http.search_ms / http.floor_ms, http.ask_ms / http.floor_ms
    ready = percentile([r["readyz"] for r in cold], 50)
    rss = percentile([r["rss_mb"] for r in cold], 50)
    best_s, best_a = max(http.search_rps.values()), max(http.ask_rps.values())
    cells = {
        "search": (
            f"{search:.2f}x ({http.search_ms:.1f} / {http.floor_ms:.1f} ms)",
            "<= 1.3x",
            search <= 1.3,
        ),
        "ask": (f"{ask:.2f}x ({http.ask_ms:.1f} / {http.floor_ms:.1f} ms)", "<= 1.6x", ask <= 1.6),
        "cold": (f"{ready:.2f} s", "<= 2.5 s", ready <= 2.5),
        "rss": (f"{rss:.0f} MiB", "<= 300 MB", rss <= 300),  # MiB, as docs/BENCHMARKS.md reads it
        "ingest": (
            f"{ingest['ratio']:.2f}x ({ingest['engine_s']:.1f} s vs "
            f"{ingest['plain_2_threads_s']:.1f} s; {ingest['passages']} passages + "
            f"{ingest['sentences']} sentences)",
            ">= 1.0x",
            ingest["ratio"] >= 1.0,
        ),
        "rps": (
            f"{best_s:.1f} search, {best_a:.1f} ask req/s",
            ">= 120 / >= 90 req/s",
            best_s >= 120 and best_a >= 90,
        ),
    }
    out = []
    for key, (measured, target, holds) in cells.items():
        name, before = TARGETS[key]
        out.append([name, before, measured, target, "yes" if holds else "no"])
    return out


def main() -> int:
    p = argparse.ArgumentParser(description="The issue #17 target table, measured in one run")
    p.add_argument("--queries", type=int, default=200, help="latency queries (interleaved)")
    p.add_argument("--seconds", type=float, default=5.0, help="per throughput cell")
    p.add_argument("--runs", type=int, default=3, help="cold starts")
    p.add_argument("--out", type=Path, help="also write the table to this file")
    args = p.parse_args()
    started, load0 = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), load_average()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        http = measure(Path(tmp), args.queries, args.seconds)
        cold = []
        for i in range(args.runs):
            log(f"cold start {i + 1}/{args.runs}")
            cold.append(one_run(Path(tmp) / "index"))
    log("ingest: Engine.ingest vs plain encode (2 threads)")
    ingest = _ingest()
    secs = time.perf_counter() - t0
    table = md_table(["measure", "before #17", "now", "target", "holds"], rows(http, cold, ingest))
    per_c = ", ".join(
        f"c={c}: {http.search_rps[c]:.1f} / {http.ask_rps[c]:.1f}" for c in http.search_rps
    )
    starts = ", ".join(f"{r['readyz']:.2f}" for r in cold)
    text = (
        f"# `make bench` {started} (load average at start {load0}, after {load_average()}; "
        f"{secs:.0f} s)\n\n{table}\n\nThroughput search / ask req/s by concurrency: {per_c}. "
        f"Cold starts to /readyz: {starts} s.\n"
    )
    print(text, flush=True)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

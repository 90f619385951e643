"""Section 5: cold start, from launching ``rag serve`` to ``/readyz`` answering 200.

    .venv/bin/python -m bench.cold_start [--runs 3]

An index of the five articles is built first with ``rag ingest --index <tmp>``. Then, per run,
``.venv/bin/rag serve --index <tmp> --port <free>`` is started as a subprocess and ``/healthz``
and ``/readyz`` are polled every 10 ms; the clock starts just before the process is spawned.
The server is stopped with SIGTERM (its own pid only). A last, in-process run splits the time
into phases (imports, query model load, index load, warm-up query, and the document model
that the server loads only on its first upload, ingest or briefing).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import (
    RAG_CMD,
    REPO,
    THREAD_ENV,
    emit,
    free_port,
    log,
    md_table,
    rag_ingest,
    rss_mb,
    stopwatch,
)
from eval.harness import percentile

TIMEOUT_S = 180.0


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError):
        return 0


def one_run(index: Path) -> dict[str, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, **THREAD_ENV}
    t0 = time.perf_counter()
    cmd = [*RAG_CMD, "serve", "--corpus", str(REPO / "corpus"), "--index", str(index)]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    out: dict[str, float] = {}
    try:
        while time.perf_counter() - t0 < TIMEOUT_S:
            if proc.poll() is not None:
                raise RuntimeError(f"rag serve exited with {proc.returncode}")
            if "healthz" not in out and _status(base + "/healthz") == 200:
                out["healthz"] = time.perf_counter() - t0
            if _status(base + "/readyz") == 200:
                out["readyz"] = time.perf_counter() - t0
                break
            time.sleep(0.01)
        else:
            raise RuntimeError(f"/readyz not 200 after {TIMEOUT_S:.0f} s")
        out.setdefault("healthz", out["readyz"])
        out["rss_mb"] = rss_mb(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return out


def phases(index: Path) -> dict[str, float]:
    """In-process split of a cold start (run in a fresh interpreter)."""
    t0 = time.perf_counter()
    from api.app import create_app
    from rag.engine import Engine
    from rag.index.embedding import get_embedder
    from rag.settings import Settings

    out = {"import api.app (FastAPI, rag, numpy)": time.perf_counter() - t0}
    settings = Settings().with_paths(corpus=REPO / "corpus", index=index)
    e = settings.embedding
    embedder, out["load the query model (the document model loads on first use)"] = stopwatch(
        lambda: get_embedder(e.backend, e.model_id, e.threads, e.query_backend)
    )
    engine = Engine(settings, embedder)
    _, out["Engine.load (checksums, faiss, BM25)"] = stopwatch(engine.load)
    _, out["Engine.warm (first query)"] = stopwatch(engine.warm)
    _, out["create_app"] = stopwatch(lambda: create_app(settings, engine))
    _, out["later: the document model (first upload or briefing)"] = stopwatch(
        engine.load_document_model
    )
    return out


def section_cold_start(runs: int, workdir: Path) -> str:
    index = workdir / "index"
    env = {**os.environ, **THREAD_ENV}
    log("cold start: rag ingest")
    report, ingest_s = rag_ingest(index, env)
    n_passages = report["passages"]
    results = []
    for i in range(runs):
        log(f"cold start: run {i + 1}/{runs}")
        results.append(one_run(index))
    rows: list[list[str]] = [
        [str(i + 1), f"{r['healthz']:.2f}", f"{r['readyz']:.2f}", f"{r['rss_mb']:.0f}"]
        for i, r in enumerate(results)
    ]
    rows.append(
        [
            "**median**",
            f"**{percentile([r['healthz'] for r in results], 50):.2f}**",
            f"**{percentile([r['readyz'] for r in results], 50):.2f}**",
            f"{percentile([r['rss_mb'] for r in results], 50):.0f}",
        ]
    )
    table = md_table(["run", "to /healthz 200 (s)", "to /readyz 200 (s)", "server RSS MiB"], rows)
    proc = subprocess.run(
        [sys.executable, "-m", "bench.cold_start", "--phases", str(index)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=True,
    )
    split: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    phase_rows = [[k, f"{v:.3f}"] for k, v in split.items()]
    phase_table = md_table(["phase (one fresh process)", "s"], phase_rows)
    return (
        f"## 5. Cold start (`rag serve` on the five articles, {n_passages} passages; "
        f"index built by `rag ingest` in {ingest_s:.1f} s including its own start-up)\n\n"
        f"{table}\n\n{phase_table}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Time from `rag serve` to /readyz 200")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--phases", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.phases:
        print(json.dumps(phases(args.phases)), flush=True)
        return
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        emit(section_cold_start(args.runs, Path(tmp)))
        emit()


if __name__ == "__main__":
    main()

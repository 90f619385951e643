"""`make bench-all`: run every benchmark section and print Markdown tables as they finish.

    .venv/bin/python bench/run.py [--only ingest,search,llamaindex,scale,cold] [--out FILE]

Sections (each in its own process, with one thread for torch, faiss and onnxruntime, and a
time limit):

1. ingest      Engine.ingest vs plain SentenceTransformer.encode        bench/ingest.py
2. search      search / ask latency vs the floor (embed + raw faiss)    bench/search.py
3. llamaindex  a naive llama-index pipeline on the same chunks          bench/naive_llamaindex.py
4. scale       10k (real embeddings), 100k and 1M passages              bench/scale*.py
5. cold        `rag serve` start to /readyz 200                          bench/cold_start.py

Tables go to stdout (and to ``--out`` if given), progress to stderr. These VMs are shared:
compare numbers from one run, side by side, and read the load average in the header.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, THREAD_ENV, md_table
from bench.data import wordnet_available
from bench.machine import load_average, machine_table
from eval.harness import settings_rows

# (module and arguments, time limit in seconds). An idle 2-core VM needs about a third of
# each limit; the limits only stop a section that hangs or a machine that is swamped.
SECTIONS: dict[str, tuple[list[str], float]] = {
    "ingest": (["bench.ingest_search", "--section", "ingest"], 600),
    "search": (["bench.ingest_search", "--section", "search"], 600),
    "llamaindex": (["bench.naive_llamaindex"], 1800),
    "scale": (["bench.scale", "--sizes", "10000,100000,1000000"], 5400),
    "cold": (["bench.cold_start"], 600),
}
NEEDS: dict[str, list[tuple[str, str]]] = {
    "ingest": [("gensim", "pip install --no-deps gensim==4.4.0")],
    "llamaindex": [
        ("llama_index.embeddings.huggingface", "pip install llama-index-embeddings-huggingface"),
        ("llama_index.retrievers.bm25", "pip install --no-deps llama-index-retrievers-bm25"),
    ],
    "scale": [("gensim", "pip install --no-deps gensim==4.4.0")],
}


def settings_table() -> str:
    from rag.settings import Settings

    return md_table(["setting", "value"], settings_rows(Settings()))


def _missing(section: str) -> str | None:
    for module, hint in NEEDS.get(section, []):
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            return f"{module} is not installed ({hint})"
    if section == "scale" and not wordnet_available():
        return "WordNet glosses missing (apt-get install -y wordnet-base)"
    return None


def run_section(name: str, out: list[str]) -> float:
    """Run one section in its own process group, echo its stdout; return its seconds."""
    args, limit = SECTIONS[name]
    env = {**os.environ, **THREAD_ENV}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    timer = threading.Timer(limit, lambda: os.killpg(proc.pid, signal.SIGKILL))
    timer.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            out.append(line.rstrip("\n"))
        proc.wait()
    finally:
        timer.cancel()
    secs = time.perf_counter() - t0
    if proc.returncode != 0:
        why = "time limit" if proc.returncode == -signal.SIGKILL else f"exit {proc.returncode}"
        msg = f"> section `{name}` failed ({why}) after {secs:.0f} s; see stderr\n"
        print(msg, flush=True)
        out.append(msg)
    return secs


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Run the benchmarks; print Markdown tables")
    p.add_argument("--only", default=",".join(SECTIONS), help="sections, comma-separated")
    p.add_argument("--out", type=Path, help="also write the tables to this file")
    args = p.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        p.error(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}")
    head = [
        f"# Benchmark run {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
        "",
        machine_table(),
        "",
        settings_table(),
        "",
    ]
    print("\n".join(head), flush=True)
    out = list(head)
    timing: list[tuple[str, str, str]] = []
    t0 = time.perf_counter()
    for name in chosen:
        missing = _missing(name)
        if missing:
            msg = f"> section `{name}` skipped: {missing}\n"
            print(msg, flush=True)
            out.append(msg)
            timing.append((name, "skipped", load_average()))
            continue
        secs = run_section(name, out)
        timing.append((name, f"{secs:.0f}", load_average()))
    total = time.perf_counter() - t0
    tail = md_table(
        ["section", "seconds", "load average after"], [*timing, ("total", f"{total:.0f}", "")]
    )
    print(tail, flush=True)
    out.append(tail)
    if args.out:
        args.out.write_text("\n".join(out) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

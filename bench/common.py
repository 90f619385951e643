"""Timing and reporting helpers shared by the benchmark sections (no torch or faiss at import).

Latency numbers are wall-clock milliseconds from ``time.perf_counter``; a measurement runs
``warmup`` untimed calls first, then one timed call per item, and is summarised by
``eval.harness.Timing`` (percentiles interpolate linearly, as numpy's). Memory is the resident
set size from ``/proc/self/status`` (VmRSS, and VmHWM for the peak), falling back to
``resource.getrusage`` where /proc is missing.
"""

from __future__ import annotations

import json
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from eval.harness import Timing

REPO = Path(__file__).resolve().parents[1]
RAG = REPO / ".venv" / "bin" / "rag"
# `rag` as a command: the checkout's console script, else this interpreter on the checkout's
# cli (a git worktree has no .venv of its own; run with cwd=REPO so `-m` imports it)
RAG_CMD = [str(RAG)] if RAG.exists() else [sys.executable, "-m", "cli.main"]
T = TypeVar("T")

# One intra-op thread: on these 2-core machines a second thread makes torch, onnxruntime and
# faiss slower and jittery (a faiss query on 10k vectors: 16 ms with 2, 0.19 ms with 1).
# Set before torch/faiss are imported.
THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}


def pin_threads(n: int = 1) -> None:
    """torch and faiss to ``n`` threads (the Engine does the same from its settings)."""
    from rag.index.dense import set_faiss_threads
    from rag.index.embedding import set_threads

    set_threads(n)
    set_faiss_threads(n)


# --------------------------------------------------------------------------- timing


def time_interleaved(
    fns: Sequence[tuple[str, Callable[[T], Any]]], items: Sequence[T], warmup: int = 5
) -> dict[str, Timing]:
    """Time several operations on the same items, interleaved.

    For each item every operation runs once, in an order that rotates from item to item, so
    a burst of load from another process hits all operations alike (these machines are
    shared). ``warmup`` items run untimed first.
    """
    for item in items[:warmup]:
        for _, fn in fns:
            fn(item)
    samples: dict[str, list[float]] = {name: [] for name, _ in fns}
    for i, item in enumerate(items):
        shift = i % len(fns)
        for name, fn in [*fns[shift:], *fns[:shift]]:
            t0 = time.perf_counter()
            fn(item)
            samples[name].append((time.perf_counter() - t0) * 1000.0)
    return {name: Timing(tuple(v)) for name, v in samples.items()}


def stopwatch(fn: Callable[[], T]) -> tuple[T, float]:
    """``(result, seconds)`` of one call."""
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0


def cycle(items: Sequence[T], n: int) -> list[T]:
    """``n`` items, repeating ``items`` in order."""
    if not items:
        raise ValueError("cannot cycle an empty sequence")
    return [items[i % len(items)] for i in range(n)]


# --------------------------------------------------------------------------- memory, disk


def _status_kb(field: str, pid: int | str = "self") -> float | None:
    try:
        with Path(f"/proc/{pid}/status").open(encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return float(line.split()[1])
    except OSError:
        return None
    return None


def rss_mb(pid: int | str = "self") -> float:
    """Current resident set size in MiB."""
    kb = _status_kb("VmRSS", pid)
    if kb is None:
        return peak_rss_mb()
    return kb / 1024.0


def peak_rss_mb(pid: int | str = "self") -> float:
    """Peak resident set size in MiB."""
    kb = _status_kb("VmHWM", pid)
    if kb is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return kb / 1024.0


def dir_size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / (1024.0 * 1024.0)


def rag_ingest(index: Path, env: dict[str, str]) -> tuple[dict[str, Any], float]:
    """``rag ingest --json`` of corpus/ into ``index``: its report, and seconds with start-up."""
    cmd = [*RAG_CMD, "ingest", "--corpus", str(REPO / "corpus"), "--index", str(index), "--json"]
    done, secs = stopwatch(
        lambda: subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=True)
    )
    report: dict[str, Any] = json.loads(done.stdout)
    return report, secs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# --------------------------------------------------------------------------- reporting


def emit(text: str = "") -> None:
    """Print a table (or line) now, so a long run shows results as it goes."""
    print(text, flush=True)


def log(text: str) -> None:
    """Progress to stderr (tables go to stdout)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    def cell(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.3g}" if abs(v) < 10 else f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.1f}"
        return str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def ms(v: float) -> str:
    return f"{v:.2f}" if v < 10 else f"{v:.1f}"

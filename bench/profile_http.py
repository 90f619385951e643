"""Where a request's time goes: py-spy samples a real `rag serve` while one keep-alive client
sends `/v1/search` or `/v1/ask` back to back.

    python -m bench.profile_http [--seconds 20] [--out docs/profiles]

Writes `<endpoint>.svg` (flame graph) and prints, per endpoint, the share of the server's
busy samples (idle threads and the event loop's wait excluded) spent in each part of the
path. Needs `py-spy` (a dev dependency) and permission to ptrace the server (root, or
`kernel.yama.ptrace_scope=0`).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from bench.common import REPO, log, md_table
from bench.load_client import load_questions
from bench.load_server import build_index, serving

# (label, a frame that marks it) from the inside out: a sample counts for the first that matches
PARTS = (
    ("model: onnxruntime Session.run (query embedding)", "Session.run"),
    ("engine: rest of Engine.search / Engine.ask", "Engine."),
    ("JSON encoding (api.encode)", "model_json"),
    ("FastAPI: request body validation, dependencies", "solve_dependencies"),
    ("logging (uvicorn access log)", "Logger."),
    ("thread hand-off (anyio worker threads)", "run_sync_in_worker_thread"),
    ("FastAPI routing and endpoint wrapper", "get_request_handler"),
    ("middleware and the rest of the ASGI stack", "Middleware.__call__"),
    ("uvicorn HTTP protocol (httptools)", "httptools_impl"),
)
IDLE = ("Condition.wait", "Runner.run")  # waiting workers, the event loop in epoll


def _drive(base: str, endpoint: str, seconds: float, questions: list[str]) -> int:
    n = 0
    with httpx.Client(base_url=base, timeout=30.0) as client:
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            q = questions[n % len(questions)]
            body = {"query": q} if endpoint == "search" else {"question": q, "llm": "none"}
            client.post(f"/v1/{endpoint}", json=body).raise_for_status()
            n += 1
    return n


def _parts(raw: Path) -> tuple[Counter[str], int]:
    parts: Counter[str] = Counter()
    busy = 0
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if frames and frames[-1].startswith(IDLE):
            continue
        busy += int(count)
        label = next((lab for lab, mark in PARTS if mark in stack), "other")
        parts[label] += int(count)
    return parts, busy


def profile(base: str, pid: int, endpoint: str, seconds: float, out: Path) -> str:
    pyspy = shutil.which("py-spy") or str(Path(REPO / ".venv" / "bin" / "py-spy"))
    questions = load_questions(REPO / "eval" / "questions.jsonl")
    _drive(base, endpoint, 2.0, questions)  # warm
    raw = out / f"{endpoint}.txt"
    results: dict[str, int] = {}
    for fmt, path in (("flamegraph", out / f"{endpoint}.svg"), ("raw", raw)):
        cmd = [pyspy, "record", "--pid", str(pid), "-d", str(int(seconds)), "-r", "200"]
        rec = subprocess.Popen(
            [*cmd, "-f", fmt, "-o", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        t = threading.Thread(
            target=lambda: results.update(n=_drive(base, endpoint, seconds, questions))
        )
        t.start()
        t.join()
        rec.wait(timeout=seconds + 60)
    parts, busy = _parts(raw)
    raw.unlink()
    rows = [[lab, f"{100 * n / busy:.1f} %"] for lab, n in parts.most_common()]
    log(f"profile: {endpoint}: {results.get('n', 0)} requests in {seconds:.0f} s")
    return f"### /v1/{endpoint} ({busy} busy samples)\n\n" + md_table(
        ["part of the path", "share of busy samples"], rows
    )


def main() -> None:
    p = argparse.ArgumentParser(description="py-spy profile of /v1/search and /v1/ask")
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--out", type=Path, default=REPO / "docs" / "profiles")
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        index = build_index(Path(tmp), {})
        with serving(index, Path(tmp), "profile", {}) as server:
            for endpoint in ("search", "ask"):
                print(profile(server.base, server.pid, endpoint, args.seconds, args.out) + "\n")


if __name__ == "__main__":
    main()

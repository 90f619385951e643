"""HTTP load benchmark, the server: `rag serve` on a fresh index of corpus/, in a subprocess.

The server's environment drops every ``RAG_*`` variable of ours, adds one thread for torch,
faiss and onnxruntime, the extractive answerer, and the settings a section asks for.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx

from bench.common import RAG_CMD, REPO, THREAD_ENV, free_port, log, rag_ingest


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process, all its threads (utime, stime of /proc/pid/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": fields 3.. of proc(5)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(THREAD_ENV)
    env.update({"RAG_LLM__BACKEND": "none", "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def build_index(root: Path, settings: dict[str, str]) -> Path:
    index = root / "index"
    _, secs = rag_ingest(index, _env(settings))
    log(f"index of corpus/ built in {secs:.1f} s")
    return index


class Server:
    """`rag serve` in a subprocess on a free 127.0.0.1 port; output goes to a log file."""

    def __init__(self, index: Path, logfile: Path, settings: dict[str, str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.logfile = logfile
        self.settings = settings
        self._log: IO[bytes] = logfile.open("wb")
        cmd = [*RAG_CMD, "serve", "--index", str(index), "--host", "127.0.0.1"]
        self.proc = subprocess.Popen(
            [*cmd, "--port", str(self.port)],
            cwd=REPO,
            env=_env(settings),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout_s: float = 240.0) -> float:
        """Poll /readyz until 200; the seconds it took."""
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < timeout_s:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base + "/readyz", timeout=2.0).status_code == 200:
                    return time.perf_counter() - t0
            time.sleep(0.25)
        raise RuntimeError(f"server not ready after {timeout_s:.0f} s: {self.tail()}")

    def tail(self, n: int = 20) -> str:
        self._log.flush()
        lines = self.logfile.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(lines[-n:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self._log.close()


@contextlib.contextmanager
def serving(index: Path, root: Path, name: str, settings: dict[str, str]) -> Iterator[Server]:
    server = Server(index, root / f"{name}.log", settings)
    try:
        secs = server.wait_ready()
        log(f"{name} server pid {server.pid} ready on {server.base} in {secs:.1f} s ({settings})")
        yield server
    finally:
        server.stop()

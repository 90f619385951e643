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
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import IO, Any

import httpx

from bench.common import (
    RAG,
    REPO,
    THREAD_ENV,
    emit,
    free_port,
    log,
    md_table,
    peak_rss_mb,
    rag_ingest,
    rss_mb,
)
from bench.machine import load_average
from eval.harness import percentile

ENDPOINTS = ("/v1/search", "/v1/ask")
CONCURRENCY = (1, 4, 16)
SHED = frozenset({429, 503})
HIGH_RATE_LIMIT = 1_000_000  # requests per minute: never reached by one client here
HIGH_GATE = 64  # requests in flight: above every concurrency of the throughput cells
CLIENT_TIMEOUT_S = 60.0
OPEN_LOOP_MAX_OUTSTANDING = 256
# The targets.
TARGET_RATE = {"/v1/search": 50.0, "/v1/ask": 20.0}  # req/s with < MAX_ERROR_PCT errors
MAX_ERROR_PCT = 1.0
SHED_MS = 100.0  # a 503/429 comes back within this
P99_RATIO = 2.0  # accepted p99 under overload / unloaded p99
RSS_GROWTH = 0.05  # "flat": the end RSS at most 5 % above the start

Verdicts = list[list[str]]  # rows of (target, measured, holds)


# --------------------------------------------------------------------------- samples


@dataclass(frozen=True, slots=True)
class Sample:
    """One request: its endpoint, HTTP status (0: transport error) and latency."""

    endpoint: str
    status: int
    ms: float


@dataclass(frozen=True)
class Run:
    """The samples of one timed cell and its wall-clock length."""

    samples: tuple[Sample, ...]
    seconds: float
    server_cpu_s: float = 0.0  # CPU seconds of the server process during the cell
    client_cpu_s: float = 0.0  # CPU seconds of this (load generator) process

    def cpu_ms(self, server: bool = True) -> float:
        """CPU milliseconds per request, of the server or of the load generator."""
        cpu = self.server_cpu_s if server else self.client_cpu_s
        return 1000.0 * cpu / len(self.samples) if self.samples else 0.0

    @property
    def rate(self) -> float:
        return len(self.samples) / self.seconds if self.seconds > 0 else 0.0

    def latencies(self, statuses: frozenset[int] | None = None, ok: bool = False) -> list[float]:
        """Latencies of the 2xx samples (`ok`), of `statuses`, or of all samples."""
        if ok:
            return [s.ms for s in self.samples if 200 <= s.status < 300]
        if statuses is not None:
            return [s.ms for s in self.samples if s.status in statuses]
        return [s.ms for s in self.samples]

    def share(self, statuses: frozenset[int]) -> float:
        n = sum(1 for s in self.samples if s.status in statuses)
        return 100.0 * n / len(self.samples) if self.samples else 0.0

    def errors(self, allowed: frozenset[int] = frozenset()) -> float:
        """Percent of samples that are neither 2xx nor in `allowed`."""
        bad = sum(1 for s in self.samples if not (200 <= s.status < 300 or s.status in allowed))
        return 100.0 * bad / len(self.samples) if self.samples else 0.0


class Bodies:
    """Request bodies for an endpoint, cycling the question set (shared by all workers)."""

    def __init__(self, questions: Sequence[str]) -> None:
        if not questions:
            raise ValueError("no questions to send")
        self.questions = list(questions)
        self._next = count()

    def body(self, endpoint: str) -> dict[str, Any]:
        q = self.questions[next(self._next) % len(self.questions)]
        if endpoint == "/v1/search":
            return {"query": q}
        return {"question": q, "llm": "none"}


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process, all its threads (utime, stime of /proc/pid/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": fields 3.. of proc(5)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_questions(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [str(json.loads(line)["question"]) for line in lines if line.strip()]


# --------------------------------------------------------------------------- the server


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
        cmd = [str(RAG), "serve", "--index", str(index), "--host", "127.0.0.1"]
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


# --------------------------------------------------------------------------- load generators


async def _one(client: httpx.AsyncClient, endpoint: str, body: dict[str, Any]) -> Sample:
    t0 = time.perf_counter()
    try:
        response = await client.post(endpoint, json=body)
        await response.aread()
        status = response.status_code
    except httpx.HTTPError:
        status = 0
    return Sample(endpoint, status, (time.perf_counter() - t0) * 1000.0)


def _client(base: str, connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=base, timeout=CLIENT_TIMEOUT_S, limits=limits)


async def _closed_loop(
    client: httpx.AsyncClient,
    endpoints: Sequence[str],
    workers: int,
    seconds: float,
    bodies: Bodies,
) -> Run:
    """`workers` loops, each sending back to back until `seconds` pass (endpoints rotate)."""
    samples: list[Sample] = []
    t0 = time.perf_counter()
    deadline = t0 + seconds

    async def worker(i: int) -> None:
        n = i
        while time.perf_counter() < deadline:
            endpoint = endpoints[n % len(endpoints)]
            samples.append(await _one(client, endpoint, bodies.body(endpoint)))
            n += 1

    await asyncio.gather(*(worker(i) for i in range(workers)))
    return Run(tuple(samples), time.perf_counter() - t0)


async def closed_loop(
    server: Server,
    endpoints: Sequence[str],
    workers: int,
    seconds: float,
    bodies: Bodies,
    warmup_s: float,
) -> Run:
    """An untimed warm-up of `warmup_s`, then the timed cell, on one keep-alive client."""
    async with _client(server.base, workers) as client:
        if warmup_s > 0:
            await _closed_loop(client, endpoints, workers, warmup_s, bodies)
        cpu0, own0 = cpu_seconds(server.pid), time.process_time()
        run = await _closed_loop(client, endpoints, workers, seconds, bodies)
        cpu1, own1 = cpu_seconds(server.pid), time.process_time()
    return Run(run.samples, run.seconds, cpu1 - cpu0, own1 - own0)


async def open_loop(
    server: Server, endpoint: str, rate: float, seconds: float, bodies: Bodies
) -> Run:
    """One request every 1/`rate` s for `seconds`, whatever the server does (open loop).

    Requests still outstanding at the end are awaited and counted; if more than
    OPEN_LOOP_MAX_OUTSTANDING are in flight a send is skipped and counted as status 0.
    """
    samples: list[Sample] = []
    tasks: set[asyncio.Task[None]] = set()
    async with _client(server.base, OPEN_LOOP_MAX_OUTSTANDING) as client:

        async def send() -> None:
            samples.append(await _one(client, endpoint, bodies.body(endpoint)))

        t0 = time.perf_counter()
        for i in range(int(rate * seconds)):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if len(tasks) >= OPEN_LOOP_MAX_OUTSTANDING:
                samples.append(Sample(endpoint, 0, 0.0))
                continue
            task = asyncio.create_task(send())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
        return Run(tuple(samples), time.perf_counter() - t0)


# --------------------------------------------------------------------------- sections


def _f(v: float, digits: int = 1) -> str:
    return f"{v:.{digits}f}"


def _holds(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _rate_verdict(endpoint: str, runs: dict[int, Run]) -> list[str]:
    good = {n: r for n, r in runs.items() if r.errors() < MAX_ERROR_PCT}
    target = f"{endpoint} >= {TARGET_RATE[endpoint]:g} req/s, < {MAX_ERROR_PCT:g} % errors"
    if not good:
        return [target, "every cell has >= 1 % errors", _holds(False)]
    n = max(good, key=lambda k: good[k].rate)
    best = good[n]
    measured = f"best {best.rate:.1f} req/s (c={n}, {best.errors():.2f} % errors)"
    return [target, measured, _holds(best.rate >= TARGET_RATE[endpoint])]


def throughput(
    server: Server, bodies: Bodies, cell_s: float, warmup_s: float, verdicts: Verdicts
) -> None:
    rows: list[list[str]] = []
    for endpoint in ENDPOINTS:
        runs: dict[int, Run] = {}
        for n in CONCURRENCY:
            run = runs[n] = asyncio.run(
                closed_loop(server, [endpoint], n, cell_s, bodies, warmup_s)
            )
            lat = run.latencies()
            rows.append(
                [
                    endpoint,
                    str(n),
                    str(len(run.samples)),
                    _f(run.rate),
                    _f(percentile(lat, 50)),
                    _f(percentile(lat, 95)),
                    _f(percentile(lat, 99)),
                    _f(run.errors(), 2),
                    _f(run.cpu_ms()),
                    _f(run.cpu_ms(server=False)),
                    _f(run.server_cpu_s / run.seconds, 2),
                ]
            )
            log(f"{endpoint} c={n}: {run.rate:.1f} req/s, p99 {percentile(lat, 99):.0f} ms")
        verdicts.append(_rate_verdict(endpoint, runs))
    emit(f"\n### Throughput ({cell_s:g} s a cell after {warmup_s:g} s warm-up; closed loop)\n")
    headers = ["endpoint", "concurrency", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms"]
    headers += ["error %", "server CPU ms/req", "client CPU ms/req", "server cores busy"]
    emit(md_table(headers, rows))
    rss = rss_mb(server.pid)
    emit(f"\nserver RSS after the cells: {rss:.0f} MiB; load average {load_average()}")


def _overload_row(name: str, base: Run, run: Run, offered: str) -> list[str]:
    shed = run.latencies(SHED)
    accepted_p99 = percentile(run.latencies(ok=True), 99)
    base_p99 = percentile(base.latencies(ok=True), 99)
    return [
        name,
        offered,
        str(len(run.samples)),
        _f(run.share(SHED)),
        _f(percentile(shed, 50)) if shed else "-",
        _f(percentile(shed, 99)) if shed else "-",
        _f(max(shed)) if shed else "-",
        _f(len(run.latencies(ok=True)) / run.seconds),
        _f(accepted_p99),
        _f(base_p99),
        _f(accepted_p99 / base_p99, 2) if base_p99 else "-",
        _f(run.errors(SHED), 2),
    ]


def _overload_verdicts(name: str, base: Run, run: Run) -> Verdicts:
    shed = run.latencies(SHED)
    if not shed:
        return [[f"{name}: excess gets 503/429", "nothing was shed", _holds(False)]]
    p99, worst = percentile(shed, 99), max(shed)
    fast = "yes" if worst < SHED_MS else "p99 only" if p99 < SHED_MS else "**no**"
    base_p99 = percentile(base.latencies(ok=True), 99)
    ratio = percentile(run.latencies(ok=True), 99) / base_p99 if base_p99 else float("inf")
    return [
        [
            f"{name}: 503/429 within {SHED_MS:g} ms",
            f"{run.share(SHED):.0f} % shed; p99 {p99:.0f} ms, max {worst:.0f} ms",
            fast,
        ],
        [
            f"{name}: accepted p99 <= {P99_RATIO:g} x unloaded",
            f"{ratio:.2f} x ({run.errors(SHED):.2f} % other errors)",
            _holds(ratio <= P99_RATIO and run.errors(SHED) == 0.0),
        ],
    ]


def overload(
    server: Server, bodies: Bodies, gate: int, cell_s: float, warmup_s: float, verdicts: Verdicts
) -> None:
    rows: list[list[str]] = []
    for endpoint in ENDPOINTS:
        base = asyncio.run(closed_loop(server, [endpoint], gate, cell_s, bodies, warmup_s))
        rate = len(base.latencies(ok=True)) / base.seconds
        p99 = percentile(base.latencies(), 99)
        log(f"{endpoint} unloaded at c={gate}: {rate:.1f} req/s, p99 {p99:.0f} ms")
        rows.append(_overload_row(endpoint, base, base, f"unloaded: closed loop c={gate}"))
        closed = asyncio.run(closed_loop(server, [endpoint], 2 * gate, cell_s, bodies, 0))
        rows.append(_overload_row(endpoint, base, closed, f"closed loop c={2 * gate}"))
        opened = asyncio.run(open_loop(server, endpoint, 2 * rate, cell_s, bodies))
        rows.append(_overload_row(endpoint, base, opened, f"open loop {2 * rate:.0f} req/s"))
        log(f"{endpoint} overload: shed {closed.share(SHED):.0f}% / {opened.share(SHED):.0f}%")
        verdicts += _overload_verdicts(f"{endpoint} closed loop c={2 * gate}", base, closed)
        verdicts += _overload_verdicts(f"{endpoint} open loop 2 x rate", base, opened)
    emit(
        f"\n### Overload (RAG_API__MAX_CONCURRENCY={gate}; {cell_s:g} s a cell; "
        "shed = 503 or 429)\n"
    )
    headers = ["endpoint", "offered load", "requests", "shed %", "shed p50 ms", "shed p99 ms"]
    headers += ["shed max ms", "accepted req/s", "accepted p99 ms", "unloaded p99 ms"]
    emit(md_table([*headers, "p99 ratio", "other errors %"], rows))


def _p50_p99(run: Run) -> str:
    lat = run.latencies()
    return f"{percentile(lat, 50):.0f}/{percentile(lat, 99):.0f}"


async def soak(
    server: Server, bodies: Bodies, seconds: float, every: float, verdicts: Verdicts
) -> None:
    rss: list[tuple[str, float]] = [("start", rss_mb(server.pid))]
    log(f"soak start: RSS {rss[0][1]:.1f} MiB")
    load = asyncio.create_task(closed_loop(server, ENDPOINTS, 4, seconds, bodies, 0))
    t0 = time.perf_counter()
    for k in count(1):
        await asyncio.wait({load}, timeout=max(0.0, t0 + k * every - time.perf_counter()))
        if load.done():
            break
        rss.append((f"{k * every:.0f}", rss_mb(server.pid)))
        log(f"soak t={k * every:.0f} s: RSS {rss[-1][1]:.1f} MiB")
    rss.append(("end", rss_mb(server.pid)))
    log(f"soak end: RSS {rss[-1][1]:.1f} MiB")
    run = load.result()
    emit(f"\n### Soak ({seconds:g} s, closed loop c=4, search and ask alternating)\n")
    emit(md_table(["t (s)", "server RSS (MiB)"], [[t, _f(m)] for t, m in rss]))
    by = {e: Run(tuple(s for s in run.samples if s.endpoint == e), run.seconds) for e in ENDPOINTS}
    emit(
        f"\nstart {rss[0][1]:.1f} MiB, end {rss[-1][1]:.1f} MiB "
        f"(change {rss[-1][1] - rss[0][1]:+.1f} MiB); peak RSS (VmHWM) "
        f"{peak_rss_mb(server.pid):.1f} MiB; {len(run.samples)} requests, {run.rate:.1f} req/s; "
        + "; ".join(f"{e} p50/p99 {_p50_p99(r)} ms" for e, r in by.items())
        + f"; errors {run.errors():.2f} %"
    )
    start, end = rss[0][1], rss[-1][1]
    verdicts.append(
        [
            f"RSS flat over a {seconds:g} s soak (end <= start + {RSS_GROWTH:.0%})",
            f"start {start:.0f} MiB, end {end:.0f} MiB ({end - start:+.1f} MiB)",
            _holds(end <= start * (1 + RSS_GROWTH)),
        ]
    )


# --------------------------------------------------------------------------- main


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

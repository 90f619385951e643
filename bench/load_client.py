"""HTTP load benchmark, the load generator: closed- and open-loop request streams.

One httpx client per cell, asyncio workers on it; every request becomes a :class:`Sample`
(endpoint, status, milliseconds; status 0 for a transport error) and a cell a :class:`Run`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

import httpx

from bench.load_server import Server, cpu_seconds

CLIENT_TIMEOUT_S = 60.0
OPEN_LOOP_MAX_OUTSTANDING = 256


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


def load_questions(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [str(json.loads(line)["question"]) for line in lines if line.strip()]


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

"""HTTP load benchmark, the sections: throughput, overload and soak, each with its verdicts.

Each section prints its table and appends (target, measured, holds) rows to ``verdicts``.
"""

from __future__ import annotations

import asyncio
import time
from itertools import count

from bench.common import emit, log, md_table, peak_rss_mb, rss_mb
from bench.load_client import Bodies, Run, closed_loop, open_loop
from bench.load_server import Server
from bench.machine import load_average
from eval.harness import percentile

ENDPOINTS = ("/v1/search", "/v1/ask")
CONCURRENCY = (1, 4, 16)
SHED = frozenset({429, 503})
# The targets.
TARGET_RATE = {"/v1/search": 50.0, "/v1/ask": 20.0}  # req/s with < MAX_ERROR_PCT errors
MAX_ERROR_PCT = 1.0
SHED_MS = 100.0  # a 503/429 comes back within this
P99_RATIO = 2.0  # accepted p99 under overload / unloaded p99
RSS_GROWTH = 0.05  # "flat": the end RSS at most 5 % above the start

Verdicts = list[list[str]]  # rows of (target, measured, holds)


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

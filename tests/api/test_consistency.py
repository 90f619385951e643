"""Consistency under change, over HTTP: a document whose name sorts first (so every row of
the index shifts) is uploaded and deleted in a loop while six clients ask questions (half with
top_k 50, a third streaming). Over the run: no 5xx, no SSE error event, no dropped connection,
and every citation of every answer lies inside a passage the same request retrieved, with the
same text.

`make test` runs it for STRESS_SECONDS=8 (the default); `make stress` for 30 s.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.slow

SECONDS = float(os.environ.get("STRESS_SECONDS", "8"))
FIRST = "0000_ant_first.txt"  # sorts before every article of corpus/
TEXT = (
    "date 2021-01-05\n"
    "Regulators explain why the Ant Group IPO was suspended.\n\n"
    "The Ant Group IPO was suspended because regulators said the company did not meet new "
    "listing conditions. The central bank asked Ant to rectify its lending business. "
    "Analysts said the decision would delay the listing by months.\n"
)
QUESTIONS = [
    "Why was the Ant IPO suspended?",
    "What did the central bank ask Ant Group to do?",
    "How much money would Ant Group's IPO have raised?",
    "What happened to Alipay?",
]


def citation_problems(answer: dict[str, Any], retrieved: list[dict[str, Any]]) -> list[str]:
    """Citations that do not lie inside a retrieved passage with the same text."""
    bad = []
    for c in answer["citations"]:
        inside = [
            h
            for h in retrieved
            if h["doc_id"] == c["doc_id"] and h["start"] <= c["start"] and c["end"] <= h["end"]
        ]
        quotes = {h["text"][c["start"] - h["start"] : c["end"] - h["start"]] for h in inside}
        if c["quote"] not in quotes:
            bad.append(f"{c['doc_id']}[{c['start']}:{c['end']}] not in a retrieved passage")
    return bad


def sse_events(resp: httpx.Response) -> list[tuple[str, Any]]:
    events, name = [], "message"
    for line in resp.iter_lines():
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            events.append((name, json.loads(line[5:])))
            name = "message"
    return events


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.problems: list[str] = []

    def add(self, what: str, problem: str | None = None) -> None:
        with self.lock:
            self.counts[what] += 1
            if problem:
                self.problems.append(problem)


def ask_once(c: httpx.Client, i: int, n: int, tally: Tally) -> None:
    body: dict[str, Any] = {"question": QUESTIONS[n % len(QUESTIONS)]}
    if i % 2 == 0:
        body["top_k"] = 50
    if i % 3 == 0:
        with c.stream("POST", "/v1/ask", json={**body, "stream": True}) as resp:
            if resp.status_code != 200:
                return tally.add("5xx" if resp.status_code >= 500 else "other", resp.text)
            events = dict(sse_events(resp))
        if "error" in events or "done" not in events:
            return tally.add("sse-error", f"stream: {events.get('error')}")
        bad = citation_problems(events["done"], events["retrieval"]["results"])
        return tally.add("sse", "; ".join(bad) or None)
    resp = c.post("/v1/ask", json={**body, "return_retrieved": True})
    if resp.status_code != 200:
        return tally.add("5xx" if resp.status_code >= 500 else "other", resp.text)
    answer = resp.json()
    tally.add("json", "; ".join(citation_problems(answer, answer["retrieved"])) or None)
    return None


def change(c: httpx.Client, method: str, url: str, tally: Tally, **kw: Any) -> None:
    resp = c.request(method, url, headers={"Prefer": "wait=20"}, **kw)
    job = resp.json()
    while resp.status_code == 202 and job["state"] in ("queued", "running"):
        time.sleep(0.1)
        job = c.get(resp.headers["location"]).json()
    ok = resp.status_code in (200, 201, 202) and job.get("state") == "done"
    tally.add(f"{method} job", None if ok else f"{method} {url}: {resp.status_code} {job}")


def test_answers_stay_consistent_while_documents_change(live_server: Any) -> None:
    server = live_server.start(own_index=True, rate_limit_per_minute=1_000_000)
    tally = Tally()
    stop = time.monotonic() + SECONDS

    def guarded(work: Any) -> None:
        with server.client() as c:
            while time.monotonic() < stop:
                try:
                    work(c)
                except httpx.TransportError as exc:  # a dropped or reset connection
                    tally.add("dropped", f"{type(exc).__name__}: {exc}")

    def writer(c: httpx.Client) -> None:
        change(c, "POST", "/v1/documents", tally, files={"file": (FIRST, TEXT.encode())})
        change(c, "DELETE", "/v1/documents/0000_ant_first", tally)

    def asker(i: int) -> Any:
        n = iter(range(1_000_000))
        return lambda c: ask_once(c, i, next(n), tally)

    threads = [threading.Thread(target=guarded, args=(writer,))]
    threads += [threading.Thread(target=guarded, args=(asker(i),)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=SECONDS + 120)
    requests = sum(tally.counts.values())
    print(f"\nconsistency: {SECONDS:.0f} s, {requests} requests/jobs: {dict(tally.counts)}")
    assert tally.problems == []
    assert tally.counts["5xx"] == tally.counts["sse-error"] == tally.counts["dropped"] == 0
    assert tally.counts["POST job"] >= 1 and tally.counts["DELETE job"] >= 1
    assert tally.counts["json"] >= 6 and tally.counts["sse"] >= 2

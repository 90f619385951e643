"""The job queue: one at a time, in order, bounded, idempotent, expiring."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from rag.index.corpus import BadDocument
from rag.jobs import JobConflict, JobQueue, QueueFull


def _gate() -> tuple[threading.Event, Any]:
    """A job body that blocks until the event is set."""
    release = threading.Event()

    def run() -> dict[str, Any]:
        assert release.wait(10)
        return {"ok": True}

    return release, run


def test_jobs_run_one_at_a_time_in_order() -> None:
    queue = JobQueue()
    order: list[str] = []
    running = []
    lock = threading.Lock()

    def body(name: str) -> Any:
        def run() -> dict[str, Any]:
            with lock:
                running.append(name)
                assert len(running) == 1  # never two at once
            time.sleep(0.02)
            order.append(name)
            with lock:
                running.remove(name)
            return {"name": name}

        return run

    jobs = [queue.submit("add", f"d{i}", f"k{i}", body(f"d{i}"))[0] for i in range(5)]
    for job in jobs:
        assert queue.wait(job.id, 10).state == "done"
    assert order == [f"d{i}" for i in range(5)]
    assert jobs[3].result == {"name": "d3"}
    assert jobs[0].started is not None and jobs[0].finished is not None


def test_a_failing_job_reports_its_error_and_the_worker_goes_on() -> None:
    queue = JobQueue()

    def boom() -> dict[str, Any]:
        raise BadDocument("HTML has no text")

    bad, _ = queue.submit("add", "bad", "k1", boom)
    good, _ = queue.submit("add", "good", "k2", lambda: {"ok": True})
    assert queue.wait(bad.id, 10).state == "failed"
    assert isinstance(bad.error, BadDocument)
    assert queue.wait(good.id, 10).state == "done"


def test_the_same_key_returns_the_same_job_until_it_fails_or_is_superseded() -> None:
    queue = JobQueue()
    release, run = _gate()
    job, created = queue.submit("add", "a", "add:a.txt:123", run, "123")
    assert created and job.state in ("queued", "running")
    again, created = queue.submit("add", "a", "add:a.txt:123", run, "123")
    assert again is job and not created
    with pytest.raises(JobConflict, match="another request"):  # the key, other content
        queue.submit("add", "a", "add:a.txt:123", run, "456")
    with pytest.raises(JobConflict, match="wait for it"):  # another change of the same doc
        queue.submit("delete", "a", "delete:1", run)
    release.set()
    assert queue.wait(job.id, 10).state == "done"
    assert queue.submit("add", "a", "add:a.txt:123", run, "123")[0] is job  # a retry
    delete, _ = queue.submit("delete", "a", "delete:1", lambda: {})
    queue.wait(delete.id, 10)
    readd, created = queue.submit("add", "a", "add:a.txt:123", run, "123")
    assert created and readd is not job  # add, delete, add: the second add is real

    def fail() -> dict[str, Any]:
        raise BadDocument("no")

    failed, _ = queue.submit("add", "b", "kb", fail)
    queue.wait(failed.id, 10)
    retry, created = queue.submit("add", "b", "kb", lambda: {})
    assert created and retry is not failed


def test_pending_jobs_are_bounded() -> None:
    queue = JobQueue(max_pending=2)
    release, run = _gate()
    first, _ = queue.submit("add", "a", "ka", run)
    queue.submit("add", "b", "kb", run)
    with pytest.raises(QueueFull):
        queue.submit("add", "c", "kc", run)
    assert queue.position(first) == 0
    release.set()
    queue.wait(first.id, 10)


def test_finished_jobs_expire_by_count_and_age() -> None:
    queue = JobQueue(max_finished=2, keep_s=0.3)
    jobs = [queue.submit("add", f"d{i}", f"k{i}", lambda: {})[0] for i in range(3)]
    for job in jobs:
        queue.wait(job.id, 10)
    assert queue.get(jobs[0].id) is None  # the oldest beyond the count
    assert queue.get(jobs[2].id) is jobs[2]
    time.sleep(0.4)
    assert queue.get(jobs[2].id) is None
    assert queue.find("k2") is None


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="bad job limits"):
        JobQueue(max_pending=0)

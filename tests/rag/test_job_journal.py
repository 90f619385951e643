"""Job records outlive the process: a queue reopened on its journal answers as before."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from rag.index.corpus import BadDocument
from rag.index.limits import DocumentTooLarge
from rag.job_journal import JobInterrupted, JournalBusy, decode_error, encode_error
from rag.jobs import JobQueue


def _done(path: Path) -> tuple[str, str]:
    """A queue on `path` that ran one add and one failing add; their ids."""
    queue = JobQueue()
    queue.open_journal(path)
    ok, _ = queue.submit("add", "a", "key-a", lambda: {"added": 1}, "sha:a", owner="me")
    assert queue.wait(ok.id, 5).state == "done"

    def bad() -> dict[str, Any]:
        raise BadDocument("b.txt is not UTF-8 text")

    failed, _ = queue.submit("add", "b", "key-b", bad, "sha:b")
    assert queue.wait(failed.id, 5).state == "failed"
    queue.close_journal()
    return ok.id, failed.id


def test_a_reopened_queue_answers_finished_jobs_as_before(tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"
    ok_id, failed_id = _done(path)
    queue = JobQueue()
    assert queue.open_journal(path) == 2
    ok = queue.get(ok_id)
    assert ok is not None and ok.state == "done" and ok.result == {"added": 1}
    assert (ok.kind, ok.doc_id, ok.owner, ok.fingerprint) == ("add", "a", "me", "sha:a")
    assert ok.started is not None and ok.finished is not None and ok.created <= ok.finished
    failed = queue.get(failed_id)
    assert failed is not None and failed.state == "failed"
    assert type(failed.error) is BadDocument and str(failed.error) == "b.txt is not UTF-8 text"
    # the idempotency key still names the done job; the failed one is retried by a new job
    assert queue.find("key-a") is ok
    assert queue.find("key-b") is None
    same, created = queue.submit("add", "a", "key-a", lambda: {"added": 2}, "sha:a")
    assert same is ok and not created


def test_a_job_pending_when_the_process_stopped_is_failed_interrupted_not_rerun(
    tmp_path: Path,
) -> None:
    path = tmp_path / "jobs.jsonl"
    queue = JobQueue()
    queue.open_journal(path)
    release, ran = threading.Event(), []

    def slow() -> dict[str, Any]:
        ran.append(1)
        assert release.wait(10)
        return {}

    running, _ = queue.submit("add", "r", "k1", slow)
    while running.state != "running":
        time.sleep(0.01)
    queued, _ = queue.submit("delete", "q", "k2", lambda: {})
    # the process "dies": its journal is read by another queue before either job finished
    queue.close_journal()
    again = JobQueue()
    again.open_journal(path)
    release.set()
    for job_id, was in ((running.id, "running"), (queued.id, "queued")):
        job = again.get(job_id)
        assert job is not None and job.state == "failed" and job.ended.is_set()
        assert isinstance(job.error, JobInterrupted)
        assert f"while this job was {was}" in str(job.error)
        assert f"/v1/documents/{job.doc_id}" in str(job.error)
    assert again.pending_for("add") == [] and again.pending_for("delete") == []
    # a new change to the same document is accepted: nothing is pending on it
    new, created = again.submit("add", "r", "k1", lambda: {"added": 1})
    assert created and again.wait(new.id, 5).state == "done"
    assert ran == [1]  # the interrupted job never ran again


def test_one_process_writes_a_journal(tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"
    first = JobQueue()
    first.open_journal(path)
    with pytest.raises(JournalBusy):
        JobQueue().open_journal(path)
    first.close_journal()
    JobQueue().open_journal(path)  # free again


def test_the_journal_is_opened_before_any_job(tmp_path: Path) -> None:
    queue = JobQueue()
    job, _ = queue.submit("add", "a", "k", lambda: {})
    queue.wait(job.id, 5)
    with pytest.raises(RuntimeError):
        queue.open_journal(tmp_path / "jobs.jsonl")


def test_a_torn_last_line_and_expired_jobs_are_dropped_on_reading(tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"
    ok_id, failed_id = _done(path)
    with path.open("a", encoding="utf-8") as f:
        f.write('{"id": "torn", "kind": "add", "doc_')  # the crash cut this line
    queue = JobQueue(keep_s=3600)
    assert queue.open_journal(path) == 2
    assert queue.get("torn") is None
    queue.close_journal()
    # one line per kept job after the rewrite
    assert sorted(json.loads(line)["id"] for line in path.read_text().splitlines()) == sorted(
        [ok_id, failed_id]
    )
    later = JobQueue(keep_s=1e-6)  # everything finished longer ago than that
    assert later.open_journal(path) == 0
    assert later.get(ok_id) is None and later.find("key-a") is None


def test_the_journal_stays_bounded_while_jobs_come_and_go(tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"
    queue = JobQueue(max_pending=2, max_finished=3)
    queue.open_journal(path)
    for i in range(40):
        job, _ = queue.submit("add", f"d{i}", f"k{i}", lambda: {"added": 1})
        queue.wait(job.id, 5)
    queue.close_journal()
    lines = path.read_text().splitlines()
    assert len(lines) <= 4 * (3 + 2) + 3  # compacted whenever it passes 4 x the bounds
    again = JobQueue(max_pending=2, max_finished=3)
    assert again.open_journal(path) == 3  # the newest three
    assert again.get(job.id) is not None


def test_errors_come_back_as_their_own_class() -> None:
    too_large = DocumentTooLarge("limits.max_passages", "x.txt has 3 MB")
    error = decode_error(encode_error(too_large))
    assert type(error) is DocumentTooLarge and str(error) == str(too_large)
    other = decode_error(encode_error(ZeroDivisionError("division by zero")))
    assert type(other) is RuntimeError  # not the engine's: reported as an internal error

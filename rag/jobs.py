"""A job queue for corpus changes: one background thread runs them one at a time.

An upload, a replacement or a delete is submitted as a `Job` and returns at once; the worker
thread calls the engine (which holds its write lock only while the job runs), so no request
ever waits on that lock. Jobs live in memory, for one process, and with `open_journal` also
in a file that a restarted process reads back (rag.job_journal):

- at most `max_pending` jobs wait or run (more: `QueueFull`);
- a finished job is kept `keep_s` seconds, and at most `max_finished` of them (oldest go
  first), then its id answers "unknown";
- `key` makes a submission idempotent: the same key returns the same job while it is pending
  or done (a failed job is retried by a new one), until another job on the same doc_id
  supersedes it (so "upload A, delete A, upload A" adds A twice).

>>> queue = JobQueue()
>>> job, created = queue.submit("add", "note", "sha256:...", lambda: {"added": 1})
>>> queue.wait(job.id, 5.0).state
'done'
"""

from __future__ import annotations

import collections
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rag.errors import RagError
from rag.job_journal import JobInterrupted, JobJournal, decode_error, encode_error

log = logging.getLogger(__name__)

Kind = Literal["add", "replace", "delete"]
State = Literal["queued", "running", "done", "failed"]


class QueueFull(RagError):
    """Too many jobs are waiting; try again later."""


class JobConflict(RagError):
    """Another pending job changes the same document, or a key was reused for other content."""


@dataclass(eq=False)
class Job:
    """One corpus change; `result` when done, `error` when failed."""

    id: str
    kind: Kind
    doc_id: str
    key: str
    run: Callable[[], dict[str, Any]] = field(repr=False)
    fingerprint: str = ""  # what was submitted (e.g. the content's sha256)
    owner: str = ""  # who submitted it, opaque here (the API records its caller)
    state: State = "queued"
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    result: dict[str, Any] | None = None
    error: BaseException | None = field(default=None, repr=False)
    ended: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def pending(self) -> bool:
        return self.state in ("queued", "running")


def _finished(job: Job) -> float:
    return job.finished or 0.0


def _record(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "doc_id": job.doc_id,
        "key": job.key,
        "fingerprint": job.fingerprint,
        "owner": job.owner,
        "state": job.state,
        "created": job.created,
        "started": job.started,
        "finished": job.finished,
        "result": job.result,
        "error": encode_error(job.error) if job.error is not None else None,
    }


def _not_rerun() -> dict[str, Any]:
    raise JobInterrupted("a job read back from the journal is never rerun")


def _restored(r: dict[str, Any], now: float) -> Job:
    """A job as its last record left it; one that was pending is failed, interrupted."""
    job = Job(r["id"], r["kind"], r["doc_id"], r["key"], _not_rerun, r.get("fingerprint", ""))
    job.owner, job.created = r.get("owner", ""), float(r.get("created") or now)
    job.started, job.finished = r.get("started"), r.get("finished")
    job.state, job.result = r["state"], r.get("result")
    job.error = decode_error(r["error"]) if r.get("error") else None
    if job.pending:
        was = job.state
        job.state, job.finished, job.result = "failed", now, None
        job.error = JobInterrupted(
            f"the server stopped while this job was {was} and did not rerun it; "
            f"GET /v1/documents/{job.doc_id} shows whether the change was made, "
            "and the same request can be sent again"
        )
    job.ended.set()
    return job


class JobQueue:
    """Runs submitted jobs in order in one daemon thread (started on first use)."""

    def __init__(
        self, max_pending: int = 100, max_finished: int = 1000, keep_s: float = 3600.0
    ) -> None:
        if max_pending < 1 or max_finished < 1 or keep_s <= 0:
            raise ValueError(f"bad job limits: {max_pending}, {max_finished}, {keep_s}")
        self.max_pending, self.max_finished, self.keep_s = max_pending, max_finished, keep_s
        self._jobs: dict[str, Job] = {}  # insertion order = submission order
        self._keys: dict[str, str] = {}  # idempotency key -> job id
        self._todo: collections.deque[Job] = collections.deque()
        self._cond = threading.Condition(threading.RLock())
        self._thread: threading.Thread | None = None
        self._journal: JobJournal | None = None

    def open_journal(self, path: Path) -> int:
        """Keep job records in `path` from now on, after reading back what it holds (call it
        before the first submit); how many jobs it restored. JournalBusy if another process
        writes it."""
        journal = JobJournal(path)
        with self._cond:
            if self._jobs:
                journal.close()
                raise RuntimeError("open the job journal before submitting jobs")
            last: dict[str, dict[str, Any]] = {}
            for r in journal.read():  # each record is whole; the dict keeps submission order
                last[r["id"]] = r
            now = time.time()
            for r in last.values():
                try:
                    job = _restored(r, now)
                except (KeyError, TypeError, ValueError):
                    log.warning("job journal %s: skipped a bad record %s", path, r.get("id"))
                    continue
                self._supersede(job.doc_id)
                self._jobs[job.id] = job
                self._keys[job.key] = job.id
            self._expire(now)
            self._journal = journal
            self._compact()
            return len(self._jobs)

    def close_journal(self) -> None:
        with self._cond:
            if self._journal is not None:
                self._journal.close()
                self._journal = None

    def find(self, key: str) -> Job | None:
        """The pending or done job that `key` names (a failed one is not reused)."""
        with self._cond:
            self._expire(time.time())
            job = self._jobs.get(self._keys.get(key, ""))
            return job if job is not None and job.state != "failed" else None

    def submit(
        self,
        kind: Kind,
        doc_id: str,
        key: str,
        run: Callable[[], dict[str, Any]],
        fingerprint: str = "",
        owner: str = "",
    ) -> tuple[Job, bool]:
        """Queue `run` as a job, or return the job `key` already names; (job, created).

        JobConflict if `key` named another change, or another job on `doc_id` is pending;
        QueueFull past `max_pending`.
        """
        with self._cond:
            same = self.find(key)
            if same is not None:
                if (same.kind, same.doc_id, same.fingerprint) != (kind, doc_id, fingerprint):
                    raise JobConflict(
                        f"the idempotency key was used for another request (job {same.id})"
                    )
                return same, False
            busy = [j for j in self._todo if j.doc_id == doc_id]  # the running one is first
            if busy:
                raise JobConflict(
                    f"job {busy[0].id} ({busy[0].kind} {doc_id}) is {busy[0].state}; "
                    "wait for it to finish"
                )
            pending = sum(1 for j in self._jobs.values() if j.pending)
            if pending >= self.max_pending:
                raise QueueFull(f"{pending} jobs are waiting or running; try again later")
            self._supersede(doc_id)
            job = Job(uuid.uuid4().hex, kind, doc_id, key, run, fingerprint, owner=owner)
            self._jobs[job.id] = job
            self._keys[key] = job.id
            self._todo.append(job)
            self._write(job)
            self._start()
            self._cond.notify_all()
            return job, True

    def get(self, job_id: str) -> Job | None:
        with self._cond:
            self._expire(time.time())
            return self._jobs.get(job_id)

    def position(self, job: Job) -> int:
        """How many queued jobs run before this one (0 when it is next or not queued)."""
        with self._cond:
            return next((i for i, j in enumerate(self._todo) if j is job), 0)

    def pending_for(self, kind: Kind) -> list[Job]:
        """The jobs of this kind that are queued or running, oldest first."""
        with self._cond:
            return [j for j in self._jobs.values() if j.kind == kind and j.pending]

    def wait(self, job_id: str, timeout: float) -> Job:
        """The job after it finished or `timeout` seconds passed (KeyError if unknown)."""
        with self._cond:
            job = self._jobs[job_id]
        job.ended.wait(timeout)
        return job

    # -- internals ----------------------------------------------------------------------------
    def _expire(self, now: float) -> None:
        done = sorted((j for j in self._jobs.values() if not j.pending), key=_finished)
        over = len(done) - self.max_finished  # the oldest beyond the count go too
        old = [j for i, j in enumerate(done) if i < over or now - _finished(j) > self.keep_s]
        for job in old:
            self._jobs.pop(job.id, None)
            if self._keys.get(job.key) == job.id:
                del self._keys[job.key]

    def _supersede(self, doc_id: str) -> None:
        """Forget the keys of earlier jobs on doc_id: a new change to it makes a retry new."""
        for old_key, job_id in list(self._keys.items()):
            if self._jobs[job_id].doc_id == doc_id:
                del self._keys[old_key]

    def _write(self, job: Job) -> None:
        """Journal the job's new state (under the lock); a journal that cannot be written is
        given up, logged, and the queue goes on in memory."""
        if self._journal is None:
            return
        try:
            self._journal.append(_record(job))
            if self._journal.lines > 4 * (self.max_finished + self.max_pending):
                self._expire(time.time())
                self._compact()
        except (OSError, TypeError, ValueError):
            log.exception(
                "job journal %s cannot be written; jobs now live in memory only", self._journal.path
            )
            self._journal.close()
            self._journal = None

    def _compact(self) -> None:
        """The journal rewritten with one record per job still kept."""
        if self._journal is not None:
            self._journal.rewrite([_record(j) for j in self._jobs.values()])

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="rag-jobs", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._todo:
                    self._cond.wait()
                job = self._todo[0]
                job.state, job.started = "running", time.time()
                self._write(job)
            try:
                result, error = job.run(), None
            except Exception as exc:  # the job reports it; the worker goes on
                result, error = None, exc
                if not isinstance(exc, RagError):
                    log.error("job %s (%s %s) failed", job.id, job.kind, job.doc_id, exc_info=exc)
            with self._cond:
                self._todo.popleft()
                job.result, job.error = result, error
                job.state = "done" if error is None else "failed"
                job.finished = time.time()
                self._write(job)
                job.ended.set()
            log.info("job %s %s %s: %s", job.id, job.kind, job.doc_id, job.state)

"""`GET /v1/jobs/{job_id}`: the state of an upload, a replacement or a delete.

A change to the corpus (api.routes.documents) answers `202 Accepted` at once with the job and
`Location: /v1/jobs/{id}`; the engine's job queue (rag.jobs) runs it in the background, one at
a time. Clients poll the job, or send `Prefer: wait=N` with the change to wait up to N seconds
(capped below the request deadline, so a change never answers 504): a job that finishes in
time answers as the change itself would (201/200 with the job, or its problem+json).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import anyio
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from api.deps import EngineDep
from api.errors import PROBLEM, problem
from api.openapi import problem_doc
from api.schemas import JobOut
from api.streaming import problem_body
from rag.jobs import Job, JobQueue

router = APIRouter(prefix="/v1", tags=["jobs"])

PREFER_WAIT = re.compile(r"(?:^|[,;\s])wait\s*=\s*(\d+)", re.IGNORECASE)
POLL_S = 0.05  # how often a waiting request looks at its job
DONE_STATUS = {"add": 201, "replace": 200, "delete": 200}


def _time(t: float | None) -> dt.datetime | None:
    return None if t is None else dt.datetime.fromtimestamp(t, dt.UTC)


def job_url(job: Job) -> str:
    return f"/v1/jobs/{job.id}"


def job_body(job: Job, queue: JobQueue) -> dict[str, Any]:
    """The job as JSON (JobOut)."""
    out = JobOut(
        id=job.id,
        kind=job.kind,
        doc_id=job.doc_id,
        state=job.state,
        queue_position=queue.position(job),
        created=_time(job.created) or dt.datetime.now(dt.UTC),
        started=_time(job.started),
        finished=_time(job.finished),
        location=job_url(job),
        result=job.result,  # validated into UploadResult or DeleteResult
        error=problem_body(job.error, job_url(job)) if job.error else None,
    )
    return out.model_dump(mode="json")


def prefer_wait(header: str | None, cap: float) -> float | None:
    """Seconds to wait from a `Prefer: wait=N` header (RFC 7240), at most `cap`; else None."""
    found = PREFER_WAIT.search(header or "")
    return min(float(found.group(1)), cap) if found else None


async def job_response(job: Job, queue: JobQueue, wait_s: float | None) -> Response:
    """202 with the job while it is pending (after waiting up to `wait_s`); once finished,
    what the change itself answers: 201/200 with the job, or the job's problem+json."""
    deadline = anyio.current_time() + (wait_s or 0.0)
    while job.pending and anyio.current_time() < deadline:
        await anyio.sleep(POLL_S)
    body = job_body(job, queue)
    headers = {"Location": job_url(job)}
    if wait_s is not None:
        headers["Preference-Applied"] = f"wait={int(wait_s)}"
    if job.pending:
        return JSONResponse(body, status_code=202, headers={**headers, "Retry-After": "1"})
    if job.state == "failed":
        error = body["error"]
        return JSONResponse(
            {**error, "job": job.id},
            status_code=error["status"],
            media_type=PROBLEM,
            headers=headers,
        )
    if job.kind != "delete":
        headers["Location"] = f"/v1/documents/{job.doc_id}"
    headers["Content-Location"] = job_url(job)
    return JSONResponse(body, status_code=DONE_STATUS[job.kind], headers=headers)


@router.get(
    "/jobs/{job_id}",
    response_model=JobOut,
    responses={404: problem_doc("No such job (or it finished long ago and expired)")},
)
def get_job(job_id: str, engine: EngineDep) -> Response:
    """A corpus change's state: queued, running, done (with the ingest report) or failed
    (with its problem+json in `error`)."""
    job = engine.jobs.get(job_id)
    if job is None:
        return problem(
            404,
            "job-not-found",
            "No such job",
            f"no job {job_id!r}: finished jobs are kept {engine.jobs.keep_s:.0f} s "
            f"(the newest {engine.jobs.max_finished})",
            f"/v1/jobs/{job_id}",
        )
    return JSONResponse(job_body(job, engine.jobs))

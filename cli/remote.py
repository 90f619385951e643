"""`rag upload` and `rag delete`: change the corpus of a running server over HTTP.

The server answers 202 with a job at once; these commands poll the job and print each state
it passes through (queued, running) on stderr, then the result on stdout. A refusal or a
failed job is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx

POLL_S = 0.3


class RemoteError(Exception):
    """The server refused the change or the job failed (the message is the problem's detail)."""


def _client(args: argparse.Namespace) -> httpx.Client:
    headers = {"Authorization": f"Bearer {args.api_key}"} if args.api_key else {}
    return httpx.Client(base_url=args.url, headers=headers, timeout=args.timeout)


def _detail(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return f"HTTP {resp.status_code}"
    return f"{body.get('detail') or body.get('title')} (HTTP {resp.status_code})"


def follow(c: httpx.Client, resp: httpx.Response, quiet: bool) -> dict[str, Any]:
    """The finished job of a change's response, printing its states to stderr."""
    if resp.status_code not in (200, 201, 202):
        raise RemoteError(_detail(resp))
    job: dict[str, Any] = resp.json()
    last = ""
    while True:
        state = job["state"]
        if state != last and not quiet:
            ahead = f" ({job['queue_position']} ahead)" if job.get("queue_position") else ""
            print(f"job {job['id']}: {state}{ahead}", file=sys.stderr)
        last = state
        if state in ("done", "failed"):
            break
        time.sleep(POLL_S)
        polled = c.get(job["location"])
        if polled.status_code != 200:
            raise RemoteError(f"job {job['id']}: {_detail(polled)}")
        job = polled.json()
    if state == "failed":
        raise RemoteError(f"{job['error']['detail']} (HTTP {job['error']['status']})")
    return job


def _run(args: argparse.Namespace, method: str, url: str, **kwargs: Any) -> int:
    try:
        with _client(args) as c:
            job = follow(c, c.request(method, url, **kwargs), args.json)
    except (httpx.HTTPError, RemoteError) as exc:
        print(f"rag: error: {args.url}{url}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(job, ensure_ascii=False, indent=2))
    else:
        ingest = job["result"]["ingest"]
        verb = {"add": "added", "replace": "replaced", "delete": "deleted"}[job["kind"]]
        print(
            f"{verb} {job['doc_id']}: index {ingest['version']}, {ingest['passages']} passages "
            f"({ingest['embedded_passages']} embedded) in {ingest['seconds']:.1f} s"
        )
    return 0


def cmd_upload(args: argparse.Namespace) -> int:
    path = Path(args.file)
    data = path.read_bytes()  # FileNotFoundError: one line from cli.main
    files = {"file": (path.name, data)}
    if args.replace:
        return _run(args, "PUT", f"/v1/documents/{path.stem}", files=files)
    return _run(args, "POST", "/v1/documents", files=files)


def cmd_delete(args: argparse.Namespace) -> int:
    return _run(args, "DELETE", f"/v1/documents/{args.doc_id}")


def add_parsers(sub: Any) -> None:
    """The `upload` and `delete` subcommands."""

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--url", default="http://127.0.0.1:8000", help="the server's base URL")
        p.add_argument("--api-key", default=None, help="sent as Authorization: Bearer")
        p.add_argument("--timeout", type=float, default=60.0, help="seconds per HTTP request")
        p.add_argument("--json", action="store_true", help="print the finished job as JSON")
        p.add_argument("-v", "--verbose", action="store_true", help="log to stderr")

    p = sub.add_parser("upload", help="add (or --replace) a document on a running server")
    p.add_argument("file", help="a .txt, .md or .html file; its stem is the doc_id")
    p.add_argument("--replace", action="store_true", help="replace the document (PUT)")
    common(p)
    p.set_defaults(func=cmd_upload)

    p = sub.add_parser("delete", help="remove a document from a running server")
    p.add_argument("doc_id")
    common(p)
    p.set_defaults(func=cmd_delete)

"""The documents API: uploads and deletes against a real server with its own corpus and index."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.errors import ApiProblem
from api.routes.documents import check_content, check_filename

GARDEN = (
    "date 2021-04-02\n"
    "Allotment gardeners in Leeds report a record tomato harvest.\n\n"
    "The Leeds allotment society said members grew 4,200 kilograms of tomatoes this season, "
    "helped by a warm spring and a new shared greenhouse. Volunteers plan to donate the surplus "
    "to local food banks.\n"
)
QUERY = "Why was the Ant Group IPO suspended?"


# -- unit logic ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("../evil.txt", 422),
        ("a/b.txt", 422),
        ("dir\\x.txt", 422),
        (".hidden.txt", 422),
        ("a..b.txt", 422),
        ("", 422),
        ("spaces in name.txt", 422),
        ("report.pdf", 415),
        ("noext", 415),
    ],
)
def test_bad_file_names_are_rejected(name: str, status: int) -> None:
    with pytest.raises(ApiProblem) as info:
        check_filename(name)
    assert info.value.status == status


@pytest.mark.parametrize("name", ["article.txt", "Note_1.md", "page-2.html", "x.htm"])
def test_plain_file_names_pass(name: str) -> None:
    assert check_filename(name) == name


@pytest.mark.parametrize(
    ("name", "data", "status", "words"),
    [
        ("a.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 415, "binary"),
        ("a.txt", "café".encode("latin-1"), 415, "UTF-8"),
        ("a.txt", b"\x01\x02\x03\x04 text \x05\x06", 415, "binary"),
        ("a.html", b"just words, 3 < 4 and 5 > 2", 415, "no HTML tags"),
        ("a.md", b"  \n\t ", 422, "no text"),
    ],
)
def test_bad_content_is_rejected(name: str, data: bytes, status: int, words: str) -> None:
    with pytest.raises(ApiProblem) as info:
        check_content(name, data)
    assert info.value.status == status
    assert words in info.value.detail


def test_text_markdown_and_html_pass() -> None:
    check_content("a.txt", GARDEN.encode())
    check_content("a.md", "# Titel\n\nÜber Gärten — „schön“.\n".encode())
    check_content("a.html", b"<html><body><p>Tomatoes.</p></body></html>")


# -- against the server ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(live_server: Any) -> Any:
    return live_server.start(own_index=True)


def _version(c: httpx.Client) -> str:
    ready = c.get("/readyz")
    assert ready.status_code == 200, ready.text
    return str(ready.json()["index_version"])


def _corpus_state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _spans(resp: httpx.Response) -> list[tuple[str, int, int]]:
    assert resp.status_code == 200, resp.text
    return [(h["doc_id"], h["start"], h["end"]) for h in resp.json()["results"]]


def _finished(c: httpx.Client, accepted: httpx.Response) -> dict[str, Any]:
    """Poll the job a 202 names until it is done or failed; returns the job."""
    assert accepted.status_code == 202, accepted.text
    url = accepted.headers["location"]
    assert url == f"/v1/jobs/{accepted.json()['id']}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job: dict[str, Any] = c.get(url).json()
        if job["state"] in ("done", "failed"):
            return job
        assert job["state"] in ("queued", "running")
        time.sleep(0.05)
    raise AssertionError(f"job {url} did not finish")


@pytest.mark.slow
def test_upload_replace_delete_are_jobs(server: Any, assert_problem: Any) -> None:
    with server.client() as c:
        resp = c.post("/v1/documents", files={"file": ("garden_2021.txt", GARDEN.encode())})
        assert resp.status_code == 202, resp.text
        accepted = resp.json()
        assert accepted["kind"] == "add" and accepted["doc_id"] == "garden_2021"
        assert accepted["state"] in ("queued", "running") and accepted["result"] is None
        job = _finished(c, resp)
        assert job["state"] == "done", job
        assert job["result"]["document"]["published"] == "2021-04-02"
        assert job["result"]["ingest"]["added"] == 1 and job["result"]["ingest"]["passages"] > 0

        doc = c.get("/v1/documents/garden_2021").json()
        assert doc["text"] == GARDEN
        top = c.post("/v1/search", json={"query": "tomato harvest in Leeds allotments"})
        hit = top.json()["results"][0]
        assert hit["doc_id"] == "garden_2021"
        assert GARDEN[hit["start"] : hit["end"]] == hit["text"]

        # a retry of the same bytes is the same (finished) job, not a 409
        again = c.post("/v1/documents", files={"file": ("garden_2021.txt", GARDEN.encode())})
        assert again.status_code == 201, again.text
        assert again.json()["id"] == job["id"]
        assert again.headers["location"] == "/v1/documents/garden_2021"
        other = c.post("/v1/documents", files={"file": ("garden_2021.txt", b"Other words.")})
        assert "PUT /v1/documents/garden_2021" in assert_problem(other, 409)["detail"]

        replaced = c.put(
            "/v1/documents/garden_2021",
            files={"file": ("garden_2021.md", GARDEN.replace("4,200", "5,100").encode())},
            headers={"Prefer": "wait=60"},
        )
        assert replaced.status_code == 200, replaced.text
        assert replaced.json()["state"] == "done" and replaced.json()["kind"] == "replace"
        assert "5,100" in c.get("/v1/documents/garden_2021").json()["text"]
        assert not (server.settings.corpus.dir / "garden_2021.txt").exists()
        assert (server.settings.corpus.dir / "garden_2021.md").exists()
        assert_problem(c.put("/v1/documents/garden_2021", files={"file": ("x.txt", b"Hi.")}), 422)
        assert_problem(c.put("/v1/documents/nothing", files={"file": ("nothing.txt", b"Hi.")}), 404)

        deleted = _finished(c, c.delete("/v1/documents/garden_2021"))
        assert deleted["state"] == "done" and deleted["result"]["ingest"]["removed"] == 1
        assert_problem(c.get("/v1/documents/garden_2021"), 404)
        assert_problem(c.delete("/v1/documents/garden_2021"), 404)
        assert_problem(c.get("/v1/jobs/no-such-job"), 404)
    assert not list(server.settings.corpus.dir.glob("garden_2021.*"))


@pytest.mark.slow
def test_a_document_that_fails_ingest_checks_is_refused_before_a_job(
    server: Any, assert_problem: Any
) -> None:
    """HTML that parses but has no text passes the request's checks; the engine's own check
    (Engine.check_document, the one the job would run) refuses it at once: no job, nothing
    changed. (A job that fails while running is covered in tests/rag/test_jobs.py.)"""
    folder = server.settings.corpus.dir
    state = _corpus_state(folder)
    data = b"<html><head><script>var x = 1;</script></head></html>"
    with server.client() as c:
        version = _version(c)
        refused = c.post("/v1/documents", files={"file": ("scripty.html", data)})
        assert "no text" in assert_problem(refused, 415)["detail"]
        assert "location" not in refused.headers
        assert _version(c) == version
    assert _corpus_state(folder) == state


@pytest.mark.slow
def test_idempotency_key(server: Any, assert_problem: Any) -> None:
    headers = {"Idempotency-Key": "upload-7f3a", "Prefer": "wait=60"}
    with server.client() as c:
        first = c.post(
            "/v1/documents", files={"file": ("keyed.txt", GARDEN.encode())}, headers=headers
        )
        assert first.status_code == 201, first.text
        again = c.post(
            "/v1/documents", files={"file": ("keyed.txt", GARDEN.encode())}, headers=headers
        )
        assert again.json()["id"] == first.json()["id"]
        reused = c.post(
            "/v1/documents", files={"file": ("other.txt", GARDEN.encode())}, headers=headers
        )
        assert "another request" in assert_problem(reused, 409)["detail"]
        gone = c.delete("/v1/documents/keyed", headers={"Prefer": "wait=60"})
        assert gone.status_code == 200, gone.text


@pytest.mark.slow
def test_an_upload_answers_at_once_even_when_ingest_outlasts_the_deadline(
    live_server: Any,
) -> None:
    """The deadline is 2 s; the ingest (with the document model's first load) takes longer on
    a fresh server: the upload is still 202 at once and the job finishes later (was a 504)."""
    server = live_server.start(own_index=True, request_timeout_s=2.0)
    crops = ["beans", "leeks", "kale", "onions", "peas", "squash", "chard", "garlic", "beet"]
    long = GARDEN + "".join(  # no run of near-identical sentences (the upload limit)
        f"Row {i} of the allotment ledger lists {crops[i % len(crops)]} for plot {i}.\n"
        for i in range(600)
    )
    with server.client() as c:
        t0 = time.monotonic()
        resp = c.post(
            "/v1/documents",
            files={"file": ("ledger.txt", long.encode())},
            headers={"Prefer": "wait=30"},
        )
        assert time.monotonic() - t0 < 2.0
        assert resp.headers.get("preference-applied") == "wait=0"
        job = _finished(c, resp)
        assert job["state"] == "done", job


@pytest.mark.slow
def test_the_last_document_cannot_be_deleted(live_server: Any, assert_problem: Any) -> None:
    server = live_server.start(own_index=True)
    with server.client() as c:
        ids = [d["doc_id"] for d in c.get("/v1/documents").json()["documents"]]
        jobs = [c.delete(f"/v1/documents/{d}") for d in ids[:-1]]
        last = c.delete(f"/v1/documents/{ids[-1]}")  # the others are queued: it would be last
        assert assert_problem(last, 409)["type"].endswith("/last-document")
        assert all(_finished(c, j)["state"] == "done" for j in jobs)
        assert [d["doc_id"] for d in c.get("/v1/documents").json()["documents"]] == ids[-1:]
        assert_problem(c.delete(f"/v1/documents/{ids[-1]}"), 409)
        ask = c.post("/v1/ask", json={"question": "Why was the Ant IPO suspended?"})
        assert ask.status_code == 200


@pytest.mark.slow
def test_a_corpus_path_that_is_a_file_is_a_clean_503(
    live_server: Any, assert_problem: Any, tmp_path: Path
) -> None:
    server = live_server.start(own_index=True)
    afile = tmp_path / "corpus.txt"
    afile.write_text("not a folder")
    server.settings.corpus.dir = afile  # what RAG_CORPUS__DIR=corpus.txt gives
    with server.client() as c:
        up = c.post("/v1/documents", files={"file": ("garden.txt", GARDEN.encode())})
        problem = assert_problem(up, 503)
        assert problem["type"].endswith("/corpus-not-a-folder") and "is a file" in problem["detail"]
        gone = c.delete("/v1/documents/000_341026f71ce0a6ab", headers={"Prefer": "wait=60"})
        assert_problem(gone, 503)


def test_the_schema_documents_jobs(live_server: Any) -> None:
    spec = httpx.get(live_server.url + "/openapi.json", timeout=30).json()
    paths = spec["paths"]
    post = paths["/v1/documents"]["post"]["responses"]
    assert {"201", "202", "400", "409", "413", "415", "422", "503"} <= post.keys()
    assert "multipart" in post["400"]["description"]
    put = paths["/v1/documents/{doc_id}"]["put"]["responses"]
    assert {"200", "202", "404", "409", "415"} <= put.keys()
    delete = paths["/v1/documents/{doc_id}"]["delete"]["responses"]
    assert {"200", "202", "404", "409"} <= delete.keys()
    assert "last document" in delete["409"]["description"]
    assert "/v1/jobs/{job_id}" in paths
    job = spec["components"]["schemas"]["JobOut"]["properties"]["state"]
    assert job["enum"] == ["queued", "running", "done", "failed"]


@pytest.mark.slow
def test_searches_keep_working_during_an_upload(server: Any) -> None:
    """The index swap is atomic: every search during ingest sees the old or the new index."""
    with server.client() as c:
        before = _spans(c.post("/v1/search", json={"query": QUERY}))
        texts = {d: c.get(f"/v1/documents/{d}").json()["text"] for d, _, _ in before}
    seen: list[httpx.Response] = []
    errors: list[BaseException] = []
    stop, started = threading.Event(), threading.Event()

    def searcher() -> None:
        with server.client() as sc:
            while not stop.is_set():
                try:
                    seen.append(sc.post("/v1/search", json={"query": QUERY}))
                    started.set()
                except BaseException as exc:  # a failed request is a failed test
                    errors.append(exc)
                    started.set()
                    return

    thread = threading.Thread(target=searcher)
    thread.start()
    try:
        started.wait(timeout=60)  # searches are running before the upload begins
        with server.client() as c:
            up = c.post(
                "/v1/documents",
                files={"file": ("garden_swap.md", GARDEN.encode())},
                headers={"Prefer": "wait=25"},
            )
    finally:
        stop.set()
        thread.join()
    assert up.status_code == 201, up.text
    assert not errors
    assert seen, "the searcher made no request"
    with server.client() as c:
        after = _spans(c.post("/v1/search", json={"query": QUERY}))
        try:
            assert after[0] == before[0]  # an unrelated document does not move the top hit
            for resp in seen:
                spans = _spans(resp)
                assert spans in (before, after)
                for hit in resp.json()["results"]:
                    if hit["doc_id"] in texts:
                        assert texts[hit["doc_id"]][hit["start"] : hit["end"]] == hit["text"]
        finally:
            gone = c.delete("/v1/documents/garden_swap", headers={"Prefer": "wait=25"})
            assert gone.status_code == 200


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", 415),
        ("latin1.txt", "Gärtner in Köln".encode("latin-1"), 415),
        ("notags.html", b"no tags here, only text", 415),
        ("report.pdf", b"%PDF-1.4 text", 415),
        ("../escape.txt", GARDEN.encode(), 422),
        (".hidden.txt", GARDEN.encode(), 422),
        ("sub/dir.txt", GARDEN.encode(), 422),
        ("empty.txt", b"", 422),
        ("000_341026f71ce0a6ab.md", GARDEN.encode(), 409),  # exists as .txt
    ],
)
def test_failed_upload_changes_nothing(
    server: Any, assert_problem: Any, name: str, data: bytes, status: int
) -> None:
    folder = server.settings.corpus.dir
    state = _corpus_state(folder)
    with server.client() as c:
        version = _version(c)
        resp = c.post(
            "/v1/documents",
            files={"file": (name, data, "text/plain")},
            headers={"Prefer": "wait=25"},
        )
        problem = assert_problem(resp, status)
        assert _version(c) == version
    assert _corpus_state(folder) == state
    if status == 422:
        assert name in problem["detail"]  # the detail says which name and why


@pytest.mark.slow
def test_upload_without_file_field_is_422(server: Any, assert_problem: Any) -> None:
    with server.client() as c:
        assert_problem(c.post("/v1/documents", data={"other": "x"}), 422)
        assert_problem(c.post("/v1/documents", json={"file": "x"}), 422)


@pytest.mark.slow
def test_a_malformed_multipart_body_is_a_400(server: Any, assert_problem: Any) -> None:
    with server.client() as c:
        resp = c.post(
            "/v1/documents",
            content=b"--xyz\r\nbad header\r\n\r\nx\r\n--xyz--\r\n",
            headers={"Content-Type": "multipart/form-data; boundary=xyz"},
        )
        assert_problem(resp, 400)

"""The documents API: uploads and deletes against a real server with its own corpus and index."""

from __future__ import annotations

import threading
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


@pytest.mark.slow
def test_upload_search_delete_round_trip(server: Any, assert_problem: Any) -> None:
    with server.client() as c:
        resp = c.post("/v1/documents", files={"file": ("garden_2021.txt", GARDEN.encode())})
        assert resp.status_code == 201, resp.text
        assert resp.headers["location"] == "/v1/documents/garden_2021"
        body = resp.json()
        assert body["document"]["doc_id"] == "garden_2021"
        assert body["document"]["published"] == "2021-04-02"
        assert body["ingest"]["added"] == 1 and body["ingest"]["passages"] > 0

        doc = c.get("/v1/documents/garden_2021").json()
        assert doc["text"] == GARDEN
        hits = c.post("/v1/search", json={"query": "tomato harvest in Leeds allotments"})
        top = hits.json()["results"][0]
        assert top["doc_id"] == "garden_2021"
        assert GARDEN[top["start"] : top["end"]] == top["text"]

        again = c.post("/v1/documents", files={"file": ("garden_2021.txt", GARDEN.encode())})
        assert_problem(again, 409)

        deleted = c.delete("/v1/documents/garden_2021")
        assert deleted.status_code == 200, deleted.text
        assert deleted.json()["ingest"]["removed"] == 1
        assert_problem(c.get("/v1/documents/garden_2021"), 404)
        assert_problem(c.delete("/v1/documents/garden_2021"), 404)
    assert not (server.settings.corpus.dir / "garden_2021.txt").exists()


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
            up = c.post("/v1/documents", files={"file": ("garden_swap.md", GARDEN.encode())})
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
            assert c.delete("/v1/documents/garden_swap").status_code == 200


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", 415),
        ("latin1.txt", "Gärtner in Köln".encode("latin-1"), 415),
        ("notags.html", b"no tags here, only text", 415),
        ("scriptonly.html", b"<html><head><script>var x = 1;</script></head></html>", 415),
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
        resp = c.post("/v1/documents", files={"file": (name, data, "text/plain")})
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

"""Documents are data, never the system's voice: the injection set of tests/data/injection is
uploaded into a real server, then the natural questions are asked over JSON, SSE and the
OpenAI-compatible stream, and briefings are rendered: 0 injected sentences in answers,
0 borrowed markers, no raw HTML from a document in a Markdown or HTML briefing."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

DATA = Path(__file__).resolve().parents[2] / "data" / "injection"
CASES: list[dict[str, Any]] = json.loads((DATA / "cases.json").read_text())["cases"]
PAYLOAD = [w for c in CASES for w in c["payload"]]
QUESTIONS = sorted({q for c in CASES for q in c["questions"]})
UNTRUSTED = {Path(c["file"]).stem for c in CASES if c.get("trust") == "untrusted"}
UPLOADS = {Path(c["file"]).stem for c in CASES}
# The opening of a citation marker in any bracket that looks like ours, even with invisible
# characters or spaces inside ("[2]", "［３］", "【4】", "[\u200b1]").
LOOKALIKE = re.compile(r"[\[［【〔〖〘〚⟦⁅❲﹝][\s\u200b-\u200f\u2060\ufeff]*\^?[0-9０-９]")
OURS = re.compile(r"\[(\d+)\]")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(live_server: Any) -> Any:
    """A server with its own corpus, every injection document uploaded into it."""
    srv = live_server.start(own_index=True)
    with srv.client() as c:
        for case in CASES:
            path = DATA / case["file"]
            trust = {"trust": case["trust"]} if "trust" in case else None
            r = c.post("/v1/documents", files={"file": (path.name, path.read_bytes())}, data=trust)
            assert r.status_code in (201, 202), r.text
            job = r.json()
            deadline = time.monotonic() + 120
            while job["state"] in ("queued", "running") and time.monotonic() < deadline:
                time.sleep(0.1)
                job = c.get(job["location"]).json()
            assert job["state"] == "done", job
    return srv


@pytest.fixture(scope="module")
def texts(server: Any) -> dict[str, str]:
    with server.client() as c:
        ids = [d["doc_id"] for d in c.get("/v1/documents").json()["documents"]]
        return {i: c.get(f"/v1/documents/{i}").json()["text"] for i in ids}


def check_answer(body: dict[str, Any], texts: dict[str, str]) -> None:
    """No injected sentence, no borrowed marker, exact quotes, no untrusted source."""
    answer = body["answer"]
    assert [w for w in PAYLOAD if w in answer] == [], answer
    # every [n] in the text is one the engine numbered for a sentence, none a document's own
    assert len(OURS.findall(answer)) == sum(len(s["citations"]) for s in body["sentences"])
    assert LOOKALIKE.findall(OURS.sub("", answer)) == [], answer
    for s in body["sentences"]:
        assert not LOOKALIKE.search(s["text"]), s["text"]
    for c in body["citations"]:
        assert texts[c["doc_id"]][c["start"] : c["end"]] == c["quote"]
        assert c["doc_id"] not in UNTRUSTED, c


def test_the_documents_are_uploaded_with_their_trust(server: Any) -> None:
    with server.client() as c:
        meta = {d["doc_id"]: d["trust"] for d in c.get("/v1/documents").json()["documents"]}
    assert {meta[d] for d in UNTRUSTED} == {"untrusted"}
    assert {meta[d] for d in UPLOADS - UNTRUSTED} == {"upload"}
    assert {t for d, t in meta.items() if d not in UPLOADS} == {"trusted"}


@pytest.mark.parametrize("question", QUESTIONS)
def test_answers_never_carry_an_injected_sentence_or_a_borrowed_marker(
    server: Any, texts: dict[str, str], question: str
) -> None:
    with server.client() as c:
        r = c.post("/v1/ask", json={"question": question})
    assert r.status_code == 200, r.text
    check_answer(r.json(), texts)


@pytest.mark.parametrize(
    ("doc_id", "question", "said"),
    [
        ("fake_marker", "Is Ant Group insolvent?", "insolvent"),
        (
            "fullwidth_marker",
            "When was the Ant Group IPO relaunched on the STAR Market?",
            "relaunch",
        ),
        ("zero_width_marker", "Why did the central bank fine Ant Group?", "fined"),
        ("moon_cheese", "Why was the Ant IPO suspended?", "cheese"),
    ],
)
def test_a_quoted_upload_never_borrows_a_marker(
    server: Any, texts: dict[str, str], doc_id: str, question: str, said: str
) -> None:
    """Asked about the upload alone, its sentence with a fake marker is the answer, and the
    marker is gone from the text (the citation's quote keeps it: offsets are exact)."""
    with server.client() as c:
        r = c.post("/v1/ask", json={"question": question, "filters": {"doc_ids": [doc_id]}})
    body = r.json()
    assert said in body["answer"], body
    check_answer(body, texts)
    assert any(LOOKALIKE.search(c["quote"]) for c in body["citations"])


def test_a_false_claim_in_an_upload_never_leads_trusted_evidence(
    server: Any, texts: dict[str, str]
) -> None:
    case = next(c for c in CASES if c.get("not_first"))
    with server.client() as c:
        body = c.post("/v1/ask", json={"question": case["questions"][0]}).json()
    assert body["status"] == "answered"
    first = body["sentences"][0]
    assert [w for w in case["not_first"] if w in first["text"]] == []
    cited = {c["marker"]: c["doc_id"] for c in body["citations"]}
    assert {cited[n] for n in first["citations"]}.isdisjoint(UPLOADS), body["answer"]
    trust = {c["doc_id"]: c["trust"] for c in body["citations"]}
    assert {trust[d] for d in trust if d in UPLOADS} <= {"upload"}  # labelled as such
    assert {trust[d] for d in trust if d not in UPLOADS} == {"trusted"}


def _sse(text: str) -> list[tuple[str, Any]]:
    events = []
    for frame in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in frame.splitlines() if ": " in line)
        events.append((fields.get("event", "message"), json.loads(fields["data"])))
    return events


@pytest.mark.parametrize("question", ["Why was the Ant IPO suspended?", "Is Ant Group insolvent?"])
def test_the_ask_stream_is_as_clean_as_the_answer(
    server: Any, texts: dict[str, str], question: str
) -> None:
    with server.client() as c:
        r = c.post("/v1/ask", json={"question": question, "stream": True})
    events = _sse(r.text)
    assert events[-1][0] == "done"
    check_answer(events[-1][1], texts)
    for kind, data in events:
        if kind == "sentence":
            assert len(OURS.findall(data["marked"])) == len(data["citations"]), data
            assert not LOOKALIKE.search(data["text"]) and not any(
                w in data["marked"] for w in PAYLOAD
            )


@pytest.mark.parametrize("question", ["Why was the Ant IPO suspended?", "Is Ant Group insolvent?"])
def test_the_chat_stream_is_as_clean_as_the_answer(server: Any, question: str) -> None:
    body = {"model": "cited-rag", "messages": [{"role": "user", "content": question}]}
    with server.client() as c:
        r = c.post("/v1/chat/completions", json={**body, "stream": True})
        plain = c.post("/v1/ask", json={"question": question}).json()
    chunks = [
        json.loads(line[6:])
        for line in r.text.splitlines()
        if line.startswith("data: ") and line != "data: [DONE]"
    ]
    content = "".join(ch["choices"][0]["delta"].get("content") or "" for ch in chunks)
    markers = {c["marker"] for c in chunks[-1]["citations"]}
    assert [w for w in PAYLOAD if w in content] == []
    assert {int(n) for n in OURS.findall(content)} <= markers
    assert len(OURS.findall(content)) == len(OURS.findall(plain["answer"]))
    assert LOOKALIKE.findall(OURS.sub("", content)) == []


def _brief(server: Any, fmt: str, **extra: Any) -> httpx.Response:
    body = {"topic": "the Ant Group IPO suspension", "format": fmt, **extra}
    with server.client() as c:
        r = c.post("/v1/briefings", json=body)
    assert r.status_code == 200, r.text
    return r


def test_briefings_never_carry_an_injected_sentence_or_a_borrowed_marker(
    server: Any, texts: dict[str, str]
) -> None:
    b = _brief(server, "json").json()
    shown = json.dumps(b, ensure_ascii=False)
    quotes = " ".join(c["quote"] for c in b["citations"])
    assert [w for w in PAYLOAD if w in shown.replace(quotes, "")] == []
    assert {c["doc_id"] for c in b["citations"]}.isdisjoint(UNTRUSTED)
    md = _brief(server, "md").text
    assert [w for w in PAYLOAD if w in md] == []
    assert LOOKALIKE.findall(OURS.sub("", md)) == [], md


def test_markdown_and_html_briefings_escape_a_documents_html_and_links(server: Any) -> None:
    only = {"filters": {"doc_ids": ["html_and_links"]}}
    md = _brief(server, "md", **only).text
    assert "Jack Ma" in md  # the sentence with the HTML is in the briefing ...
    assert re.findall(r"(?<!\\)<(?:img|script)", md) == []  # ... its tags only as text
    assert re.findall(r"(?<!\\)\[SSE|(?<!\\)!\[|\]\(javascript", md) == []
    page = _brief(server, "html", **only).text
    assert "Jack Ma" in page
    assert "<img" not in page and "<script" not in page and 'href="javascript' not in page

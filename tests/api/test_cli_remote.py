"""`rag upload` / `rag delete` (cli/remote.py) against a real server: job progress on stderr,
one line on failure. Here, not in tests/cli/, because it needs the live_server fixture."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cli.main import main

pytestmark = pytest.mark.slow

NOTE = "date 2021-04-02\nA note on tomatoes.\n\nLeeds gardeners grew 4,200 kilograms of tomatoes.\n"


def test_upload_replace_delete_show_the_job(
    live_server: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = live_server.start(own_index=True, rate_limit_per_minute=1_000_000)
    note = tmp_path / "tomato_note.txt"
    note.write_text(NOTE)
    assert main(["upload", str(note), "--url", server.url]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("added tomato_note: index ")
    states = [line.split(": ")[1].split()[0] for line in err.splitlines()]
    assert states[-1] == "done" and {"queued", "running"} & set(states)

    note.write_text(NOTE.replace("4,200", "5,000"))
    assert main(["upload", str(note), "--replace", "--url", server.url, "--json"]) == 0
    job = json.loads(capsys.readouterr().out)
    assert job["kind"] == "replace" and job["state"] == "done"
    assert "5,000" in server.engine.document("tomato_note").text

    assert main(["upload", str(note), "--url", server.url]) == 2  # exists: use --replace
    err = capsys.readouterr().err
    assert err.startswith("rag: error: ") and "PUT" in err and len(err.splitlines()) == 1

    assert main(["delete", "tomato_note", "--url", server.url]) == 0
    assert capsys.readouterr().out.startswith("deleted tomato_note: ")
    assert main(["delete", "tomato_note", "--url", server.url]) == 2
    assert "HTTP 404" in capsys.readouterr().err


def test_a_server_that_is_not_there_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    note = tmp_path / "n.txt"
    note.write_text(NOTE)
    assert main(["upload", str(note), "--url", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rag: error: http://127.0.0.1:9/v1/documents: ")
    assert len(err.splitlines()) == 1
    assert main(["upload", str(tmp_path / "missing.txt")]) == 2

"""The `rag` command line as a person meets it: help, version, documents, exit codes, files.

Run in-process (`cli.main.main` with capsys) over the session's built index; `rag serve` on a
busy port runs in a subprocess to show it fails before any model is imported.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cli.commands import UNANSWERABLE
from cli.main import main
from rag.engine import Engine

REPO = Path(__file__).resolve().parents[2]


def where(engine: Engine) -> list[str]:
    s = engine.settings
    return ["--corpus", str(s.corpus.dir), "--index", str(s.index.dir)]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == "rag (cited-rag) 0.1.0"


@pytest.mark.parametrize("command", ["ingest", "docs", "search", "ask", "brief", "serve", "eval"])
def test_each_subcommand_has_help_with_description_defaults_and_examples(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    description = text.split("\n\n")[1]
    assert len(description.split()) >= 4, text
    assert "examples:\n  rag " + command in text
    assert "(default:" in text


def test_top_level_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert f"{UNANSWERABLE} `rag ask`" in " ".join(capsys.readouterr().out.split())
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert f"exit code {UNANSWERABLE} when the corpus does not answer" in readme


@pytest.mark.slow
def test_docs_lists_title_date_and_passages(
    built_engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["docs", "--json", *where(built_engine)]) == 0
    rows = json.loads(capsys.readouterr().out)["documents"]
    index = built_engine.snapshot.index
    assert [r["doc_id"] for r in rows] == sorted(index.documents)
    assert sum(r["passages"] for r in rows) == len(index.passages)
    assert {"title", "published", "passages"} <= rows[0].keys()
    assert main(["docs", *where(built_engine)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(rows)
    first = rows[1]  # 001 is dated
    assert lines[1].split()[:3] == [first["doc_id"], first["published"], str(first["passages"])]
    assert lines[1].endswith(first["title"])


@pytest.mark.slow
def test_unanswerable_has_its_own_exit_code(
    built_engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["ask", "What did the European Central Bank decide on interest rates?"]
    assert main([*args, *where(built_engine)]) == UNANSWERABLE == 3
    assert capsys.readouterr().out.startswith("unanswerable\n")
    assert main(["ask", "Why was the Ant IPO suspended?", *where(built_engine)]) == 0


@pytest.mark.slow
@pytest.mark.parametrize("command", [["ask", "Why?"], ["search", "Ant"], ["brief", "Ant"]])
def test_an_unknown_doc_is_named(
    built_engine: Engine, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    known = sorted(built_engine.snapshot.index.documents)[0]
    assert main([*command, "--doc", known, "--doc", "nope", *where(built_engine)]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.splitlines() == ["rag: error: no document 'nope' (see `rag docs`)"]


@pytest.mark.slow
def test_brief_writes_a_whole_file(
    built_engine: Engine, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "briefing.html"
    args = ["brief", "the regulatory crackdown on Ant Group", "--format", "html", "-o", str(out)]
    assert main([*args, *where(built_engine)]) == 0
    printed = capsys.readouterr()
    assert printed.out == "" and f"wrote {out}" in printed.err
    html = out.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html") and "</html>" in html
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left


def test_serve_on_a_busy_port_fails_before_loading_models() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = (
            "import sys; from cli.main import main; "
            f"rc = main(['serve', '--port', '{port}']); "
            "print(rc, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)"
        )
        r = subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
        )
    assert r.stdout.split() == ["2", "False", "False"], r.stderr
    assert r.stderr.splitlines() == [
        f"rag: error: cannot serve on 127.0.0.1:{port}: the port is in use"
    ]


@pytest.mark.slow
def test_each_skipped_file_is_reported_once(
    tmp_path: Path, corpus_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    first = sorted(corpus_dir.glob("*.txt"))[0]
    (corpus / first.name).write_bytes(first.read_bytes())
    (corpus / "broken.txt").write_bytes(b"\x00\x01 not text")
    assert main(["ingest", "--corpus", str(corpus), "--index", str(tmp_path / "index")]) == 0
    err = capsys.readouterr().err
    assert err.count("broken.txt") == 1, err
    assert err.strip() == f"skipped {corpus / 'broken.txt'}: binary content"


def _stderr_on_a_terminal(args: list[str]) -> str:
    """Run `rag ARGS` with stderr on a pseudo-terminal (stdout a pipe); return what stderr got."""
    import os
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "cli.main", *args],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=slave,
            timeout=300,
            check=False,
        )
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the terminal is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
    assert proc.returncode == 0, proc.stdout
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.slow
def test_a_spinner_shows_on_a_terminal_but_not_with_json(built_engine: Engine) -> None:
    shown = _stderr_on_a_terminal(["docs", *where(built_engine)])
    assert "loading the index and models…" in shown
    assert _stderr_on_a_terminal(["docs", "--json", *where(built_engine)]) == ""

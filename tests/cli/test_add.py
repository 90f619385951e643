"""`rag add FILE --trust LEVEL`: an upload from the command line, its trust level kept across
processes and re-ingests; a document's own [n] never reads as one of ours."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INJECTION = REPO / "tests" / "data" / "injection"
WHY = "Why was the Ant IPO suspended?"

pytestmark = pytest.mark.slow


def rag(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("RAG_")}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *map(str, args)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_add_with_trust_then_ask(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    shutil.copy(REPO / "corpus" / "000_341026f71ce0a6ab.txt", corpus)
    where = ["--corpus", corpus, "--index", index]

    added = rag("add", INJECTION / "mars_untrusted.txt", "--trust", "untrusted", "--json", *where)
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["document"]["trust"] == "untrusted"
    added = rag("add", INJECTION / "moon_cheese.txt", *where)
    assert added.returncode == 0 and "moon_cheese (upload)" in added.stdout, added.stderr

    # a new process after a re-ingest still knows the levels
    assert rag("ingest", *where).returncode == 0
    mars = rag("ask", WHY, "--doc", "mars_untrusted", "--json", *where)
    assert json.loads(mars.stdout)["citations"] == []  # untrusted: never quoted
    cheese = rag("ask", WHY, "--doc", "moon_cheese", *where)
    _status, answer, quotes, *_sources = cheese.stdout.strip().split("\n\n")
    assert "cheese [1]." in answer and "[1] [1]" not in answer, answer  # not "[1] [1]."
    assert "made of cheese ⟨1⟩.”" in quotes  # the document's own marker, shown as its own

    missing = rag("add", tmp_path / "nope.txt", *where)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1, missing.stderr
    assert "no such file" in missing.stderr

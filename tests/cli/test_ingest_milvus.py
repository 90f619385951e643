"""`rag ingest` into embedded milvus-lite (RAG_STORE__BACKEND=milvus, no URI) prints its
result line and nothing else: the gRPC server milvus-lite runs in the process logged a
traceback for each method it lacks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.milvus]


def test_ingest_into_embedded_milvus_lite_prints_no_traceback(tmp_path: Path) -> None:
    pytest.importorskip("pymilvus", reason="needs the .[scale] extra")
    shutil.copytree(REPO / "corpus", tmp_path / "corpus")
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("RAG_")}
    paths = ["--corpus", str(tmp_path / "corpus"), "--index", str(tmp_path / "index")]
    run = subprocess.run(
        [sys.executable, "-m", "cli.main", "ingest", *paths],
        cwd=REPO,
        env={**clean, "RAG_STORE__BACKEND": "milvus"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert run.stdout.startswith("index v") and " 5 added," in run.stdout, run.stdout
    assert (tmp_path / "index" / "milvus.db").exists()

"""A query replica: an Engine with the default split embedder answers without torch, and its
first upload loads the document model. Run in a fresh interpreter, since this test session
has torch loaded already."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rag.engine import Engine

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
from pathlib import Path
from rag.engine import Engine
from rag.settings import Settings

root = Path(sys.argv[1])
engine = Engine(Settings().with_paths(corpus=root / "corpus", index=root / "index"))
engine.load()
out = {"warm_at_start": engine.warmth()}
out["ask"] = engine.ask("Why was the Ant IPO suspended?").status
out["search"] = len(engine.search("Ant Group IPO").results)
out["torch_after_queries"] = "torch" in sys.modules
out["warm_after_queries"] = engine.warmth()
text = "Tomato growers in Leeds allotments reported a record harvest of heritage tomatoes.\\n"
engine.add_document("garden_2021.txt", text.encode())
out["torch_after_upload"] = "torch" in sys.modules
out["warm_after_upload"] = engine.warmth()
out["search_after_upload"] = engine.search("tomato harvest in Leeds").results[0].doc_id
print(json.dumps(out))
"""


@pytest.mark.slow
def test_a_query_replica_never_imports_torch_until_an_upload(
    tmp_path: Path, built_engine: Engine
) -> None:
    shutil.copytree(built_engine.settings.corpus.dir, tmp_path / "corpus")
    shutil.copytree(built_engine.settings.index.dir, tmp_path / "index")
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("RAG_")}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        cwd=REPO,
        env={**env, "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    cold = {"index": True, "query_model": True, "document_model": False}
    assert out["warm_at_start"] == cold
    assert out["ask"] == "answered"
    assert out["search"] == 5  # top_k hits
    assert out["torch_after_queries"] is False
    assert out["warm_after_queries"] == cold
    assert out["torch_after_upload"] is True
    assert out["warm_after_upload"] == {**cold, "document_model": True}
    assert out["search_after_upload"] == "garden_2021"

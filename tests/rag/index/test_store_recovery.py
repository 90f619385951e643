"""An engine that heals: a corrupt current version falls back to the newest intact one, and
a running engine picks up a version that another process published."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from store_workspace import Workspace

from rag.engine import Engine
from rag.index.embedder import Embedder
from rag.index.store import IndexCorrupt, IndexStore
from rag.settings import Settings

REPO = Path(__file__).resolve().parents[3]
NEW_DOC = (
    " date 2021-02-01 \n"
    "Zhejiang regulators opened a review of the Hangzhou lending platform Quokkabank on "
    "Monday, citing unlicensed consumer loans.\n"
)


def fast_pickup(settings: Settings) -> Settings:
    index = settings.index.model_copy(update={"reload_check_s": 0.01})
    return settings.model_copy(update={"index": index})


def second_version(ws: Workspace, embedder: Embedder) -> tuple[str, str]:
    """(older, newer): the session's version and one with a document more."""
    older = IndexStore(ws.index).current_version()
    (ws.corpus / "zz_quokka.txt").write_text(NEW_DOC, encoding="utf-8")
    Engine(ws.settings, embedder).ingest()
    newer = IndexStore(ws.index).current_version()
    assert older and newer and older != newer
    return older, newer


def corrupt_with_valid_checksum(index: Path, version: str) -> None:
    """Garbage in passage_vectors.npy, and a manifest whose checksum agrees with the garbage."""
    vectors_file = index / version / "passage_vectors.npy"
    vectors_file.write_bytes(b"not a numpy file at all" * 10)
    manifest_path = index / version / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["files"]["passage_vectors.npy"] = hashlib.sha256(vectors_file.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.slow
def test_a_readable_looking_but_broken_file_is_index_corrupt(
    ws: Workspace, embedder: Embedder
) -> None:
    version = IndexStore(ws.index).current_version()
    assert version
    corrupt_with_valid_checksum(ws.index, version)
    with pytest.raises(IndexCorrupt, match="cannot be read"):
        IndexStore(ws.index).load()


@pytest.mark.slow
def test_a_corrupt_current_version_falls_back_to_the_newest_intact(
    ws: Workspace, embedder: Embedder
) -> None:
    older, newer = second_version(ws, embedder)
    corrupt_with_valid_checksum(ws.index, newer)
    engine = Engine(ws.settings, embedder)
    index = engine.load()
    assert index.version == older
    assert engine.fallback and newer in engine.fallback and older in engine.fallback
    assert engine.search("Why was the Ant IPO suspended?").results
    assert "zz_quokka" not in engine.snapshot.index.documents  # the older version's view


@pytest.mark.slow
def test_with_no_intact_version_the_error_stands(ws: Workspace, embedder: Embedder) -> None:
    version = IndexStore(ws.index).current_version()
    assert version
    corrupt_with_valid_checksum(ws.index, version)
    with pytest.raises(IndexCorrupt):
        Engine(ws.settings, embedder).load()


@pytest.mark.slow
def test_a_running_engine_picks_up_a_version_published_by_another_process(
    ws: Workspace, embedder: Embedder
) -> None:
    engine = Engine(fast_pickup(ws.settings), embedder)
    before = engine.load().version
    (ws.corpus / "zz_quokka.txt").write_text(NEW_DOC, encoding="utf-8")
    ingest = [sys.executable, "-m", "cli.main", "ingest", "--corpus", str(ws.corpus)]
    proc = subprocess.run(
        [*ingest, "--index", str(ws.index), "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    time.sleep(0.05)
    hits = engine.search("Which platform did Zhejiang regulators review?").results
    assert engine.snapshot.index.version != before
    assert "zz_quokka" in {h.doc_id for h in hits}
    assert engine.fallback is None


@pytest.mark.slow
def test_picking_up_can_be_switched_off(ws: Workspace, embedder: Embedder) -> None:
    settings = ws.settings.model_copy(
        update={"index": ws.settings.index.model_copy(update={"reload_check_s": 0.0})}
    )
    engine = Engine(settings, embedder)
    before = engine.load().version
    second_version(ws, embedder)
    time.sleep(0.05)
    assert engine.snapshot.index.version == before

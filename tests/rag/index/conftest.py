"""Fixtures of the on-disk store tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from store_workspace import Workspace

from rag.engine import Engine
from rag.settings import Settings


@pytest.fixture
def ws(tmp_path: Path, built_engine: Engine) -> Workspace:
    """A private copy of the session's corpus and built index (cheap: no embedding)."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(built_engine.settings.corpus.dir, corpus)
    shutil.copytree(built_engine.settings.index.dir, index)
    return Workspace(corpus, index, Settings().with_paths(corpus=corpus, index=index))

"""rag.index.trust: trust levels recorded beside the corpus, read back by load_corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.index.corpus import corpus_fingerprint, load_corpus
from rag.index.trust import TRUST_FILE, read_trust, set_trust


def _corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("Ant raised money. Regulators stepped in.\n")
    (folder / "b.txt").write_text("Alipay is a payment app.\n")
    return folder


def test_documents_are_trusted_unless_recorded(tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    docs, _ = load_corpus(folder)
    assert {d.doc_id: d.trust for d in docs} == {"a": "trusted", "b": "trusted"}
    before = corpus_fingerprint(docs)
    set_trust(folder, "b", "untrusted")
    docs, skipped = load_corpus(folder)
    assert {d.doc_id: d.trust for d in docs} == {"a": "trusted", "b": "untrusted"}
    assert skipped == []  # the hidden trust file is not a document
    assert corpus_fingerprint(docs) != before  # a changed level makes the index stale
    assert docs[1].meta()["trust"] == "untrusted"


def test_set_trust_records_and_forgets(tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    set_trust(folder, "a", "upload")
    set_trust(folder, "b", "untrusted")
    assert read_trust(folder) == {"a": "upload", "b": "untrusted"}
    set_trust(folder, "a", None)
    set_trust(folder, "b", "trusted")
    assert read_trust(folder) == {}
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == [TRUST_FILE]


def test_a_bad_level_is_refused_and_a_bad_file_reads_as_empty(tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    with pytest.raises(ValueError, match="trust must be one of"):
        set_trust(folder, "a", "friendly")
    (folder / TRUST_FILE).write_text('{"a": "friendly", "b": "upload"')
    assert read_trust(folder) == {}
    (folder / TRUST_FILE).write_text('{"a": "friendly", "b": "upload"}')
    assert read_trust(folder) == {"b": "upload"}

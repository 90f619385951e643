"""eval.lee: the Lee corpus becomes (first sentence, rest of the article) pairs. No ingest."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.lee import build_lee_corpus, lee_path


@pytest.fixture(scope="module")
def lee_data() -> None:
    try:
        lee_path()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))


@pytest.mark.slow
@pytest.mark.usefixtures("lee_data")
def test_build_lee_corpus(tmp_path: Path) -> None:
    pairs = build_lee_corpus(tmp_path)

    files = sorted(tmp_path.glob("lee_*.txt"))
    assert len(files) >= 290
    assert len(pairs) == len(files)
    assert {p.stem for p in files} == {doc_id for _, doc_id in pairs}
    for query, doc_id in pairs:
        target = (tmp_path / f"{doc_id}.txt").read_text(encoding="utf-8")
        assert query.strip(), doc_id
        assert target and target == target.strip(), doc_id
        assert query not in target, doc_id


def test_lee_path_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import eval.lee

    monkeypatch.setattr(eval.lee.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match=r"pip install --no-deps gensim==4\.4\.0"):
        lee_path()

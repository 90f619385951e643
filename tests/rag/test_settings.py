"""rag.settings: RAG_ variables checked at start-up; one line, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rag.errors import RagError
from rag.settings import ConfigError, env_names, load_settings

REPO = Path(__file__).resolve().parents[2]
DIGEST = "ab" * 32


def test_defaults_load(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().retrieval.top_k == 5


def test_a_setting_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_RETRIEVAL__TOP_K", "7")
    monkeypatch.setenv("RAG_INDEX__HNSW_THRESHOLD", "1000")  # the old name still works
    s = load_settings()
    assert s.retrieval.top_k == 7 and s.index.ann_threshold == 1000


def test_a_mistyped_variable_names_the_closest_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_RETRIEVL__TOP_K", "3")
    with pytest.raises(
        ConfigError, match=r"RAG_RETRIEVL__TOP_K; did you mean RAG_RETRIEVAL__TOP_K"
    ):
        load_settings()


def test_an_unknown_variable_with_nothing_close(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_ZZZZZZZZZZZZZZZZ", "1")
    with pytest.raises(ConfigError, match=r"^unknown setting RAG_ZZZZZZZZZZZZZZZZ$"):
        load_settings()


def test_a_list_that_is_not_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_API__API_KEY_HASHES", DIGEST)
    with pytest.raises(ConfigError, match=r"RAG_API__API_KEY_HASHES must be JSON"):
        load_settings()


def test_a_key_hash_that_is_not_a_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_API__API_KEY_HASHES", '["abc"]')
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value) == (
        "RAG_API__API_KEY_HASHES: must be sha256 hex digests (64 hex characters), got 'abc'"
    )
    monkeypatch.setenv("RAG_API__API_KEY_HASHES", f'["{DIGEST.upper()}"]')
    assert load_settings().api.api_key_hashes == [DIGEST]


def test_a_value_out_of_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_RETRIEVAL__TOP_K", "0")
    with pytest.raises(RagError, match=r"^RAG_RETRIEVAL__TOP_K: .*greater than or equal to 1"):
        load_settings()


def test_every_field_has_a_variable() -> None:
    names = env_names()
    assert "RAG_RETRIEVAL__TOP_K" in names and "RAG_API__API_KEY_HASHES" in names
    assert "RAG_INDEX__ANN_THRESHOLD" in names and "RAG_INDEX__HNSW_THRESHOLD" in names


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RAG_RETRIEVL__TOP_K": "3"}, "did you mean RAG_RETRIEVAL__TOP_K?"),
        ({"RAG_API__API_KEY_HASHES": "not-json"}, "RAG_API__API_KEY_HASHES must be JSON"),
        ({"RAG_API__API_KEY_HASHES": '["abc"]'}, "64 hex characters"),
    ],
)
def test_the_cli_says_one_line_and_exits_2(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "serve", "--index", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", **env},
        timeout=120,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rag: error: ") and message in lines[0]

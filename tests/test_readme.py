"""The README's `$ rag ...` examples print what the README shows, on a fresh index of corpus/.

An example is a ```text block whose first line is `$ rag <args>`; the rest of the block is the
output. The README may wrap long lines, so each paragraph is compared with its whitespace
collapsed: every word, number, offset and quote must match what the command prints today.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from cli.main import main as cli_main
from rag.engine import Engine

REPO = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```text\n\$ rag (?P<args>[^\n]*)\n(?P<output>.*?)^```$", re.M | re.S)


def _examples() -> list[tuple[str, str]]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return [(m["args"], m["output"]) for m in BLOCK.finditer(readme)]


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip())]


def test_the_readme_has_examples_to_check() -> None:
    assert any(args.startswith("ask ") for args, _ in _examples())


@pytest.mark.slow
@pytest.mark.parametrize(("args", "shown"), _examples())
def test_a_readme_example_prints_what_the_readme_shows(
    built_engine: Engine, capsys: pytest.CaptureFixture[str], args: str, shown: str
) -> None:
    settings = built_engine.settings
    paths = ["--corpus", str(settings.corpus.dir), "--index", str(settings.index.dir)]
    assert cli_main([*shlex.split(args), *paths]) == 0
    assert _paragraphs(capsys.readouterr().out) == _paragraphs(shown)

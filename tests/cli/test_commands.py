"""`rag eval`'s flags become one typed EvalOptions; no model is loaded here."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cli.commands import cmd_eval, eval_options
from cli.parser import build_parser
from eval.options import EvalOptions
from rag.settings import Settings

EVERY_FLAG = [
    "eval",
    "--questions", "q.jsonl",
    "--baseline", "b.json",
    "--gate",
    "--update-baseline",
    "--retrieval",
    "--lee",
    "--abstention",
    "--llm", "local",
    "--repeats", "5",
    "--compare", "runs/a.json", "runs/b.json",
    "--report-md", "out/last.md",
    "--runs-dir", "out/runs",
    "--json",
]  # fmt: skip


def options(*argv: str) -> EvalOptions:
    return eval_options(build_parser().parse_args(list(argv)))


def test_bare_eval_gives_the_default_options() -> None:
    assert options("eval") == EvalOptions()


def test_every_flag_lands_in_its_typed_field() -> None:
    assert options(*EVERY_FLAG) == EvalOptions(
        questions=Path("q.jsonl"),
        baseline=Path("b.json"),
        gate=True,
        update_baseline=True,
        retrieval=True,
        lee=True,
        abstention=True,
        llm="local",
        repeats=5,
        compare=(Path("runs/a.json"), Path("runs/b.json")),
        report_md=Path("out/last.md"),
        runs_dir=Path("out/runs"),
        json=True,
    )


def test_every_field_has_a_flag() -> None:
    flagged, default = options(*EVERY_FLAG), EvalOptions()
    unchanged = [
        f.name
        for f in dataclasses.fields(EvalOptions)
        if getattr(flagged, f.name) == getattr(default, f.name)
    ]
    assert unchanged == []


def test_paths_are_paths() -> None:
    got = options(*EVERY_FLAG)
    assert got.compare is not None
    for value in (got.questions, got.baseline, got.report_md, got.runs_dir, *got.compare):
        assert isinstance(value, Path), value


def test_an_empty_report_md_writes_no_report() -> None:
    assert options("eval", "--report-md", "").report_md is None


def test_llm_none_is_the_string_none() -> None:
    # `--llm none` asks for no LLM explicitly; it still counts as set for --repeats.
    assert options("eval", "--llm", "none").llm == "none"
    assert options("eval").llm is None


def test_options_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        EvalOptions().gate = True  # type: ignore[misc]


def test_an_unknown_llm_names_the_bad_value() -> None:
    with pytest.raises(ValueError, match="'gpt'"):
        EvalOptions(llm="gpt")  # type: ignore[arg-type]


@pytest.fixture
def handed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[EvalOptions, Settings | None]]:
    """What cmd_eval hands to eval.main.run (which is replaced: nothing is evaluated)."""
    calls: list[tuple[EvalOptions, Settings | None]] = []

    def fake_run(options: EvalOptions, settings: Settings | None) -> int:
        calls.append((options, settings))
        return 7

    monkeypatch.setattr("eval.main.run", fake_run)
    return calls


def test_cmd_eval_hands_options_and_settings_with_the_given_paths(
    handed: list[tuple[EvalOptions, Settings | None]], tmp_path: Path
) -> None:
    argv = ["eval", "--index", str(tmp_path / "index"), "--corpus", str(tmp_path / "corpus")]
    assert cmd_eval(build_parser().parse_args([*argv, "--gate"])) == 7
    [(got, settings)] = handed
    assert got == EvalOptions(gate=True)
    assert settings is not None
    assert settings.index.dir == tmp_path / "index"
    assert settings.corpus.dir == tmp_path / "corpus"


def test_cmd_eval_compare_hands_no_settings(
    handed: list[tuple[EvalOptions, Settings | None]],
) -> None:
    assert cmd_eval(build_parser().parse_args(["eval", "--compare", "a.json", "b.json"])) == 7
    [(got, settings)] = handed
    assert got.compare == (Path("a.json"), Path("b.json"))
    assert settings is None
